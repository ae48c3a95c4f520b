"""Python child processes that talk to their parent over stdin and stdout: how the training
process and a comparison's workers start, and how each sets itself up."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path


def start(
    code: str, *args: str, pass_fds: tuple[int, ...] = ()
) -> tuple[subprocess.Popen[bytes], Connection, Connection]:
    """Run ``python -c code args…`` with this package importable, in a session of its own
    (the terminal's ctrl+c and hang-up are the parent's); returns the process, the end to
    send commands on and the end its replies come from."""
    # A plain subprocess rather than multiprocessing's spawn, which re-imports the parent's
    # __main__ and fails for a script read from stdin or a notebook.
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
        pass_fds=pass_fds,
    )
    assert process.stdin is not None and process.stdout is not None
    commands = Connection(os.dup(process.stdin.fileno()), readable=False)
    replies = Connection(os.dup(process.stdout.fileno()), writable=False)
    process.stdin.close()
    process.stdout.close()
    return process, commands, replies


def attach() -> tuple[Connection, Connection]:
    """In the child: (its commands, its replies) over stdin and stdout. Stdout carries replies
    now and the terminal belongs to the UI, so stray output goes nowhere and ctrl+c is the
    parent's to handle; numpy's overflow is reported as divergence, not warned of; and where
    cores are few, the screen and the keys come first (the child takes what is left)."""
    commands = Connection(os.dup(0), writable=False)
    replies = Connection(os.dup(1), readable=False)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    import numpy as np

    np.seterr(all="ignore")
    with contextlib.suppress(OSError):
        os.nice(5)
    return commands, replies
