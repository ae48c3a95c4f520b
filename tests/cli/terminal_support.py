"""The app in a real pseudo-terminal, and its processes found by pid (never by name)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from tests.cli.cli_support import ROOT, cli_env
from tests.core.processes import descendants, is_alive, wait_gone  # noqa: F401 (theirs too)

FIRST_FRAME = b"Run/Pause"
ALT_SCREEN_OFF = b"\x1b[?1049l"


def state_of(pid: int) -> str:
    """The one-letter process state from /proc (``T`` when stopped), or "" if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


class TerminalApp:
    """``gdtui ARGS`` on a 120x40 pseudo-terminal, read as it draws.

    ``controlling``: the terminal is the app's controlling terminal (as in a real session),
    so closing it sends a hang-up; otherwise it is only its stdin, stdout and stderr.
    ``python``: what Python runs (``-c`` and a program that starts gdtui, say).
    """

    def __init__(
        self,
        tmp_path: Path,
        *args: str,
        controlling: bool = False,
        env: dict[str, str | None] | None = None,
        stdout: int | None = None,
        stderr: int | None = None,
        cwd: Path = ROOT,
        python: tuple[str, ...] = ("-m", "gdtui"),
    ) -> None:
        self.controller, terminal = pty.openpty()
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        environment = cli_env(
            {"TERM": "xterm-256color", "XDG_CONFIG_HOME": str(tmp_path), **(env or {})}
        )
        self.settings = tmp_path / "gdtui" / "settings.json"
        self.process = subprocess.Popen(
            [sys.executable, *python, *args],
            cwd=cwd,
            stdin=terminal,
            stdout=terminal if stdout is None else stdout,
            stderr=terminal if stderr is None else stderr,
            env=environment,
            start_new_session=True,
            preexec_fn=(lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0)) if controlling else None,
        )
        os.close(terminal)
        self.seen = b""
        self._open = True

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_for_output(self, marker: bytes, timeout: float = 30) -> bool:
        """Read new output until ``marker`` shows in it (True) or time runs out (False)."""
        start = len(self.seen)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker in self.seen[start:]:
                return True
            self.drain(0.05)
        return marker in self.seen[start:]

    def text(self) -> str:
        """What the app wrote so far, without escape sequences, whitespace, box lines or the
        notices' edge: the words of every frame run together, so that a phrase a notice wraps
        beside a bordered panel still reads as one."""
        return re.sub(
            r"\x1b\[[0-9;?<>$]*[A-Za-z~]|\x1b\][^\x07]*\x07|[\s▌\u2500-\u257f]",
            "",
            self.seen.decode(errors="replace"),
        )

    def wait_for_text(self, *phrases: str, timeout: float = 10) -> bool:
        """Read until every phrase (compared without whitespace) shows in :meth:`text`."""
        wanted = [re.sub(r"\s", "", phrase) for phrase in phrases]
        deadline = time.monotonic() + timeout
        while not all(phrase in self.text() for phrase in wanted):
            if time.monotonic() >= deadline:
                return False
            self.drain(0.1)
        return True

    def drain(self, seconds: float) -> None:
        """Read whatever the app writes for ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.controller], [], [], 0.02)
            if ready:
                try:
                    self.seen += os.read(self.controller, 1 << 16)
                except OSError:
                    return

    def started(self) -> set[int]:
        """Wait for the first frame and the training process; return the app's processes."""
        assert self.wait_for_output(FIRST_FRAME, 30), self.seen[-2000:]
        deadline = time.monotonic() + 30
        while not descendants(self.pid) and time.monotonic() < deadline:
            self.drain(0.05)
        assert descendants(self.pid), "no training process"
        return {self.pid, *descendants(self.pid)}

    def press(self, keys: bytes) -> None:
        os.write(self.controller, keys)

    def close_terminal(self) -> None:
        """Take the terminal away, as an SSH connection dropping does."""
        if self._open:
            os.close(self.controller)
            self._open = False

    def wait(self, timeout: float, read: bool = True) -> int | None:
        """The exit status, or None if it has not exited within ``timeout`` seconds. Like a
        real terminal, it goes on reading what the app writes meanwhile, unless told not to."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.process.poll()
            if status is not None:
                return status
            if read and self._open:
                self.drain(0.02)
            else:
                time.sleep(0.02)
        return self.process.poll()

    def cleanup(self) -> None:
        """Kill whatever is left (the test has failed by then) and close the terminal."""
        for pid in {self.pid, *descendants(self.pid)}:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        self.process.poll()
        self.close_terminal()
