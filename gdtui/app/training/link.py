"""The app's end of the training process: its reader runs as a Textual thread worker, and each
reply goes, as one :class:`~gdtui.app.messages.TrainerReplied` message, to the screen that
asked for it: the run's own replies (stretches, torch loaded, a replay's progress, a failure
while running, the process dying) to the run's screen; a comparison's and the tour's to the
screen that asked, which is told too if the process dies before answering."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, TypeVar

from textual import on
from textual.message_pump import MessagePump
from textual.screen import Screen

from gdtui.app.messages import TrainerReplied
from gdtui.core.engine.runner import Stretch
from gdtui.core.process.parent import TrainerProcess
from gdtui.core.process.protocol import Died, Failed, LineRan, Reply, Request, is_final

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.dom import DOMNode

R = TypeVar("R", bound=Request)

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
        """Whether some screen is still waiting for an answer (epochs run, a comparison, the
        tour)."""
        return bool(self._askers)

    def ask(self, command: R, asker: MessagePump | None = None) -> R:
        """Send ``command`` as a new request; ``asker`` (the run's screen when None) gets its
        answers. Returns the command as sent, numbered."""
        with self._lock:
            sent = self.process.ask(command)
            self._askers[sent.request] = (asker or self.run, self.process.pid)
        return sent

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
            asker.post_message(TrainerReplied(Died(why, pid)))

    def _received(self, reply: Reply) -> None:
        """On the reader's thread: pass ``reply`` on to whoever asked for it."""
        if isinstance(reply, Died):
            self._gone(reply.pid, reply.why)
        target: MessagePump | None = self.run
        if reply.request:
            with self._lock:
                if is_final(reply):
                    target = self._askers.pop(reply.request, (None, None))[0]
                else:
                    target = self._askers.get(reply.request, (None, None))[0]
            if isinstance(reply, (Stretch, LineRan)):
                target = self.run  # the run's own, whoever waited
        if target is not None:
            target.post_message(TrainerReplied(reply))


class AskingScreen(Screen[None]):
    """A screen that asks the training process for something (a comparison, the tour) and
    says so when the answer will not come."""

    WHAT = "the answer"
    """What failed, in a few words ("the comparison failed")."""

    @on(TrainerReplied)
    def _replied(self, event: TrainerReplied) -> None:
        match event.reply:
            case Failed(message):
                self.notify(message, title="Training stopped", severity="error", timeout=10)
                self.failed(f"{self.WHAT} failed")
            case Died(why):
                self.failed(f"the training process stopped unexpectedly ({why})")
            case reply:
                self.answered(reply)

    def answered(self, reply: Reply) -> None:
        """An answer to this screen's request has come."""
        raise NotImplementedError

    def failed(self, why: str) -> None:
        """The answer will not come: say ``why``."""
        raise NotImplementedError
