"""``gdtui --record FILE``: what the person does to the run, written as a lesson file after
each key that acts on it, when a run flat out stops, and at exit.

The file is created at start, exclusively (a file there is never written over, even one put
there since the command line was checked), and from then on only the file the recording
made is replaced: a file put in its place meanwhile (another session recording to the same
name, or anything else) is left alone, and the recording goes on under a new name, said once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gdtui.core.engine.runner import Stretch
from gdtui.core.files import MAX_NUMBER, FileId, NotOurs, numbered, replace_own, write_new
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
    ``path`` (atomically; see the module docstring). A failure is told once, through
    ``tell``; the next write tries again."""

    def __init__(self, path: Path, start: RunConfig, tell: Callable[[str], None]) -> None:
        self.asked = path
        """The file named on the command line."""
        self.path = path
        """The file being written: ``asked``, or a new name if that one was taken."""
        self.recorder = Recorder(start, f"Recorded: {path.stem}")
        self.problem: str | None = None
        """Why the last write failed (None if it did not): the file holds the one before."""
        self._own: FileId | None = None
        # The screen is not on view yet: what the first write has to say waits for the next.
        self._held: list[str] = []
        self._tell = self._held.append
        self.save()
        self._tell = tell

    def save(self) -> None:
        """Write what was done so far."""
        for message in self._held:
            self._tell(message)
        self._held.clear()
        try:
            self._write()
        except (OSError, LessonError) as error:
            why = error.strerror if isinstance(error, OSError) else None
            problem = f"Could not write the recording {self.path}: {why or error}"
            if problem != self.problem:
                self._tell(problem)
            self.problem = problem
        else:
            self.problem = None

    def _text(self, path: Path) -> str:
        return self.recorder.text(ABOUT.format(path.name))

    def _write(self) -> None:
        if self._own is not None:
            try:
                self._own = replace_own(self.path, self._text(self.path), self._own)
                return
            except NotOurs:
                self._own = None
                lost = self.path
        else:
            lost = None
        for number in range(1, MAX_NUMBER + 1):
            path = numbered(self.asked, number)
            try:
                (self._own,) = write_new([(path, self._text(path))])
            except FileExistsError:
                continue
            self.path = path
            break
        else:
            raise FileExistsError(0, f"{MAX_NUMBER:,} names are taken", str(self.asked))
        if lost is None and self.path != self.asked:  # taken since the command line's check
            self._tell(
                f"{self.asked} appeared after gdtui started and is not written over: the "
                f"recording is in {self.path.name}"
            )
        elif lost is not None and self.path != lost:  # (removed, it is simply made again)
            self._tell(
                f"The recording {lost} was replaced by another file, which is not written "
                f"over: the recording goes on in {self.path.name}"
            )

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
