"""The terminal driver: Textual's own, mended where a terminal that goes away made it hang.

An SSH connection that drops takes its pseudo-terminal with it. Textual 8.2 then fails twice:

- Its output thread dies on the first failed write (EIO), and the app's next writes fill the
  thread's 30-slot queue, so ``App._shutdown`` blocks forever in ``Queue.put`` (Textual issue
  #6692). Here a failed write ends the output instead: the thread lives on and drops what
  comes, and stopping it waits a bounded time.
- Its input thread takes the end of input for "nothing yet" and spins on it (Textual PR #6690).
  Here the end of input, or an error reading it, is the terminal going away.

Either way the driver calls the app's ``terminal_lost()`` once, from its own thread.
Textual also draws on standard error; when that is redirected and standard output is the
terminal (``gdtui 2> err.txt``), this driver draws on standard output instead. And it measures
the terminal it draws on, where Textual measures standard output (``gdtui > out.txt`` drew
80×24 in a larger window).
"""

from __future__ import annotations

import contextlib
import os
import queue
import selectors
import sys
import threading
from codecs import getincrementaldecoder
from collections.abc import Callable
from functools import partial
from typing import IO, Any

from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers import linux_driver
from textual.drivers._writer_thread import WriterThread
from textual.drivers.linux_driver import LinuxDriver

STOP_SECONDS = 0.5
"""The longest stopping the output thread waits for what is queued to reach the terminal."""


class OutputThread(WriterThread):
    """Textual's output thread, except that a failed write marks the terminal lost, drops
    everything after it, and never leaves a writer waiting on a full queue."""

    def __init__(self, file: IO[str], on_lost: Callable[[], None]) -> None:
        super().__init__(file)
        self._on_lost = on_lost
        self.lost = False

    def write(self, text: str) -> None:
        if not self.lost:
            self._queue.put(text)  # blocks while a slow terminal catches up, as Textual's does

    def run(self) -> None:
        get, pending = self._queue.get, self._queue.qsize
        while (text := get()) is not None:
            if self.lost:
                continue  # drain, so that no writer waits on a full queue
            try:
                self._file.write(text)
                if pending() == 0:
                    self._file.flush()
            except (OSError, ValueError):  # EIO, EPIPE, or the file closed under us
                self.lost = True
                self._on_lost()
        if not self.lost:
            with contextlib.suppress(OSError, ValueError):
                self._file.flush()

    def stop(self) -> None:
        """Ask the thread to finish; wait at most :data:`STOP_SECONDS`."""
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=STOP_SECONDS)
        self.join(STOP_SECONDS)


class GdtuiDriver(LinuxDriver):
    """Textual's Linux/macOS driver with the output and input threads mended (see above)."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        if not _is_terminal(self._file) and _is_terminal(sys.__stdout__):
            self._file = sys.__stdout__
        self._lost_once = threading.Lock()
        self._lost = False

    def start_application_mode(self) -> None:
        # LinuxDriver makes its output thread by this module-level name: ours takes its place.
        original = linux_driver.WriterThread  # type: ignore[attr-defined]
        linux_driver.WriterThread = partial(OutputThread, on_lost=self._terminal_lost)  # type: ignore[attr-defined,assignment]
        try:
            super().start_application_mode()  # type: ignore[no-untyped-call]
        finally:
            linux_driver.WriterThread = original  # type: ignore[attr-defined]

    def _get_terminal_size(self) -> tuple[int, int]:
        """The size of the terminal drawn on. Textual asks standard output (through
        ``shutil``), which is a file or a pipe in ``gdtui > out.txt``; and takes ``COLUMNS``
        and ``LINES`` over the real size."""
        for file in (self._file, sys.__stdin__):
            with contextlib.suppress(AttributeError, ValueError, OSError):
                columns, lines = os.get_terminal_size(file.fileno())  # type: ignore[union-attr]
                if columns and lines:
                    return columns, lines
        return 80, 25

    def _terminal_lost(self) -> None:
        with self._lost_once:
            if self._lost:
                return
            self._lost = True
        on_lost = getattr(self._app, "terminal_lost", None)
        if on_lost is not None:
            on_lost()

    def run_input_thread(self) -> None:
        """Textual's input loop, but the end of input ends the session instead of spinning."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        try:
            while not self.exit_event.is_set():
                if selector.select(0.1):
                    try:
                        data = os.read(self.fileno, 4096)
                    except OSError:  # EIO: the terminal hung up
                        data = b""
                    if not data:
                        self._terminal_lost()
                        return
                    for event in parser.feed(decode(data)):
                        self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)
        finally:
            selector.close()
            with contextlib.suppress(EOFError, ParseError):
                for _event in parser.feed(""):
                    pass


def _is_terminal(file: IO[str] | None) -> bool:
    try:
        return file is not None and os.isatty(file.fileno())
    except (OSError, ValueError):
        return False
