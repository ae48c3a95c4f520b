"""What every test shares: a test drives the app as a person does, from the moment its run
has started (its panes come right after the first frame: gdtui.app.screens.main_run)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gdtui.app.app import GdtuiApp
from tests.showcase import started


@pytest.fixture(autouse=True)
def _run_started(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """``app.run_test()`` hands over the pilot once the run's panes are in (at once for a
    test marked ``early``)."""
    if request.node.get_closest_marker("early") is not None:
        return
    run_test = GdtuiApp.run_test

    @contextlib.asynccontextmanager
    async def run_test_started(app: GdtuiApp, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        async with run_test(app, *args, **kwargs) as pilot:
            await started(app, pilot)
            yield pilot

    monkeypatch.setattr(GdtuiApp, "run_test", run_test_started)
