"""What ``gdtui serve`` says on its own terminal, read from a real server: a log that leaves
the token out, and the address again on SIGUSR1 or on Enter, but never a read of a terminal
it runs in the background of (which would stop it)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import pty
import select
import shlex
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable

import aiohttp
import pytest

from tests.cli.cli_support import cli_env
from tests.cli.terminal_support import TerminalApp, descendants, state_of, wait_gone
from tests.cli.test_serve import FIRST_FRAME, Served, first_frame, free_port, get, ws_url

AGAIN = b"sessions in use)"


@pytest.fixture
def served(tmp_path):
    server = Served(tmp_path)
    yield server
    server.stop()


def read_until(served: Served, marker: str, timeout: float = 15) -> str:
    """All the server printed after the first line (which :class:`Served` read), once
    ``marker`` shows in it or ``timeout`` has passed."""
    stdout = served.process.stdout
    assert stdout is not None
    os.set_blocking(stdout.fileno(), False)
    seen = getattr(served, "log", b"")
    deadline = time.monotonic() + timeout
    while marker.encode() not in seen and time.monotonic() < deadline:
        seen += stdout.read() or b""  # what is there, its buffer first; None: nothing yet
        time.sleep(0.05)
    served.log = seen  # type: ignore[attr-defined]
    return seen.decode()


def test_the_log_says_each_request_without_the_token(served):
    token = served.token
    assert get(served.printed)[0] == 200
    assert get(f"{served.base}/?token=wrong")[0] == 403
    assert get(f"{served.base}/?tok%65n={token}&from=%1b[2J")[0] == 200  # decoded: the token
    referred = {"Referer": served.printed}
    assert get(f"{served.base}/static/js/textual.js", referred)[0] == 200
    assert get(f"{served.base}/static/nothing.js", referred)[0] == 404
    assert FIRST_FRAME in asyncio.run(first_frame(ws_url(served)))
    read_until(served, "404 GET /static/nothing.js")
    log = read_until(served, "session ended")
    assert token not in log, log
    assert "200 GET /?token=[secret] (127.0.0.1)" in log
    assert "403 GET /?token=[secret] (127.0.0.1)" in log
    assert "200 GET /?token=[secret]&from=\\x1b[2J (127.0.0.1)" in log  # no escape reaches
    assert "\x1b" not in log  # the server's terminal
    assert "101 GET /ws/[secret]?width=120&height=40 (127.0.0.1): session ended after" in log
    # the page's script, served: said at the debug level only; a missing file is said
    assert "textual.js" not in log and "404 GET /static/nothing.js (127.0.0.1)" in log
    requests = log.splitlines()[2:]  # after the rest of the announcement
    assert len(requests) == 5 and all(line.startswith("[") for line in requests), log


def test_sigusr1_prints_the_address_again_with_the_sessions_in_use(served):
    async def with_a_session_open() -> str:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(ws_url(served), headers={"Origin": served.base}) as websocket,
        ):
            await websocket.send_str(json.dumps(["resize", {"width": 100, "height": 30}]))
            while FIRST_FRAME not in (await websocket.receive()).data:
                pass
            os.kill(served.process.pid, signal.SIGUSR1)
            return await asyncio.to_thread(read_until, served, AGAIN.decode())

    log = asyncio.run(with_a_session_open())
    assert f"gdtui serve: open {served.printed}  (1 of 10 sessions in use)" in log, log
    assert served.process.poll() is None  # SIGUSR1's default would have ended it
    assert not wait_gone(served.apps(), 5)


def test_enter_on_the_servers_terminal_prints_the_address_again(tmp_path):
    port = str(free_port())
    server = TerminalApp(
        tmp_path, "serve", "--port", port, "--allow-root", "--variant", "numpy-manual",
        controlling=True, cwd=tmp_path,
    )  # fmt: skip
    try:
        assert server.wait_for_output(b"prints the address again"), server.seen
        assert f"kill -USR1 {server.pid})".encode() in server.seen
        server.press(b"\r")
        assert server.wait_for_output(AGAIN, 10), server.seen
        server.press(b"\r")
        assert server.wait_for_output(AGAIN, 10), server.seen  # and again
        assert b"/?token=" in server.seen.rsplit(b"open ", 1)[1]
        os.kill(server.pid, signal.SIGTERM)
        assert server.wait(10) == 0
    finally:
        server.cleanup()


def test_a_server_in_the_background_leaves_its_terminal_alone(tmp_path):
    """``gdtui serve &`` in a shell with job control: a line typed for the shell's foreground
    job is that job's; the server does not read it (it would be stopped, SIGTTIN)."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    serve = shlex.join(
        [sys.executable, "-m", "gdtui", "serve", "--port", str(free_port()), "--allow-root"]
    )
    shell = subprocess.Popen(
        [
            "bash",
            "--norc",
            "-m",
            "-c",
            f'{serve} --variant numpy-manual & echo "server $!"; sleep 600; cat',
        ],
        cwd=tmp_path,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=cli_env({"TERM": "xterm-256color", "XDG_CONFIG_HOME": str(tmp_path)}),
        start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(terminal)
    seen = b""

    def read_for(seconds: float, until: Callable[[bytes], bool] = lambda _: False) -> None:
        nonlocal seen
        deadline = time.monotonic() + seconds
        while not until(seen) and time.monotonic() < deadline:
            if select.select([controller], [], [], 0.05)[0]:
                with contextlib.suppress(OSError):
                    seen += os.read(controller, 1 << 16)

    try:
        read_for(30, lambda seen: b"prints the address again" in seen)
        server = int(seen.split(b"server ", 1)[1].split()[0])
        os.write(controller, b"for the foreground\r")  # the foreground job: sleep, then cat
        read_for(2.5)  # the server looks again each second while the line waits
        assert state_of(server) not in ("T", ""), seen  # T: stopped reading its terminal
        (sleep,) = descendants(shell.pid) - {server, *descendants(server)}
        os.kill(sleep, signal.SIGTERM)
        read_for(10, lambda seen: seen.count(b"for the foreground") == 2)  # the echo, cat's
        assert seen.count(b"for the foreground") == 2, seen  # the line was left to cat
        assert AGAIN not in seen and state_of(server) not in ("T", "")
    finally:
        for pid in {shell.pid, *descendants(shell.pid)}:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        shell.wait(10)
        os.close(controller)


def test_help_says_how_to_see_the_address_again():
    result = subprocess.run(
        [sys.executable, "-m", "gdtui", "serve", "--help"],
        capture_output=True,
        text=True,
        env=cli_env(),
        check=True,
    )
    words = " ".join(result.stdout.split())
    assert "Enter" in words and "SIGUSR1" in words and "token=[secret]" in words
