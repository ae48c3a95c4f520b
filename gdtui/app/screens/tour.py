"""The autograd tour: seed 004's lessons one at a time, the code beside what it printed."""

from __future__ import annotations

from typing import ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static

from gdtui.app.messages import TourReady
from gdtui.app.training.link import AskingScreen, TrainerLink
from gdtui.app.widgets.key_bar import KeyBar
from gdtui.core.lessons.tour import LESSONS


class TourScreen(AskingScreen):
    """Steps through the lessons; their code runs for real in the training process."""

    WHAT = "running the lessons"

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
            lessons = OptionList(
                *(f"{i}. {lesson.title}" for i, lesson in enumerate(LESSONS, 1)), id="tour-list"
            )
            lessons.border_title = "Autograd tour"
            yield lessons
            with Vertical(id="tour-lesson"):
                yield Static(id="tour-code")
                yield Static(id="tour-output")
                yield Static(id="tour-note")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0
        self.query_one(OptionList).focus()
        self.link.tour(self)
        self.show_lesson(0)

    @on(TourReady)
    def _ready(self, event: TourReady) -> None:
        self.outputs = event.outputs
        self.show_lesson(self.query_one(OptionList).highlighted or 0)

    def failed(self, why: str) -> None:
        """The outputs will not come: each lesson says why instead of "running…"."""
        self.problem = why
        self.show_lesson(self.query_one(OptionList).highlighted or 0)

    def show_lesson(self, index: int) -> None:
        """Show lesson ``index``: its code, what it printed, and what to notice."""
        lesson = LESSONS[index]
        code = self.query_one("#tour-code", Static)
        code.update(Syntax(lesson.code, "python", theme="ansi_dark", background_color="default"))
        code.border_title = f"In [{index + 1}]: {lesson.title}"
        if self.outputs is not None:
            output = self.outputs[index]
        else:
            output = f"not run: {self.problem}" if self.problem else "running…"
        printed = self.query_one("#tour-output", Static)
        printed.update(Text(output))
        printed.border_title = "Out"
        self.query_one("#tour-note", Static).update(Text(lesson.note, style="italic"))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_lesson(event.option_index)

    def action_move(self, step: int) -> None:
        """Go to the next or previous lesson."""
        lessons = self.query_one(OptionList)
        current = lessons.highlighted or 0
        lessons.highlighted = max(0, min(len(LESSONS) - 1, current + step))
