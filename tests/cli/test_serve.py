"""``gdtui serve`` probed as an attacker and as a careless client would, on loopback ports:
the token, the Host and Origin checks, bounded sessions, confined files, and addresses that
work through a tunnel. Every test also checks that no app process is left behind (by pid)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from tests.cli.browser_support import chromium
from tests.cli.cli_support import cli_env, run_gdtui
from tests.cli.terminal_support import descendants, wait_gone

FIRST_FRAME = b"Run/Pause"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """A running ``gdtui serve`` and what it printed."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.port = free_port()
        self.config_home = tmp_path / "config"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gdtui",
                "serve",
                "--port",
                str(self.port),
                "--allow-root",
                # numpy-manual, no torch to load (a lesson brings its own settings)
                *(() if "--lesson" in args else ("--variant", "numpy-manual")),
                *args,
            ],
            cwd=tmp_path,
            env=cli_env({"XDG_CONFIG_HOME": str(self.config_home)}),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        match = re.search(r"open (http://\S+)", line)
        assert match, line + self.process.stderr.read().decode()  # type: ignore[union-attr]
        self.printed = match.group(1)
        self.token = self.printed.partition("?token=")[2]
        self.base = f"http://127.0.0.1:{self.port}"

    def apps(self) -> set[int]:
        """The processes the server runs for its sessions (apps and training processes)."""
        return descendants(self.process.pid)

    def stop(self) -> None:
        with_group = {self.process.pid, *self.apps()}
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        for pid in wait_gone(with_group, 3):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def serve(tmp_path):
    servers: list[Served] = []

    def start(*args: str) -> Served:
        served = Served(tmp_path, *args)
        servers.append(served)
        return served

    yield start
    for served in servers:
        served.stop()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


async def first_frame(
    url: str,
    origin: str | None = "same",
    host: str | None = None,
    size: tuple[int, int] = (120, 40),
    then: list[list[object]] | None = None,
    until: bytes = b"",
) -> bytes:
    """Open a session as a browser would and read its first frame; with ``then``, send those
    messages next and read on until ``until`` shows in the text drawn since (escape codes
    left out). Returns what was read, as text without escape codes after ``then``."""
    headers = {}
    if origin == "same":
        headers["Origin"] = url.replace("ws://", "http://").split("/ws")[0]
    elif origin is not None:
        headers["Origin"] = origin
    if host is not None:
        headers["Host"] = host
    # As textual-serve's page does: the size in the address (the app starts at it), and again
    # once open. Without the first, the app starts at 80×24, and Textual's start-up resize can
    # land after the message's 120×40.
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{url}?width={size[0]}&height={size[1]}", headers=headers) as websocket,
    ):
        await websocket.send_str(json.dumps(["resize", {"width": size[0], "height": size[1]}]))
        received = await _read_until(websocket, FIRST_FRAME, raw=True)
        if not then:
            return received
        await asyncio.sleep(1.0)  # the app settles its focus after the first frame
        for envelope in then:  # one at a time, as a person types
            await asyncio.sleep(0.3)
            await websocket.send_str(json.dumps(envelope))
        return await _read_until(websocket, until, raw=False)


async def _read_until(websocket, marker: bytes, raw: bool) -> bytes:
    received = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        message = await asyncio.wait_for(websocket.receive(), 30)
        if message.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
            break
        data = message.data
        received += data if isinstance(data, bytes) else data.encode()
        text = received if raw else re.sub(rb"\x1b\[[0-9;?<>$]*[A-Za-z~]", b"", received)
        if marker in text:
            return text
    return received if raw else re.sub(rb"\x1b\[[0-9;?<>$]*[A-Za-z~]", b"", received)


def ws_url(served: Served, token: str | None = None) -> str:
    return f"ws://127.0.0.1:{served.port}/ws/{served.token if token is None else token}"


def test_the_printed_address_carries_a_token_and_the_page_needs_it(serve):
    served = serve()
    assert served.printed == f"{served.base}/?token={served.token}" and len(served.token) >= 24
    status, page = get(served.printed)
    assert status == 200 and "textual.js" in page and "googleapis" not in page
    # Addresses relative to the page, so that any tunnel's port works.
    assert 'src="static/js/textual.js"' in page
    assert f'data-session-websocket-url="ws/{served.token}"' in page
    assert "127.0.0.1:" not in page
    for url in (f"{served.base}/", f"{served.base}/?token=wrong", f"{served.base}/?token="):
        status, page = get(url)
        assert status == 403 and "Token needed" in page
    assert get(f"{served.base}/static/js/textual.js")[0] == 200  # no secret in the script
    assert not served.apps()  # a page starts nothing


def test_a_browser_session_runs_the_app_with_the_options_given(serve):
    served = serve("--lr", "0.05")
    frame = asyncio.run(first_frame(ws_url(served)))
    assert FIRST_FRAME in frame and b"0.05" in frame
    assert not wait_gone(served.apps(), 3)  # the tab closed: its app and trainer are gone


def test_a_served_lesson_plays_in_the_tab(serve):
    served = serve("--lesson", "003")  # numpy-manual
    frame = asyncio.run(
        first_frame(
            ws_url(served),
            then=[["stdin", "\r"]],
            until=b"step 1/4",
        )
    )
    assert b"step 1/4" in frame and b"dw = -120" in frame
    assert not wait_gone(served.apps(), 3)


@pytest.mark.parametrize(
    ("token", "origin", "host"),
    [
        ("wrong", "same", None),
        ("", "same", None),
        (None, "http://evil.example", None),
        (None, None, None),
        (None, "same", "evil.example"),
        (None, "http://evil.example", "evil.example"),
    ],
    ids=["wrong-token", "no-token", "foreign-origin", "no-origin", "foreign-host", "rebinding"],
)
def test_a_websocket_without_the_token_or_from_elsewhere_gets_no_session(
    serve, token, origin, host
):
    served = serve()
    with pytest.raises(aiohttp.WSServerHandshakeError) as error:
        asyncio.run(first_frame(ws_url(served, token), origin=origin, host=host))
    assert error.value.status in (403, 404)
    time.sleep(0.3)
    assert not served.apps()


def test_a_foreign_host_gets_a_page_that_says_how_to_allow_it(serve):
    served = serve("--allow-host", "gpu-box.lan")
    status, page = get(served.printed, {"Host": "evil.example"})
    assert status == 403 and "--allow-host evil.example" in page
    status, page = get(served.printed, {"Host": "gpu-box.lan:8000"})
    assert status == 200 and "textual.js" in page


def test_a_huge_resize_is_clamped_and_the_session_ends_when_it_closes(serve):
    served = serve()
    frame = asyncio.run(first_frame(ws_url(served), size=(10_000, 10_000)))
    columns = [int(c) for c in re.findall(rb"\x1b\[\d+;(\d+)H", frame)]
    rows = [int(r) for r in re.findall(rb"\x1b\[(\d+);\d+H", frame)]
    assert max(columns) <= 500 and max(rows) <= 200
    assert not wait_gone(served.apps(), 3)


CLIENT = textwrap.dedent(
    """
    import asyncio, json, sys, aiohttp
    async def main():
        async with aiohttp.ClientSession() as s, s.ws_connect(
            sys.argv[1], headers={"Origin": sys.argv[2]}
        ) as ws:
            await ws.send_str(json.dumps(["resize", {"width": 100, "height": 30}]))
            seen = b""
            while b"Run/Pause" not in seen:
                m = await ws.receive()
                seen += m.data if isinstance(m.data, bytes) else m.data.encode()
            print("ready", flush=True)
            await asyncio.sleep(600)
    asyncio.run(main())
    """
)


def test_a_client_killed_outright_takes_its_session_with_it(serve):
    served = serve()
    client = subprocess.Popen(
        [sys.executable, "-c", CLIENT, ws_url(served), served.base], stdout=subprocess.PIPE
    )
    try:
        assert client.stdout is not None and client.stdout.readline() == b"ready\n"
        apps = served.apps()
        assert apps
        client.kill()  # SIGKILL: no close frame, just the connection gone
        assert not wait_gone(apps, 3)
    finally:
        client.kill()
        client.wait()


@pytest.mark.parametrize(
    "nonsense",
    ["not json", json.dumps({"a": 1}), json.dumps(["resize", "huge"]), b"\x00\x01"],
    ids=["not-json", "not-a-list", "bad-resize", "binary"],
)
def test_a_misbehaving_client_loses_its_session_and_nothing_is_left(serve, nonsense):
    served = serve()

    async def misbehave() -> set[int]:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(ws_url(served), headers={"Origin": served.base}) as websocket,
        ):
            await websocket.send_str(json.dumps(["resize", {"width": 80, "height": 24}]))
            await _read_until(websocket, FIRST_FRAME, raw=True)
            apps = served.apps()
            if isinstance(nonsense, bytes):
                await websocket.send_bytes(nonsense)
            else:
                await websocket.send_str(nonsense)
            await _read_until(websocket, b"never", raw=True)  # until the server closes it
            return apps

    apps = asyncio.run(misbehave())
    assert apps and not wait_gone(apps, 3)


def test_a_client_that_stalls_is_dropped(serve):
    """Connected, then silent: it answers no ping (the server's heartbeat, every 5 s)."""
    served = serve()

    async def stall() -> set[int]:
        session = aiohttp.ClientSession()
        websocket = await session.ws_connect(
            ws_url(served), headers={"Origin": served.base}, autoping=False
        )
        await websocket.send_str(json.dumps(["resize", {"width": 80, "height": 24}]))
        await _read_until(websocket, FIRST_FRAME, raw=True)
        apps = served.apps()
        left = wait_gone(apps, 12)  # never reading again, so never answering a ping
        await session.close()
        return left

    assert not asyncio.run(stall())


def test_more_sessions_than_allowed_get_a_clear_page(serve):
    served = serve("--max-sessions", "1")

    async def two() -> tuple[int, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(ws_url(served), headers={"Origin": served.base}) as websocket,
        ):
            await websocket.send_str(json.dumps(["resize", {"width": 80, "height": 24}]))
            await websocket.receive()  # the first session is up
            status, page = await asyncio.to_thread(get, served.printed)
            try:
                async with session.ws_connect(ws_url(served), headers={"Origin": served.base}):
                    raise AssertionError("a second session opened")
            except aiohttp.WSServerHandshakeError as error:
                assert error.status == 503
            return status, page

    status, page = asyncio.run(two())
    assert status == 503 and "at most 1 session" in page
    assert not wait_gone(served.apps(), 3)
    assert FIRST_FRAME in asyncio.run(first_frame(ws_url(served)))  # the place is free again


TAB = "\t"


def test_a_served_tab_loads_files_from_its_root_only_and_quotes_none(serve, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    served = serve()
    to_the_field = ["stdin", TAB * 6]  # from the variants: lr, epochs, w0, bias, data, load CSV
    outside = asyncio.run(
        first_frame(ws_url(served), then=[to_the_field, ["stdin", "/etc/shadow\r"]], until=b"only")
    )
    assert b"served session" in outside and b"root:" not in outside
    inside = asyncio.run(
        first_frame(ws_url(served), then=[to_the_field, ["stdin", "pipe.csv\r"]], until=b"FIFO")
    )
    assert b"FIFO" in inside
    assert not wait_gone(served.apps(), 3)  # the tab closed right after: nothing left
    assert not served.config_home.exists()  # nor did a tab touch the remembered settings


def test_an_idle_session_is_ended(serve):
    served = serve("--idle-timeout", "0.05")  # 3 s

    async def idle() -> float:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(ws_url(served), headers={"Origin": served.base}) as websocket,
        ):
            await websocket.send_str(json.dumps(["resize", {"width": 80, "height": 24}]))
            start = time.monotonic()
            while (await websocket.receive()).type in (
                aiohttp.WSMsgType.BINARY,
                aiohttp.WSMsgType.TEXT,
            ):
                pass
            return time.monotonic() - start

    assert 2.5 < asyncio.run(idle()) < 8
    assert not wait_gone(served.apps(), 3)


def test_stopping_the_server_ends_every_session(serve):
    served = serve()
    clients = [
        subprocess.Popen(
            [sys.executable, "-c", CLIENT, ws_url(served), served.base], stdout=subprocess.PIPE
        )
        for _ in range(2)
    ]
    try:
        for client in clients:
            assert client.stdout is not None and client.stdout.readline() == b"ready\n"
        apps = served.apps()
        os.killpg(served.process.pid, signal.SIGTERM)
        assert served.process.wait(timeout=5) == 0
        assert not wait_gone(apps, 3)
    finally:
        for client in clients:
            client.kill()
            client.wait()


async def _forward(listen_port: int, target_port: int) -> asyncio.AbstractServer:
    """A tiny TCP forwarder, as ``ssh -L listen:127.0.0.1:target`` is."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", target_port)
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    return await asyncio.start_server(handle, "127.0.0.1", listen_port)


def test_the_page_and_the_app_load_through_a_tunnel_on_another_port(serve):
    served = serve()
    port = free_port()

    async def through() -> tuple[int, str, bytes]:
        forwarder = await _forward(port, served.port)
        try:
            url = f"http://127.0.0.1:{port}/?token={served.token}"
            status, page = await asyncio.to_thread(get, url)
            websocket = page.split('data-session-websocket-url="')[1].split('"')[0]
            # what the page's script does: resolve the path against the page's own address
            frame = await first_frame(f"ws://127.0.0.1:{port}/{websocket}")
            return status, page, frame
        finally:
            forwarder.close()

    status, _, frame = asyncio.run(through())
    assert status == 200 and FIRST_FRAME in frame
    assert not wait_gone(served.apps(), 3)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--port", "http"), "--port"),
        (("--port", "70000"), "--port"),
        (("--lr", "-1"), "--lr"),
        (("--ho", "0.0.0.0", "--po", "9000"), "unrecognized arguments"),
        (("--host", "0.0.0.0", "--no-token", "--allow-root"), "--no-token"),
        (("--max-sessions", "0"), "--max-sessions"),
        (("--idle-timeout", "soon"), "--idle-timeout"),
        (("--root", "/no/such/folder", "--allow-root"), "--root"),
        (("--lesson", "nine"), "--lesson"),
        (("--lesson", "004", "--lr", "0.1"), "--lesson"),
    ],
)
def test_bad_serve_options_exit_2(args, words):
    result = run_gdtui("serve", *args)
    assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
    assert len(result.err_lines) == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusal is for root")
def test_root_needs_allow_root():
    result = run_gdtui("serve", "--port", str(free_port()))
    assert result.returncode == 2 and "--allow-root" in result.stderr


def test_a_headless_browser_reaches_the_first_frame(serve):
    """A real browser: Chromium, driven by Playwright, runs the page's own script."""
    served = serve()
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(served.printed)
        page.wait_for_selector("body.-first-byte", timeout=30_000)
        page.wait_for_function(
            "() => document.querySelector('.xterm-rows, canvas') !== null", timeout=30_000
        )
        assert served.apps()
    assert not wait_gone(served.apps(), 3)
