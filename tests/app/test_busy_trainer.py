"""The app when its training process is busy, not hung: a lesson's step of thousands of lines
is answered to the last line with no "not responding"; a replay that does not reach the same
numbers says how, in words."""

from __future__ import annotations

import time

from gdtui.app import make_app
from gdtui.app.training.supervisor import Supervisor
from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.runner import Runner
from gdtui.core.engine.stops import RunState
from gdtui.core.lessons.lesson import parse_lesson
from gdtui.core.process.protocol import Restored
from gdtui.core.settings.config import RunConfig

from .conftest import recorded_notices

LINES = 3000


async def test_a_lesson_step_of_many_lines_runs_every_line_and_nobody_is_called_hung(monkeypatch):
    lesson = parse_lesson(
        {
            "title": "Many lines",
            "settings": {"variant": "numpy-manual", "epochs": 1000},
            # A step of 3,000 lines stalled at epoch 166: past the first 1,000 the lines were
            # dropped and the busy process was declared not responding.
            "steps": [{"note": "Many lines.", "lines": LINES}],
        }
    )
    app = make_app(lesson=lesson)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main.trainer.not_responding = 1.0
        notices = recorded_notices(app, monkeypatch)
        await pilot.press("enter")
        session, epochs = app.main.session, LINES // 7  # numpy-manual's loop: 7 lines
        moved, seen = time.monotonic(), -1
        while session.epoch < epochs or session.line is None or session.line.index != LINES % 7 - 1:
            if session.epoch != seen:
                moved, seen = time.monotonic(), session.epoch
            assert time.monotonic() - moved < 10, f"stalled at epoch {seen}: {notices}"
            assert app.main.supervisor.trouble is None, notices
            await pilot.pause(0.1)
        await pilot.pause(1.5)  # the checks go on: still no trouble
        assert app.main.supervisor.trouble is None
        assert not [n for n in notices if "not responding" in n.lower()]
        reference = Runner(lesson.config)
        assert list(session.history) == reference.run(epochs).records


class _Watcher:
    quitting = False

    def __init__(self) -> None:
        self.notices: list[str] = []

    def notify(self, message: str, **kwargs: object) -> None:
        self.notices.append(message)

    def redraw(self) -> None:
        pass


class _Session:
    run_id = 1
    config = RunConfig(variant="numpy-manual")
    state = RunState.PAUSED

    def __init__(self, last: EpochRecord) -> None:
        self.last_record, self.epoch = last, last.epoch
        self.optimizer_state: dict[str, float] = {}


class _Process:
    def send(self, command: object) -> None:
        pass


class _Link:
    process = _Process()


def test_a_replay_that_differs_says_how_in_words() -> None:
    kept = EpochRecord(1957, 0.25, 1.5, -0.125, lr=0.01)
    watcher = _Watcher()
    supervisor = Supervisor(_Link(), _Session(kept), watcher)  # type: ignore[arg-type]
    supervisor.restored(Restored(1, kept._replace(w=1.75)))
    said = watcher.notices[-1]
    assert "EpochRecord(" not in said and "at epoch 1,957 it got w 1.75 where the history" in said
    supervisor.restored(Restored(1, kept._replace(epoch=1950)))
    assert "it reached epoch 1,950 where the history has epoch 1,957" in watcher.notices[-1]
    supervisor.restored(Restored(1, None))
    assert "it reached no epoch where the history has epoch 1,957" in watcher.notices[-1]
    nan = kept._replace(loss=float("nan"))  # nan is nan: the same numbers
    supervisor.mismatch = None
    supervisor.session = _Session(nan)  # type: ignore[assignment]
    supervisor.restored(Restored(1, EpochRecord(*nan)))
    assert supervisor.mismatch is None and "the same numbers" in watcher.notices[-1]
