"""The run's keys, and what the help screen and the command palette say about keys: read off
the bindings, whose tooltips are the long descriptions."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingType

LR = Binding.Group("lr")
HISTORY = Binding.Group("History", compact=True)

RUN_KEYS: list[BindingType] = [
    Binding("tab", "open_settings", "Settings", tooltip="Open the settings (narrow screens)"),
    Binding("tab", "app.focus_next", "Next", show=False),  # when the drawer is open
    Binding("escape", "close_settings", "Close settings", tooltip="Close the settings"),
    Binding("space", "toggle_run", "Run/Pause", tooltip="Run / pause"),
    Binding("n", "run_epoch", "Epoch", tooltip="One epoch (the rest of it, mid-epoch)"),
    Binding(
        "full_stop",
        "run_line",
        "Line",
        key_display=".",
        tooltip="Run the next line of the loop",
    ),
    Binding("r", "reset", "Reset", tooltip="Reset the run"),
    Binding("z", "toggle_zero_grad", "zero_grad", tooltip="zero_grad on / off"),
    Binding("v", "next_variant", "Variant", tooltip="Next variant"),
    Binding(
        "plus,equals_sign",
        "scale_lr(2)",
        "lr×2",
        key_display="+",
        group=LR,
        tooltip="Learning rate × 2",
    ),
    Binding(
        "minus", "scale_lr(0.5)", "lr÷2", key_display="-", group=LR, tooltip="Learning rate ÷ 2"
    ),
    Binding("l", "toggle_log", "Log", tooltip="Log / linear loss axis"),
    Binding("g", "next_view", "View", tooltip="View: loss → data and fit → loss landscape → code"),
    Binding(
        "left",
        "move_cursor(-1)",
        "Back",
        key_display="←",
        group=HISTORY,
        tooltip="Step back through the history",
    ),
    Binding(
        "right",
        "move_cursor(1)",
        "Forward",
        key_display="→",
        group=HISTORY,
        tooltip="Step forward (to the latest: follow it again)",
    ),
    Binding("c", "compare", "Compare", tooltip="Compare the variants (o: the optimizers)"),
    Binding(
        "p",
        "toggle_present",
        "Present",
        tooltip="Presenter mode: the numbers in big digits, the chart and code enlarged",
    ),
    Binding("t", "tour", "Tour", tooltip="Autograd tour: requires_grad, backward, .grad, no_grad"),
    Binding(
        "e",
        "export",
        "Export",
        tooltip="Export the history (CSV, JSONL) and the settings with their changes (TOML)",
    ),
    Binding("escape", "leave_field", "Leave field", tooltip="Leave a field"),
    Binding(
        "enter",
        "lesson_step(1)",
        "Next step",
        priority=True,
        tooltip="In a lesson: its next step",
    ),
    Binding(
        "backspace",
        "lesson_step(-1)",
        "Step back",
        priority=True,
        tooltip="In a lesson: back one step (played again from the start)",
    ),
    *(
        Binding(
            str(step),
            f"lesson_go({step})",
            f"Step {step}",
            show=False,
            key_display="0-9",
            # One line in help and the palette for the ten keys: the first one's.
            tooltip="In a lesson: go to that step (played from the start); 0: the start"
            if step == 0
            else "",
        )
        for step in range(10)
    ),
]
"""The run's keys, on the run's screen: the key bar, the help screen and the command
palette are read off them (the long words are the tooltips)."""


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
