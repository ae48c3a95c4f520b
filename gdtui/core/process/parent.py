"""The parent's handle on the training process.

A torch training loop in a thread beside a busy UI thread slows by one or two orders of
magnitude: torch gives up and takes back the GIL many times per epoch, and the UI thread
takes it each time. In its own process (:mod:`gdtui.core.process.child`) the loop runs at
full speed and the UI stays responsive.

Neither side ever waits on the other. The parent's commands go into a bounded queue that a
thread of its own writes down the pipe, and each carries only the settings that changed. A
child silent for :data:`NOT_RESPONDING_SECONDS` (stopped, or hung) is reported by
:attr:`TrainerProcess.responding`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from multiprocessing.reduction import ForkingPickler
from typing import TypeVar

from gdtui.core import spawn
from gdtui.core.process.child import COMMAND, SLICE_SECONDS
from gdtui.core.process.protocol import (
    Apply,
    Cancel,
    Command,
    Died,
    Heartbeat,
    Quit,
    Reply,
    Request,
    Reset,
    WarmUp,
)
from gdtui.core.settings.changes import MidRunChange
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.variants import VARIANTS

R = TypeVar("R", bound=Request)

NOT_RESPONDING_SECONDS = 4.0
"""A child silent for this long is not responding (torch's import is ~1–3 s, and talks)."""
MAX_PENDING = 1000
"""Commands that may wait for a child that has stopped reading them; one more and it is given
up. A child that reads takes a burst of any size (a lesson's step of 3,000 lines): its
reading thread empties the pipe as fast as the commands come, however busy it is."""
STUCK_SECONDS = 1.0
"""How long one command may wait to go down a full pipe before the child counts as not
reading its commands (a reading child empties it within milliseconds)."""

StartReader = Callable[[Callable[[], None], int], None]
"""Runs ``read`` (which returns once the child with this pid has gone) on a thread: the
reader passes each reply to ``on_reply`` as it arrives."""


def _reader_thread(read: Callable[[], None], pid: int) -> None:
    threading.Thread(target=read, name=f"gdtui-trainer-reader-{pid}", daemon=True).start()


class _Child:
    """One training process as the parent sees it: the process, a thread that writes the
    queued commands to it, and a thread that reads its replies."""

    def __init__(
        self,
        on_reply: Callable[[Reply], None],
        slice_seconds: float,
        start_reader: StartReader,
    ) -> None:
        self.process, self._commands, self._replies = spawn.start(COMMAND, str(slice_seconds))
        self._on_reply = on_reply
        self._outbox: queue.SimpleQueue[Command | Cancel | Quit | None] = queue.SimpleQueue()
        self._writing_since: float | None = None
        """When the command being written started to wait for room in the pipe, or None."""
        self.closing = False
        self.given_up = False
        """True once the child has stopped reading its commands and too many wait for it."""
        self.config: RunConfig | None = None
        """The settings the child has, as of the commands sent so far."""
        self.sent = 0
        """The commands sent that the child counts as it obeys them (all but a cancel)."""
        self.last_heard = time.monotonic()
        threading.Thread(target=self._write, name="gdtui-trainer-writer", daemon=True).start()
        start_reader(self._read, self.process.pid)

    def send(self, command: Command | Cancel | Quit) -> None:
        """Queue ``command`` without waiting. A child that has stopped reading (its pipe full
        for :data:`STUCK_SECONDS`) with :data:`MAX_PENDING` commands waiting is given up."""
        if self.given_up or self.closing:
            return
        if self._outbox.qsize() >= MAX_PENDING and self._stuck():
            self.given_up = True
            return
        if not isinstance(command, Cancel):
            self.sent += 1
        self._outbox.put_nowait(command)

    def _stuck(self) -> bool:
        """Whether a command has waited :data:`STUCK_SECONDS` for room in the pipe."""
        since = self._writing_since
        return since is not None and time.monotonic() - since >= STUCK_SECONDS

    def _write(self) -> None:
        while (command := self._outbox.get()) is not None:
            self._writing_since = time.monotonic()
            try:
                self._commands.send(command)
            except OSError:
                return  # the child has gone; the reader reports it
            self._writing_since = None

    def _read(self) -> None:
        while True:
            try:
                data = self._replies.recv_bytes()
            except (EOFError, OSError):
                break
            # Heard as it arrives: a large stretch may take a while to unpickle.
            self.last_heard = time.monotonic()
            reply = ForkingPickler.loads(data)
            if not isinstance(reply, Heartbeat) and not self.closing:  # not a replaced one's
                self._on_reply(reply)
        if not self.closing:
            self._on_reply(Died(self._why(), self.process.pid))

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
        self.send(Quit())
        self.closing = True
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

    Every reply from the child (see :mod:`gdtui.core.process.protocol`) is passed to
    ``on_reply`` on a reader thread, which ``start_reader`` starts for each child (a plain
    thread by default; the app runs it as a Textual worker); the callback must be
    thread-safe (the app posts a message). Commands are carried out in the order they are
    sent, and sending one never waits. Before :meth:`start` there is nothing to tell:
    commands are dropped, and ``start`` sends the run as it is then.
    """

    def __init__(
        self,
        on_reply: Callable[[Reply], None],
        slice_seconds: float = SLICE_SECONDS,
        not_responding: float = NOT_RESPONDING_SECONDS,
        start_reader: StartReader = _reader_thread,
    ) -> None:
        self._on_reply = on_reply
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
        """How many commands this child has been sent that it counts in ``Stretch.after``."""
        return 0 if self._child is None else self._child.sent

    @property
    def pid(self) -> int | None:
        """The child's process id, or None before :meth:`start`."""
        return None if self._child is None else self._child.process.pid

    @property
    def responding(self) -> bool:
        """False once a live child has been silent for :attr:`not_responding` seconds, or has
        stopped reading its commands with :data:`MAX_PENDING` waiting. Any reply is life, a
        heartbeat too: a child working through a backlog says so (see
        :mod:`gdtui.core.process.child`)."""
        child = self._child
        if child is None or not self.alive:
            return True  # not started, or dead: the reader reports that
        silent = time.monotonic() - child.last_heard
        return not child.given_up and silent < self.not_responding

    def start(self, config: RunConfig, run_id: int, script: tuple[MidRunChange, ...] = ()) -> None:
        """Start a child with a run (replaying ``script``'s changes mid-run); it imports torch
        at once if the variant needs it."""
        self._child = _Child(self._on_reply, self._slice_seconds, self._start_reader)
        self.reset(run_id, config, script)
        if VARIANTS[config.variant].uses_torch:
            self.send(WarmUp())

    def send(self, command: Command | Cancel) -> None:
        """Send ``command``, which needs no answer (or whose answer is the run's own)."""
        if self._child is not None:
            self._child.send(command)

    def ask(self, command: R) -> R:
        """Send ``command`` numbered as a new request; returns it as sent (its ``request``
        is the number its answers carry)."""
        self._requests += 1
        numbered = dataclasses.replace(command, request=self._requests)
        self.send(numbered)
        return numbered

    def reset(self, run_id: int, config: RunConfig, script: tuple[MidRunChange, ...] = ()) -> None:
        """Drop the current run and start ``run_id`` with ``config`` (replaying ``script``'s
        changes mid-run)."""
        self.send(Reset(run_id, self._changes(config), script))

    def apply(self, config: RunConfig) -> None:
        """Change live settings (learning rate, zero_grad, epochs, eps) from the next epoch."""
        self.send(Apply(self._changes(config)))

    def _changes(self, config: RunConfig) -> dict[str, object]:
        """The settings that differ from what the child has (all of them the first time):
        the data crosses the pipe only when it changes."""
        child = self._child
        if child is None:
            return {}
        old, child.config = child.config, config
        return {
            f.name: getattr(config, f.name)
            for f in dataclasses.fields(RunConfig)
            if old is None or getattr(old, f.name) != getattr(config, f.name)
        }

    def kill(self) -> None:
        """Kill the child at once, whatever it is doing (safe from any thread)."""
        if self._child is not None:
            self._child.kill()

    def close(self, timeout: float = 0.5) -> None:
        """Stop the child: ask, wait up to ``timeout`` seconds, then kill it."""
        child, self._child = self._child, None
        if child is not None:
            child.close(timeout)
