"""The app's end of the training process: its reader runs as a Textual thread worker, and each
reply goes, as a message, to the screen that asked for it.

The run's own replies (batches, torch loaded, a replay's progress, a failure while stepping,
the process dying) go to the run's screen; a comparison's and the tour's go to the screen that
asked, which is told too if the process dies before answering.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from textual import on
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import Screen

from gdtui.app.messages import (
    ComparisonProgressed,
    ComparisonReady,
    EpochsCompleted,
    LineStepped,
    RunRestored,
    RunRestoring,
    TorchLoaded,
    TourReady,
    TrainerStopped,
    TrainingFailed,
)
from gdtui.core.engine.runner import Batch
from gdtui.core.process.parent import (
    Compared,
    CompareProgress,
    Died,
    Failed,
    LineRan,
    Restored,
    Restoring,
    TorchReady,
    TourRan,
    TrainerProcess,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.dom import DOMNode

    from gdtui.core.settings.config import RunConfig

READER_GROUP = "trainer"
"""The worker group of the training process's reader."""


def reader_name(pid: int | None) -> str:
    """The name of the worker that reads the training process ``pid``."""
    return f"reader of {pid}"


class TrainerLink:
    """The training process, and who is waiting for which of its answers."""

    def __init__(self, run: DOMNode) -> None:
        self.run = run
        """The run's screen: it runs the reader and gets the run's replies."""
        self.process = TrainerProcess(self._received, start_reader=self._start_reader)
        self._askers: dict[int, tuple[MessagePump, int | None]] = {}
        """Request → (who asked, the pid of the process asked)."""
        self._lock = threading.Lock()

    @property
    def waiting(self) -> bool:
        """Whether some screen is still waiting for an answer (epochs stepped, a comparison,
        the tour)."""
        return bool(self._askers)

    def step(self, epochs: int = 1) -> int:
        """Step the run exactly ``epochs`` epochs; the run's screen gets the batch."""
        return self._ask(self.run, lambda: self.process.step(epochs))

    def step_line(self) -> int:
        """Run the next line of the loop; the run's screen gets what it did."""
        return self._ask(self.run, self.process.step_line)

    def compare(self, asker: MessagePump, config: RunConfig, across: str) -> int:
        """Ask for a comparison; ``asker`` gets its progress and result. Returns its number."""
        return self._ask(asker, lambda: self.process.compare(config, across))

    def cancel_compare(self, request: int) -> None:
        """Give up comparison ``request``: its answer (None) still comes, and ends the wait."""
        self.process.cancel_compare(request)

    def tour(self, asker: MessagePump) -> int:
        """Ask for the autograd tour's outputs; ``asker`` gets them. Returns the request's
        number."""
        return self._ask(asker, self.process.tour)

    def _ask(self, asker: MessagePump, send: Callable[[], int]) -> int:
        with self._lock:
            request = send()
            self._askers[request] = (asker, self.process.pid)
        return request

    def _answered(self, request: int) -> MessagePump | None:
        with self._lock:
            asker = self._askers.pop(request, (None, None))[0]
        return asker

    def _start_reader(self, read: Callable[[], None], pid: int) -> None:
        def reader() -> None:
            try:
                read()
            finally:  # a reader that fails leaves no one waiting either
                self._gone(pid, "it was closed before it answered")

        self.run.run_worker(
            reader, name=reader_name(pid), group=READER_GROUP, thread=True, exit_on_error=False
        )

    def _gone(self, pid: int, why: str) -> None:
        """The process ``pid`` has gone: whoever still waits on it is told why."""
        with self._lock:
            orphans = [r for r, (_, asked) in self._askers.items() if asked == pid]
            askers = {self._askers.pop(r)[0] for r in orphans}
        for asker in askers - {self.run}:  # the run's screen hears of the process itself
            asker.post_message(TrainerStopped(why, pid))

    def _received(self, message: object) -> None:
        """On the reader's thread: pass ``message`` on as a Textual message."""
        target: MessagePump | None = self.run
        event: Message | None = None
        if isinstance(message, Batch):
            if message.request:
                self._answered(message.request)
            event = EpochsCompleted(message)
        elif isinstance(message, LineRan):
            self._answered(message.request)
            event = LineStepped(message.run_id, message.step, message.batch)
        elif isinstance(message, TorchReady):
            event = TorchLoaded(message.seconds)
        elif isinstance(message, CompareProgress):
            with self._lock:
                target = self._askers.get(message.request, (None, None))[0]
            event = ComparisonProgressed(
                message.request, message.lanes, message.total, message.series
            )
        elif isinstance(message, Compared):
            target = self._answered(message.request)
            event = ComparisonReady(message.request, message.comparison, message.across)
        elif isinstance(message, TourRan):
            target = self._answered(message.request)
            event = TourReady(message.request, message.outputs)
        elif isinstance(message, Failed):
            if message.request:
                target = self._answered(message.request)
            event = TrainingFailed(message.message, message.run_id)
        elif isinstance(message, Died):
            self._gone(message.pid, message.why)
            event = TrainerStopped(message.why, message.pid)
        elif isinstance(message, Restoring):
            event = RunRestoring(message.run_id, message.epoch, message.total)
        elif isinstance(message, Restored):
            event = RunRestored(message)
        if target is not None and event is not None:
            target.post_message(event)


class AskingScreen(Screen[None]):
    """A screen that asks the training process for something (a comparison, the tour) and
    says so when the answer will not come."""

    WHAT = "the answer"
    """What failed, in a few words ("the comparison failed")."""

    @on(TrainingFailed)
    def _training_failed(self, event: TrainingFailed) -> None:
        self.notify(event.message, title="Training stopped", severity="error", timeout=10)
        self.failed(f"{self.WHAT} failed")

    @on(TrainerStopped)
    def _trainer_stopped(self, event: TrainerStopped) -> None:
        self.failed(f"the training process stopped unexpectedly ({event.why})")

    def failed(self, why: str) -> None:
        """The answer will not come: say ``why``."""
        raise NotImplementedError
