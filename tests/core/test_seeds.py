"""The seed notebooks' printed logs (tests/seeds/*.txt) reproduce, formatted the way each
seed prints them. The expected lines are copied from the seeds, not from gdtui's output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gdtui.core.config import RunConfig
from gdtui.core.data import PRESETS, Dataset
from gdtui.core.run import StopReason, stop_reason
from gdtui.core.trainers import create_trainer

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

# Seed 001, "Gradient Descent using PyTorch (Autograd)": print every 10 epochs as
# f'epoch {epoch+1}: w = {w:3f}, loss = {l:.8f}', stopping once l < EPS = 1e-9. Its
# "Using PyTorch Loss and Optimizer" cell (MSELoss + SGD) printed the very same lines.
SEED_001_TORCH = (
    "epoch 1: w = 0.300000, loss = 30.00000000",
    "epoch 11: w = 1.665314, loss = 1.16278565",
    "epoch 21: w = 1.934109, loss = 0.04506890",
    "epoch 31: w = 1.987028, loss = 0.00174685",
    "epoch 41: w = 1.997446, loss = 0.00006770",
    "epoch 51: w = 1.999497, loss = 0.00000262",
    "epoch 61: w = 1.999901, loss = 0.00000010",
    "epoch 71: w = 1.999980, loss = 0.00000000",
)
SEED_001_TORCH_PREDICTION = "Prediction before training: f(5) = 10.000"  # (sic: after training)
# Seed 001, "Gradient Descent using Numpy": the tutorial gradient np.dot(2*x, y_pred-y).mean().
SEED_001_NUMPY = (
    "epoch 1: w = 1.200000, loss = 30.00000000",
    "epoch 11: w = 1.999916, loss = 0.00000033",
)
# Seed 003: every epoch as f'epoch {epoch + 1}: w = {w:.3f}, l = {l:8f}', 10 epochs.
SEED_003 = (
    "epoch 1: w = 1.200, l = 30.000000",
    "epoch 2: w = 1.680, l = 4.799999",
    "epoch 3: w = 1.872, l = 0.768000",
    "epoch 4: w = 1.949, l = 0.122880",
    "epoch 5: w = 1.980, l = 0.019661",
    "epoch 6: w = 1.992, l = 0.003146",
    "epoch 7: w = 1.997, l = 0.000503",
    "epoch 8: w = 1.999, l = 0.000081",
    "epoch 9: w = 1.999, l = 0.000013",
    "epoch 10: w = 2.000, l = 0.000002",
)
SEED_003_PREDICTION = "Prediction after training: f(5) = 9.999"
# Seed 000, first cell (numpy, tutorial gradient, 20 epochs, every other epoch printed as
# f'Epoch {epoch + 1}: weight = {w:.3f}, loss = {l:.8f}').
SEED_000_NUMPY = (
    "Epoch 1: weight = 1.200, loss = 30.00000000",
    "Epoch 3: weight = 1.872, loss = 0.76800019",
    "Epoch 5: weight = 1.980, loss = 0.01966083",
    "Epoch 7: weight = 1.997, loss = 0.00050331",
    "Epoch 9: weight = 1.999, loss = 0.00001288",
    "Epoch 11: weight = 2.000, loss = 0.00000033",
    "Epoch 13: weight = 2.000, loss = 0.00000001",
    "Epoch 15: weight = 2.000, loss = 0.00000000",
    "Epoch 17: weight = 2.000, loss = 0.00000000",
    "Epoch 19: weight = 2.000, loss = 0.00000000",
)
SEED_000_PREDICTION = "Prediction after training: f(17) = 34.000"
# Seed 004, the nn.MSELoss + torch.optim.SGD cell: f'epoch {epoch +1}: w = {W:.3f},loss={l:.8f}'.
SEED_004_OPTIM = (
    "epoch 1: w = 0.300,loss=30.00000000",
    "epoch 2: w = 0.555,loss=21.67499924",
    "epoch 3: w = 0.772,loss=15.66018772",
    "epoch 4: w = 0.956,loss=11.31448650",
    "epoch 5: w = 1.113,loss=8.17471695",
    "epoch 6: w = 1.246,loss=5.90623236",
    "epoch 7: w = 1.359,loss=4.26725292",
    "epoch 8: w = 1.455,loss=3.08308983",
    "epoch 9: w = 1.537,loss=2.22753215",
    "epoch 10: w = 1.606,loss=1.60939169",
)


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
    trainer = create_trainer(config)
    records = []
    while True:
        record = trainer.step()
        records.append(record)
        if stop_reason(record, config.epochs, config.eps) is not None:
            return records, trainer


@pytest.mark.parametrize("variant", ["torch-autograd", "torch-optim"])
def test_seed_001_torch_log(variant: str) -> None:
    records, trainer = _seed_run(variant, eps=1e-9)
    printed = [f"epoch {r.epoch}: w = {r.w:3f}, loss = {r.loss:.8f}" for r in records[::10]]
    # the seed printed epoch 71 but not 81: its loop broke (l < EPS) somewhere in 71..80
    assert printed == list(SEED_001_TORCH)
    assert stop_reason(records[-1], 100, 1e-9) is StopReason.CONVERGED
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
    trainer = create_trainer(RunConfig(variant="numpy-manual", grad_formula="tutorial"))
    records = [trainer.step() for _ in range(10)]
    assert [f"epoch {r.epoch}: w = {r.w:.3f}, l = {r.loss:8f}" for r in records] == list(SEED_003)
    assert f"Prediction after training: f(5) = {trainer.predict(5):.3f}" == SEED_003_PREDICTION


def test_seed_000_tutorial_formula_log() -> None:
    trainer = create_trainer(RunConfig(variant="numpy-manual", grad_formula="tutorial"))
    records = [trainer.step() for _ in range(20)]
    printed = [f"Epoch {r.epoch}: weight = {r.w:.3f}, loss = {r.loss:.8f}" for r in records[::2]]
    assert printed == list(SEED_000_NUMPY)
    assert f"Prediction after training: f(17) = {trainer.predict(17):.3f}" == SEED_000_PREDICTION


def test_seed_004_optimizer_log() -> None:
    trainer = create_trainer(RunConfig(variant="torch-optim"))
    records = [trainer.step() for _ in range(10)]
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
    trainer = create_trainer(config)
    grads = [trainer.step().grad_w for _ in range(3)]
    assert grads == pytest.approx([-30.0, -55.5, -72.675], rel=1e-6)
    # and with zero_grad on the gradient of epoch 2 is its own: -25.5
    trainer = create_trainer(config.replace(zero_grad=True))
    assert [trainer.step().grad_w for _ in range(2)] == pytest.approx([-30.0, -25.5], rel=1e-6)


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
        return create_trainer(config).step().grad_w

    n = len(dataset)
    tutorial, mean = first_grad("tutorial"), first_grad("mean")
    assert tutorial == pytest.approx(n * mean, rel=1e-6)
    # and mean is the true derivative of the mean squared error (float64 closed form)
    x, y = np.asarray(dataset.x), np.asarray(dataset.y)
    assert mean == pytest.approx(float(np.mean(2 * x * (w0 * x - y))), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("w0", [0.0, 1.0, 1.5, -2.0, 3.0])
def test_tutorial_formula_is_exactly_n_times_on_integer_data(w0: float) -> None:
    # every product and sum is exact in float32 here, so the factor is exactly N = 4
    tutorial = create_trainer(
        RunConfig(variant="numpy-manual", w0=w0, grad_formula="tutorial")
    ).step()
    mean = create_trainer(RunConfig(variant="numpy-manual", w0=w0)).step()
    assert tutorial.grad_w == 4 * mean.grad_w
    assert tutorial.loss == mean.loss
    assert mean.grad_w == 15 * w0 - 30  # mean(2x(wx − 2x)) = 2(w − 2)·mean(x²) = 15w − 30
