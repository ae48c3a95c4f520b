"""A pseudo-terminal for the benchmarks: launch a program in it as a terminal would."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
from pathlib import Path


def launch(
    command: list[str], columns: int, rows: int, config_home: str | Path
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``command`` on a new pseudo-terminal of ``columns``×``rows`` with a 256-colour,
    truecolor TERM; returns the process and the terminal's controlling end. The app's
    remembered settings live under ``config_home``, so each run starts from the defaults."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    env["XDG_CONFIG_HOME"] = str(config_home)
    # Textual takes COLUMNS and LINES, where set, over the terminal's own size.
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    process = subprocess.Popen(
        command, stdin=terminal, stdout=terminal, stderr=terminal, env=env, close_fds=True
    )
    os.close(terminal)
    return process, controller
