"""The app when its training process dies, hangs or is busy comparing: each trouble is told
once, the history is kept, a new process carries the run on exactly, and q still quits."""

from __future__ import annotations

import os
import signal
import time

from gdtui.app import make_app
from gdtui.core.engine.stops import RunState
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.variants import VARIANT_NAMES
from tests.showcase import settle

from .conftest import press_and_settle, recorded_notices


async def _wait(pilot, condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_a_killed_training_process_is_told_once_and_the_run_carries_on(monkeypatch):
    # numpy-manual: its zero_grad-off accumulator must be replayed too (the core's tests
    # replay torch's optimizers); a torch import per process would add seconds here.
    config = RunConfig(variant="numpy-manual")
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        notices = recorded_notices(app, monkeypatch)
        await press_and_settle(app, pilot, *"nnnn", "z", *"nnn", "plus", "n")
        kept = list(app.main.session.history)
        assert len(kept) == 8

        def deaths() -> int:
            return sum("stopped unexpectedly" in n for n in notices)

        for death in (1, 2):
            os.kill(app.main.trainer.pid, signal.SIGKILL)
            await _wait(pilot, lambda d=death: deaths() == d)
            await pilot.pause(0.3)
            assert deaths() == death  # once each
            assert "killed by SIGKILL" in notices[-1] and f"{len(kept):,} epochs" in notices[-1]
            assert list(app.main.session.history) == kept  # nothing lost
            assert app.main.session.state is RunState.PAUSED
            await press_and_settle(app, pilot, "n")  # a new process replays, then steps
            epochs = len(kept) + 1
            await _wait(pilot, lambda e=epochs: app.main.session.epoch == e)
            kept = list(app.main.session.history)
        # the same numbers as one uninterrupted run with the same changes
        reference = Trainer(config)
        expected = [reference.run_epoch() for _ in range(4)]
        reference.set_zero_grad(False)
        expected += [reference.run_epoch() for _ in range(3)]
        reference.set_lr(0.02)
        expected += [reference.run_epoch() for _ in range(3)]
        assert kept == expected
        assert any("Replayed 9 epochs: the same numbers" in n for n in notices)


async def test_a_stopped_training_process_is_told_and_q_still_quits_at_once(monkeypatch):
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.main.trainer.not_responding = 1.0
        notices = recorded_notices(app, monkeypatch)
        await press_and_settle(app, pilot, "n")
        pid = app.main.trainer.pid
        os.kill(pid, signal.SIGSTOP)
        await _wait(pilot, lambda: any("not responding" in n for n in notices), 5)
        assert f"pid {pid}" in notices[-1]
        await pilot.press(*"z" * 30)  # keys and settings pile up for it: none may block
        start = time.monotonic()
        await pilot.press("q")
        await _wait(pilot, lambda: app.return_code is not None, 2)
        assert time.monotonic() - start < 1.0
    deadline = time.monotonic() + 2
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{pid}")  # killed, stopped as it was


async def test_a_stopped_training_process_is_replaced_by_n_and_the_run_goes_on(monkeypatch):
    config = RunConfig(variant="numpy-manual")
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main.trainer.not_responding = 1.0
        notices = recorded_notices(app, monkeypatch)
        await press_and_settle(app, pilot, *"nnn")
        old = app.main.trainer.pid
        os.kill(old, signal.SIGSTOP)
        await _wait(pilot, lambda: any("not responding" in n for n in notices), 5)
        await press_and_settle(app, pilot, "n")
        await _wait(pilot, lambda: app.main.session.epoch == 4)
        assert app.main.trainer.pid != old
        trainer = Trainer(config)
        assert list(app.main.session.history) == [trainer.run_epoch() for _ in range(4)]


async def test_escape_cancels_a_comparison_at_once_and_the_run_goes_on():
    app = make_app(RunConfig(variant="torch-autograd", epochs=10**9))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        title = app.screen.query_one("#compare-title")
        # Every lane's progress shows as it streams in.
        await _wait(
            pilot,
            lambda: " 0%" not in str(title.render()) and "starting" not in str(title.render()),
            60,
        )
        text = str(title.render())
        assert "100,000 epochs" in text and "at most 100,000 in compare mode" in text
        assert all(f"{name} " in text for name in VARIANT_NAMES)
        assert "escape cancels" in text
        await pilot.press("escape")
        start = time.monotonic()
        await pilot.press("n")
        await _wait(pilot, lambda: app.main.session.epoch == 1, 5)
        assert time.monotonic() - start < 1.5  # not after the rest of 4 × 100,000 epochs


async def test_a_death_during_a_comparison_says_so_instead_of_comparing_forever():
    app = make_app(RunConfig(variant="torch-autograd", epochs=100_000))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        title = app.screen.query_one("#compare-title")
        await _wait(pilot, lambda: "(0%)" not in str(title.render()))
        os.kill(app.main.trainer.pid, signal.SIGKILL)
        await _wait(pilot, lambda: "No comparison" in str(title.render()), 5)
        assert "killed by SIGKILL" in str(title.render())
        assert not app.main.busy


async def test_a_reader_that_fails_is_a_lost_process_and_the_run_carries_on(monkeypatch):
    from gdtui.app.training.link import TrainerLink
    from gdtui.core.engine.runner import Stretch

    received = TrainerLink._received
    failures = []

    def fail_once(link, message):
        if isinstance(message, Stretch) and not failures:
            failures.append(message)
            raise RuntimeError("a bug in the reader")
        received(link, message)

    monkeypatch.setattr(TrainerLink, "_received", fail_once)
    config = RunConfig(variant="numpy-manual")
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        notices = recorded_notices(app, monkeypatch)
        await settle(app, pilot)
        first = app.main.trainer.pid
        await pilot.press("n")
        await _wait(pilot, lambda: any("reader failed" in n for n in notices))
        assert "RuntimeError('a bug in the reader')" in notices[-1]
        await _wait(pilot, lambda: not app.main.trainer.alive)  # killed, by pid
        assert app.main.session.epoch == 0
        await press_and_settle(app, pilot, "n")
        await _wait(pilot, lambda: app.main.session.epoch == 1)
        assert app.main.trainer.pid != first
        assert list(app.main.session.history) == [Trainer(config).run_epoch()]


async def test_a_comparison_that_fails_is_told_to_its_screen_and_the_run_is_untouched(monkeypatch):
    from gdtui.app.screens.compare import CompareScreen

    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40)) as pilot:
        notices = recorded_notices(app, monkeypatch)
        await press_and_settle(app, pilot, "n")
        screen = CompareScreen(app.main.link, RunConfig(variant="numpy-manual"))
        object.__setattr__(screen.config, "lr", -1.0)  # past the checks: the lanes refuse it
        await app.push_screen(screen)
        title = app.screen.query_one("#compare-title")
        await _wait(pilot, lambda: "No comparison" in str(title.render()), 10)
        assert "the comparison failed" in str(title.render())
        assert any(n.startswith("Training stopped:") and "--lr" in n for n in notices)
        assert not app.main.busy  # nobody waits for it any longer
        await pilot.press("escape")
        await press_and_settle(app, pilot, "n")
        assert app.main.session.epoch == 2 and app.main.session.state is RunState.PAUSED
