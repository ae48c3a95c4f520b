"""Helpers for driving the app the way a person does."""

from __future__ import annotations

import time

from gdtui.app.app import GdtuiApp
from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.stops import RunState
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig
from tests.showcase import settle


async def press_and_settle(app: GdtuiApp, pilot, *keys: str) -> None:
    """Press each key and wait until its epochs have landed and the panes are redrawn."""
    for key in keys:
        await pilot.press(key)
        await settle(app, pilot)


async def run_to_end(app: GdtuiApp, pilot) -> None:
    """Press space and wait until the run has finished, or paused as diverging (at most a
    minute: on a busy machine 120,000 epochs took longer than the 4 s this once allowed)."""
    await pilot.press("space")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        session = app.main.session
        if session.finished or session.state is RunState.DIVERGING:
            break
        await pilot.pause(0.01)
    await settle(app, pilot)


def core_records(config: RunConfig, epochs: int) -> list[EpochRecord]:
    """What the core's trainer produces on its own for ``config``."""
    trainer = Trainer(config)
    return [trainer.run_epoch() for _ in range(epochs)]


def recorded_notices(app, monkeypatch) -> list[str]:
    """Every notice the app gives from now on, as ``title: message`` (as well as showing it)."""
    notices: list[str] = []
    notify = app.notify

    def record(message, *args, **kwargs):
        notices.append(f"{kwargs.get('title', '')}: {message}")
        return notify(message, *args, **kwargs)

    monkeypatch.setattr(app, "notify", record)
    return notices
