"""The run screen's lesson: its banner, its keys (enter, backspace, 0-9), and opening one from
the command palette or leaving it for one's own run again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

from gdtui.app.widgets.lesson_banner import LessonBanner
from gdtui.core.settings.config import RunConfig

if TYPE_CHECKING:
    from gdtui.app.recording import Recording
    from gdtui.app.training.link import TrainerLink
    from gdtui.core.lessons.lesson import Lesson
    from gdtui.core.lessons.player import LessonPlayer
    from gdtui.core.run.session import TrainingSession


class LessonKeys(Screen[None]):
    """What the run's screen does for a lesson (a part of
    :class:`~gdtui.app.screens.main.MainScreen`)."""

    player: LessonPlayer | None = None
    """The lesson being played, or None."""
    before_lesson: RunConfig | None = None
    """The run's settings before a lesson was opened from the palette: what leaving it goes
    back to, and what the app remembers at exit (a lesson's settings are not the user's)."""
    _shown_lesson: tuple[object, ...] | None = None

    if TYPE_CHECKING:  # the screen's own

        @property
        def session(self) -> TrainingSession: ...

        @property
        def link(self) -> TrainerLink: ...

        @property
        def recording(self) -> Recording | None: ...

        def redraw(self) -> None: ...

        @property
        def in_field(self) -> bool: ...

    def show_lesson(self) -> None:
        """Redraw the lesson's banner, if what it says has changed: the step, off script, or
        "running…" while a step's numbers are on their way."""
        player = self.player
        if player is None:
            return
        shown = (player, player.at, player.off_script, self.link.waiting)
        if shown != self._shown_lesson:
            self._shown_lesson = shown
            self.query_one(LessonBanner).show(player, self.link.waiting)

    def action_lesson_step(self, direction: int) -> None:
        """Do the lesson's next step, or go back one."""
        if self.player is None:
            return
        said = self.player.forward() if direction > 0 else self.player.back()
        if said is not None:
            self.notify(said)
        self.redraw()

    def action_lesson_go(self, step: int) -> None:
        """Go to the lesson's step ``step``, played from its start."""
        if self.player is None:
            return
        said = self.player.go_to(step)
        if said is not None:
            self.notify(said, severity="warning")
        self.redraw()

    def open_lesson(self, lesson: Lesson) -> None:
        """Play ``lesson`` from its start, in place of the run on screen
        or of the lesson being played."""
        if self.recording is not None:
            self.notify(
                "--record is writing a session of your own: play a lesson in another gdtui.",
                severity="warning",
            )
            return
        from gdtui.core.lessons.player import LessonPlayer

        if self.player is None:
            self.before_lesson = self.session.config
        else:
            self.session.listeners.remove(self.player)
        self.player = LessonPlayer(lesson, self.session)
        self.add_class("-playing")
        self.query_one(LessonBanner).display = True
        self.player.go_to(0)  # the lesson's own settings, from epoch 0
        self.redraw()

    def leave_lesson(self) -> None:
        """Stop playing the lesson: the run starts again from the settings it had before (the
        seeds' setup after ``--lesson``), at epoch 0, in the loss view."""
        if self.player is None:
            return
        self.session.listeners.remove(self.player)
        self.player = None
        self.remove_class("-playing")
        self.query_one(LessonBanner).display = False
        if self.before_lesson is not None:
            words = "your settings from before it, from epoch 0"
            self.session.restart(self.before_lesson)
            self.before_lesson = None
        else:  # started with --lesson: no settings of one's own came before it
            words = "the seeds' setup, from epoch 0"
            self.session.restart(RunConfig())
        self.session.show("loss")
        self.notify(f"Left the lesson: {words}.")
        self.redraw()
