"""Memory linear in the points: a mini-batch epoch takes the whole data's gradient at every
update (a batch of one: as many updates as points), and the landscape the loss at thousands of
parameters, each over the whole data. Neither may hold a number per (parameters, point) pair;
both must give exactly the numbers the one-shot formulas gave. And no stretch of a run holds
more update records than a bound, however many epochs are asked for at once."""

from __future__ import annotations

import math
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from gdtui.core.engine import model
from gdtui.core.engine import runner as runner_module
from gdtui.core.engine.model import full_gradient, full_gradients, losses
from gdtui.core.engine.runner import Runner, Stretch
from gdtui.core.process.parent import TrainerProcess
from gdtui.core.process.protocol import RunEpochs, is_final
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import Dataset
from tests.cli.cli_support import ROOT, cli_env

from .conftest import Listener

MiB = 1 << 20


def one_shot_gradients(
    x: np.ndarray,
    y: np.ndarray,
    ws: list[float],
    bs: list[float] | None,
    scale: float,
    decay: float,
) -> tuple[list[float], list[float] | None]:
    """The formula as it was: one (parameters × points) array."""
    w = np.asarray(ws, dtype=np.float64)[:, None]
    b = 0.0 if bs is None else np.asarray(bs, dtype=np.float64)[:, None]
    residual = w * x + b - y
    grad_w = np.mean(2 * x * residual, axis=1) * scale + decay * w[:, 0]
    if bs is None:
        return grad_w.tolist(), None
    grad_b = np.mean(2 * residual, axis=1) + decay * np.asarray(bs, dtype=np.float64)
    return grad_w.tolist(), grad_b.tolist()


def one_shot_losses(dataset: Dataset, w: np.ndarray, b: np.ndarray | float = 0.0) -> np.ndarray:
    """The landscape's losses as they were: one (grid × points) array."""
    x, y = model.points(dataset)
    w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
    residual = w[..., None] * x + b[..., None] - y
    result: np.ndarray = np.mean(residual**2, axis=-1)
    return result


def plain_gradient(x: list[float], y: list[float], w: float, b: float | None) -> tuple[float, ...]:
    """mean(2x(wx + b − y)) and mean(2(wx + b − y)) by a Python loop over the points."""
    sum_w = sum_b = 0.0
    for xi, yi in zip(x, y, strict=True):
        residual = w * xi + (0.0 if b is None else b) - yi
        sum_w += 2 * xi * residual
        sum_b += 2 * residual
    return sum_w / len(x), sum_b / len(x)


@pytest.mark.parametrize("chunk", [1, 7, 64, model.CHUNK])
def test_the_gradients_in_chunks_are_the_one_shot_formula_bit_for_bit(monkeypatch, chunk) -> None:
    monkeypatch.setattr(model, "CHUNK", chunk)  # rows taken 1, a few or many at a time
    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 8, 9, 33, 130, 1000):
        x, y = rng.normal(size=n) * 3, rng.normal(size=n)
        for updates in (1, 5, 23):
            ws, bs = rng.normal(size=updates).tolist(), rng.normal(size=updates).tolist()
            for scale, decay in ((1.0, 0.0), (float(n), 0.1)):
                expected = one_shot_gradients(x, y, ws, bs, scale, decay)
                assert full_gradients(x, y, ws, bs, scale, decay) == expected
                expected = one_shot_gradients(x, y, ws, None, scale, decay)
                assert full_gradients(x, y, ws, None, scale, decay) == expected
                for i in (0, updates - 1):  # and one at a time, as run_epoch takes them
                    assert full_gradient(x, y, ws[i], None, scale, decay)[0] == expected[0][i]


def test_the_gradients_are_a_plain_float64_loops() -> None:
    rng = np.random.default_rng(4)
    # Whole numbers small enough that every partial sum is exact: any order of summing
    # gives the same float, so the loop's and numpy's pairwise sums must agree exactly.
    x = rng.integers(-50, 50, size=301).astype(np.float64)
    y = rng.integers(-50, 50, size=301).astype(np.float64)
    ws, bs = [3.0, -2.0, 0.0, 17.0], [1.0, 0.0, -4.0, 2.0]
    grad_w, grad_b = full_gradients(x, y, ws, bs)
    assert grad_b is not None
    for w, b, gw, gb in zip(ws, bs, grad_w, grad_b, strict=True):
        assert (gw, gb) == plain_gradient(x.tolist(), y.tolist(), w, b)
    # Any data: within the rounding of summing 10,000 terms in another order.
    x, y = rng.normal(size=10_000) * 5, rng.normal(size=10_000)
    ws, bs = rng.normal(size=3).tolist(), rng.normal(size=3).tolist()
    grad_w, grad_b = full_gradients(x, y, ws, bs)
    assert grad_b is not None
    for w, b, gw, gb in zip(ws, bs, grad_w, grad_b, strict=True):
        loop_w, loop_b = plain_gradient(x.tolist(), y.tolist(), w, b)
        assert math.isclose(gw, loop_w, rel_tol=1e-12, abs_tol=1e-12)
        assert math.isclose(gb, loop_b, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize("chunk", [1, 50, model.CHUNK])
def test_the_landscape_in_chunks_is_the_one_shot_formula_bit_for_bit(monkeypatch, chunk) -> None:
    monkeypatch.setattr(model, "CHUNK", chunk)
    rng = np.random.default_rng(5)
    data = Dataset("d", tuple(rng.normal(size=97).tolist()), tuple(rng.normal(size=97).tolist()))
    grid_w, grid_b = np.meshgrid(np.linspace(-3, 3, 11), np.linspace(-2, 2, 7))
    assert np.array_equal(losses(data, grid_w, grid_b), one_shot_losses(data, grid_w, grid_b))
    curve = np.linspace(-3, 3, 40)
    assert np.array_equal(losses(data, curve), one_shot_losses(data, curve))
    point = losses(data, np.array(1.5))
    assert point.shape == () and point == one_shot_losses(data, np.array(1.5))


def _peak(call) -> int:
    """The most memory numpy and Python held at once during ``call()``, in bytes."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_batch_of_ones_gradients_take_memory_linear_in_the_points() -> None:
    # A batch of one: an update per point. The one-shot formula held n² numbers (200 MB
    # here, 75 GiB at 100,000 points); in chunks, a couple of chunks and the results.
    n = 5_000
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=n), rng.normal(size=n)
    ws, bs = rng.normal(size=n).tolist(), rng.normal(size=n).tolist()
    peak = _peak(lambda: full_gradients(x, y, ws, bs, 1.0, 0.0))
    assert peak < 4 * model.CHUNK * 8 + 256 * n  # 4 MiB and 256 bytes a point


def test_the_landscape_takes_memory_linear_in_the_points() -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    data = Dataset("d", tuple(rng.normal(size=n).tolist()), tuple(rng.normal(size=n).tolist()))
    grid_w, grid_b = np.meshgrid(np.linspace(-3, 3, 60), np.linspace(-2, 2, 60))
    peak = _peak(lambda: losses(data, grid_w, grid_b))  # was 3,600 × 20,000 numbers: 576 MB
    assert peak < 4 * model.CHUNK * 8 + 256 * n


MEASURE = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""
"""Runs a command and prints its exit status and peak resident memory (KiB). A process of its
own starts it: Linux counts, in a new program's peak, the peak of the process it was started
from (a test's, which may be large)."""


def _resident_kib(*args: str) -> int:
    """The peak resident memory of ``gdtui ARGS`` in KiB."""
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "gdtui", *args],
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    status, kib = measured.stdout.split()
    assert status == "0", measured.stderr
    return int(kib)


def test_an_epoch_in_batches_of_one_runs_in_memory_linear_in_the_points() -> None:
    # The bound benchmarks/memory.py states, scaled down to a test's time: beyond a
    # 100-point run's, 2 KiB a point (its update's record, the data, the gradients' rows)
    # and 32 MiB. The one-shot gradients took n² numbers a few times over: 2.4 GB here.
    def run(n: int) -> int:
        dataset = f"noisy:n={n}"
        return _resident_kib(
            "run", "--dataset", dataset, "--batch-size", "1", "--epochs", "1", "--lr", "1e-12"
        )

    n = 10_000
    small, large = run(100), run(n)
    assert (large - small) * 1024 < 2048 * n + 32 * MiB, (small, large)


@pytest.mark.parametrize("batch_size", [1, None])
def test_a_stretch_holds_a_bounded_number_of_updates_and_the_run_is_the_same(
    monkeypatch, batch_size
) -> None:
    # A request for many epochs answered as one stretch held a record per update of them
    # all: a million epochs of a batch of one over 4 points, 4,000,000 records (2 GB).
    config = RunConfig(variant="numpy-manual", batch_size=batch_size, epochs=1000, lr=0.001)
    whole = Runner(config).run(100)
    monkeypatch.setattr(runner_module, "MAX_STRETCH_UPDATES", 40)
    runner, records, updates = Runner(config), [], []
    while len(records) < 100:
        stretch = runner.run(100 - len(records))
        assert stretch.stop is None
        assert len(stretch.updates or stretch.records) <= 40
        records += stretch.records
        updates += stretch.updates
    assert records == whole.records and updates == whole.updates


def test_many_epochs_asked_of_the_training_process_come_in_bounded_stretches() -> None:
    listener = Listener()
    process = TrainerProcess(listener)
    config = RunConfig(variant="numpy-manual", batch_size=1, epochs=10**6, lr=0.001)
    per_stretch = runner_module.MAX_STRETCH_UPDATES // config.batches
    try:
        process.start(config, run_id=1)
        asked = process.ask(RunEpochs(2 * per_stretch + 5))
        stretches = [listener.wait_for(Stretch)]
        while stretches[-1].more:
            stretches.append(listener.wait_for(Stretch))
    finally:
        process.close(timeout=0)
    assert [len(s.records) for s in stretches] == [per_stretch, per_stretch, 5]
    assert all(s.request == asked.request for s in stretches)
    assert [is_final(s) for s in stretches] == [False, False, True]
    assert all(len(s.updates) <= runner_module.MAX_STRETCH_UPDATES for s in stretches)
    epochs = [r.epoch for s in stretches for r in s.records]
    assert epochs == list(range(1, 2 * per_stretch + 6))
