"""A lesson on a learner's own loop (``program = "mine.py"`` in a lesson's settings): its
note in a banner over the code, enter to do the next step (run lines or epochs of the
program, show the loss or the landscape), backspace to go back one (the program starts
again and replays the steps before: seeded, it comes to the same numbers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

from gdtui.core.text import visible

if TYPE_CHECKING:
    from gdtui.core.lessons.lesson import Lesson, LessonStep
    from gdtui.core.own.link import OwnLink


class OwnLesson(Screen[None]):
    """What the screen of a learner's loop needs to play a lesson (a part of it)."""

    lesson: Lesson | None
    lesson_at: int
    """Steps done (0: the lesson's first note is shown, nothing run yet)."""
    link: OwnLink
    show_landscape: bool

    if TYPE_CHECKING:  # the screen's own, which this mixin uses

        def action_view(self) -> None: ...

        def start_over(self) -> None: ...

    def action_lesson_next(self) -> None:
        """enter: the lesson's next step."""
        if self.lesson is None or self.lesson_at >= len(self.lesson.steps):
            return
        self.lesson_at += 1
        self._do_step(self.lesson.steps[self.lesson_at - 1])
        self.show_lesson()

    def action_lesson_back(self) -> None:
        """backspace: back one step: the program from its first line, the steps before."""
        if self.lesson is None or self.lesson_at == 0:
            return
        self.lesson_at -= 1
        self.start_over()
        for step in self.lesson.steps[: self.lesson_at]:
            self._do_step(step, replaying=True)
        self.show_lesson()

    def _do_step(self, step: LessonStep, replaying: bool = False) -> None:
        if step.reset and not replaying:
            self.start_over()
        for _ in range(step.lines):
            self.link.send("step")
        for _ in range(step.epochs):
            self.link.send("epoch")
        if step.view is not None and (step.view == "landscape") != self.show_landscape:
            self.action_view()

    def show_lesson(self) -> None:
        """The banner: the lesson's title, where it is, and the step's note."""
        banner = self.query_one("#own-lesson", Static)
        lesson = self.lesson
        banner.display = lesson is not None
        if lesson is None:
            return
        total = len(lesson.steps)
        if self.lesson_at == 0:
            note = lesson.about or "enter starts the lesson"
        else:
            note = lesson.steps[self.lesson_at - 1].note
        where = f"step {self.lesson_at} of {total}"
        keys = (
            "enter: next, backspace: back" if self.lesson_at < total else "the end; backspace: back"
        )
        text = Text()
        text.append(visible(lesson.title), style="bold")
        text.append(f"  {where}  ({keys})\n", style="dim")
        text.append(visible(note))
        banner.update(text)
