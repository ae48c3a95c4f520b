"""Recording (``gdtui --record``): what a user did, keys and runs and changes mid-run, is
written as a lesson file that plays back to the very same records."""

from __future__ import annotations

from gdtui.app import make_app
from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.stops import RunState
from gdtui.core.lessons.lesson import load_lesson
from gdtui.core.settings.config import RunConfig

from .conftest import press_and_settle


def _rows(app) -> list[EpochRecord]:
    """Every column of the run's history, exactly (a replay must match to the last bit)."""
    return list(app.main.session.history)


async def _replay(path, size=(120, 40)) -> tuple[list[list[tuple]], str]:
    """Play the recorded lesson to its end: the history after each step, and the last view."""
    lesson = load_lesson(str(path))
    app = make_app(lesson=lesson)
    after = []
    async with app.run_test(size=size) as pilot:
        for _ in lesson.steps:
            await press_and_settle(app, pilot, "enter")
            after.append(_rows(app))
        view = app.main.query_one("#views").active
    return after, view


async def test_keys_between_pauses_replay_to_the_same_records(tmp_path):
    path = tmp_path / "demo.toml"
    app = make_app(RunConfig(variant="numpy-manual", epochs=40), record=path)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n", "full_stop", "full_stop", "full_stop", "n")
        await press_and_settle(app, pilot, "plus", "n", "n", "g")
        before_reset = _rows(app)
        await press_and_settle(app, pilot, "r", "minus", "full_stop", "n", "n")
        final, view = _rows(app), app.main.query_one("#views").active
    lesson = load_lesson(str(path))
    kinds = [
        next(key for key in ("reset", "set", "view", "epochs", "lines") if getattr(step, key))
        for step in lesson.steps
    ]
    assert kinds == [
        "epochs", "view", "lines", "lines", "lines", "epochs", "set", "epochs", "epochs",
        "view", "reset", "set", "view", "lines", "epochs", "epochs",
    ]  # fmt: skip
    assert lesson.steps[6].set == {"lr": 0.02} and lesson.steps[11].set == {"lr": 0.01}
    after, replayed_view = await _replay(path)
    assert after[kinds.index("reset") - 1] == before_reset and len(before_reset) == 4
    assert after[-1] == final and len(final) == 2
    assert replayed_view == view


async def test_a_run_flat_out_and_a_change_mid_run_replay_exactly(tmp_path):
    # The lr change lands where the training process took it, not where the key was
    # pressed: the recording splits the run there, so the replay's lr column changes at the
    # same epoch.
    path = tmp_path / "run.toml"
    app = make_app(RunConfig(variant="numpy-manual", epochs=200_000), record=path)
    async with app.run_test(size=(120, 40)) as pilot:
        session = app.main.session
        await pilot.press("space")
        while session.epoch < 3_000:
            await pilot.pause(0.02)
        await pilot.press("minus")
        while session.epoch < 9_000:
            await pilot.pause(0.02)
        await pilot.press("space")
        await press_and_settle(app, pilot, "n")
        assert session.state is RunState.PAUSED
        final = _rows(app)
    lesson = load_lesson(str(path))
    ran, changed, ran_on, one = lesson.steps
    assert changed.set == {"lr": 0.005} and one.epochs == 1
    assert ran.epochs + ran_on.epochs + 1 == len(final)
    lrs = [record.lr for record in final]
    assert lrs[ran.epochs - 1] == 0.01 and lrs[ran.epochs] == 0.005
    after, _ = await _replay(path)
    assert after[-1] == final


async def test_a_session_with_nothing_done_is_a_lesson_of_its_settings(tmp_path):
    path = tmp_path / "empty.toml"
    config = RunConfig(variant="torch-module", lr=0.05, epochs=7)
    app = make_app(config, record=path)
    async with app.run_test(size=(80, 24)):
        pass
    lesson = load_lesson(str(path))
    assert lesson.config == config and len(lesson.steps) == 1
    assert "gdtui --lesson empty.toml" in lesson.about


async def test_a_recording_that_cannot_be_written_is_said_and_the_app_goes_on(tmp_path):
    folder = tmp_path / "gone"
    folder.mkdir()
    path = folder / "demo.toml"
    app = make_app(RunConfig(variant="numpy-manual", epochs=10), record=path)
    async with app.run_test(size=(120, 40)) as pilot:
        path.unlink()  # made at the start
        folder.rmdir()
        await press_and_settle(app, pilot, "n", "n")
        notices = [n.message for n in app._notifications]
        assert sum("Could not write the recording" in m for m in notices) == 1, notices
        assert app.main.session.epoch == 2
        folder.mkdir()
        await press_and_settle(app, pilot, "n")
    assert len(load_lesson(str(path)).steps) == 3
