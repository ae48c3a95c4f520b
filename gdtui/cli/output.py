"""Writing results to standard output, where the output itself can fail: a full disk
(``ENOSPC``), an I/O error (``EIO``), a reader that went away (``EPIPE``, ``| head``), or a
standard output closed before gdtui started (``>&-``: ``EBADF``)."""

from __future__ import annotations

import contextlib
import errno
import io
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


class ClosedOutput(io.TextIOBase):
    """Standard output when gdtui started with it closed (``>&-``), where Python leaves
    ``sys.stdout`` None: every write fails as a write to a closed descriptor does, and so
    does the flush after one (argparse's help swallows a failed write)."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = False
        """Whether anything was to be written."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.lost = self.lost or bool(text)
        raise self._closed()

    def flush(self) -> None:
        if self.lost:
            raise self._closed()

    @staticmethod
    def _closed() -> OSError:
        return OSError(errno.EBADF, "standard output is closed")


def claim_standard_streams() -> None:
    """Stand in for a standard stream that was closed when gdtui started.

    The descriptor gets /dev/null, so that no file opened later takes its number (what a
    library or a child process writes to it would go into that file). ``sys.stdout`` becomes
    a :class:`ClosedOutput`, so that the results' first write fails, one line says so and
    the exit status is 74; ``sys.stderr`` and ``sys.stdin`` become /dev/null, as the user
    asked for no messages and no input.
    """
    for descriptor, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(descriptor)
            continue
        except OSError:
            pass
        with contextlib.suppress(OSError):
            # A new descriptor takes the lowest free number: this one, as the lower are open.
            devnull = os.open(os.devnull, os.O_RDONLY if descriptor == 0 else os.O_WRONLY)
            if devnull != descriptor:
                os.dup2(devnull, descriptor)
                os.close(devnull)
        if getattr(sys, name) is not None:
            continue
        if descriptor == 1:
            sys.stdout = ClosedOutput()
        else:
            with contextlib.suppress(OSError):
                mode = "r" if descriptor == 0 else "w"
                # Open for the life of the process, as the stream it stands in for would be.
                stream = open(descriptor, mode, closefd=False, encoding="utf-8")  # noqa: SIM115
                setattr(sys, name, stream)


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
    if isinstance(stream, ClosedOutput):
        stream.lost = False
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())  # type: ignore[union-attr]
        os.close(devnull)


def flush_or_abandon() -> OSError | None:
    """Flush standard output and standard error now, and abandon one that can no longer be
    written (its terminal has gone: an SSH connection dropped). Otherwise the interpreter's
    own flush at exit fails on what is still buffered, and turns the exit status into 120.

    Returns why standard output could not be flushed, or None: what was written there
    without a check (argparse's help) is lost, and the exit status must say so."""
    lost = None
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError) as error:
            if stream is sys.stdout and isinstance(error, OSError):
                lost = error
            abandon(stream)
    return lost
