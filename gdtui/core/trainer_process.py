"""Training in a process of its own.

A torch training loop in a thread beside a busy UI thread slows by one or two orders of
magnitude: torch gives up and takes back the GIL many times per epoch, and the UI thread
takes it each time. In its own process the loop runs at full speed and the UI stays
responsive. The parent sends commands; the child answers with batches of epochs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from gdtui.core.config import RunConfig
from gdtui.core.stepper import Stepper
from gdtui.core.trainers.registry import VARIANTS

if TYPE_CHECKING:
    from gdtui.core.compare import Comparison

T = TypeVar("T")

SLICE_SECONDS = 0.025
"""How long a running child steps before it sends a batch and reads its commands."""


@dataclass(frozen=True)
class TorchReady:
    """The child has imported torch and paid its first-step costs."""

    seconds: float


@dataclass(frozen=True)
class Compared:
    """The result of a ``compare`` command."""

    comparison: Comparison
    across: str


@dataclass(frozen=True)
class TourRan:
    """What each lesson of the autograd tour printed."""

    outputs: list[str]


@dataclass(frozen=True)
class Failed:
    """Something went wrong in the child; ``message`` says what (the run is paused)."""

    message: str
    run_id: int = 0


# -- the child ----------------------------------------------------------------------------

CHILD_COMMAND = "import sys; from gdtui.core.trainer_process import main; main(sys.argv[1])"


def main(slice_seconds: str = str(SLICE_SECONDS)) -> None:
    """The child's entry point: commands on stdin, replies on stdout."""
    commands = Connection(os.dup(0), writable=False)
    replies = Connection(os.dup(1), readable=False)
    _detach_from_terminal()
    # Where cores are few, the screen and the keys come first: the loop takes what is left.
    with contextlib.suppress(OSError):
        os.nice(5)
    serve(commands, replies, float(slice_seconds))


def serve(commands: Connection, replies: Connection, slice_seconds: float = SLICE_SECONDS) -> None:
    """The child's loop: obey commands in order; while running, step and send batches."""
    stepper: Stepper | None = None
    running = False
    while True:
        if running and stepper is not None:
            batch = _answer(replies, partial(stepper.step, 10**9, slice_seconds), stepper.run_id)
            running = batch is not None and batch.stop is None
            if running and not commands.poll():
                continue
        try:
            command, *args = commands.recv()
        except (EOFError, OSError):
            return
        if command == "quit":
            return
        if command == "reset":
            run_id, config = args
            stepper, running = Stepper(config, run_id), False
        elif command == "apply" and stepper is not None:
            stepper.apply(args[0])
        elif command == "pause":
            running = False
        elif command == "run" and stepper is not None and not stepper.finished:
            running = True
        elif command == "step" and stepper is not None and not stepper.finished:
            _answer(replies, partial(stepper.step, args[0]), stepper.run_id)
        elif command == "warm-up":
            _answer(replies, lambda: TorchReady(_warm_up_torch()))
        elif command == "tour":
            _answer(replies, _tour)
        elif command == "compare":
            _answer(replies, partial(_compare, *args))


# The tour and comparisons run in the child only: the app need not import them to start.
def _compare(config: RunConfig, across: str) -> Compared:
    from gdtui.core.compare import compare

    return Compared(compare(config, across), across)


def _tour() -> TourRan:
    from gdtui.core.autograd_tour import run_tour

    return TourRan(run_tour())


def _answer(replies: Connection, work: Callable[[], T], run_id: int = 0) -> T | None:
    """Send what ``work`` returns, or a :class:`Failed` naming its error (the child lives on)."""
    try:
        reply = work()
    except Exception:
        replies.send(Failed(traceback.format_exc(limit=4), run_id))
        return None
    replies.send(reply)
    return reply


def _warm_up_torch() -> float:
    start = time.perf_counter()
    from gdtui.core.trainers.torch_common import warm_up

    warm_up()
    return time.perf_counter() - start


def _detach_from_terminal() -> None:
    """Stdout carries replies now and the terminal belongs to the UI: stray output goes
    nowhere, and ctrl+c is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    import numpy as np

    np.seterr(all="ignore")  # overflow is reported as divergence, not as a warning


# -- the parent ---------------------------------------------------------------------------


class TrainerProcess:
    """The parent's handle on the training process.

    Every message from the child (a :class:`Batch`, :class:`TorchReady` or :class:`Failed`)
    is passed to ``on_message`` on a reader thread; the callback must be thread-safe (the app
    posts a message). Commands are carried out in the order they are sent.
    """

    def __init__(self, on_message: Callable[[Any], None], slice_seconds: float = SLICE_SECONDS):
        self._on_message = on_message
        self._slice_seconds = slice_seconds
        self._commands: Connection | None = None
        self._replies: Connection | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._closing = False

    @property
    def started(self) -> bool:
        """Whether :meth:`start` has been called (and :meth:`close` not since)."""
        return self._process is not None

    @property
    def alive(self) -> bool:
        """Whether the child is running."""
        return self._process is not None and self._process.poll() is None

    def start(self, config: RunConfig, run_id: int) -> None:
        """Start the child with a run; it imports torch at once if the variant needs it."""
        # A plain subprocess rather than multiprocessing's spawn, which re-imports the
        # parent's __main__ and fails for a script read from stdin or a notebook.
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            [sys.executable, "-c", CHILD_COMMAND, str(self._slice_seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # the terminal's ctrl+c and hang-up are the parent's
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._commands = Connection(os.dup(self._process.stdin.fileno()), readable=False)
        self._replies = Connection(os.dup(self._process.stdout.fileno()), writable=False)
        self._process.stdin.close()
        self._process.stdout.close()
        threading.Thread(target=self._read, name="gdtui-trainer-reader", daemon=True).start()
        self.reset(run_id, config)
        if VARIANTS[config.variant].uses_torch:
            self.warm_up()

    def _read(self) -> None:
        connection = self._replies
        assert connection is not None
        while True:
            try:
                message = connection.recv()
            except (EOFError, OSError):
                if not self._closing:
                    self._on_message(Failed("the training process stopped unexpectedly"))
                return
            self._on_message(message)

    def _send(self, *command: Any) -> None:
        # Before start there is nothing to tell: start() sends the run as it is then. A dead
        # child shows as ``alive`` turning False, which the caller checks before stepping.
        if self._commands is None:
            return
        with contextlib.suppress(OSError):
            self._commands.send(command)

    def reset(self, run_id: int, config: RunConfig) -> None:
        """Drop the current run and start ``run_id`` with ``config``."""
        self._send("reset", run_id, config)

    def apply(self, config: RunConfig) -> None:
        """Change live settings (learning rate, zero_grad, epochs, eps) from the next epoch."""
        self._send("apply", config)

    def step(self, epochs: int = 1) -> None:
        """Step exactly ``epochs`` epochs (fewer if the run ends) and send them as one batch."""
        self._send("step", epochs)

    def run(self) -> None:
        """Step until paused or the run ends, sending a batch every slice."""
        self._send("run")

    def pause(self) -> None:
        """Stop running after the current slice."""
        self._send("pause")

    def compare(self, config: RunConfig, across: str) -> None:
        """Run ``config``'s lanes (see :mod:`gdtui.core.compare`) and reply :class:`Compared`."""
        self._send("compare", config, across)

    def tour(self) -> None:
        """Run the autograd tour's lessons and reply :class:`TourRan`."""
        self._send("tour")

    def warm_up(self) -> None:
        """Import torch in the child now and report :class:`TorchReady`."""
        self._send("warm-up")

    def close(self, timeout: float = 0.5) -> None:
        """Stop the child: ask, wait up to ``timeout`` seconds, then kill it."""
        self._closing = True
        if self._commands is not None:
            with contextlib.suppress(OSError):
                self._commands.send(("quit",))
            self._commands.close()
        if self._process is not None:
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._commands = None
        self._process = None
