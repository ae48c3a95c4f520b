"""Stopping a statement of a learner's program that hangs, and a program whose parent has
gone.

A timer ticks a few times a second in the program's process. At each tick it looks at the
line the program is on (its innermost frame of the program's own code) and at how far the
run has come: a line unchanged for ``timeout`` seconds, with no epoch or statement done
meanwhile, is stopped by raising :class:`~gdtui.core.own.program.StatementTimeout` into it,
so the error names that line. A process whose parent is gone ends at the next tick.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterator
from types import FrameType

from gdtui.core.own.program import StatementTimeout

TICK = 0.25
"""Seconds between looks at the program."""


class Watchdog:
    """Stops a statement that runs past ``timeout`` seconds; :meth:`advance` marks progress
    (a statement or an epoch done)."""

    def __init__(
        self, filename: str, timeout: float, on_tick: Callable[[int], None] | None = None
    ) -> None:
        self.filename = filename
        self.on_tick = on_tick
        self.timeout = timeout
        self.done = 0
        self._seen: tuple[int, int, int] | None = None
        self._since = time.monotonic()
        self._parent = os.getppid()
        self.line = 0
        """The program's line at the last tick (0 before any)."""

    def advance(self) -> None:
        """A statement or an epoch finished."""
        self.done += 1

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """Tick while the body runs."""
        previous = signal.signal(signal.SIGALRM, self._tick)
        signal.setitimer(signal.ITIMER_REAL, TICK, TICK)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, previous)

    def _tick(self, signum: int, frame: FrameType | None) -> None:
        if os.getppid() != self._parent:  # the parent is gone: so is its terminal
            os._exit(1)
        inner = _program_frame(frame, self.filename)
        now = time.monotonic()
        if inner is None:
            self._seen = None
            self._since = now
            return
        self.line = inner.f_lineno
        if self.on_tick is not None:
            self.on_tick(self.line)
        seen = (self.done, id(inner), inner.f_lineno)
        if seen != self._seen:
            self._seen, self._since = seen, now
        elif now - self._since >= self.timeout:
            self._seen, self._since = None, now
            raise StatementTimeout(self.timeout)


def _program_frame(frame: FrameType | None, filename: str) -> FrameType | None:
    """The innermost frame running the program's own code, or None."""
    while frame is not None:
        if frame.f_code.co_filename == filename:
            return frame
        frame = frame.f_back
    return None
