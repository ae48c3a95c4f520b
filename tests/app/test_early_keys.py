"""Keys in the moment after the first frame, while the run's modules load on a thread: they
act as they would a moment later, and q leaves cleanly."""

from __future__ import annotations

import pytest

from gdtui.app import make_app
from gdtui.core.lessons.lesson import load_lesson
from gdtui.core.settings.config import RunConfig
from tests.showcase import settle, started

pytestmark = pytest.mark.early


async def test_a_lessons_enter_before_the_run_has_started_plays_its_first_step() -> None:
    app = make_app(lesson=load_lesson("001"))
    async with app.run_test(size=(120, 40)) as pilot:
        assert not app.main.panes_ready  # the run is still on its way
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.main.player is not None and app.main.player.at == 1


async def test_tab_and_a_value_typed_while_the_run_loads_are_both_taken() -> None:
    app = make_app(RunConfig())
    async with app.run_test(size=(120, 40)) as pilot:
        assert not app.main.panes_ready
        await pilot.press("tab", "0", ".", "0", "2", "enter", "n")
        await settle(app, pilot)
        assert app.main.session.config.lr == 0.02
        assert app.main.session.epoch == 1


async def test_q_before_the_run_has_started_quits_cleanly() -> None:
    app = make_app(RunConfig())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("q")
        await pilot.pause(0.3)
    assert app.return_code == 0
    assert not app.main.started or not app.main.trainer.alive


async def test_a_view_shown_before_the_panes_are_in_is_in_sight_once_they_are() -> None:
    app = make_app(RunConfig())
    async with app.run_test(size=(120, 40)) as pilot:
        assert not app.main.panes_ready
        await pilot.press("g", "g", "g")  # the Code view
        await started(app, pilot)
        await settle(app, pilot)
        assert app.main.session.view == "code"
        assert app.main.query_one("#views").active == "code"
