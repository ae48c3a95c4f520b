"""The lesson's banner above the status line: where the lesson stands, and the note of the
step just done."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from gdtui.core.text import visible

if TYPE_CHECKING:
    from gdtui.core.lessons.player import LessonPlayer


class LessonBanner(Vertical):
    """``step 2/9``, whether the run is off script or its step's numbers are on their way,
    the keys, the lesson's title; under it the step's note."""

    def compose(self) -> ComposeResult:
        yield Static(id="lesson-head")
        yield Static(id="lesson-note", markup=False)  # a file's words, as written

    def show(self, player: LessonPlayer, waiting: bool) -> None:
        """Redraw from ``player``; ``waiting``: a step's numbers are on their way."""
        lesson = player.lesson
        count = len(lesson.steps)
        keys = "enter: next · backspace: back"
        marks: list[tuple[str, str]] = []
        if player.at_end:
            keys = "the end · backspace: back"
        if player.off_script:
            first = "to the end" if player.at_end else "to here first"
            marks.append((f" off script: enter replays {first} ", "bold black on yellow"))
            keys = "backspace: back" if player.at_end else keys
        elif waiting:
            marks.append((" running… ", "bold"))
        head = Text.assemble(
            (f" step {player.at}/{count} ", "bold reverse"),
            *marks,
            f"  {keys}  ",
            (visible(lesson.title), "dim"),
        )
        head.no_wrap, head.overflow = True, "ellipsis"
        self.query_one("#lesson-head", Static).update(head)
        self.query_one("#lesson-note", Static).update(visible(player.note))
