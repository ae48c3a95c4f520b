"""What the help screen and the command palette say about the keys: read off the bindings,
whose tooltips are the long descriptions."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingType


def described(bindings: Iterable[BindingType]) -> list[tuple[str, str, str]]:
    """(keys, action, description) for each action whose bindings have a tooltip, in binding
    order; an action bound more than once lists its keys together (``q / ctrl+c``)."""
    keys: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    for binding in bindings:
        assert isinstance(binding, Binding)
        if binding.tooltip:
            descriptions.setdefault(binding.action, binding.tooltip)
        if binding.action in descriptions:
            keys.setdefault(binding.action, []).append(binding.key_display or binding.key)
    return [(" / ".join(k), action, descriptions[action]) for action, k in keys.items()]
