"""Independent references for the trainers, written from the formulas and from plain torch,
never from gdtui's code.

Each returns one tuple per epoch, ``(loss, w, b, grad_w, grad_b)``: the loss of that epoch's
forward pass, the parameters after the update and the gradient the update used (the accumulated
one while zero_grad is off). ``b``/``grad_b`` are None without a bias.

``lrs[k]`` and ``zero_grads[k]`` are the learning rate and the zero_grad setting of epoch k+1, so
mid-run changes are schedules. Switching zero_grad on clears the gradient accumulated so far.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from gdtui.core.engine.trace import TracedLine, plain, same_value

Row = tuple[float, float, float | None, float, float | None]


def closed_form(
    x: Sequence[float],
    y: Sequence[float],
    w0: float,
    lrs: Sequence[float],
    zero_grads: Sequence[bool],
    b0: float | None = None,
) -> list[Row]:
    """Float64 numpy: grad_w = mean(2x(wx+b−y)), grad_b = mean(2(wx+b−y)), w -= lr·grad_w,
    with an explicit accumulator standing in for ``.grad``."""
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    w = float(w0)
    b = None if b0 is None else float(b0)
    acc_w = acc_b = 0.0
    rows: list[Row] = []
    for lr, zero_grad in zip(lrs, zero_grads, strict=True):
        if zero_grad:  # zeroed after the last epoch, or cleared by switching zero_grad on
            acc_w = acc_b = 0.0
        residual = w * xs + (0.0 if b is None else b) - ys
        loss = float(np.mean(residual**2))
        acc_w += float(np.mean(2 * xs * residual))
        acc_b += float(np.mean(2 * residual))
        w -= lr * acc_w
        if b is not None:
            b -= lr * acc_b
        rows.append((loss, w, b, acc_w, None if b is None else acc_b))
        if zero_grad:
            acc_w = acc_b = 0.0
    return rows


def torch_loop(
    x: Sequence[float],
    y: Sequence[float],
    w0: float,
    lrs: Sequence[float],
    zero_grads: Sequence[bool],
    b0: float | None = None,
    optimizer: str | None = None,
) -> list[Row]:
    """A plain torch loop on float32 leaf tensors.

    ``optimizer=None``: ``loss.backward()``; ``with torch.no_grad(): w -= lr * w.grad``;
    ``w.grad.zero_()``. Otherwise a ``torch.optim`` optimizer (``momentum`` is SGD with
    momentum 0.9), ``optimizer.step()`` and ``optimizer.zero_grad()``.
    """
    import torch

    xs = torch.tensor(list(x), dtype=torch.float32)
    ys = torch.tensor(list(y), dtype=torch.float32)
    w = torch.tensor(float(w0), dtype=torch.float32, requires_grad=True)
    b = None if b0 is None else torch.tensor(float(b0), dtype=torch.float32, requires_grad=True)
    params = [w] if b is None else [w, b]
    opt = None
    if optimizer is not None:
        lr0 = lrs[0]
        opt = {
            "sgd": lambda: torch.optim.SGD(params, lr=lr0),
            "momentum": lambda: torch.optim.SGD(params, lr=lr0, momentum=0.9),
            "adam": lambda: torch.optim.Adam(params, lr=lr0),
            "rmsprop": lambda: torch.optim.RMSprop(params, lr=lr0),
            "adagrad": lambda: torch.optim.Adagrad(params, lr=lr0),
        }[optimizer]()
    rows: list[Row] = []
    previous = zero_grads[0]
    for lr, zero_grad in zip(lrs, zero_grads, strict=True):
        if zero_grad and not previous:  # switching zero_grad on clears the accumulated grad
            for p in params:
                p.grad = None
        previous = zero_grad
        prediction = w * xs if b is None else w * xs + b
        loss = ((prediction - ys) ** 2).mean()
        loss.backward()
        assert w.grad is not None
        if opt is None:
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
        else:
            for group in opt.param_groups:
                group["lr"] = lr
            opt.step()
        row = (
            loss.item(),
            w.item(),
            None if b is None else b.item(),
            w.grad.item(),
            None if b is None or b.grad is None else b.grad.item(),
        )
        rows.append(row)
        if zero_grad:
            if opt is None:
                for p in params:
                    p.grad.zero_()
            else:
                opt.zero_grad()
    return rows


FIELDS = ("loss", "w", "b", "grad_w", "grad_b")


def record_row(record: object) -> Row:
    """A trainer's record in the references' shape."""
    return tuple(getattr(record, name) for name in FIELDS)  # type: ignore[return-value]


def assert_rows_close(
    got: Sequence[Row], want: Sequence[Row], rel: float = 1e-5, floor: float = 1e-5
) -> None:
    """Per epoch and field, to ``rel`` relative, with an absolute floor for values near 0.

    float32 rounding is relative to the terms that were summed, not to a result that cancelled
    to near 0 (a gradient at the minimum, an accumulated ``.grad`` swinging through 0), so the
    floor is ``floor`` or 2e-6 of the largest magnitude the field has had so far in the run,
    whichever is larger.
    """
    assert len(got) == len(want)
    largest = dict.fromkeys(FIELDS, 0.0)
    for epoch, (g, e) in enumerate(zip(got, want, strict=True), start=1):
        for name, actual, expected in zip(FIELDS, g, e, strict=True):
            if expected is None:
                assert actual is None, (epoch, name, g, e)
                continue
            largest[name] = max(largest[name], abs(expected))
            tolerance = max(floor, 2e-6 * largest[name])
            assert actual == pytest.approx(expected, rel=rel, abs=tolerance), (epoch, name, g, e)


# -- the seeds' own logs: ground truth, copied from the notebooks' outputs ------------------

ACCUMULATED_GRADS = (-30.0, -55.5, -72.675)
"""Seed 004's ``.grad`` after three epochs without zeroing, on y = 2x, x = 1..4, w0 = 0,
lr = 0.01: -30 at w = 0, then -25.5 added at w = 0.3, then -17.175 at w = 0.855."""

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


def first_mismatch(lines: Sequence[TracedLine], codes: list[str]) -> str | None:
    """Execute ``codes`` in order in a fresh namespace, checking after each the values traced
    for the line in the same place; the first disagreement, or None."""
    import torch
    from torch import nn

    names: dict[str, Any] = {"np": np, "torch": torch, "nn": nn}
    with torch.random.fork_rng(devices=[]):
        for traced, code in zip(lines, codes, strict=True):
            exec(code, names)
            for expression, value in traced.values.items():
                found = plain(eval(expression, names))
                if not same_value(found, value):
                    return f"line {traced.line} ({code}): {expression} = {found}, traced {value}"
    return None


def scheduled_lr(schedule: str, lr: float, epoch: int, epochs: int) -> float:
    """The learning rate of ``epoch`` (from 1) in a run of ``epochs`` with base rate ``lr``,
    from each schedule's definition (gdtui's own is the line the program writes)."""
    progress = (epoch - 1) / max(1, epochs)
    if schedule == "constant":
        return lr
    if schedule == "step":
        return lr * 0.5 ** ((epoch - 1) // max(1, epochs // 4))
    if schedule == "exponential":
        return float(lr * 0.01**progress)
    if schedule == "cosine":
        return lr * 0.5 * (1 + math.cos(math.pi * progress))
    raise ValueError(f"unknown schedule {schedule!r}")
