"""The knobs textbooks turn — momentum's β, Nesterov, Adam's betas, weight decay, float64 and a
bias for every variant — against plain loops written here: torch.optim itself for the torch
variants, numpy in float64 for the hand-written gradient; per epoch, to 1e-5 in float32 and
1e-12 in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gdtui.core.engine.divergence import stable_lr
from gdtui.core.engine.program import build_program
from gdtui.core.engine.runner import Runner
from gdtui.core.settings.config import RunConfig, config_from_options

EPOCHS = 40
TOLERANCE = {"float32": 1e-5, "float64": 1e-12}
KNOBS = [
    {"optimizer": "momentum", "momentum": 0.5},
    {"optimizer": "momentum", "momentum": 0.8, "nesterov": True},
    {"optimizer": "momentum", "weight_decay": 0.05},
    {"optimizer": "adam", "betas": "0.8,0.99", "lr": 0.1},
    {"optimizer": "adam", "weight_decay": 0.1, "lr": 0.1},
    {"optimizer": "rmsprop", "weight_decay": 0.02},
    {"optimizer": "adagrad", "weight_decay": 0.02, "lr": 0.5},
    {"optimizer": "sgd", "weight_decay": 0.1},
]


def _rows(config: RunConfig) -> np.ndarray:
    records = Runner(config).run(EPOCHS).records
    assert len(records) == EPOCHS
    columns = [(r.loss, r.w, r.grad_w, r.b or 0.0, r.grad_b or 0.0) for r in records]
    return np.array(columns, dtype=np.float64)


def _torch_optim_loop(config: RunConfig) -> np.ndarray:
    """torch.optim on hand-made leaves (or a seeded nn.Linear), as the tutorials write it."""
    dtype = getattr(torch, config.dtype)
    x = torch.tensor(config.dataset.x, dtype=dtype)
    y = torch.tensor(config.dataset.y, dtype=dtype)
    if config.variant == "torch-module":
        torch.manual_seed(config.seed)
        layer = torch.nn.Linear(1, 1, bias=config.has_bias).to(dtype)
        x, y = x.reshape(-1, 1), y.reshape(-1, 1)
        params = [layer.weight, *([layer.bias] if config.has_bias else [])]

        def forward():
            return layer(x)
    else:
        params = [torch.tensor(0.0, dtype=dtype, requires_grad=True)]
        if config.has_bias:
            params.append(torch.tensor(0.0, dtype=dtype, requires_grad=True))

        def forward():
            return params[0] * x + (params[1] if config.has_bias else 0)

    decay = {"weight_decay": config.weight_decay}
    optimizer = {
        "sgd": lambda: torch.optim.SGD(params, lr=config.lr, **decay),
        "momentum": lambda: torch.optim.SGD(
            params, lr=config.lr, momentum=config.momentum, nesterov=config.nesterov, **decay
        ),
        "adam": lambda: torch.optim.Adam(params, lr=config.lr, betas=config.betas, **decay),
        "rmsprop": lambda: torch.optim.RMSprop(params, lr=config.lr, **decay),
        "adagrad": lambda: torch.optim.Adagrad(params, lr=config.lr, **decay),
    }[config.optimizer]()
    rows = []
    for _ in range(EPOCHS):
        loss = ((forward() - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        grads = [p.grad.item() for p in params]
        rows.append(
            (
                loss.item(),
                params[0].item(),
                grads[0],
                params[1].item() if config.has_bias else 0.0,
                grads[1] if config.has_bias else 0.0,
            )
        )
        optimizer.zero_grad()
    return np.array(rows)


def _numpy_loop(config: RunConfig, manual_torch: bool = False) -> np.ndarray:
    """The closed form in float64: gradient 2·mean(x(ŷ−y)) (+ 2·mean(ŷ−y) for b), plus the
    penalty L·w, then w −= lr·grad."""
    x, y = np.array(config.dataset.x), np.array(config.dataset.y)
    w = b = 0.0
    rows = []
    for _ in range(EPOCHS):
        residual = w * x + (b if config.has_bias else 0.0) - y
        loss = float(np.mean(residual**2))
        grad_w, grad_b = float(np.mean(2 * x * residual)), float(np.mean(2 * residual))
        # numpy-manual's gradient includes the penalty; torch-autograd's .grad does not,
        # its update adds it.
        step_w, step_b = grad_w + config.weight_decay * w, grad_b + config.weight_decay * b
        if not manual_torch:
            grad_w, grad_b = step_w, step_b
        w, b = w - config.lr * step_w, b - config.lr * step_b
        rows.append(
            (loss, w, grad_w, b if config.has_bias else 0.0, grad_b if config.has_bias else 0.0)
        )
    return np.array(rows)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("variant", ["torch-optim", "torch-module"])
@pytest.mark.parametrize("knobs", KNOBS, ids=lambda k: "-".join(f"{v}" for v in k.values()))
def test_torch_optimizers_with_their_knobs_equal_torch_optim(knobs, variant, dtype):
    options = {"variant": variant, "dtype": dtype, "bias": True, "dataset": "line5", **knobs}
    config = config_from_options(options)
    ours, theirs = _rows(config), _torch_optim_loop(config)
    np.testing.assert_allclose(ours, theirs, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("variant", ["numpy-manual", "torch-autograd"])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("decay", [0.0, 0.1])
def test_hand_written_updates_with_a_bias_and_weight_decay_equal_the_closed_form(
    variant, bias, decay, dtype
):
    config = config_from_options(
        {"variant": variant, "bias": bias, "weight_decay": decay, "dtype": dtype}
    )
    ours = _rows(config)
    theirs = _numpy_loop(config, manual_torch=variant == "torch-autograd")
    # float32 rounds each epoch's arithmetic: the run drifts from float64 by ~1e-6 relative.
    tolerance = TOLERANCE[dtype] if dtype == "float64" else 2e-5
    np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)


def test_float64_shows_what_float32_rounded():
    float32 = Runner(RunConfig(variant="numpy-manual")).run(1).records[0]
    float64 = Runner(RunConfig(variant="numpy-manual", dtype="float64")).run(1).records[0]
    in_float32 = np.float32(0.0) - np.float32(0.01) * np.float32(-30.0)
    assert float64.w == 0.01 * 30 == 0.3 and float32.w == float(in_float32) != 0.3


def _listing(**options: object) -> str:
    return "\n".join(build_program(config_from_options(options)).listing())


def test_the_code_shows_each_knob_with_its_value():
    knobs = {"optimizer": "momentum", "momentum": 0.5, "nesterov": True, "weight_decay": 0.01}
    listing = _listing(variant="torch-optim", bias=True, dtype="float64", **knobs)
    call = "torch.optim.SGD([w, b], lr=lr, momentum=0.5, nesterov=True, weight_decay=0.01)"
    assert call in listing
    assert "dtype=torch.float64" in listing and "y_pred = w * X + b" in listing
    numpy = _listing(variant="numpy-manual", weight_decay=0.1)
    assert "dw = (2 * X * (y_pred - Y)).mean() + 0.1 * w" in numpy
    adam = _listing(variant="torch-module", optimizer="adam", betas="0.8,0.9")
    assert "torch.optim.Adam(model.parameters(), lr=lr, betas=(0.8, 0.9))" in adam


def test_the_stable_rate_follows_momentum_and_weight_decay():
    base = config_from_options({"variant": "torch-optim", "optimizer": "momentum"})
    plain = stable_lr(base.replace(momentum=0.5))
    decayed = stable_lr(base.replace(momentum=0.5, weight_decay=1.0))
    assert plain is not None and decayed is not None
    mean_x2 = np.mean(np.square(base.dataset.x))
    assert plain.lr == pytest.approx(1.5 / mean_x2) and decayed.lr == pytest.approx(
        1.5 / (mean_x2 + 0.5)
    )
    assert stable_lr(base.replace(nesterov=True)) is None


@pytest.mark.parametrize("variant", ["numpy-manual", "torch-autograd", "torch-optim"])
def test_the_gradient_check_passes_with_weight_decay_and_a_bias(variant):
    from gdtui.core.run.gradcheck import check_history, penalty
    from gdtui.core.run.history import RunHistory

    config = config_from_options({"variant": variant, "bias": True, "weight_decay": 0.1})
    history = RunHistory(has_bias=True)
    history.extend(Runner(config).run(20).records)
    checked = check_history(history, config.dataset, (0.0, 0.0), 20, decay=penalty(config))
    assert len(checked) == 20
    assert not [check for _, checks in checked for check in checks if check.failed]
    # The reference is not merely lenient: leaving the penalty out fails numpy's gradient.
    if variant == "numpy-manual":
        plain = check_history(history, config.dataset, (0.0, 0.0), 20)
        assert any(check.failed for _, checks in plain for check in checks)
