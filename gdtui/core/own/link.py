"""The app's end of a learner's program's process (:mod:`.serving`): start it, send a
command, take the replies that have come, end it. Nothing here waits on the process."""

from __future__ import annotations

import contextlib
import os
import struct
import subprocess
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from gdtui.core import spawn
from gdtui.core.own.serving import COMMAND

STOP_SECONDS = 1.0
"""How long the process is given to end by itself before it is killed."""


class OwnLink:
    """One program's process, (re)started on :meth:`open`."""

    def __init__(self, path: Path, cell: int | None = None, seed: int = 0, timeout: float = 10.0):
        self.path = path.resolve()
        self.cell = cell
        self.seed = seed
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._commands: Connection | None = None
        self._replies: Connection | None = None
        self.waiting_since: float | None = None
        self._ticks: int | None = None
        self.line = 0
        """When the command now running was sent (None: the process is idle)."""
        self.pending = 0

    def open(self) -> None:
        """A new process (the old one ended) with the program open from its first line."""
        self.close()
        ticks, write_end = os.pipe()
        os.set_blocking(ticks, False)
        try:
            self.process, self._commands, self._replies = spawn.start(
                COMMAND, str(write_end), pass_fds=(write_end,)
            )
        finally:
            os.close(write_end)
        self._ticks = ticks
        self.line = 0
        self.pending = 0
        self.send("open", str(self.path), self.cell, self.seed, self.timeout)

    @property
    def busy(self) -> bool:
        """Whether a command has not been answered yet."""
        return self.pending > 0

    def send(self, *command: Any) -> None:
        """Send a command (carried out after those before it)."""
        if self._commands is None:
            return
        with contextlib.suppress(OSError):
            self._commands.send(command)
            self.pending += 1
            if self.waiting_since is None:
                self.waiting_since = time.monotonic()

    def replies(self) -> list[dict[str, Any]]:
        """The replies that have come, in order (a process that died: a ``died`` reply)."""
        found: list[dict[str, Any]] = []
        replies = self._replies
        if replies is None:
            return found
        try:
            while replies.poll():
                found.append(replies.recv())
                self.pending -= 1
                self.waiting_since = time.monotonic() if self.pending else None
        except (EOFError, OSError):
            status = self.process.poll() if self.process is not None else None
            found.append({"kind": "died", "status": status})
            self._replies = self._commands = None
            self.pending, self.waiting_since = 0, None
        return found

    def current_line(self) -> int:
        """The program's line at its process's last look (a few times a second while a
        command runs; 0 before any), in the program's joined text."""
        if self._ticks is not None:
            with contextlib.suppress(OSError):
                data = os.read(self._ticks, 4096)
                if len(data) >= 4:  # each look is 4 bytes, written whole
                    self.line = struct.unpack("<I", data[-4:])[0]
        return self.line

    def waited(self) -> float:
        """Seconds the command now running has taken so far (0 when idle)."""
        return 0.0 if self.waiting_since is None else time.monotonic() - self.waiting_since

    def close(self) -> None:
        """End the process: asked to quit, killed if it does not within a second."""
        process = self.process
        if process is None:
            return
        if self._commands is not None:
            with contextlib.suppress(OSError):
                self._commands.send(("quit",))
        try:
            process.wait(STOP_SECONDS if self.pending == 0 else 0.05)
        except subprocess.TimeoutExpired:
            self.kill()
        for end in (self._commands, self._replies):
            if end is not None:
                with contextlib.suppress(OSError):
                    end.close()
        self.process = self._commands = self._replies = None
        self.pending, self.waiting_since = 0, None
        if self._ticks is not None:
            with contextlib.suppress(OSError):
                os.close(self._ticks)
            self._ticks = None

    def kill(self) -> None:
        """End the process now (safe from a signal handler and any thread)."""
        process = self.process
        if process is not None:
            with contextlib.suppress(OSError):
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired, ChildProcessError):
                process.wait(1.0)
