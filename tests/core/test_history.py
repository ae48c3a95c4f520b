"""RunHistory: columnar storage of a run's records, downsampling for charts, export."""

from __future__ import annotations

import csv
import io
import json
import math
import random
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdtui.core.engine.record import GRAD_NONE, GRAD_VALUE, GRAD_ZERO, EpochRecord
from gdtui.core.engine.trainer import Trainer
from gdtui.core.run.export import csv_chunks, jsonl_chunks
from gdtui.core.run.history import RunHistory, record_fields
from gdtui.core.settings.config import RunConfig

FINITE = st.floats(allow_nan=False, allow_infinity=False)


def _cell(name: str, text: str) -> float | int | bool:
    """A CSV cell read back as the record holds it."""
    if name == "zero_grad":
        assert text in ("true", "false")
        return text == "true"
    return int(text) if name in ("epoch", "step", "batch") else float(text)


def _records(n: int, bias: bool, seed: int = 0) -> list[EpochRecord]:
    """Varied records: negative, tiny, huge and awkward decimal values."""
    rng = random.Random(seed)

    def value() -> float:
        return rng.choice(
            [
                rng.uniform(-1e3, 1e3),
                rng.uniform(-1, 1) * 1e-30,
                rng.uniform(-1, 1) * 1e300,
                0.1,
                -0.0,
                1 / 3,
            ]
        )

    return [
        EpochRecord(
            epoch,
            abs(value()),
            value(),
            value(),
            value() if bias else None,
            value() if bias else None,
            rng.choice([0.01, 0.3, 1e-5]),
            rng.choice([GRAD_VALUE, GRAD_ZERO, GRAD_NONE]),
            epoch,  # the full batch: step == epoch
        )
        for epoch in range(1, n + 1)
    ]


@pytest.mark.parametrize("bias", [False, True])
def test_append_and_extend_round_trip(bias: bool) -> None:
    records = _records(300, bias)
    appended, extended, mixed = RunHistory(bias), RunHistory(bias), RunHistory(bias)
    for record in records:
        appended.append(record)
    extended.extend(records)
    mixed.extend(records[:100])
    mixed.extend(iter(records[100:250]))  # any iterable
    mixed.extend([])
    for record in records[250:]:
        mixed.append(record)
    for history in (appended, extended, mixed):
        assert len(history) == len(records)
        assert list(history) == records
        assert history.record(-1) == records[-1]
        assert history.last(5) == records[-5:]
        assert history.last(1000) == records
        assert list(history.column("w")) == [r.w for r in records]
        assert list(history.column("epoch")) == list(range(1, 301))


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging (a capacity that never grows loops forever)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def fail(*_: object) -> None:
        raise TimeoutError(f"did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("capacity", [0, 1, 3, 1024])
def test_grows_beyond_initial_capacity(capacity: int) -> None:
    records = _records(2500, True, seed=1)
    history = RunHistory(True, capacity=capacity)
    with _deadline(10):
        history.extend(records[:7])
        for record in records[7:1500]:
            history.append(record)
        history.extend(records[1500:])
    assert len(history) == 2500
    assert list(history) == records
    assert history.nbytes >= 2500 * 8


def test_record_index_errors_and_read_only_columns() -> None:
    history = RunHistory()
    history.extend(_records(3, False))
    with pytest.raises(IndexError):
        history.record(3)
    with pytest.raises(IndexError):
        history.record(-4)
    with pytest.raises(ValueError):
        history.column("loss")[0] = 1.0
    assert RunHistory().last(3) == []


def _history_of(values: list[float]) -> RunHistory:
    history = RunHistory()
    history.extend(EpochRecord(i + 1, v, 0.0, 0.0) for i, v in enumerate(values))
    return history


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6), max_size=3000),
    max_points=st.integers(1, 400),
)
def test_downsample_bounds(values: list[float], max_points: int) -> None:
    history = _history_of(values)
    epochs, kept = history.downsample("loss", max_points)
    n = len(values)
    assert len(epochs) == len(kept) <= max_points
    if n <= max_points:
        assert list(epochs) == list(range(1, n + 1))
        assert list(kept) == values
        return
    # epochs strictly increasing, each value the one of its epoch
    assert all(np.diff(epochs) > 0)
    assert list(kept) == [values[int(e) - 1] for e in epochs]
    assert epochs[-1] == n
    if max_points >= 2:
        assert epochs[0] == 1
    if max_points >= 4:
        # every bucket keeps its extremes: the run's global min and max survive
        assert max(kept) == max(values) and min(kept) == min(values)


@pytest.mark.parametrize("max_points", [4, 5, 50, 160, 161])
def test_downsample_keeps_a_spike(max_points: int) -> None:
    rng = random.Random(max_points)
    n = 20_000
    for at in (rng.randrange(1, n - 1), n - 2):
        values = [1.0] * n
        values[at] = 1e6
        values[at // 2] = -5.0
        epochs, kept = _history_of(values).downsample("loss", max_points)
        assert len(epochs) <= max_points
        assert at + 1 in epochs and 1e6 in kept
        assert at // 2 + 1 in epochs and -5.0 in kept
        assert (epochs[0], epochs[-1]) == (1, n)


def test_downsample_other_columns_and_small_runs() -> None:
    history = RunHistory(True)
    records = _records(10, True)
    history.extend(records)
    epochs, values = history.downsample("grad_b", 100)
    assert list(epochs) == list(range(1, 11))
    assert list(values) == [r.grad_b for r in records]
    assert len(RunHistory().downsample("loss", 10)[0]) == 0


@pytest.mark.parametrize("bias", [False, True])
def test_csv_round_trip(bias: bool) -> None:
    records = _records(200, bias, seed=2)
    history = RunHistory(bias)
    history.extend(records)
    rows = list(csv.reader(io.StringIO("".join(csv_chunks(history)))))
    fields = record_fields(bias)
    assert tuple(rows[0]) == fields
    assert len(rows) == len(records) + 1
    for row, record in zip(rows[1:], records, strict=True):
        parsed = {name: _cell(name, cell) for name, cell in zip(fields, row, strict=True)}
        assert parsed == {name: getattr(record, name) for name in fields}
        # -0.0 keeps its sign
        for name in fields[1:]:
            assert math.copysign(1, parsed[name]) == math.copysign(1, getattr(record, name))


@pytest.mark.parametrize("bias", [False, True])
def test_jsonl_round_trip(bias: bool) -> None:
    records = _records(200, bias, seed=3)
    history = RunHistory(bias)
    history.extend(records)
    text = "".join(jsonl_chunks(history))
    assert text.endswith("\n")
    lines = text.splitlines()
    assert len(lines) == len(records)
    fields = list(record_fields(bias))
    for line, record in zip(lines, records, strict=True):
        parsed = json.loads(line)
        assert list(parsed) == fields
        assert isinstance(parsed["epoch"], int)
        assert parsed == {name: getattr(record, name) for name in fields}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(FINITE, FINITE, FINITE, FINITE, FINITE), min_size=1, max_size=20))
def test_exports_round_trip_any_finite_numbers(values: list[tuple[float, ...]]) -> None:
    records = [EpochRecord(i + 1, *row, step=i + 1) for i, row in enumerate(values)]
    history = RunHistory(True)
    history.extend(records)
    fields = record_fields(True)
    parsed = [json.loads(line) for line in "".join(jsonl_chunks(history)).splitlines()]
    assert parsed == [{name: getattr(r, name) for name in fields} for r in records]
    rows = list(csv.reader(io.StringIO("".join(csv_chunks(history)))))[1:]
    assert [[_cell(name, c) for name, c in zip(fields, row, strict=True)] for row in rows] == [
        [getattr(r, name) for name in fields] for r in records
    ]


def test_last_can_end_at_an_earlier_epoch():
    history = RunHistory()
    history.extend(EpochRecord(k, 1.0 / k, 0.0, 0.0) for k in range(1, 21))
    assert [r.epoch for r in history.last(3, end=10)] == [8, 9, 10]
    assert [r.epoch for r in history.last(3, end=2)] == [1, 2]
    assert [r.epoch for r in history.last(3)] == [18, 19, 20]


@pytest.mark.parametrize("max_points", [6, 20, 150, 400])
def test_downsample_of_a_growing_run_matches_a_fresh_one(max_points: int) -> None:
    # The block summary is built as epochs arrive; it must give what a summary of the whole
    # run made at once gives, and keep the extremes of every stretch of the run.
    rng = np.random.default_rng(max_points)
    values = np.cumsum(rng.normal(size=60_000)).tolist()
    growing = RunHistory()
    start = 0
    for stop in (2_000, 9_999, 30_000, 30_001, 60_000):
        growing.extend(EpochRecord(i + 1, values[i], 0.0, 0.0) for i in range(start, stop))
        start = stop
        epochs, kept = growing.downsample("loss", max_points)
        fresh_epochs, fresh_kept = _history_of(values[:stop]).downsample("loss", max_points)
        assert np.array_equal(epochs, fresh_epochs) and np.array_equal(kept, fresh_kept)
        assert len(epochs) <= max_points and (epochs[0], epochs[-1]) == (1, stop)
        assert max(kept) == max(values[:stop]) and min(kept) == min(values[:stop])
        assert list(kept) == [values[int(e) - 1] for e in epochs]


def test_downsample_cost_does_not_grow_with_the_run() -> None:
    # Counted, not timed: a redraw reads the block summary (n / 64 blocks) plus at most a
    # block's tail, and the summary is made once per block, not once per redraw.
    history = _history_of(np.sin(np.arange(200_000) / 500).tolist())
    history.downsample("loss", 300)  # summarises every block once
    extremes = history._blocks["loss"]
    assert extremes.blocks == 200_000 // 64
    summarised = extremes.low.copy()
    history.extend([EpochRecord(200_001, 5.0, 0.0, 0.0)])
    epochs, kept = history.downsample("loss", 300)
    assert extremes.blocks == 200_000 // 64  # the new epoch is in the unfinished block
    assert np.array_equal(extremes.low[: len(summarised)], summarised)
    assert epochs[-1] == 200_001 and kept[-1] == 5.0


def test_columns_keep_every_number_exactly_in_as_few_bytes_as_that_allows():
    """A float32 run's numbers are float32 exactly: kept in 4 bytes; a number that is not
    widens its column to float64, the numbers before it intact; no bias, no bias columns."""
    trainer = Trainer(RunConfig(variant="torch-autograd", epochs=300))
    records = [trainer.run_epoch() for _ in range(300)]
    history = RunHistory(has_bias=False)
    history.extend(records)
    assert list(history) == records
    assert history._stored("loss").dtype == np.float32  # a float32 run's loss
    assert history._stored("lr").dtype == np.float64  # 0.01 is no float32
    assert history.column("loss").dtype == np.float64
    assert np.isnan(history.column("b")).all() and len(history.column("b")) == 300
    assert "b" not in history._columns
    # 8 columns of float64 and int64 would take 57 bytes a record; these take 25.
    assert history.nbytes <= 25 * 1024
    # A number that is not a float32, then an epoch past int32: widened, nothing lost.
    odd = records[-1]._replace(epoch=2**31 + 5, step=2**31 + 5, loss=0.1, w=1e300)
    history.append(odd)
    assert history._stored("loss").dtype == np.float64
    assert history._stored("epoch").dtype == np.int64
    assert list(history) == [*records, odd]
    assert history.column("w")[-1] == 1e300


def test_a_float64_run_keeps_float64():
    trainer = Trainer(RunConfig(variant="numpy-manual", dtype="float64", bias=True))
    records = [trainer.run_epoch() for _ in range(50)]
    history = RunHistory(has_bias=True)
    history.extend(records)
    assert list(history) == records
    assert history._stored("w").dtype == np.float64
