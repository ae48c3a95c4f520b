"""The linear model y ≈ w·x (+ b) under the mean squared error, in closed form: its loss and
gradient over the whole data, its optimum, its curvature and its prediction. The trainers
compute the same numbers by running code; these are what that code must come to, and what
the panes, the gradient check, the landscape and the divergence watch measure against."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gdtui.core.settings.data import Dataset

if TYPE_CHECKING:
    from gdtui.core.settings.config import RunConfig


def points(dataset: Dataset, dtype: str = "float64") -> tuple[np.ndarray, np.ndarray]:
    """The data as a model in ``dtype`` holds it, in float64."""
    x, y = (
        np.asarray(v, dtype=dtype).astype(np.float64, copy=False) for v in (dataset.x, dataset.y)
    )
    return x, y


def mse(dataset: Dataset, w: float, b: float = 0.0) -> float:
    """The mean squared error of y ≈ w·x + b, in float64."""
    x, y = points(dataset)
    return float(np.mean((w * x + b - y) ** 2))


def losses(dataset: Dataset, w: np.ndarray, b: np.ndarray | float = 0.0) -> np.ndarray:
    """The mean squared error at every (w, b) given (broadcast), in float64."""
    x, y = points(dataset)
    w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
    residual = w[..., None] * x + b[..., None] - y
    result: np.ndarray = np.mean(residual**2, axis=-1)
    return result


def initial_loss(config: RunConfig) -> float:
    """The loss at a run's initial parameters, in float64 (0 stands for a seeded start)."""
    b = (config.b0 or 0.0) if config.has_bias else 0.0
    with np.errstate(over="ignore"):
        return mse(config.dataset, config.w0 or 0.0, b)


def optimum(dataset: Dataset, has_bias: bool) -> tuple[float, float | None]:
    """The least-squares (w, b): the bottom of the valley."""
    x, y = points(dataset)
    if not has_bias:
        denominator = float(np.dot(x, x))
        return (float(np.dot(x, y)) / denominator if denominator else 0.0), None
    design = np.column_stack([x, np.ones_like(x)])
    (w, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(w), float(b)


def curvature(x: np.ndarray, has_bias: bool) -> float:
    """The largest eigenvalue λ of M, where the loss's Hessian is 2·M: M = mean(x²) without
    a bias, [[mean(x²), mean(x)], [mean(x), 1]] with one."""
    if not has_bias:
        return float(np.mean(x * x))
    moments = np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    return float(np.linalg.eigvalsh(moments)[-1])


def full_gradient(
    x: np.ndarray, y: np.ndarray, w: float, b: float | None, scale: float = 1.0, decay: float = 0.0
) -> tuple[float, float | None]:
    """The whole data's gradient of the mean squared error of w·x (+ b) at (w, b), in float64:
    ``mean(2x(ŷ−y))`` times ``scale`` (the tutorial formula's N), plus ``decay``·w where the
    gradient has the penalty in it; and the bias's ``mean(2(ŷ−y))``."""
    residual = w * x + (0.0 if b is None else b) - y
    grad_w = float(np.mean(2 * x * residual)) * scale + decay * w
    grad_b = None if b is None else float(np.mean(2 * residual)) + decay * b
    return grad_w, grad_b


def full_gradients(
    x: np.ndarray,
    y: np.ndarray,
    ws: list[float],
    bs: list[float] | None,
    scale: float = 1.0,
    decay: float = 0.0,
) -> tuple[list[float], list[float] | None]:
    """:func:`full_gradient` at each of several parameters at once, the same numbers."""
    w = np.asarray(ws, dtype=np.float64)[:, None]
    b = 0.0 if bs is None else np.asarray(bs, dtype=np.float64)[:, None]
    residual = w * x + b - y
    grad_w = np.mean(2 * x * residual, axis=1) * scale + decay * w[:, 0]
    if bs is None:
        return grad_w.tolist(), None
    grad_b = np.mean(2 * residual, axis=1) + decay * np.asarray(bs, dtype=np.float64)
    return grad_w.tolist(), grad_b.tolist()


def predict_at(w: float, b: float | None, x: float, dtype: str = "float32") -> float:
    """f(x) = w·x (+ b), in the run's ``dtype`` as the model computes it."""
    kind = np.float64 if dtype == "float64" else np.float32
    value = kind(w) * kind(x)
    if b is not None:
        value += kind(b)
    return float(value)
