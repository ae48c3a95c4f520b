"""stop_reason and Stop: when a run ends, and how it is told."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.stops import RunState, Stop, stop_reason
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import PRESETS

NAN, INF = math.nan, math.inf


def _record(epoch: int = 5, loss: float = 1.0, **fields: float | None) -> EpochRecord:
    values = {"w": 0.5, "grad_w": -1.0, "b": None, "grad_b": None, **fields}
    return EpochRecord(epoch, loss, values["w"], values["grad_w"], values["b"], values["grad_b"])


def test_goes_on_before_the_last_epoch() -> None:
    assert stop_reason(_record(epoch=1), epochs=100, eps=0.0) is None
    assert stop_reason(_record(epoch=99), epochs=100, eps=0.0) is None
    assert stop_reason(_record(epoch=99, b=0.1, grad_b=0.2), epochs=100, eps=0.5) is None


def test_done_at_the_last_epoch() -> None:
    assert stop_reason(_record(epoch=100), epochs=100, eps=0.0) is RunState.DONE
    assert stop_reason(_record(epoch=1), epochs=1, eps=0.0) is RunState.DONE


def test_converged_when_loss_below_eps() -> None:
    assert stop_reason(_record(loss=0.009), epochs=100, eps=0.01) is RunState.CONVERGED
    assert stop_reason(_record(loss=0.01), epochs=100, eps=0.01) is None  # strictly below
    assert stop_reason(_record(loss=0.0), epochs=100, eps=0.0) is None  # eps 0: never
    # converged wins over done at the last epoch
    assert stop_reason(_record(epoch=100, loss=0.0), 100, 1e-9) is RunState.CONVERGED


@pytest.mark.parametrize("field", ["loss", "w", "grad_w", "b", "grad_b"])
@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_diverged_on_any_non_finite_field(field: str, bad: float) -> None:
    values = {"loss": 1.0, "w": 0.5, "grad_w": -1.0, "b": 0.25, "grad_b": 2.0, field: bad}
    record = EpochRecord(
        3, values["loss"], values["w"], values["grad_w"], values["b"], values["grad_b"]
    )
    # diverged even at the last epoch, and even with a loss below eps
    assert stop_reason(record, epochs=3, eps=10.0) is RunState.DIVERGED
    assert stop_reason(record, epochs=100, eps=0.0) is RunState.DIVERGED
    message = Stop(RunState.DIVERGED, record.epoch, record=record).message
    assert message.startswith("diverged at epoch 3: ")
    assert f"{field} = {bad}" in message


def test_huge_but_finite_is_not_diverged() -> None:
    record = _record(loss=3.4e38, w=-3.4e38, grad_w=3.4e38, b=3.4e38, grad_b=-3.4e38)
    assert stop_reason(record, epochs=100, eps=0.0) is None


def _first_non_finite_loss_float32(lr: float, epochs: int) -> int:
    """Plain GD on y = 2x, x = 1..4, w0 = 0 in float32 numpy: the first epoch whose loss
    (this epoch's forward pass) is inf or nan."""
    x = np.array([1, 2, 3, 4], dtype=np.float32)
    y = 2 * x
    w = np.float32(0.0)
    rate = np.float32(lr)
    with np.errstate(all="ignore"):
        for epoch in range(1, epochs + 1):
            error = w * x - y
            loss = np.mean(error * error)
            if not np.isfinite(loss):
                return epoch
            w = w - rate * np.mean(2 * x * error)
    raise AssertionError("did not diverge")


@pytest.mark.parametrize(
    ("variant", "extra"),
    [
        ("numpy-manual", {}),
        ("torch-autograd", {}),
        ("torch-optim", {}),
        ("torch-module", {"bias": False}),
    ],
)
def test_lr_1_diverges_at_the_first_non_finite_loss(variant: str, extra: dict) -> None:
    expected = _first_non_finite_loss_float32(1.0, 1000)
    assert 5 < expected < 100  # |w| grows ×14 per epoch: the loss overflows after a while
    config = RunConfig(
        variant=variant, dataset=PRESETS["line4"], lr=1.0, w0=0.0, epochs=1000, **extra
    )
    trainer = Trainer(config)
    with np.errstate(all="ignore"):
        for _ in range(config.epochs):
            record = trainer.run_epoch()
            reason = stop_reason(record, config.epochs, config.eps)
            if reason is not None:
                break
    assert reason is RunState.DIVERGED
    assert record.epoch == expected
    assert not math.isfinite(record.loss)
    message = Stop(RunState.DIVERGED, record.epoch, record=record).message
    assert message.startswith(f"diverged at epoch {expected}: loss = ")


def test_converges_with_a_real_trainer() -> None:
    config = RunConfig(variant="torch-autograd", eps=1e-6)
    trainer = Trainer(config)
    records = []
    while True:
        records.append(trainer.run_epoch())
        reason = stop_reason(records[-1], config.epochs, config.eps)
        if reason is not None:
            break
    assert reason is RunState.CONVERGED
    assert records[-1].loss < 1e-6
    assert all(r.loss >= 1e-6 for r in records[:-1])
    assert records[-1].epoch < config.epochs
