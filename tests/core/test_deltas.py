"""The step each epoch actually applied (Δw = w after − w before), against plain torch loops,
and float32 rounding an update away."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gdtui.core.engine.runner import Runner
from gdtui.core.run.deltas import deltas, float32_spacing
from gdtui.core.run.history import RunHistory
from gdtui.core.settings.config import RunConfig

EPOCHS = 6


def _torch_steps(optimizer: str, lr: float) -> list[float]:
    """The moves of w under a plain torch loop with that optimizer, and lr·grad beside them."""
    w = torch.tensor(0.0, requires_grad=True)
    make = {
        "momentum": lambda: torch.optim.SGD([w], lr=lr, momentum=0.9),
        "adam": lambda: torch.optim.Adam([w], lr=lr),
    }[optimizer]
    opt = make()
    x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    moves = []
    for _ in range(EPOCHS):
        before = w.item()
        torch.nn.functional.mse_loss(w * x, 2 * x).backward()
        opt.step()
        opt.zero_grad()
        moves.append(w.item() - before)
    return moves


def _run(config: RunConfig) -> tuple[RunHistory, tuple[float, float | None]]:
    batch = Runner(config).run(EPOCHS)
    history = RunHistory(config.has_bias)
    history.extend(batch.records)
    assert batch.initial is not None
    return history, batch.initial


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_the_step_applied_is_w_after_minus_w_before_not_lr_times_grad(optimizer: str):
    config = RunConfig(variant="torch-optim", optimizer=optimizer, lr=0.01, w0=0.0)
    history, initial = _run(config)
    found = deltas(history, initial, EPOCHS)
    expected = _torch_steps(optimizer, 0.01)
    assert [s.dw for s in found] == pytest.approx(expected, rel=1e-6)
    # Neither optimizer's step is −lr·grad after the first epochs (the 0.576 vs 0.0205).
    fifth = found[4]
    assert fifth.dw is not None
    assert abs(fifth.dw + fifth.record.update_w) > 0.5 * abs(fifth.dw)


def test_steps_take_the_parameters_before_from_the_epoch_before_or_the_start():
    config = RunConfig(variant="torch-module", seed=3)
    history, initial = _run(config)
    last_two = deltas(history, initial, 2)
    assert [s.record.epoch for s in last_two] == [EPOCHS - 1, EPOCHS]
    assert last_two[1].w_before == last_two[0].record.w
    assert last_two[1].db == history.record(-1).b - history.record(-2).b
    first = deltas(history, initial, 3, end=1)
    assert len(first) == 1 and (first[0].w_before, first[0].b_before) == initial
    assert deltas(history, None, 3, end=1)[0].dw is None


def test_an_update_below_float32_resolution_is_said_to_round_away():
    w0 = float(np.float32(1.9999996))
    # lr·grad ≈ 5e-15 next to a spacing of 1.2e-7 at w ≈ 2: w cannot move in float32.
    history, initial = _run(RunConfig(variant="numpy-manual", lr=1e-9, w0=w0))
    for step in deltas(history, initial, EPOCHS):
        assert step.dw == 0 and step.record.update_w != 0
        assert abs(step.record.update_w) < float32_spacing(w0) / 2
        assert np.float32(w0) - np.float32(step.record.update_w) == np.float32(w0)
        assert step.rounded_away() == ["w"]
    # With a rate that moves w, nothing is said.
    history, initial = _run(RunConfig(variant="numpy-manual", lr=0.01, w0=w0 - 0.5))
    assert all(step.rounded_away() == [] for step in deltas(history, initial, EPOCHS))
    assert float32_spacing(w0) == 2.0**-23  # floats in [1, 2) are 2^-23 apart
