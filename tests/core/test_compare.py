"""Compare mode: lanes, lockstep runs and the spread between them."""

from __future__ import annotations

import numpy as np
import pytest

from gdtui.core.compare import compare, lanes
from gdtui.core.config import RunConfig
from gdtui.core.run import StopReason
from gdtui.core.trainers import VARIANT_NAMES, create_trainer
from gdtui.core.trainers.registry import OPTIMIZERS


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
        trainer = create_trainer(lane)
        records = [trainer.step() for _ in range(150)]
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
        alone = create_trainer(config.replace(variant="torch-optim", optimizer=name, w0=0.0))
        assert list(comparison.histories[name]) == [alone.step() for _ in range(40)]


def test_a_diverging_lane_stops_while_the_others_go_on():
    config = RunConfig(lr=0.3, epochs=60)
    comparison = compare(config, "optimizers")
    assert comparison.stops["sgd"] is StopReason.DIVERGING  # told early, long before inf
    assert comparison.stops["adagrad"] is StopReason.DONE
    assert len(comparison.histories["adagrad"]) == 60
    assert comparison.epochs == len(comparison.histories["sgd"]) < 60
