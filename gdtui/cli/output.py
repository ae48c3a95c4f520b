"""Writing results to standard output, where the output itself can fail: a full disk
(``ENOSPC``), an I/O error (``EIO``), or a reader that went away (``EPIPE``, ``| head``)."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from gdtui import exits


class OutputError(Exception):
    """Writing the results failed; ``str()`` says why in a few words."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error

    @property
    def broken_pipe(self) -> bool:
        """Whether the reader went away (rather than the output failing)."""
        return self.error.errno == errno.EPIPE

    @property
    def status(self) -> int:
        """The exit status to end with."""
        return exits.BROKEN_PIPE if self.broken_pipe else exits.OUTPUT_FAILED

    def __str__(self) -> str:
        if self.broken_pipe:
            return "the output was closed before the end (broken pipe)"
        return f"cannot write the output: {self.error.strerror or self.error}"


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """Turn a failure to write (inside the block) into an :class:`OutputError`."""
    try:
        yield
    except OSError as error:
        raise OutputError(error) from None


def abandon(stream: TextIO | None) -> None:
    """Point ``stream``'s file at /dev/null, so that what is still buffered for it is not
    written (and fails again) when the interpreter exits."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())  # type: ignore[union-attr]
        os.close(devnull)


def flush_or_abandon() -> None:
    """Flush standard output and standard error now, and abandon one that can no longer be
    written (its terminal has gone: an SSH connection dropped). Otherwise the interpreter's
    own flush at exit fails on what is still buffered, and turns the exit status into 120."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            abandon(stream)
