"""A served tab's files reach the browser: in a real one (Chromium, driven by Playwright),
``e`` downloads the export as one zip and ``s`` the screenshot, and nothing is written in the
server's folder."""

from __future__ import annotations

import csv
import io
import zipfile

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
    # Playwright lets pages open pop-ups freely; a person's browser blocks those not
    # opened by a key or a click, as the page's download is: so does this one.
    with chromium(ignore_default_args=["--disable-popup-blocking"]) as launched:
        yield launched


def _next(page, downloads: list):
    """The download that comes next (within 30 s)."""
    seen = len(downloads)
    for _ in range(300):
        if len(downloads) > seen:
            return downloads[seen]
        page.wait_for_timeout(100)
    raise AssertionError("no download came")


def test_e_and_s_in_a_served_tab_download_in_the_browser(served, browser, tmp_path):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    downloads: list = []  # the page opens each download in a pop-up that closes at once
    context.on("page", lambda opened: opened.on("download", lambda d: downloads.append(d)))
    page = context.new_page()
    page.goto(served.printed)
    page.wait_for_selector("body.-first-byte", timeout=30_000)
    page.wait_for_timeout(1500)  # the app's first frame, and its focus
    page.mouse.click(700, 450)  # (the keys go to the terminal once it has the focus)
    for key in "nnn":
        page.keyboard.press(key)
        page.wait_for_timeout(300)
    page.keyboard.press("e")
    download = _next(page, downloads)
    assert download.suggested_filename == "gdtui-numpy-manual-3-epochs.zip"
    saved = tmp_path / "browser" / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        stem = "gdtui-numpy-manual-3-epochs"
        assert sorted(archive.namelist()) == [f"{stem}{s}" for s in (".csv", ".jsonl", ".toml")]
        rows = list(csv.DictReader(io.StringIO(archive.read(f"{stem}.csv").decode())))
    assert [row["epoch"] for row in rows] == ["1", "2", "3"]
    assert [row["lr"] for row in rows] == ["0.01"] * 3
    assert rows[0]["w"] == "0.29999998211860657"  # epoch 1 of the seeds' run
    page.keyboard.press("s")
    download = _next(page, downloads)
    assert download.suggested_filename.endswith(".svg")
    svg = tmp_path / "browser" / download.suggested_filename
    download.save_as(svg)
    assert svg.read_text().startswith("<svg")
    # The server's folder (the tab's root, the serve's working directory) holds nothing new.
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".zip", ".csv", ".svg")]
    assert not (tmp_path / "gdtui-output").exists()
    context.close()
    assert not wait_gone(served.apps(), 5)
