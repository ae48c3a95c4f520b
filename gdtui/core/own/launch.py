"""Starting a learner's program in a process of its own and waiting for its outcome, so that
nothing it does can take gdtui down.

The child (:mod:`.child`) prints the command's output itself, on the same stdout and stderr
as gdtui; over a pipe it ticks with the program's line and ends with its outcome. A child
that stops ticking (stuck inside a call that never comes back to Python) is ended after its
timeout and a margin, and reported at the last line it was on.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

CHILD = "from gdtui.core.own.child import main; main()"
MARGIN = 5.0
"""Seconds past the timeout a silent child is given before it is ended."""


def usable(request: dict[str, Any]) -> str | None:
    """Why the request's file cannot be used (one line naming it), read here first so that
    a bad file costs no process; None when it can."""
    from gdtui.core.own.source import ProgramError, read_source

    given = request["path"]
    path = Path(given).resolve()
    try:
        read_source(path, request.get("cell"), given)
    except ProgramError as error:
        return str(error).replace(str(path), given)
    return None


def run_program(
    request: dict[str, Any], stdout: IO[bytes] | None = None, stderr: IO[bytes] | None = None
) -> dict[str, Any]:
    """Run ``request`` (command, path, …) in a child process, its output on gdtui's own
    stdout and stderr (or those given); its outcome: ``bad`` (the file cannot be used),
    ``stopped`` (the program stopped at a line), ``findings``, ``broken_pipe``,
    ``output_failed``, or ``ended`` (the process ended without one)."""
    problem = usable(request)
    if problem is not None:
        return {"bad": problem}
    package_root = str(Path(__file__).resolve().parents[3])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", CHILD, json.dumps(request), str(write_end)],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            pass_fds=(write_end,),
            env=env,
        )
    finally:
        os.close(write_end)
    try:
        return _wait(process, read_end, float(request.get("timeout", 10.0)))
    except BaseException:
        _end(process)
        raise
    finally:
        os.close(read_end)


def _wait(process: subprocess.Popen[bytes], reports: int, timeout: float) -> dict[str, Any]:
    buffered = b""
    line = 0
    heard = time.monotonic()
    while True:
        ready, _, _ = select.select([reports], [], [], 0.5)
        if not ready:
            if time.monotonic() - heard > timeout + MARGIN:
                _end(process)
                return {"stuck": line, "seconds": timeout}
            continue
        chunk = os.read(reports, 65536)
        if not chunk:
            break
        heard = time.monotonic()
        buffered += chunk
        *whole, buffered = buffered.split(b"\n")
        for data in whole:
            message = json.loads(data)
            if "tick" in message:
                line = message["tick"]
            elif "outcome" in message:
                process.wait()
                return dict(message["outcome"])
    status = process.wait()
    return {"ended": status, "line": line}


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait()
