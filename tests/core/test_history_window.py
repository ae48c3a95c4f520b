"""A windowed RunHistory (a mini-batch run's updates): the latest rows at full resolution, the
older ones summarised, checked against a history that keeps every row."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.runner import Stretch
from gdtui.core.engine.trainer import Trainer
from gdtui.core.run import summary as summary_module
from gdtui.core.run.deltas import deltas
from gdtui.core.run.export import csv_chunks, jsonl_chunks
from gdtui.core.run.history import RunHistory
from gdtui.core.run.landscape import landscape
from gdtui.core.run.session import TrainingSession
from gdtui.core.run.summary import BLOCK
from gdtui.core.settings.config import RunConfig
from tests.core.stepping import one_by_one

WINDOW = 256


def _records(n: int) -> list[EpochRecord]:
    """A smooth loss with one spike up and one dip far back, where they will be summarised."""
    rng = np.random.default_rng(3)
    loss = 1 + np.sin(np.arange(n) / 300) + rng.uniform(0, 0.01, n)
    loss[1234], loss[2345] = 50.0, -7.0
    w = np.cumsum(rng.uniform(-1, 1, n))
    return [
        EpochRecord(i + 1, float(loss[i]), float(w[i]), -float(w[i]), i % 7, 0.5, 0.1, 0, i + 1)
        for i in range(n)
    ]


def _both(records: list[EpochRecord], chunks: list[int]) -> tuple[RunHistory, RunHistory]:
    """(every row kept, a window of WINDOW), fed the same records in chunks of these sizes."""
    full, windowed = RunHistory(True), RunHistory(True, window=WINDOW)
    done = 0
    while done < len(records):
        for size in chunks:
            part = records[done : done + size]
            full.extend(part)
            windowed.extend(part)
            done += len(part)
    return full, windowed


@pytest.mark.parametrize("chunks", [[1], [7, 100, 3], [1000]])
def test_keeps_the_latest_rows_and_reads_them_as_a_full_history_does(chunks: list[int]) -> None:
    records = _records(6000)
    full, windowed = _both(records, chunks)
    start = windowed.kept_from
    assert len(windowed) == 6000 and start > 0 and start % BLOCK == 0
    assert WINDOW <= 6000 - start <= WINDOW + WINDOW // 4 + max(chunks)
    for name in ("epoch", "loss", "w", "b", "lr", "grad_state"):
        assert np.array_equal(windowed.column(name), full.column(name)[start:])
        assert np.array_equal(windowed.head(name, 20), full.column(name)[:20])
    assert list(windowed) == records[start:]
    assert windowed.record(-1) == records[-1] and windowed.record(start) == records[start]
    assert windowed.record(start - 1) == records[start - 1]  # where the kept rows start from
    with pytest.raises(IndexError):
        windowed.record(start - 2)
    assert windowed.last(10) == records[-10:]
    assert windowed.last(10_000) == records[start:]
    assert windowed.last(5, end=start + 3) == records[start : start + 3]


@pytest.mark.parametrize("max_points", [4, 50, 300])
def test_a_chart_of_it_keeps_the_spikes_that_were_summarised(max_points: int) -> None:
    records = _records(6000)
    full, windowed = _both(records, [100])
    x, loss = windowed.downsample("loss", max_points)
    assert len(x) <= max_points and np.all(np.diff(x) >= 0)
    assert loss.max() == 50.0 and loss.min() == -7.0  # far before the window
    assert loss[-1] == records[-1].loss and x[-1] == 6000
    # Each point is a true value, at most a summarised run of rows from where it was.
    for epoch, value in zip(x, loss, strict=True):
        at = np.flatnonzero(full.column("loss") == value) + 1
        assert np.min(np.abs(at - epoch)) < 6000 * 2 // max_points + BLOCK


def test_memory_stops_growing_and_the_summary_stays_bounded(monkeypatch) -> None:
    monkeypatch.setattr(summary_module, "SUMMARY_ENTRIES", 16)
    history = RunHistory(True, window=WINDOW)
    records = _records(6000)
    sizes = []
    for repeat in range(12):
        history.extend(r._replace(epoch=r.epoch + 6000 * repeat) for r in records)
        sizes.append(history.nbytes)
    assert len(history) == 72_000 and max(sizes[2:]) <= min(sizes[2:]) * 1.05
    assert history.nbytes < 100_000  # every row of these would take 72,000 × 53 bytes
    x, loss = history.downsample("loss", 100)
    assert loss.max() == 50.0 and loss.min() == -7.0 and x[0] == 1 and x[-1] == 72_000
    # Every summarised stretch as finely as any other: runs of one length, oldest to newest.
    summary = history._summary
    assert summary is not None and 16 <= len(summary.low["epoch"]) < 32
    spans = np.diff(summary.low["epoch"])
    assert np.all(spans[:-1] == summary.blocks * BLOCK) and summary.blocks >= 8


def test_an_export_writes_each_summarised_epoch_and_every_kept_update() -> None:
    config = RunConfig(batch_size=1, epochs=300, bias=True)
    records, updates = one_by_one(config, 300)
    windowed = RunHistory(True, batched=True, update_window=WINDOW)
    full = RunHistory(True, batched=True, update_window=10**9)
    for epoch in range(0, 300, 10):
        per = config.batches
        for history in (windowed, full):
            history.extend(records[epoch : epoch + 10])
            history.extend_updates(updates[epoch * per : (epoch + 10) * per])
    start = windowed.updates.kept_from
    assert start > 0 and full.updates.kept_from == 0
    every = list(csv.reader(io.StringIO("".join(csv_chunks(full)))))
    ends = {record.step for record in records}
    # Before the window an epoch's row stands for its updates: its last one.
    expected = [every[0]] + [
        row for index, row in enumerate(every[1:]) if index >= start or index + 1 in ends
    ]
    assert list(csv.reader(io.StringIO("".join(csv_chunks(windowed))))) == expected
    assert len(expected) - 1 == len(updates) - start + sum(r.step <= start for r in records)
    lines = "".join(jsonl_chunks(windowed)).splitlines()
    assert len(lines) == len(expected) - 1
    # An export stopped at an earlier epoch ends at that epoch's last update.
    half = list(csv.reader(io.StringIO("".join(csv_chunks(windowed, 150)))))
    assert half[-1] == every[records[149].step]


def test_the_panes_and_the_landscape_of_a_long_mini_batch_run() -> None:
    config = RunConfig(batch_size=1, epochs=300, bias=True)
    records, updates = one_by_one(config, 300)
    trainer = Trainer(config)
    session = TrainingSession(config)
    session.history.update_window = WINDOW
    per = config.batches
    for epoch in range(0, 300, 20):
        session.accept(
            Stretch(
                session.run_id,
                records[epoch : epoch + 20],
                initial=(trainer.w, trainer.b) if not epoch else None,
                updates=updates[epoch * per : (epoch + 20) * per],
            )
        )
    kept = session.history.updates
    assert kept is not None and kept.kept_from > 0
    shown = session.viewed_deltas(10)
    assert [step.record for step in shown] == updates[-10:]
    assert (shown[0].w_before, shown[0].b_before) == (updates[-11].w, updates[-11].b)
    session.cursor = 5  # an epoch whose updates were summarised: its row, no step before it
    assert [(s.record, s.w_before) for s in session.viewed_deltas(10)] == [(records[4], None)]
    window_edge = deltas(kept, None, 10, kept.kept_from + 3)
    assert [step.record for step in window_edge] == updates[kept.kept_from : kept.kept_from + 3]
    assert window_edge[0].w_before == updates[kept.kept_from - 1].w
    # The landscape's window is set by where the run started, summarised or not.
    every = RunHistory(True, batched=True)
    every.extend(updates)
    assert landscape(config.dataset, kept, session.initial, True).w_range == (
        landscape(config.dataset, every, session.initial, True).w_range
    )


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(1, 40), min_size=1, max_size=30), seed=st.integers(0, 99))
def test_the_summary_is_each_runs_lowest_and_highest(counts: list[int], seed: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(summary_module, "SUMMARY_ENTRIES", 4)
        summary = summary_module.Summary(["epoch", "loss"])
        rng = np.random.default_rng(seed)
        loss = rng.normal(size=sum(counts) * BLOCK)
        loss[rng.integers(0, len(loss), 5)] = np.nan  # a record without the value
        done = 0
        for count in counts:
            rows = slice(done, done + count * BLOCK)
            summary.add({"epoch": np.arange(rows.start, rows.stop) + 1.0, "loss": loss[rows]})
            done = rows.stop
    run = summary.blocks * BLOCK
    x, values = summary.points("loss", "epoch", 10**6)
    starts = np.arange(0, done, run)
    assert np.array_equal(x, np.repeat(starts + 1.0, 2))
    expected = [(np.nanmin(loss[s : s + run]), np.nanmax(loss[s : s + run])) for s in starts]
    assert np.array_equal(values, np.ravel(expected))
    assert len(summary.low["loss"]) < 2 * 4 and len(x) <= 2 * (2 * 4 + 1)
