"""SVG snapshots of the telling states (the same states as the README's screenshots).

The training process runs with the math libraries pinned to the paths every machine of ours
takes alike (:data:`~tests.showcase.SAME_ON_EVERY_MACHINE`), and every number behind each
state is computed again as another machine would (one thread, numpy without AVX-512): a bit
that moves between the two fails the test, for that screen would fail on some machine.
"""

from __future__ import annotations

import queue
from typing import Any

import pytest

from gdtui.app import make_app
from gdtui.app.app import GdtuiApp
from gdtui.app.screens.compare import CompareScreen
from gdtui.app.screens.tour import TourScreen
from gdtui.app.widgets.settings_form import SettingsForm
from gdtui.core.engine.runner import Stretch
from gdtui.core.process.parent import TrainerProcess
from gdtui.core.process.protocol import Compare, Compared, RunEpochs, Tour, TourRan
from gdtui.core.settings.config import RunConfig
from tests.showcase import ANOTHER_MACHINE, SAME_ON_EVERY_MACHINE, STATES, play


@pytest.fixture(autouse=True)
def same_on_every_machine(monkeypatch):
    for name, value in SAME_ON_EVERY_MACHINE.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def another_machine():
    """A training process that computes as another machine would, and what it says."""
    replies: queue.Queue[Any] = queue.Queue()
    process = TrainerProcess(replies.put)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ANOTHER_MACHINE.items():
            patch.setenv(name, value)
        process.start(RunConfig(), run_id=1)
    yield process, replies
    process.close(timeout=0)


def _reply(replies: queue.Queue[Any], kind: type) -> Any:
    while not isinstance(reply := replies.get(timeout=60), kind):
        pass
    return reply


def recompute(app: GdtuiApp, another_machine) -> tuple[object, object]:
    """What the screen's numbers came from here, and the same computed on another machine."""
    process, replies = another_machine
    screen = app.screen
    if isinstance(screen, CompareScreen):
        assert screen.comparison is not None
        process.ask(Compare(screen.config, screen.across))
        there = _reply(replies, Compared).comparison
        return _lanes(screen.comparison), _lanes(there)
    if isinstance(screen, TourScreen):
        process.ask(Tour())
        return screen.outputs, _reply(replies, TourRan).outputs
    session = app.main.session
    run_id = session.run_id + 1000
    process.reset(run_id, session.config)
    records: list = []
    updates: list = []
    plan = session.replay_plan()
    ends = [*plan.at[1:].tolist(), plan.epochs + 1] if plan.epochs else []
    segments = zip(plan.at.tolist(), ends, plan.lr, plan.zero_grad, strict=True)
    for start, end, lr, zero_grad in segments:
        process.apply(session.config.replace(lr=float(lr), zero_grad=bool(zero_grad)))
        process.ask(RunEpochs(end - start))
        stretch = _reply(replies, Stretch)
        records += stretch.records
        updates += stretch.updates  # with mini-batches, every update
    return (list(session.history), list(session.history.updates or [])), (records, updates)


def _lanes(comparison) -> dict[str, list]:
    return {name: list(history) for name, history in comparison.histories.items()}


@pytest.mark.parametrize("state", STATES, ids=lambda s: s.name)
def test_state(snap_compare, another_machine, state):
    """The snapshot, and every number behind it computed again as another machine would
    (one thread, numpy without AVX-512): not one bit may move."""

    async def run_before(pilot):
        await play(pilot.app, pilot, state.keys)
        here, there = recompute(pilot.app, another_machine)
        assert here == there, f"{state.name}: the numbers differ on another machine"

    assert snap_compare(state.app(), run_before=run_before, terminal_size=state.size)


def test_help_screen(snap_compare):
    async def run_before(pilot):
        await play(pilot.app, pilot, ("question_mark",))

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(120, 40))


def test_invalid_field(snap_compare):
    async def run_before(pilot):
        await play(pilot.app, pilot, ())
        form = pilot.app.query_one(SettingsForm)
        form.editor.cursor_blink = False  # else a slow machine may take the picture mid-blink
        form.focus_field("lr")
        await pilot.press(*"-0.5", "enter")
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(120, 40))
