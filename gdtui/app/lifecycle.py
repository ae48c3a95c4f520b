"""How a session ends. Every way out (``q``, ``ctrl+c``, a signal, the terminal going away) asks
the app to quit, and also arms a watchdog: should the orderly shutdown block on anything (a
terminal that no longer reads, a training process that does not answer), the watchdog ends the
process when its time is up, with the exit status that way out deserves."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

EXIT_DEADLINE = 1.5
"""Seconds an orderly shutdown may take before the watchdog ends the process."""
QUIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
"""Signals that end a session, each with exit status 128 + its number
(:func:`gdtui.exits.by_signal`)."""


class Watchdog:
    """Ends the process ``deadline`` seconds after :meth:`arm`, unless it has exited by then.

    ``before_exit`` runs first (the app kills its training process there, so that nothing
    outlives it); then ``os._exit`` with the status of the first arm, since nothing after it
    (buffered output to a dead terminal, threads that never finish) can be waited for.
    """

    def __init__(self, before_exit: Callable[[], None], deadline: float = EXIT_DEADLINE) -> None:
        self._before_exit = before_exit
        self._deadline = deadline
        self._lock = threading.Lock()
        self.status: int | None = None
        """The exit status it was armed with, or None while unarmed."""

    def arm(self, status: int) -> None:
        """Start the countdown (once: later calls keep the first status)."""
        with self._lock:
            if self.status is not None:
                return
            self.status = status
        threading.Thread(target=self._expire, name="gdtui-exit-watchdog", daemon=True).start()

    def _expire(self) -> None:
        time.sleep(self._deadline)
        try:
            self._before_exit()
        finally:
            assert self.status is not None
            os._exit(self.status)
