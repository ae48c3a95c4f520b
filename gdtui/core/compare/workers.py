"""A comparison's lanes on every core: one share in the process that asked, the others in
processes of their own.

Each worker is a fresh interpreter (a plain subprocess, as the training process is) given its
share of the lanes, balanced by what an epoch of each costs. It steps its lanes in turn, a
slice of time each, and sends each slice's records as it goes, so that every lane's progress
streams back. A worker reads its end of a pipe on a thread of its own, and ends the moment the
pipe closes: it never outlives the process that asked for it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from gdtui.core import spawn
from gdtui.core.engine.runner import Runner, Stretch
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.variants import VARIANTS

SLICE_SECONDS = 0.05
"""How long a worker steps one lane before it sends the records and turns to the next."""
WAIT_SECONDS = 0.1
"""How often the parent looks whether it has been cancelled while it waits for records."""
WORKER_COMMAND = "from gdtui.core.compare.workers import worker; worker()"


class WorkerFailed(Exception):
    """A worker ended without finishing its lanes, or reported an error."""


@dataclass(frozen=True)
class LaneStretch:
    """A slice of one lane's run, as a worker sends it."""

    lane: str
    stretch: Stretch


def shares(configs: dict[str, RunConfig], workers: int) -> list[list[str]]:
    """The lanes each of ``workers`` processes runs, the busiest share first: the costliest
    lane first to the least loaded worker, so that the workers finish together."""
    loads = [0.0] * workers
    share: list[list[str]] = [[] for _ in range(workers)]
    cost = {name: VARIANTS[c.variant].epoch_cost for name, c in configs.items()}
    for name in sorted(configs, key=lambda n: -cost[n]):
        least = loads.index(min(loads))
        share[least].append(name)
        loads[least] += cost[name]
    busiest = sorted(range(workers), key=lambda i: -loads[i])
    return [share[i] for i in busiest if share[i]]


def run_in_workers(
    configs: dict[str, RunConfig],
    workers: int,
    on_stretch: Callable[[str, Stretch], None],
    cancelled: Callable[[], bool] = lambda: False,
) -> bool:
    """Run every lane of ``configs`` to its end on ``workers`` cores, passing each slice of
    records to ``on_stretch(lane, stretch)`` as it arrives (in each lane's order). This process
    takes the lightest share itself (it has torch imported already, and it also takes in
    what the others send), a worker process each of the others. Returns True when every lane
    has ended; False, early, killing the workers, once ``cancelled()``."""
    *there, here = shares(configs, workers)
    local = {name: Runner(configs[name]) for name in here}
    with _started(configs, there) as connections:
        running = set(connections)
        while running or local:
            if cancelled():
                return False
            if local:  # a slice of each lane here, then whatever the workers have sent
                _slice_each(local, on_stretch, SLICE_SECONDS)
            for connection in wait(list(running), 0 if local else WAIT_SECONDS):
                assert isinstance(connection, Connection)
                try:
                    message = connection.recv()
                except EOFError:
                    raise WorkerFailed("a comparison's worker ended early") from None
                if isinstance(message, LaneStretch):
                    on_stretch(message.lane, message.stretch)
                elif isinstance(message, str):
                    raise WorkerFailed(message)
                else:  # the worker's lanes are all done
                    running.discard(connection)
    return True


@contextlib.contextmanager
def _started(configs: dict[str, RunConfig], groups: list[list[str]]) -> Iterator[list[Connection]]:
    """A worker for each group of lanes, and their reply ends; on leaving, every worker is
    killed and reaped."""
    processes: list[subprocess.Popen[bytes]] = []
    ends: list[Connection] = []  # both ends of each pipe: a worker ends when its input closes
    replies: list[Connection] = []
    try:
        for names in groups:
            process, commands, reply = spawn.start(WORKER_COMMAND)
            processes.append(process)
            ends += [commands, reply]
            replies.append(reply)
            commands.send({name: configs[name] for name in names})
        yield replies
    finally:
        for end in ends:
            end.close()
        for process in processes:
            with contextlib.suppress(OSError):
                process.kill()
            process.wait()


# -- the worker ---------------------------------------------------------------------------


def worker() -> None:
    """A worker's entry point: its lanes on stdin, records on stdout."""
    commands, replies = spawn.attach()
    lanes: dict[str, RunConfig] = commands.recv()
    # The pipe closing means the parent has gone or given up: end at once.
    threading.Thread(target=_end_with, args=(commands,), daemon=True).start()
    try:
        run_lanes(lanes, lambda lane, stretch: replies.send(LaneStretch(lane, stretch)))
    except OSError:
        os._exit(0)
    except Exception:
        replies.send(traceback.format_exc(limit=4))
        return
    replies.send(None)


def run_lanes(
    lanes: dict[str, RunConfig],
    send: Callable[[str, Stretch], None],
    slice_seconds: float = SLICE_SECONDS,
) -> None:
    """Step each lane in turn for ``slice_seconds`` and ``send`` what it did, until every
    lane has ended (done, converged, diverged, or found diverging)."""
    runners = {name: Runner(config) for name, config in lanes.items()}
    while runners:
        _slice_each(runners, send, slice_seconds)


def _slice_each(
    runners: dict[str, Runner], send: Callable[[str, Stretch], None], slice_seconds: float
) -> None:
    """Step each lane once, for ``slice_seconds``, and ``send`` what it did; a lane that has
    ended leaves ``runners``."""
    for name, runner in list(runners.items()):
        stretch = runner.run(10**9, slice_seconds)
        send(name, stretch)
        if stretch.stop is not None:
            del runners[name]


def _end_with(commands: Connection) -> None:
    with contextlib.suppress(EOFError, OSError):
        commands.recv()
    os._exit(0)
