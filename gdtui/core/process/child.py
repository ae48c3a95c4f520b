"""The training process's own loop: it obeys the parent's commands in order and, while the run
goes flat out, sends a stretch of epochs every slice.

A thread reads the commands into a queue, so the child notices at once that its parent has
gone (and ends), and a :class:`~gdtui.core.process.protocol.Cancel` reaches a comparison
while the loop is busy with it. It says something at least every :data:`HEARTBEAT_SECONDS`,
whatever the loop is busy with: a stretch of epochs, a backlog of thousands of commands, a
reply being pickled.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable
from functools import partial
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import TYPE_CHECKING, Any, TypeVar

from gdtui.core import spawn
from gdtui.core.engine.runner import ReplayPlan, Runner, Stretch
from gdtui.core.process.protocol import (
    Apply,
    Cancel,
    Compare,
    Compared,
    CompareProgress,
    Failed,
    Heartbeat,
    LineRan,
    Pause,
    Quit,
    Reset,
    Restore,
    Restored,
    Restoring,
    Run,
    RunEpochs,
    RunLine,
    TorchReady,
    Tour,
    TourRan,
    WarmUp,
)
from gdtui.core.settings.config import RunConfig

if TYPE_CHECKING:
    from gdtui.core.compare.comparison import Comparison

T = TypeVar("T")

SLICE_SECONDS = 0.025
"""How long a running child runs before it sends a stretch and reads its commands."""
HEARTBEAT_SECONDS = 0.5
"""The child says something at least this often, if only that it is alive."""
PROGRESS_SECONDS = 0.2
"""How often a comparison or a replay reports how far it has got."""
SERIES_POINTS = 200
"""Points per lane of a comparison's loss sent with its progress (the chart's)."""
COMMAND = "import sys; from gdtui.core.process.child import main; main(sys.argv[1])"
"""What the parent runs (``python -c``) to start a child."""


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
        self.inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.cancelled_request = 0
        """The newest comparison the parent has cancelled (a comparison checks it as it goes)."""
        self._commands = commands
        self._replies = replies
        self._parent_gone = parent_gone
        self._lock = threading.Lock()
        self._last_sent = time.monotonic()
        threading.Thread(target=self._read, name="gdtui-commands", daemon=True).start()

    def send(self, message: object) -> None:
        """Send a reply (raises OSError once the parent has gone). It is pickled before the
        lock is taken: a large stretch must not hold back the reading thread's heartbeat."""
        data = ForkingPickler.dumps(message)
        with self._lock:
            self._replies.send_bytes(data)
            self._last_sent = time.monotonic()

    def _read(self) -> None:
        try:
            while True:
                # Due whether or not commands are coming: a stream of them (a held key)
                # while the loop works on something long is no reason to fall silent.
                if time.monotonic() - self._last_sent >= HEARTBEAT_SECONDS:
                    self.send(Heartbeat())
                if not self._commands.poll(HEARTBEAT_SECONDS / 2):
                    continue
                command = self._commands.recv()
                if isinstance(command, Cancel):
                    self.cancelled_request = max(self.cancelled_request, command.request)
                else:
                    self.inbox.put(command)
        except (EOFError, OSError):
            pass
        self.inbox.put(Quit())
        self._parent_gone()


def serve(
    commands: Connection,
    replies: Connection,
    slice_seconds: float = SLICE_SECONDS,
    parent_gone: Callable[[], None] | None = None,
) -> None:
    """The child's loop: obey commands in order; while running, run and send stretches.

    ``parent_gone`` is called (on the reading thread) once the parent's end closes: by
    default the process ends at once, whatever the loop is doing.
    """
    channel = _Channel(commands, replies, parent_gone or partial(os._exit, 0))
    inbox = channel.inbox
    runner: Runner | None = None
    config = RunConfig()
    running = False
    obeyed = 0  # commands taken from the inbox, as the parent counts those it sent
    try:
        while True:
            if running and runner is not None:
                stretch = _answer(channel, partial(_slice, runner, slice_seconds, obeyed), runner)
                running = stretch is not None and stretch.stop is None
                if running and inbox.empty():
                    continue
            command = inbox.get()
            obeyed += 1
            match command:
                case Quit():
                    return
                case Reset(run_id, changes, script):
                    config = dataclasses.replace(config, **changes)
                    runner, running = Runner(config, run_id, script), False
                case Apply(changes) if runner is not None:
                    config = dataclasses.replace(config, **changes)
                    runner.apply(config)
                case Pause():
                    running = False
                case Run() if runner is not None and not runner.finished:
                    running = True
                case RunEpochs(epochs, request):
                    if runner is None or runner.finished:
                        channel.send(Stretch(runner.run_id if runner else 0, [], request=request))
                    else:
                        run = partial(_run_epochs, channel, runner, epochs, request)
                        _answer(channel, run, runner, request)
                case RunLine(request):
                    if runner is None or runner.finished:
                        channel.send(LineRan(runner.run_id if runner else 0, None, None, request))
                    else:
                        _answer(channel, partial(_run_line, runner, request), runner, request)
                case Restore(plan) if runner is not None:
                    _answer(channel, partial(_restore, channel, runner, plan), runner)
                case WarmUp():
                    _answer(channel, lambda: TorchReady(_warm_up_torch()))
                case Tour(request):
                    _answer(channel, partial(_tour, request), request=request)
                case Compare(compared, across, request):
                    comparison = partial(_compare, channel, compared, across, request)
                    _answer(channel, comparison, request=request)
    except OSError:
        return  # the parent has gone while a reply was on its way


def _slice(runner: Runner, seconds: float, obeyed: int) -> Stretch:
    return dataclasses.replace(runner.run(10**9, seconds), after=obeyed)


def _run_epochs(channel: _Channel, runner: Runner, epochs: int, request: int) -> Stretch:
    """Run ``epochs`` epochs; many, as stretches of a bounded size sent as they are made
    (each but the last marked ``more``), which returns the last."""
    while True:
        stretch = dataclasses.replace(runner.run(epochs), request=request)
        epochs -= len(stretch.records)
        if stretch.stop is not None or epochs <= 0 or not stretch.records:
            return stretch
        channel.send(dataclasses.replace(stretch, more=True))


def _run_line(runner: Runner, request: int) -> LineRan:
    line, stretch = runner.run_line()
    return LineRan(runner.run_id, line, stretch, request)


def _restore(channel: _Channel, runner: Runner, plan: ReplayPlan) -> Restored:
    def progress(epoch: int) -> None:
        channel.send(Restoring(runner.run_id, epoch, plan.epochs))

    record = runner.replay(plan, progress, PROGRESS_SECONDS)
    return Restored(runner.run_id, record, runner.trainer.optimizer_state())


# The tour and comparisons run in the child only: the app need not import them to start.
def _tour(request: int) -> TourRan:
    from gdtui.core.lessons.tour import run_tour

    return TourRan(run_tour(), request)


def _compare(channel: _Channel, config: RunConfig, across: str, request: int) -> Compared:
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
            channel.send(CompareProgress(lanes, total, series, request))
            report = time.perf_counter() + PROGRESS_SECONDS
        return True

    try:
        return Compared(compare(config, across, progress), across, request)
    except CompareCancelled:
        return Compared(None, across, request)


def _answer(
    channel: _Channel, work: Callable[[], T], runner: Runner | None = None, request: int = 0
) -> T | None:
    """Send what ``work`` returns, or a :class:`Failed` naming its error (the child lives on;
    ``runner``'s run is paused). Sending raises OSError once the parent has gone, which ends
    the child."""
    try:
        reply = work()
    except Exception:
        run_id = runner.run_id if runner is not None else 0
        channel.send(Failed(traceback.format_exc(limit=4), run_id, request))
        return None
    channel.send(reply)
    return reply


def _warm_up_torch() -> float:
    start = time.perf_counter()
    from gdtui.core.engine.torch_support import warm_up

    warm_up()
    return time.perf_counter() - start
