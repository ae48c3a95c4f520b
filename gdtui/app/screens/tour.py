"""The autograd tour: seed 004's cells one at a time, the code beside what it printed."""

from __future__ import annotations

from typing import ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static

from gdtui.app.training.link import AskingScreen, TrainerLink
from gdtui.app.widgets.key_bar import KeyBar
from gdtui.core.lessons.tour import CELLS
from gdtui.core.process.protocol import Reply, Tour, TourRan


class TourScreen(AskingScreen):
    """Steps through the cells; their code runs for real in the training process."""

    WHAT = "running the cells"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,t", "app.pop_screen", "Back"),
        Binding("n,right", "move(1)", "Next lesson"),
        Binding("p,left", "move(-1)", "Previous"),
    ]

    def __init__(self, link: TrainerLink) -> None:
        super().__init__()
        self.link = link
        self.outputs: list[str] | None = None
        self.problem: str | None = None
        """Why the outputs will not come (the training process failed or stopped), or None."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="tour-body"):
            cells = OptionList(
                *(f"{i}. {cell.title}" for i, cell in enumerate(CELLS, 1)), id="tour-list"
            )
            cells.border_title = "Autograd tour"
            yield cells
            with Vertical(id="tour-lesson"):
                yield Static(id="tour-code")
                yield Static(id="tour-output")
                yield Static(id="tour-note")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0
        self.query_one(OptionList).focus()
        self.link.ask(Tour(), self)
        self.show_cell(0)

    def answered(self, reply: Reply) -> None:
        """What each cell printed."""
        if isinstance(reply, TourRan):
            self.outputs = reply.outputs
            self.show_cell(self.query_one(OptionList).highlighted or 0)

    def failed(self, why: str) -> None:
        """The outputs will not come: each cell says why instead of "running…"."""
        self.problem = why
        self.show_cell(self.query_one(OptionList).highlighted or 0)

    def show_cell(self, index: int) -> None:
        """Show cell ``index``: its code, what it printed, and what to notice."""
        cell = CELLS[index]
        code = self.query_one("#tour-code", Static)
        # Highlighted as text, so that a line too long for the pane ends in "…" (see the CSS).
        highlighted = Syntax(cell.code, "python", theme="ansi_dark").highlight(cell.code)
        highlighted.rstrip()
        code.update(highlighted)
        code.border_title = f"In [{index + 1}]: {cell.title}"
        if self.outputs is not None:
            output = self.outputs[index]
        else:
            output = f"not run: {self.problem}" if self.problem else "running…"
        printed = self.query_one("#tour-output", Static)
        printed.update(Text(output))
        printed.border_title = "Out"
        self.query_one("#tour-note", Static).update(Text(cell.note, style="italic"))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_cell(event.option_index)

    def action_move(self, step: int) -> None:
        """Go to the next or previous cell."""
        cells = self.query_one(OptionList)
        current = cells.highlighted or 0
        cells.highlighted = max(0, min(len(CELLS) - 1, current + step))
