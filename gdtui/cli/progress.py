"""How far a long ``gdtui run`` has got, on standard error, while its records go to a file or
a pipe: one line, rewritten in place, gone when the run ends."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from typing import TextIO

DELAY = 1.0
"""Seconds a run goes before it shows its progress: a short run shows none."""
EVERY = 0.25
"""Seconds between rewrites of the line."""


def _is_terminal(stream: TextIO) -> bool:
    try:
        return os.isatty(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False


class Progress:
    """``gdtui run: epoch 1,234,567 of 5,000,000 (25%), 00:12 left`` on ``err``, shown only
    when ``err`` is a terminal and ``out`` (the records) is not, once the run has taken
    :data:`DELAY` seconds. Writing it never stops the run: a terminal that has gone or fails
    ends the progress, not the run."""

    def __init__(
        self, out: TextIO, err: TextIO, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._err = err
        self._clock = clock
        self._on = _is_terminal(err) and not _is_terminal(out)
        self._start = clock()
        self._next = self._start + DELAY
        self._shown = False

    def show(self, epoch: int, epochs: int) -> None:
        """The run has done ``epoch`` of ``epochs`` epochs."""
        if not self._on:
            return
        now = self._clock()
        if now < self._next:
            return
        self._next = now + EVERY
        share = epoch / epochs if epochs else 1.0
        left = (now - self._start) * (1 - share) / share if share else 0.0
        minutes, seconds = divmod(round(left), 60)
        done = f"epoch {epoch:,} of {epochs:,} ({share:.0%})"
        self._write(f"\rgdtui run: {done}, {minutes:02d}:{seconds:02d} left\x1b[K")
        self._shown = True

    def done(self) -> None:
        """Clear the line, before anything else is said on standard error."""
        if self._shown:
            self._write("\r\x1b[K")
            self._shown = False

    def _write(self, text: str) -> None:
        try:
            self._err.write(text)
            self._err.flush()
        except (OSError, ValueError):
            self._on = self._shown = False
            with contextlib.suppress(OSError, ValueError):
                self._err.flush()
