"""``gdtui --record FILE``: what the person does to the run, written as a lesson file after
each key that acts on it, when a run flat out stops, and at exit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gdtui.core.engine.runner import Stretch
from gdtui.core.files import write_atomic
from gdtui.core.lessons.lesson import LessonError
from gdtui.core.lessons.recorder import Recorder
from gdtui.core.run.session import Change, Listener
from gdtui.core.settings.config import RunConfig

ABOUT = (
    "Recorded with gdtui --record: each key that acted on the run is a step. "
    "Play it with gdtui --lesson {0}, and write your own notes over these."
)


class Recording(Listener):
    """Listens to the run's session through a :class:`Recorder` and writes what it has to
    ``path`` (atomically). A failure is told once, through ``tell``; the next write tries
    again."""

    def __init__(self, path: Path, start: RunConfig, tell: Callable[[str], None]) -> None:
        self.path = path
        self.recorder = Recorder(start, f"Recorded: {path.stem}")
        self._tell = tell
        self._problem: str | None = None

    def save(self) -> None:
        """Write what was done so far."""
        try:
            write_atomic(self.path, self.recorder.text(ABOUT.format(self.path.name)))
        except (OSError, LessonError) as error:
            why = error.strerror if isinstance(error, OSError) else None
            problem = f"Could not write the recording {self.path}: {why or error}"
            if problem != self._problem:
                self._tell(problem)
            self._problem = problem
        else:
            self._problem = None

    def restarted(self, at: int) -> None:
        self.recorder.restarted(at)
        self.save()

    def changed(self, change: Change, at: int) -> None:
        self.recorder.changed(change, at)
        self.save()

    def ran_epochs(self, epochs: int, at: int) -> None:
        self.recorder.ran_epochs(epochs, at)
        self.save()

    def ran_line(self, at: int) -> None:
        self.recorder.ran_line(at)
        self.save()

    def viewed(self, view: str, at: int) -> None:
        self.recorder.viewed(view, at)

    def landed(self, stretch: Stretch) -> None:
        self.recorder.landed(stretch)
        if stretch.stop is not None:  # the run stopped: its epochs are all in
            self.save()
