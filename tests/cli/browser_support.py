"""A real browser for the serve tests: Debian's Chromium, driven by Playwright (which
downloads no browser of its own here). A test that asks for it skips where either is missing."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def chromium(**options: Any) -> Iterator[Any]:
    """A launched headless Chromium (Playwright's ``Browser``), closed afterwards;
    ``options`` go to Playwright's ``launch``."""
    candidates = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
    path = next((candidate for candidate in candidates if os.path.exists(candidate)), None)
    if path is None:
        pytest.skip("no chromium here (.ci/run installs Debian's)")
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, **options)
        try:
            yield browser
        finally:
            browser.close()
