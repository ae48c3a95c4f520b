"""What ``gdtui serve`` says on its own terminal: the address to open when it starts, and again
on demand (Enter on that terminal, or SIGUSR1), with how many sessions are in use; and a log of
one line per request that leaves the token out, as Jupyter Server's does (``?token=[secret]``),
so that a log pasted or kept in a file gives no one a session."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

if TYPE_CHECKING:
    from gdtui.cli.serve_options import ServeOptions

SECRET = "[secret]"
"""What the log shows in place of a token, right or wrong."""
REPRINT_SIGNAL: signal.Signals | None = getattr(signal, "SIGUSR1", None)
"""The signal that prints the address again (none on Windows)."""
SESSION_MEGABYTES = 360
"""Resident memory of one session with a torch variant (the app ~60 MB, its training
process ~300 MB), measured; numpy-manual's is about half."""
BACKGROUND_RETRY_SECONDS = 1.0
"""How often a server in the background looks again whether it has its terminal back."""


def start_logging() -> None:
    """One plain line per record on stdout, stamped with the time. textual-serve's Rich handler
    wraps a request over three lines of a narrow terminal, which pushed the address out of
    sight within a few page loads."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(message)s", "%H:%M:%S"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


def redact(request: BaseRequest, token: str | None) -> str:
    """The request's path and query as the log shows them: every ``token`` parameter's value
    and a websocket's path replaced by :data:`SECRET`, and ``token`` wherever else it is; read
    decoded (``tok%65n=…`` is the server's ``token`` too) and with unprintable characters
    escaped (a request cannot write to the server's terminal)."""
    url = request.rel_url
    path = "/ws/" + SECRET if url.path.startswith("/ws/") else url.path
    pairs = [f"{key}={SECRET if key == 'token' else value}" for key, value in url.query.items()]
    text = path + ("?" + "&".join(pairs) if pairs else "")
    if token:
        text = text.replace(token, SECRET)
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def access_logger(token: str | None) -> type[AbstractAccessLogger]:
    """aiohttp's access logger for a server with ``token``: one line per request, the token
    left out (see :func:`redact`). The page's scripts and styles are logged only at the debug
    level: three lines a tab said nothing a teacher needs."""

    class RedactedAccessLogger(AbstractAccessLogger):
        """``200 GET /?token=[secret] (127.0.0.1) 3.1 ms``, as Jupyter Server logs."""

        def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
            status = response.status
            line = f"{status} {request.method} {redact(request, token)} ({request.remote})"
            if status == 101:  # logged when the websocket's handler returns: the session's end
                self.logger.info("%s: session ended after %s", line, _duration(time))
            elif status >= 400:
                self.logger.warning("%s %s", line, _duration(time))
            elif request.path.startswith("/static/"):
                self.logger.debug("%s %s", line, _duration(time))
            else:
                self.logger.info("%s %s", line, _duration(time))

    return RedactedAccessLogger


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds // 60:.0f} min {seconds % 60:.0f} s"


class ServerConsole:
    """Prints the server's address: in full once it listens (:meth:`announce`), and again on
    demand (:meth:`reprint_on_demand`)."""

    def __init__(self, options: ServeOptions, sessions_in_use: Callable[[], int]) -> None:
        self.options = options
        self.sessions_in_use = sessions_in_use
        self.announced = False
        """Whether the server listens (and has said where)."""

    def announce(self) -> None:
        """The address, the limits, and how to see the address again."""
        self.announced = True
        options = self.options
        idle = (
            f"{options.idle_timeout / 60:g} min" if options.idle_timeout is not None else "no limit"
        )
        again = "Enter here"
        if REPRINT_SIGNAL is not None:
            again += f" (or kill -USR1 {os.getpid()})"
        print(
            f"gdtui serve: open {options.url}\n"
            f"  at most {_sessions(options.max_sessions)} (about {SESSION_MEGABYTES} MB each), "
            f"idle timeout {idle}, files inside {options.root}. Ctrl+C stops it.\n"
            f"  {again} prints the address again; the log leaves the token out.",
            flush=True,
        )

    def reprint(self) -> None:
        """The address again, with the sessions in use."""
        print(
            f"gdtui serve: open {self.options.url}  ({self.sessions_in_use()} of "
            f"{_sessions(self.options.max_sessions)} in use)",
            flush=True,
        )

    def reprint_on_demand(self, loop: asyncio.AbstractEventLoop) -> None:
        """:meth:`reprint` on SIGUSR1, and on Enter when the server has a terminal."""
        if REPRINT_SIGNAL is not None:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(REPRINT_SIGNAL, self.reprint)
        with contextlib.suppress(OSError, ValueError):
            if os.isatty(sys.stdin.fileno()):
                _EnterKey(loop, sys.stdin.fileno(), self.reprint).listen()


def _sessions(count: int) -> str:
    return f"{count} session" if count == 1 else f"{count} sessions"


class _EnterKey:
    """Calls back on each line typed on the server's terminal, while the server runs in its
    foreground: a background job that read its terminal would be stopped (SIGTTIN), so in the
    background it looks again every :data:`BACKGROUND_RETRY_SECONDS` instead (after ``fg``)."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, fd: int, callback: Callable[[], None]
    ) -> None:
        self.loop, self.fd, self.callback = loop, fd, callback

    def listen(self) -> None:
        self.loop.add_reader(self.fd, self._read)

    def _read(self) -> None:
        try:
            foreground = os.tcgetpgrp(self.fd) == os.getpgrp()
        except OSError:  # not this process's controlling terminal
            foreground = False
        self.loop.remove_reader(self.fd)
        if not foreground:
            self.loop.call_later(BACKGROUND_RETRY_SECONDS, self.listen)
            return
        try:
            typed = os.read(self.fd, 4096)
        except OSError:
            typed = b""
        if typed:  # else end of input (ctrl+d) or the terminal gone: nothing more to read
            self.callback()
            self.listen()
