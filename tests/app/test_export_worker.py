"""The export worker's message: what a long mini-batch run's export holds."""

from __future__ import annotations

from gdtui.app.export_worker import export_run
from gdtui.core.config import RunConfig
from gdtui.core.history import RunHistory
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
