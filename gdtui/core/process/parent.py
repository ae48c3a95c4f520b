"""Training in a process of its own.

A torch training loop in a thread beside a busy UI thread slows by one or two orders of
magnitude: torch gives up and takes back the GIL many times per epoch, and the UI thread
takes it each time. In its own process the loop runs at full speed and the UI stays
responsive. The parent sends commands; the child answers with batches of epochs.

Neither side ever waits on the other. The parent's commands go into a bounded queue that a
thread of its own writes down the pipe, and each carries only the settings that changed; a
thread in the child reads them, so the child notices at once that its parent has gone (and
ends), and a ``cancel`` reaches a comparison while the loop is busy with it. The child says
something at least every :data:`HEARTBEAT_SECONDS`; a child silent for
:data:`NOT_RESPONDING_SECONDS` (stopped, or hung) is reported by
:attr:`TrainerProcess.responding`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import queue
import signal
import subprocess
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, TypeVar

from gdtui.core.engine.runner import Batch, ReplayPlan, Stepper
from gdtui.core.process import spawn
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.variants import VARIANTS

if TYPE_CHECKING:
    from gdtui.core.compare.comparison import Comparison
    from gdtui.core.engine.lines import LineStep
    from gdtui.core.engine.record import EpochRecord

T = TypeVar("T")

SLICE_SECONDS = 0.025
"""How long a running child steps before it sends a batch and reads its commands."""
HEARTBEAT_SECONDS = 0.5
"""The child says something at least this often, if only that it is alive."""
NOT_RESPONDING_SECONDS = 4.0
"""A child silent for this long is not responding (torch's import is ~1–3 s, and talks)."""
MAX_PENDING = 1000
"""Commands that may wait for a child that does not read them; one more and it is given up."""
PROGRESS_SECONDS = 0.2
"""How often a comparison or a replay reports how far it has got."""
SERIES_POINTS = 200
"""Points per lane of a comparison's loss sent with its progress (the chart's)."""


@dataclass(frozen=True)
class TorchReady:
    """The child has imported torch and paid its first-step costs."""

    seconds: float


@dataclass(frozen=True)
class Compared:
    """The result of a ``compare`` command; ``comparison`` is None if it was cancelled."""

    request: int
    comparison: Comparison | None
    across: str


@dataclass(frozen=True)
class CompareProgress:
    """How far each lane of a comparison has got: its epochs so far (``total`` once it has
    ended), and its loss so far as the chart draws it (see :func:`lane_series`)."""

    request: int
    lanes: dict[str, int]
    total: int
    series: dict[str, tuple[Any, Any]]


@dataclass(frozen=True)
class TourRan:
    """What each lesson of the autograd tour printed, for ``tour`` request ``request``."""

    request: int
    outputs: list[str]


@dataclass(frozen=True)
class Failed:
    """Something went wrong in the child; ``message`` says what. It was stepping run
    ``run_id`` (which is paused), or answering request ``request`` (a comparison, the tour);
    0 when neither."""

    message: str
    run_id: int = 0
    request: int = 0


@dataclass(frozen=True)
class Died:
    """The child ended without being asked; ``why`` says how (``killed by SIGKILL``)."""

    why: str
    pid: int


@dataclass(frozen=True)
class Restored:
    """A new child replayed its run up to ``record``'s epoch and can carry on from there."""

    run_id: int
    record: EpochRecord | None
    optimizer_state: dict[str, float]


@dataclass(frozen=True)
class Restoring:
    """How far a replay has got."""

    run_id: int
    epoch: int
    total: int


@dataclass(frozen=True)
class LineRan:
    """The answer to a ``step-line`` command: what the line did, and the epoch's batch when it
    was the epoch's last line."""

    run_id: int
    request: int
    step: LineStep | None
    batch: Batch | None


@dataclass(frozen=True)
class _Heartbeat:
    """The child is alive (never passed on to the parent's listener)."""


# -- the child ----------------------------------------------------------------------------

CHILD_COMMAND = "import sys; from gdtui.core.process.parent import main; main(sys.argv[1])"


def main(slice_seconds: str = str(SLICE_SECONDS)) -> None:
    """The child's entry point: commands on stdin, replies on stdout."""
    commands, replies = spawn.attach()
    serve(commands, replies, float(slice_seconds))


class _Channel:
    """The child's end: a thread reads the commands into a queue, answers nothing itself but
    heartbeats, and ends the process when the parent has gone; replies are sent under a lock,
    since both threads send."""

    def __init__(
        self,
        commands: Connection,
        replies: Connection,
        parent_gone: Callable[[], None],
    ) -> None:
        self.inbox: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self.cancelled_request = 0
        """The newest comparison the parent has cancelled (a comparison checks it as it goes)."""
        self._commands = commands
        self._replies = replies
        self._parent_gone = parent_gone
        self._lock = threading.Lock()
        self._last_sent = time.monotonic()
        threading.Thread(target=self._read, name="gdtui-commands", daemon=True).start()

    def send(self, message: object) -> None:
        """Send a reply (raises OSError once the parent has gone)."""
        with self._lock:
            self._replies.send(message)
            self._last_sent = time.monotonic()

    def _read(self) -> None:
        try:
            while True:
                if not self._commands.poll(HEARTBEAT_SECONDS / 2):
                    if time.monotonic() - self._last_sent >= HEARTBEAT_SECONDS:
                        self.send(_Heartbeat())
                    continue
                command = self._commands.recv()
                if command[0] == "cancel":
                    self.cancelled_request = max(self.cancelled_request, command[1])
                else:
                    self.inbox.put(command)
        except (EOFError, OSError):
            pass
        self.inbox.put(("quit",))
        self._parent_gone()


def serve(
    commands: Connection,
    replies: Connection,
    slice_seconds: float = SLICE_SECONDS,
    parent_gone: Callable[[], None] | None = None,
) -> None:
    """The child's loop: obey commands in order; while running, step and send batches.

    ``parent_gone`` is called (on the reading thread) once the parent's end closes: by
    default the process ends at once, whatever the loop is doing.
    """
    channel = _Channel(commands, replies, parent_gone or partial(os._exit, 0))
    inbox = channel.inbox
    stepper: Stepper | None = None
    config = RunConfig()
    running = False
    obeyed = 0  # commands taken from the inbox, as the parent counts those it sent
    try:
        while True:
            if running and stepper is not None:
                work = partial(_slice, stepper, slice_seconds, obeyed)
                batch = _answer(channel, work, stepper.run_id)
                running = batch is not None and batch.stop is None
                if running and inbox.empty():
                    continue
            command, *args = inbox.get()
            obeyed += 1
            if command == "quit":
                return
            if command == "reset":
                run_id, changes = args
                config = dataclasses.replace(config, **changes)
                stepper, running = Stepper(config, run_id), False
            elif command == "apply" and stepper is not None:
                config = dataclasses.replace(config, **args[0])
                stepper.apply(config)
            elif command == "pause":
                running = False
            elif command == "run" and stepper is not None and not stepper.finished:
                running = True
            elif command == "step":
                request, epochs = args
                if stepper is None or stepper.finished:
                    channel.send(Batch(stepper.run_id if stepper else 0, [], request=request))
                else:
                    work = partial(_step, stepper, epochs, request)
                    _answer(channel, work, stepper.run_id, request)
            elif command == "step-line":
                request = args[0]
                if stepper is None or stepper.finished:
                    channel.send(LineRan(stepper.run_id if stepper else 0, request, None, None))
                else:
                    _answer(channel, partial(_step_line, stepper, request), stepper.run_id, request)
            elif command == "restore" and stepper is not None:
                _answer(channel, partial(_restore, channel, stepper, *args), stepper.run_id)
            elif command == "warm-up":
                _answer(channel, lambda: TorchReady(_warm_up_torch()))
            elif command == "tour":
                _answer(channel, partial(_tour, *args), request=args[0])
            elif command == "compare":
                _answer(channel, partial(_compare, channel, *args), request=args[0])
    except OSError:
        return  # the parent has gone while a reply was on its way


# The tour and comparisons run in the child only: the app need not import them to start.
def _compare(channel: _Channel, request: int, config: RunConfig, across: str) -> Compared:
    from gdtui.core.compare.comparison import CompareCancelled, compare

    report = time.perf_counter()

    def progress(comparison: Comparison, total: int) -> bool:
        nonlocal report
        if channel.cancelled_request >= request:
            return False
        if time.perf_counter() >= report:
            lanes = {
                name: total if comparison.stops[name] else len(history)
                for name, history in comparison.histories.items()
            }
            series = {
                name: history.downsample("loss", SERIES_POINTS)
                for name, history in comparison.histories.items()
            }
            channel.send(CompareProgress(request, lanes, total, series))
            report = time.perf_counter() + PROGRESS_SECONDS
        return True

    try:
        return Compared(request, compare(config, across, progress), across)
    except CompareCancelled:
        return Compared(request, None, across)


def _slice(stepper: Stepper, seconds: float, obeyed: int) -> Batch:
    return dataclasses.replace(stepper.step(10**9, seconds), after=obeyed)


def _step(stepper: Stepper, epochs: int, request: int) -> Batch:
    return dataclasses.replace(stepper.step(epochs), request=request)


def _step_line(stepper: Stepper, request: int) -> LineRan:
    step, batch = stepper.step_line()
    return LineRan(stepper.run_id, request, step, batch)


def _restore(channel: _Channel, stepper: Stepper, plan: ReplayPlan) -> Restored:
    def progress(epoch: int) -> None:
        channel.send(Restoring(stepper.run_id, epoch, plan.epochs))

    record = stepper.replay(plan, progress, PROGRESS_SECONDS)
    return Restored(stepper.run_id, record, stepper.trainer.optimizer_state())


def _tour(request: int) -> TourRan:
    from gdtui.core.lessons.tour import run_tour

    return TourRan(request, run_tour())


def _answer(
    channel: _Channel, work: Callable[[], T], run_id: int = 0, request: int = 0
) -> T | None:
    """Send what ``work`` returns, or a :class:`Failed` naming its error (the child lives on).
    Sending raises OSError once the parent has gone, which ends the child."""
    try:
        reply = work()
    except Exception:
        channel.send(Failed(traceback.format_exc(limit=4), run_id, request))
        return None
    channel.send(reply)
    return reply


def _warm_up_torch() -> float:
    start = time.perf_counter()
    from gdtui.core.engine.torch_support import warm_up

    warm_up()
    return time.perf_counter() - start


# -- the parent ---------------------------------------------------------------------------


StartReader = Callable[[Callable[[], None], int], None]
"""Runs ``read`` (which returns once the child with this pid has gone) on a thread: the
reader passes each reply to ``on_message`` as it arrives."""


def _reader_thread(read: Callable[[], None], pid: int) -> None:
    threading.Thread(target=read, name=f"gdtui-trainer-reader-{pid}", daemon=True).start()


class _Child:
    """One training process as the parent sees it: the process, a thread that writes the
    queued commands to it, and a thread that reads its replies."""

    def __init__(
        self,
        on_message: Callable[[Any], None],
        slice_seconds: float,
        start_reader: StartReader,
    ) -> None:
        self.process, self._commands, self._replies = spawn.start(CHILD_COMMAND, str(slice_seconds))
        self._on_message = on_message
        self._outbox: queue.Queue[tuple[Any, ...] | None] = queue.Queue(MAX_PENDING)
        self.closing = False
        self.given_up = False
        """True once a command could not be queued: the child is not reading them."""
        self.config: RunConfig | None = None
        """The settings the child has, as of the commands sent so far."""
        self.sent = 0
        """The commands sent that the child counts as it obeys them (all but cancel)."""
        self.last_heard = time.monotonic()
        threading.Thread(target=self._write, name="gdtui-trainer-writer", daemon=True).start()
        start_reader(self._read, self.process.pid)

    def send(self, command: tuple[Any, ...]) -> None:
        """Queue ``command`` without waiting; a full queue gives the child up."""
        if self.given_up or self.closing:
            return
        if command[0] != "cancel":
            self.sent += 1
        try:
            self._outbox.put_nowait(command)
        except queue.Full:
            self.given_up = True

    def _write(self) -> None:
        while (command := self._outbox.get()) is not None:
            try:
                self._commands.send(command)
            except OSError:
                return  # the child has gone; the reader reports it

    def _read(self) -> None:
        while True:
            try:
                message = self._replies.recv()
            except (EOFError, OSError):
                break
            self.last_heard = time.monotonic()
            if not isinstance(message, _Heartbeat):
                self._on_message(message)
        if not self.closing:
            self._on_message(Died(self._why(), self.process.pid))

    def _why(self) -> str:
        try:
            status = self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "it closed its end of the pipe"
        if status < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-status).name}"
            return f"killed by signal {-status}"
        return f"exit status {status}"

    def close(self, timeout: float) -> None:
        """Ask the child to quit, wait up to ``timeout`` seconds, then kill it."""
        self.send(("quit",))
        self.closing = True
        with contextlib.suppress(queue.Full):
            self._outbox.put_nowait(None)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.process.wait()

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()


class TrainerProcess:
    """The parent's handle on the training process.

    Every message from the child (a :class:`Batch`, :class:`TorchReady`, :class:`Died`, …)
    is passed to ``on_message`` on a reader thread, which ``start_reader`` starts for each
    child (a plain thread by default; the app runs it as a Textual worker); the callback must
    be thread-safe (the app posts a message). Commands are carried out in the order they are
    sent, and sending one never waits.
    """

    def __init__(
        self,
        on_message: Callable[[Any], None],
        slice_seconds: float = SLICE_SECONDS,
        not_responding: float = NOT_RESPONDING_SECONDS,
        start_reader: StartReader = _reader_thread,
    ) -> None:
        self._on_message = on_message
        self._start_reader = start_reader
        self._slice_seconds = slice_seconds
        self.not_responding = not_responding
        """Seconds of silence after which a live child counts as not responding."""
        self._child: _Child | None = None
        self._requests = 0

    @property
    def started(self) -> bool:
        """Whether :meth:`start` has been called (and :meth:`close` not since)."""
        return self._child is not None

    @property
    def alive(self) -> bool:
        """Whether the child is running."""
        return self._child is not None and self._child.process.poll() is None

    @property
    def sent(self) -> int:
        """How many commands this child has been sent that it counts in ``Batch.after``."""
        return 0 if self._child is None else self._child.sent

    @property
    def pid(self) -> int | None:
        """The child's process id, or None before :meth:`start`."""
        return None if self._child is None else self._child.process.pid

    @property
    def responding(self) -> bool:
        """False once a live child has been silent for :attr:`not_responding` seconds, or has
        left so many commands unread that one could not be queued."""
        child = self._child
        if child is None or not self.alive:
            return True  # not started, or dead: the reader reports that
        silent = time.monotonic() - child.last_heard
        return not child.given_up and silent < self.not_responding

    def start(self, config: RunConfig, run_id: int) -> None:
        """Start a child with a run; it imports torch at once if the variant needs it."""
        self._child = _Child(self._on_message, self._slice_seconds, self._start_reader)
        self.reset(run_id, config)
        if VARIANTS[config.variant].uses_torch:
            self.warm_up()

    def _send(self, *command: Any) -> None:
        # Before start there is nothing to tell: start() sends the run as it is then.
        if self._child is not None:
            self._child.send(command)

    def _send_config(self, command: str, *args: Any, config: RunConfig) -> None:
        """``command`` with the settings that differ from what the child has (all of them the
        first time): the data crosses the pipe only when it changes."""
        child = self._child
        if child is None:
            return
        old, child.config = child.config, config
        changes = {
            f.name: getattr(config, f.name)
            for f in dataclasses.fields(RunConfig)
            if old is None or getattr(old, f.name) != getattr(config, f.name)
        }
        child.send((command, *args, changes))

    def reset(self, run_id: int, config: RunConfig) -> None:
        """Drop the current run and start ``run_id`` with ``config``."""
        self._send_config("reset", run_id, config=config)

    def apply(self, config: RunConfig) -> None:
        """Change live settings (learning rate, zero_grad, epochs, eps) from the next epoch."""
        self._send_config("apply", config=config)

    def step(self, epochs: int = 1) -> int:
        """Step exactly ``epochs`` epochs (fewer if the run ends) and send them as one batch,
        which carries the request's number (returned); an empty one if the run has ended."""
        self._requests += 1
        self._send("step", self._requests, epochs)
        return self._requests

    def step_line(self) -> int:
        """Run the next line of the loop; replies :class:`LineRan` with the request's number
        (returned)."""
        self._requests += 1
        self._send("step-line", self._requests)
        return self._requests

    def run(self) -> None:
        """Step until paused or the run ends, sending a batch every slice."""
        self._send("run")

    def pause(self) -> None:
        """Stop running after the current slice."""
        self._send("pause")

    def restore(self, plan: ReplayPlan) -> None:
        """Replay the current run to ``plan.epochs`` (a new child carrying on from a history
        kept by the parent); replies :class:`Restoring` as it goes, then :class:`Restored`."""
        self._send("restore", plan)

    def compare(self, config: RunConfig, across: str) -> int:
        """Run ``config``'s lanes (see :mod:`gdtui.core.compare.comparison`), replying
        :class:`CompareProgress` as it goes and :class:`Compared` at the end; returns the
        request's number, which those replies carry."""
        self._requests += 1
        self._send("compare", self._requests, config, across)
        return self._requests

    def cancel_compare(self, request: int) -> None:
        """Stop comparison ``request`` (and any before it) at once; it replies with None."""
        child = self._child
        if child is not None:
            child.send(("cancel", request))

    def tour(self) -> int:
        """Run the autograd tour's lessons and reply :class:`TourRan`; returns the request's
        number, which the reply carries."""
        self._requests += 1
        self._send("tour", self._requests)
        return self._requests

    def warm_up(self) -> None:
        """Import torch in the child now and report :class:`TorchReady`."""
        self._send("warm-up")

    def kill(self) -> None:
        """Kill the child at once, whatever it is doing (safe from any thread)."""
        if self._child is not None:
            self._child.kill()

    def close(self, timeout: float = 0.5) -> None:
        """Stop the child: ask, wait up to ``timeout`` seconds, then kill it."""
        child, self._child = self._child, None
        if child is not None:
            child.close(timeout)
