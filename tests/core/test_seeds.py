"""The seed notebooks' printed logs (tests/seeds/*.txt) reproduce, formatted the way each
seed prints them. The expected lines are copied from the seeds, not from gdtui's output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gdtui.core.engine.stops import RunState, stop_reason
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import PRESETS, Dataset

from .references import (
    ACCUMULATED_GRADS,
    SEED_000_NUMPY,
    SEED_000_PREDICTION,
    SEED_001_NUMPY,
    SEED_001_TORCH,
    SEED_001_TORCH_PREDICTION,
    SEED_003,
    SEED_003_PREDICTION,
    SEED_004_OPTIM,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _seed_text(number: str) -> str:
    paths = sorted(SEEDS.glob(f"{number}_*.txt"))
    if not paths:
        pytest.skip("seed logs not available")
    return paths[0].read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("number", "lines"),
    [
        ("000", (*SEED_000_NUMPY, SEED_000_PREDICTION)),
        ("001", (*SEED_001_TORCH, *SEED_001_NUMPY, SEED_001_TORCH_PREDICTION)),
        ("003", (*SEED_003, SEED_003_PREDICTION)),
        ("004", SEED_004_OPTIM),
    ],
)
def test_expected_lines_are_copied_faithfully(number: str, lines: tuple[str, ...]) -> None:
    text = _seed_text(number)
    for line in lines:
        assert line in text


def _seed_run(variant: str, **changes: object) -> tuple[list, object]:
    """The seeds' loop: x = 1..4, y = 2x, w0 = 0, lr = 0.01, 100 epochs, break once l < 1e-9."""
    config = RunConfig(variant=variant, dataset=PRESETS["line4"], w0=0.0, lr=0.01, **changes)
    trainer = Trainer(config)
    records = []
    while True:
        record = trainer.run_epoch()
        records.append(record)
        if stop_reason(record, config.epochs, config.eps) is not None:
            return records, trainer


@pytest.mark.parametrize("variant", ["torch-autograd", "torch-optim"])
def test_seed_001_torch_log(variant: str) -> None:
    records, trainer = _seed_run(variant, eps=1e-9)
    printed = [f"epoch {r.epoch}: w = {r.w:3f}, loss = {r.loss:.8f}" for r in records[::10]]
    # the seed printed epoch 71 but not 81: its loop broke (l < EPS) somewhere in 71..80
    assert printed == list(SEED_001_TORCH)
    assert stop_reason(records[-1], 100, 1e-9) is RunState.CONVERGED
    assert 71 <= records[-1].epoch <= 80
    assert f"Prediction before training: f(5) = {trainer.predict(5):.3f}" == (
        SEED_001_TORCH_PREDICTION
    )


def test_seed_001_numpy_log() -> None:
    records, _ = _seed_run("numpy-manual", grad_formula="tutorial", eps=1e-9)
    printed = [f"epoch {r.epoch}: w = {r.w:3f}, loss = {r.loss:.8f}" for r in records[::10]]
    # printed epochs 1 and 11 only, so the loop broke in 11..20
    assert printed == list(SEED_001_NUMPY)
    assert 11 <= records[-1].epoch <= 20


def test_seed_003_tutorial_formula_log() -> None:
    trainer = Trainer(RunConfig(variant="numpy-manual", grad_formula="tutorial"))
    records = [trainer.run_epoch() for _ in range(10)]
    assert [f"epoch {r.epoch}: w = {r.w:.3f}, l = {r.loss:8f}" for r in records] == list(SEED_003)
    assert f"Prediction after training: f(5) = {trainer.predict(5):.3f}" == SEED_003_PREDICTION


def test_seed_000_tutorial_formula_log() -> None:
    trainer = Trainer(RunConfig(variant="numpy-manual", grad_formula="tutorial"))
    records = [trainer.run_epoch() for _ in range(20)]
    printed = [f"Epoch {r.epoch}: weight = {r.w:.3f}, loss = {r.loss:.8f}" for r in records[::2]]
    assert printed == list(SEED_000_NUMPY)
    assert f"Prediction after training: f(17) = {trainer.predict(17):.3f}" == SEED_000_PREDICTION


def test_seed_004_optimizer_log() -> None:
    trainer = Trainer(RunConfig(variant="torch-optim"))
    records = [trainer.run_epoch() for _ in range(10)]
    printed = [f"epoch {r.epoch}: w = {r.w:.3f},loss={r.loss:.8f}" for r in records]
    assert printed == list(SEED_004_OPTIM)


@pytest.mark.parametrize(
    ("variant", "extra"),
    [
        ("numpy-manual", {}),
        ("torch-autograd", {}),
        ("torch-optim", {}),
        ("torch-module", {"bias": False}),
    ],
)
def test_seed_004_gradient_accumulates_without_zero_grad(variant: str, extra: dict) -> None:
    # Seed 004 shows .grad growing 3, 6, 9 without zeroing. On y = 2x, x = 1..4, w0 = 0,
    # lr = 0.01: grad at w=0 is mean(2x(0-2x)) = -4·7.5 = -30, then w = 0.3 gives -25.5
    # (sum -55.5), then w = 0.3 + 0.555 = 0.855 gives -17.175 (sum -72.675).
    config = RunConfig(variant=variant, w0=0.0, lr=0.01, zero_grad=False, **extra)
    trainer = Trainer(config)
    grads = [trainer.run_epoch().grad_w for _ in range(3)]
    assert grads == pytest.approx(ACCUMULATED_GRADS, rel=1e-6)
    # and with zero_grad on the gradient of epoch 2 is its own: -25.5
    trainer = Trainer(config.replace(zero_grad=True))
    assert [trainer.run_epoch().grad_w for _ in range(2)] == pytest.approx([-30.0, -25.5], rel=1e-6)


@pytest.mark.parametrize(
    "dataset",
    [
        PRESETS["line4"],
        PRESETS["line5"],
        Dataset("custom", (-2.0, -0.5, 1.0, 3.0, 0.25), (-3.9, -1.4, 0.8, 3.6, -0.2)),
        Dataset("three", (0.5, 1.5, 2.5), (1.0, -1.0, 4.0)),
    ],
    ids=lambda d: d.name,
)
@pytest.mark.parametrize("w0", [0.0, 0.7, -3.25])
def test_tutorial_formula_is_n_times_the_mean_formula(dataset: Dataset, w0: float) -> None:
    def first_grad(formula: str) -> float:
        config = RunConfig(variant="numpy-manual", dataset=dataset, w0=w0, grad_formula=formula)
        return Trainer(config).run_epoch().grad_w

    n = len(dataset)
    tutorial, mean = first_grad("tutorial"), first_grad("mean")
    assert tutorial == pytest.approx(n * mean, rel=1e-6)
    # and mean is the true derivative of the mean squared error (float64 closed form)
    x, y = np.asarray(dataset.x), np.asarray(dataset.y)
    assert mean == pytest.approx(float(np.mean(2 * x * (w0 * x - y))), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("w0", [0.0, 1.0, 1.5, -2.0, 3.0])
def test_tutorial_formula_is_exactly_n_times_on_integer_data(w0: float) -> None:
    # every product and sum is exact in float32 here, so the factor is exactly N = 4
    tutorial = Trainer(
        RunConfig(variant="numpy-manual", w0=w0, grad_formula="tutorial")
    ).run_epoch()
    mean = Trainer(RunConfig(variant="numpy-manual", w0=w0)).run_epoch()
    assert tutorial.grad_w == 4 * mean.grad_w
    assert tutorial.loss == mean.loss
    assert mean.grad_w == 15 * w0 - 30  # mean(2x(wx − 2x)) = 2(w − 2)·mean(x²) = 15w − 30
