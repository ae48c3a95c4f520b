"""What the app says of a long mini-batch run's summarised updates: the export's message and
the debug pane's note."""

from __future__ import annotations

from gdtui.app.export_worker import export_run
from gdtui.app.widgets.debug_pane import _batch_note
from gdtui.core.engine.runner import Stretch
from gdtui.core.run.history import RunHistory
from gdtui.core.run.session import TrainingSession
from gdtui.core.settings.config import RunConfig
from tests.core.stepping import one_by_one

WINDOW = 256


def test_the_export_says_which_updates_it_wrote_in_full(tmp_path) -> None:
    config = RunConfig(batch_size=1, epochs=100, bias=True)
    records, updates = one_by_one(config, 100)
    history = RunHistory(True, batched=True, update_window=WINDOW)
    history.extend(records)
    history.extend_updates(updates)
    assert history.updates is not None
    notices: list[str] = []
    export_run(history, 100, config, tmp_path / "run", [], lambda m, **_: notices.append(m), bool)
    start = history.updates.kept_from
    assert f"before update {start + 1:,}, each epoch's last update" in notices[0]
    assert "the latest 256 are kept in full" in notices[0]
    rows = (tmp_path / "run.csv").read_text().splitlines()
    assert len(rows) == 1 + len(updates) - start + sum(r.step <= start for r in records)


def test_the_debug_pane_says_which_updates_are_summarised() -> None:
    config = RunConfig(batch_size=1, epochs=100, bias=True)
    records, updates = one_by_one(config, 100)
    session = TrainingSession(config)
    session.history.update_window = WINDOW
    session.accept(Stretch(session.run_id, records[:10], updates=updates[:40]))
    assert "summarised" not in _batch_note(session).plain
    session.accept(Stretch(session.run_id, records[10:], updates=updates[40:]))
    start = session.history.updates.kept_from
    assert f"updates before step {start + 1:,} are summarised" in _batch_note(session).plain
    assert "the latest 256 updates" in _batch_note(session).plain
