"""The form's rows: what each setting's row shows, read from the run's settings and from what
is typed. No widget here: :mod:`~gdtui.app.widgets.settings_lines` draws them."""

from __future__ import annotations

from dataclasses import dataclass

from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.fields import FORM_FIELDS, Field
from gdtui.core.settings.variants import VARIANTS

SWITCH_STATES = {"zero_grad": (" on", " OFF: accumulates")}
"""What the words beside a switch say when on and when off (default: on / off)."""


@dataclass
class Row:
    """One setting's row as it stands on the form."""

    field: Field
    text: str = ""
    """A text setting: what its row shows (what was typed, until it applies or goes back);
    a choice: the name chosen."""
    on: bool = False
    """A switch: on or off."""
    choices: tuple[str, ...] = ()
    """A choice: what may be chosen."""
    shown: bool = True
    """Whether the setting means anything for the run (``Field.applies``): hidden if not."""
    disabled: bool = False
    """A choice with only one option for the run (the optimizer of a variant with one)."""
    error: str = ""
    """Why the value typed or chosen cannot apply; "" when none."""
    placeholder: str = ""
    """What an empty text setting shows (its default, greyed)."""

    @property
    def key(self) -> str:
        return self.field.key

    @property
    def kind(self) -> str:
        """``input``, ``select`` or ``switch``: how it is edited."""
        return self.field.widget or "input"

    @property
    def stop(self) -> bool:
        """Whether the cursor stops on it (tab, up and down pass hidden and disabled rows)."""
        return self.shown and not self.disabled

    @property
    def state_words(self) -> str:
        """A switch's words beside its slider."""
        on, off = SWITCH_STATES.get(self.key, (" on", " off"))
        return on if self.on else off


def field_text(config: RunConfig, field: Field) -> str:
    """A text setting's value as it is typed (``0.9,0.999`` for Adam's betas; "" unset)."""
    if field.data:
        return ""  # a path to load, not a setting to show
    value = field.value(config)
    if isinstance(value, tuple):
        return ",".join(f"{item:g}" for item in value)
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def choice_names(field: Field, config: RunConfig) -> tuple[str, ...]:
    """What a choice offers (the data: its presets, and the run's own data by its name)."""
    if field.key == "dataset" and config.dataset.name not in field.choices:
        return (*field.choices, config.dataset.name)  # data from a file or lists
    return field.choices


def chosen(field: Field, config: RunConfig) -> str:
    """The name a choice shows as chosen (any generated line is ``noisy``)."""
    if field.key == "dataset":
        return "noisy" if config.dataset.name.startswith("noisy") else config.dataset.name
    return str(getattr(config, field.key))


def form_rows() -> dict[str, Row]:
    """A row for each setting on the form, in its order (:data:`FORM_FIELDS`)."""
    return {field.key: Row(field) for field in FORM_FIELDS}


def fill_rows(rows: dict[str, Row], config: RunConfig, editing: str | None = None) -> None:
    """Show ``config`` in ``rows``, their errors cleared; the text setting being typed in
    (``editing``) keeps what was typed."""
    for field in FORM_FIELDS:
        row = rows[field.key]
        if field.widget == "input" and field.key != editing:
            row.text = field_text(config, field)
        elif field.widget == "switch":
            row.on = bool(field.value(config))
        elif field.widget == "select":
            row.choices, row.text = choice_names(field, config), chosen(field, config)
        row.shown, row.error, row.placeholder = field.applies(config), "", field.placeholder
    variant = VARIANTS[config.variant]
    seeded = "seeded init" if variant.seeded_init else "0"  # nn.Linear draws its own start
    rows["w0"].placeholder = rows["b0"].placeholder = seeded
    rows["optimizer"].disabled = len(variant.optimizers) == 1
