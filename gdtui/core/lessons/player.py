"""Playing a lesson on a run's session: ``enter`` does its next step, ``backspace`` goes back
one by playing the lesson again from its start to the step before, so every number is the one
playing forward gives. Keys of one's own in between are allowed; the player hears of them
(it listens to the session) and says the run is off script until the next step, which plays
the lesson again up to where it stands first."""

from __future__ import annotations

from gdtui.core.lessons.lesson import Lesson, LessonStep
from gdtui.core.run.session import Change, Listener, TrainingSession


class LessonPlayer(Listener):
    """Plays ``lesson`` on ``session`` (from the lesson's own settings)."""

    def __init__(self, lesson: Lesson, session: TrainingSession) -> None:
        self.lesson = lesson
        self.session = session
        self.at = 0
        """How many of the lesson's steps have been done."""
        self.off_script = False
        """Whether keys since the last step changed the run (the next step replays first)."""
        self._playing = False
        session.listeners.append(self)

    @property
    def at_end(self) -> bool:
        """Whether every step has been done."""
        return self.at == len(self.lesson.steps)

    @property
    def note(self) -> str:
        """The note of the step just done (before the first: the lesson's own)."""
        if self.at:
            return self.lesson.steps[self.at - 1].note
        return self.lesson.about or "Press enter to begin."

    def forward(self) -> str | None:
        """Do the next step; returns what to tell the person when it cannot be done."""
        if self.at_end:
            if self.off_script:  # back to the lesson's end, its numbers as the notes say
                self._replay_here()
                return None
            return "That was the lesson's last step: backspace goes back one."
        self._playing = True
        try:
            if self.off_script:  # back to where the script stands, so the note's numbers hold
                self._replay(self.at)
            said = self._do(self.lesson.steps[self.at])
        finally:
            self._playing = False
        self.at += 1
        self.off_script = False
        return said

    def back(self) -> str | None:
        """Go back one step; returns what to tell the person when there is none."""
        if self.at == 0:
            return "This is the lesson's start: enter does its first step."
        self.at -= 1
        self._replay_here()
        return None

    def go_to(self, step: int) -> str | None:
        """Play the lesson from its start to step ``step`` (0: its start); returns what to
        tell the person when there is no such step."""
        count = len(self.lesson.steps)
        if not 0 <= step <= count:
            return f"This lesson has steps 0 to {count}: there is no step {step}."
        self.at = step
        self._replay_here()
        return None

    def _replay_here(self) -> None:
        """The lesson played again to where it stands: back on script."""
        self._playing = True
        try:
            self._replay(self.at)
        finally:
            self._playing = False
        self.off_script = False

    def _replay(self, count: int) -> None:
        """The lesson played again from its start to its first ``count`` steps."""
        self.session.restart(self.lesson.config)
        for step in self.lesson.steps[:count]:
            self._do(step)
        self.session.show(self.lesson.view_at(count))

    def _do(self, step: LessonStep) -> str | None:
        """A step's actions, in the lesson file's order: reset, settings, view, epochs,
        lines. The training process answers them in the order they are sent."""
        session = self.session
        if step.reset:
            session.restart()
        if step.set:
            change = session.change(step.set)
            if not change.applied:
                return "; ".join(f"{key}: {why}" for key, why in change.errors.items())
        if step.view:
            session.show(step.view)
        if (step.epochs or step.lines) and session.finished:
            return session.ended_words
        if step.epochs:
            session.run_epochs(step.epochs)
        for _ in range(step.lines):
            session.run_line()
        return None

    # -- the session's listener: a key of one's own between the steps -------------------------

    def _left_script(self) -> None:
        if not self._playing:
            self.off_script = True

    def restarted(self, at: int) -> None:
        self._left_script()

    def changed(self, change: Change, at: int) -> None:
        self._left_script()

    def ran_epochs(self, epochs: int, at: int) -> None:
        self._left_script()

    def ran_line(self, at: int) -> None:
        self._left_script()

    def ran_on(self, at: int) -> None:
        self._left_script()
