"""The fields of a learner's program's own learning rate and epoch count (``f``): the
numbers it assigns, shown as fields; Enter writes the new number into the file (or the
notebook's cell), on its own line, and starts the program again."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Label

from gdtui.core.text import visible

if TYPE_CHECKING:
    from gdtui.core.own.link import OwnLink


class OwnFields(Screen[None]):
    """The screen's learning rate and epoch count fields (a part of it)."""

    path: Path
    link: OwnLink
    knob_values: dict[str, str] = {}  # noqa: RUF012 (set per instance when shown)

    if TYPE_CHECKING:  # the screen's own, which this mixin uses

        def action_restart(self) -> None: ...

        def _line_in_cell(self, line: int) -> str: ...

    def action_fields(self) -> None:
        """``f``: to the learning rate's field (tab to the epochs', escape back)."""
        fields = self.query("#own-knobs Input")
        if fields:
            fields.first().focus()
        else:
            self.notify(
                "No learning rate or epoch count assigned as a number in the file "
                "(lr = 0.01, range(100) or n_iters = 100): e edits it",
                timeout=6,
            )

    def on_key(self, event: Any) -> None:
        if event.key == "escape" and isinstance(self.focused, Input):
            self.set_focus(None)
            event.stop()

    async def _show_knobs(self, knobs: list[list[Any]]) -> None:
        """The program's learning rate and epoch count as fields: Enter writes the number
        into the file and starts it again."""
        row = self.query_one("#own-knobs", Horizontal)
        await row.remove_children()
        widgets: list[Any] = []
        self.knob_values = {kind: text for kind, _, _, text in knobs}
        for kind, name, line, text in knobs:
            widgets.append(Label(visible(f"{name} =")))
            field = Input(text, id=f"knob-{kind.replace(' ', '-')}", compact=True)
            field.tooltip = (
                f"The {kind}, line {self._line_in_cell(line)}: Enter writes it into the file "
                "and starts the program again"
            )
            widgets.append(field)
        if widgets:
            await row.mount_all(widgets)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """A knob's new value: into the file, then the program from its first line."""
        from gdtui.core.own.knobs import KnobError, find_knobs, set_knob
        from gdtui.core.own.source import ProgramError, read_source

        kind = (event.input.id or "").removeprefix("knob-").replace("-", " ")
        try:
            source = read_source(self.path, self.link.cell, self.path.name)
            knob = next(k for k in find_knobs(source) if k.kind == kind)
            if event.value.strip() == knob.text:
                return
            set_knob(self.path, source, knob, event.value)
        except (KnobError, ProgramError, StopIteration, OSError, ValueError) as error:
            self.notify(str(error) or f"{kind}: not found in the file", severity="error")
            event.input.value = self.knob_values.get(kind, event.input.value)  # as in the file
            return
        self.set_focus(None)
        self.notify(f"{kind} = {event.value.strip()} written into {self.path.name}", timeout=4)
        self.action_restart()
