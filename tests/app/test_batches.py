"""Mini-batches through the keys: ``n`` steps an epoch of all its batches, ``.`` walks the
batch loop, and the panes show each update: the chart the batches' losses and the whole
data's, the table a row per update with the full-data gradient, the landscape every update."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gdtui.app import make_app
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import Dataset
from tests.core.stepping import one_by_one

from .conftest import press_and_settle, run_to_end

FIVE = Dataset("five", (1.0, 2.0, 3.0, 4.0, 5.0), (2.5, 4.0, 6.5, 8.0, 9.5))
CONFIG = RunConfig(
    variant="torch-optim", dataset=FIVE, batch_size=2, shuffle=True, bias=True, epochs=6
)


async def test_n_steps_every_batch_of_an_epoch_and_the_panes_show_them() -> None:
    app = make_app(CONFIG)
    async with app.run_test(size=(160, 50)) as pilot:
        await press_and_settle(app, pilot, "n", "n")
        session = app.main.session
        records, updates = one_by_one(CONFIG, 2)
        assert list(session.history) == records
        assert session.history.updates is not None
        assert list(session.history.updates) == updates
        assert [(u.epoch, u.batch) for u in updates] == [(e, b) for e in (1, 2) for b in (1, 2, 3)]
        status = str(app.query_one("#status").render())
        assert "full loss" in status
        table = str(app.query_one("#debug-table").render())
        assert "full ∇w" in table and "batch" in table
        # A row per update, newest first, with the batch's gradient and the whole data's.
        body = [line.split() for line in table.splitlines()[1:] if line.strip()]
        assert [row[:2] for row in body[:6]] == [
            ["2", "3"],
            ["2", "2"],
            ["2", "1"],
            ["1", "3"],
            ["1", "2"],
            ["1", "1"],
        ]
        chart = app.query_one("#loss-pane")
        assert chart.points == len(updates) + len(records)  # every batch, every epoch's end


async def test_an_epoch_stepped_by_lines_walks_each_batch_and_equals_n() -> None:
    program = Trainer(CONFIG).program
    lines = program.epoch_lines(CONFIG.batches)
    app = make_app(CONFIG)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, *["full_stop"] * (lines - 1))
        session = app.main.session
        assert session.epoch == 0
        status = str(app.query_one("#status").render())
        assert "in epoch 1, batch 3: ran line" in status
        await press_and_settle(app, pilot, "full_stop")
        records, updates = one_by_one(CONFIG, 1)
        assert list(session.history) == records
        assert list(session.history.updates or []) == updates


async def test_the_landscape_path_is_every_update(monkeypatch) -> None:
    from gdtui.app.widgets import landscape_chart

    seen = []
    real = landscape_chart.landscape

    def spy(dataset, history, initial, has_bias, *args, **kwargs):
        seen.append(len(history))
        return real(dataset, history, initial, has_bias, *args, **kwargs)

    monkeypatch.setattr(landscape_chart, "landscape", spy)
    app = make_app(CONFIG)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n", "n", "g", "g")
        assert seen and seen[-1] == 6  # 3 batches an epoch, 2 epochs


async def test_the_export_has_a_record_per_update(tmp_path) -> None:
    config = CONFIG.replace(epochs=3)
    app = make_app(config, output_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await run_to_end(app, pilot)
        await press_and_settle(app, pilot, "e")
        exported = sorted(tmp_path.glob("*.jsonl"))
        assert exported, list(tmp_path.iterdir())
        rows = [json.loads(line) for line in exported[-1].read_text().splitlines()]
        _, updates = one_by_one(config, 3)
        assert [(r["epoch"], r["step"], r["batch"]) for r in rows] == [
            (u.epoch, u.step, u.batch) for u in updates
        ]
        np.testing.assert_array_equal([r["w"] for r in rows], [u.w for u in updates])
        assert [r["full_loss"] is None for r in rows] == [u.full_loss is None for u in updates]


async def test_with_batches_a_wrong_formula_stays_flagged_against_the_true_gradient() -> None:
    """The tutorial's np.dot(2x, ŷ−y).mean(): each update's whole-data gradient by that
    formula is N times the loss's own, which the numerical column gives; both in red."""
    x, y = np.array([1.0, 2, 3, 4]), np.array([2.0, 4, 6, 8])
    for formula, wrong in (("tutorial", True), ("mean", False)):
        config = RunConfig(variant="numpy-manual", grad_formula=formula, batch_size=2)
        app = make_app(config)
        async with app.run_test(size=(160, 40)) as pilot:
            await press_and_settle(app, pilot, "n")
            table = app.query_one("#debug-table")
            header = table.header
            full, numerical = header.index("full ∇w"), header.index("numerical")
            rows = app.main.session.viewed_deltas(2)
            for row, delta in zip(reversed(table.rows), rows, strict=True):
                true = float(np.mean(2 * x * (delta.w_before * x - y)))  # by hand, at w before
                assert float(str(row[numerical])) == pytest.approx(true, rel=1e-6)
                assert float(str(row[full])) == pytest.approx(true * (4 if wrong else 1), rel=1e-6)
                assert (getattr(row[full], "style", "") == "bold red") is wrong
            note = str(app.query_one("#grad-note").render())
            assert (
                "full ∇w = -108 is 4× the numerical gradient -27: N = 4 points" in note
            ) is wrong
