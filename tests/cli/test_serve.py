"""``gdtui serve`` on a loopback port: the page loads, with no web font to fetch, and a
browser's websocket gets the app's first frame."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import aiohttp
import pytest
from cli_support import ROOT, cli_env, run_gdtui


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gdtui", "serve", "--port", str(port), "--lr", "0.05"],
        cwd=ROOT, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as response:
                page = response.read().decode()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(process.stderr.read().decode()) from None
            time.sleep(0.2)
    yield url, page
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)


def test_the_page_and_its_script_load_without_outside_fonts(server):
    url, page = server
    assert "textual.js" in page and f"ws://{url.removeprefix('http://')}/ws" in page
    assert "googleapis" not in page
    with urllib.request.urlopen(url + "/static/js/textual.js", timeout=5) as response:
        assert response.status == 200


def test_a_browser_session_runs_the_app(server):
    url, _ = server

    async def first_frame() -> bytes:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(url.replace("http", "ws") + "/ws") as socket_,
        ):
            await socket_.send_str(json.dumps(["resize", {"width": 120, "height": 40}]))
            received = b""
            while b"Run/Pause" not in received:
                message = await asyncio.wait_for(socket_.receive(), 30)
                if message.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                    break
                data = message.data
                received += data if isinstance(data, bytes) else data.encode()
            return received

    frame = asyncio.run(first_frame())
    assert b"Run/Pause" in frame
    assert b"0.05" in frame  # the options given to serve reach the app


@pytest.mark.parametrize(("args", "option"), [(("--port", "http"), "--port"),
                                              (("--port", "70000"), "--port"),
                                              (("--lr", "-1"), "--lr")])
def test_bad_serve_options_exit_2(args, option):
    result = run_gdtui("serve", *args)
    assert result.returncode == 2 and option in result.stderr and "Traceback" not in result.stderr
