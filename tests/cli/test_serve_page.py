"""The page ``gdtui serve`` gives a browser, in a real one (Chromium, driven by Playwright):
its title, and keys that reach the app as soon as it shows, with no click first."""

from __future__ import annotations

import re
import time

import pytest

from tests.cli.browser_support import chromium
from tests.cli.terminal_support import wait_gone
from tests.cli.test_serve import Served


@pytest.fixture
def served(tmp_path):
    server = Served(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def browser():
    with chromium() as launched:
        yield launched


def _words(frames: list[bytes]) -> str:
    """What the app drew, escape sequences and whitespace left out."""
    text = b"".join(frames).decode(errors="replace")
    return re.sub(r"\x1b\[[0-9;?<>$]*[A-Za-z~]|\x1b\][^\x07]*\x07|\s", "", text)


def test_the_page_has_a_title_and_takes_keys_before_any_click(served, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    drawn: list[bytes] = []
    sent: list[str] = []

    def watch(websocket) -> None:
        websocket.on("framereceived", lambda p: drawn.append(p if isinstance(p, bytes) else b""))
        websocket.on("framesent", lambda p: sent.append(p if isinstance(p, str) else ""))

    page.on("websocket", watch)
    page.goto(served.printed)
    assert page.title() == "gdtui"
    page.wait_for_selector("body.-first-byte", timeout=30_000)
    page.wait_for_timeout(1500)  # the app settles its own focus after its first frame
    before = len(drawn)
    page.keyboard.press("?")  # no click anywhere: the page must have focused the terminal
    deadline = time.monotonic() + 15
    while "oneepochatatime" not in _words(drawn[before:]) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert '["stdin","?"]' in sent, sent
    assert "oneepochatatime" in _words(drawn[before:])  # the help screen's first words
    assert '["focus"]' in sent  # and the app was told that it has the focus
    page.close()
    assert not wait_gone(served.apps(), 5)


def test_an_app_that_fails_at_start_closes_its_tab_at_once(tmp_path, monkeypatch):
    """The app of a session exits before it draws (here a sitecustomize makes every served
    app exit): the tab's connection closes within seconds, not at the idle timeout, and the
    session's slot is free again."""
    import asyncio

    import aiohttp

    from tests.cli.test_serve import ws_url

    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        "import os\nif os.environ.get('TEXTUAL_DRIVER', '').endswith('WebDriver'):\n"
        "    os._exit(3)\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(hooks))
    served = Served(tmp_path, "--max-sessions", "1")
    try:

        async def connect() -> float:
            start = time.monotonic()
            async with (
                aiohttp.ClientSession() as session,
                session.ws_connect(ws_url(served), headers={"Origin": served.base}) as websocket,
            ):
                await websocket.send_str('["resize", {"width": 80, "height": 24}]')
                while not websocket.closed:
                    message = await asyncio.wait_for(websocket.receive(), 20)
                    if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                        break
            return time.monotonic() - start

        assert asyncio.run(connect()) < 10
        assert asyncio.run(connect()) < 10  # its one slot was given back
    finally:
        served.stop()
