"""Compare mode: lanes, lockstep runs and the spread between them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from gdtui.core.compare.comparison import CompareCancelled, compare, lanes
from gdtui.core.compare.workers import shares
from gdtui.core.engine.stops import RunState
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.variants import OPTIMIZERS, VARIANT_NAMES, VARIANTS

from .processes import descendants, wait_gone


def test_variant_lanes_share_data_settings_and_start():
    config = RunConfig(variant="torch-module", optimizer="adam", lr=0.05, w0=None, seed=3)
    configs = lanes(config)
    assert list(configs) == list(VARIANT_NAMES)
    assert all(c.w0 == 0.0 and not c.has_bias and c.lr == 0.05 for c in configs.values())
    assert configs["torch-optim"].optimizer == "adam"
    assert configs["numpy-manual"].optimizer == "sgd"  # it has no other


@pytest.mark.parametrize("zero_grad", [True, False])
def test_the_four_variants_agree_and_the_spread_is_their_largest_gap(zero_grad):
    config = RunConfig(lr=0.003, epochs=150, w0=-1.0, zero_grad=zero_grad)
    comparison = compare(config)
    assert comparison.epochs == 150
    # Independently: every lane stepped on its own, then compared epoch by epoch.
    table = {}
    for name, lane in lanes(config).items():
        trainer = Trainer(lane)
        records = [trainer.run_epoch() for _ in range(150)]
        table[name] = np.array([[r.loss, r.w, r.grad_w] for r in records])
    stacked = np.stack(list(table.values()))
    for column, name in enumerate(("loss", "w", "grad_w")):
        expected = stacked[:, :, column].max(axis=0) - stacked[:, :, column].min(axis=0)
        assert np.array_equal(comparison.spread(name), expected)
        value, epoch = comparison.largest_difference(name)
        assert value == expected.max() and expected[epoch - 1] == value
        scale = np.abs(stacked[:, :, column]).max()
        assert value <= 1e-5 * max(scale, 1.0)


def test_optimizers_lane_by_lane_match_their_own_runs():
    config = RunConfig(lr=0.05, epochs=40)
    comparison = compare(config, "optimizers")
    assert list(comparison.histories) == list(OPTIMIZERS)
    for name in OPTIMIZERS:
        alone = Trainer(config.replace(variant="torch-optim", optimizer=name, w0=0.0))
        assert list(comparison.histories[name]) == [alone.run_epoch() for _ in range(40)]


def test_a_diverging_lane_stops_while_the_others_go_on():
    config = RunConfig(lr=0.3, epochs=60)
    comparison = compare(config, "optimizers")
    assert comparison.stops["sgd"] is RunState.DIVERGING  # told early, long before inf
    assert comparison.stops["adagrad"] is RunState.DONE
    assert len(comparison.histories["adagrad"]) == 60
    assert comparison.epochs == len(comparison.histories["sgd"]) < 60


# -- lanes in processes of their own ---------------------------------------------------


def _same(a, b) -> None:
    """Two comparisons hold the same records and stops."""
    assert a.stops == b.stops
    assert list(a.histories) == list(b.histories)
    for name, history in a.histories.items():
        assert list(history) == list(b.histories[name])


@pytest.mark.parametrize(
    ("across", "lr"), [("variants", 0.01), ("optimizers", 0.3), ("formula", 0.05)]
)
def test_lanes_in_worker_processes_give_the_lockstep_numbers(across, lr):
    config = RunConfig(lr=lr, epochs=400)
    parallel = compare(config, across, workers=2)
    _same(parallel, compare(config, across, workers=1))


def test_the_lanes_are_shared_so_that_the_workers_finish_together():
    configs = lanes(RunConfig())
    two = [["torch-optim", "torch-autograd"], ["torch-module", "numpy-manual"]]
    assert shares(configs, 2) == two
    costliest_first = sorted(configs, key=lambda n: -VARIANTS[n].epoch_cost)
    assert shares(configs, 8) == [[name] for name in costliest_first]
    assert shares(configs, 1) == [costliest_first]


def test_workers_stream_each_lane_and_are_gone_at_once_when_cancelled():
    seen: list[dict[str, int]] = []
    workers: set[int] = set()

    def progress(comparison, total):
        workers.update(descendants(os.getpid()))
        seen.append({name: len(h) for name, h in comparison.histories.items()})
        return not (all(seen[-1].values()) and seen[-1] != seen[0])

    start = time.monotonic()
    with pytest.raises(CompareCancelled):
        compare(RunConfig(epochs=10**6), workers=2, progress=progress)
    assert time.monotonic() - start < 60
    assert len(workers) == 1  # this process runs the other share itself
    assert seen[-1] != seen[0] and all(seen[-1].values())  # every lane streamed in
    for pid in workers:  # reaped: no process left with that pid
        assert not Path(f"/proc/{pid}").exists()


def test_a_worker_ends_by_itself_when_its_parent_goes(tmp_path):
    """A comparison's parent killed mid-run (SIGKILL: no clean-up) takes its workers with
    it, through their pipes closing."""
    script = (
        "import os, sys\n"
        "from gdtui.core.compare.comparison import compare\n"
        "from gdtui.core.settings.config import RunConfig\n"
        "def progress(comparison, total):\n"
        "    if len(comparison.histories['numpy-manual']):\n"
        "        print('going', flush=True)\n"
        "    return True\n"
        "compare(RunConfig(epochs=10**7), workers=2, progress=progress)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert parent.stdout is not None
    assert parent.stdout.readline() == b"going\n"
    workers = descendants(parent.pid)
    assert len(workers) == 1
    parent.kill()
    parent.wait()
    assert not wait_gone(workers, 2.0)
