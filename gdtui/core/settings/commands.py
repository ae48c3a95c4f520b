"""The command palette's entries for each setting, built from the settings table
(:data:`~gdtui.core.settings.fields.FIELDS`): a choice or a switch sets it, any other goes to
its field on the form."""

from __future__ import annotations

from typing import Any

from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.fields import Field, shown_value
from gdtui.core.settings.variants import VARIANTS

Command = tuple[str, str, dict[str, Any] | None]
"""(title, help, the change it makes, or None to go to the setting's field on the form)."""


def commands(field: Field, config: RunConfig | None = None) -> list[Command]:
    """The palette's entries for ``field`` in a run of ``config`` (None: one where it
    applies). Where it does not apply, its choices set what it needs as well, and say so
    (``gradient: tutorial (with variant numpy-manual)``)."""
    if field.widget is None or field.label is None:
        return []
    if config is not None and not field.applies(config):
        if not field.enables or field.widget not in ("switch", "select"):
            return []
        needs = ", ".join(f"{key} {shown_value(value)}" for key, value in field.enables)
        return [
            (f"{title} (with {needs})", text, {**dict(field.enables), **change})
            for title, text, change in _own(field)
            if change is not None
        ]
    return _own(field)


def _own(field: Field) -> list[Command]:
    if field.widget == "switch":
        return [
            (f"{field.label}: {name}", field.help, {field.key: value})
            for name, value in (("on", True), ("off", False))
        ]
    if field.widget in ("select", "variants"):
        return [
            (f"{field.label}: {choice}", _choice_help(field, choice), {field.key: choice})
            for choice in field.choices
        ]
    return [(f"Edit {field.label}", field.help, None)]


def _choice_help(field: Field, choice: str) -> str:
    if field.key == "variant":
        return VARIANTS[choice].description
    return field.help
