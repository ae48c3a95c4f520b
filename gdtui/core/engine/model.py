"""The linear model y ≈ w·x (+ b) under the mean squared error, in closed form: its loss and
gradient over the whole data, its optimum, its curvature and its prediction. The trainers
compute the same numbers by running code; these are what that code must come to, and what
the panes, the gradient check, the landscape and the divergence watch measure against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gdtui.core.settings.data import Dataset

if TYPE_CHECKING:
    from gdtui.core.settings.config import RunConfig

CHUNK = 1 << 17
"""The most numbers (1 MiB of float64) a function here computes at once for several
parameters over the whole data; a single row of more points is taken whole (linear in the
data, as the data itself is)."""


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
    """The mean squared error at every (w, b) given (broadcast), in float64: at most
    :data:`CHUNK` numbers at a time beyond the data (a landscape's grid is thousands of
    points, each over the whole data)."""
    x, y = points(dataset)
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    flat_w, flat_b = w.ravel(), b.ravel()
    result = np.empty(flat_w.shape)
    for start, stop in _chunks(len(flat_w), len(x)):
        residual = flat_w[start:stop, None] * x + flat_b[start:stop, None] - y
        result[start:stop] = np.mean(residual**2, axis=-1)
    return result.reshape(w.shape)


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
    """:func:`full_gradient` at each of several parameters at once, the same numbers.

    Every update of a mini-batch epoch needs one (a batch of one: as many as there are
    points), so they are taken :data:`CHUNK` numbers at a time, in two buffers: memory
    linear in the points and the updates, not their product."""
    w_all = np.asarray(ws, dtype=np.float64)
    b_all = None if bs is None else np.asarray(bs, dtype=np.float64)
    sums_w = np.empty(len(w_all))
    sums_b = None if b_all is None else np.empty(len(w_all))
    twice_x = 2 * x  # 2 * x * residual multiplies left to right: (2·x)·residual
    spans = _chunks(len(w_all), len(x))
    rows = spans[0][1] if spans else 0
    residuals, terms = np.empty((rows, len(x))), np.empty((rows, len(x)))
    for start, stop in spans:
        residual, term = residuals[: stop - start], terms[: stop - start]
        # w·x + b − y, as full_gradient forms it (b = 0.0 without a bias).
        np.multiply(w_all[start:stop, None], x, out=residual)
        np.add(residual, 0.0 if b_all is None else b_all[start:stop, None], out=residual)
        np.subtract(residual, y, out=residual)
        np.multiply(twice_x, residual, out=term)
        sums_w[start:stop] = np.add.reduce(term, axis=1)
        if sums_b is not None:
            np.multiply(2, residual, out=term)
            sums_b[start:stop] = np.add.reduce(term, axis=1)
    # np.mean is the sum divided by the count, as here.
    grad_w = sums_w / len(x) * scale + decay * w_all
    if sums_b is None or b_all is None:
        return grad_w.tolist(), None
    grad_b = sums_b / len(x) + decay * b_all
    return grad_w.tolist(), grad_b.tolist()


@dataclass(frozen=True, eq=False)
class WholeData:
    """The whole data's gradient, as a program's own gradient is formed: ``scale`` the
    tutorial formula's N, ``decay`` the weight decay where the gradient line adds it (see
    :func:`full_gradient`)."""

    x: np.ndarray
    y: np.ndarray
    scale: float = 1.0
    decay: float = 0.0

    def gradient(self, w: float, b: float | None) -> tuple[float, float | None]:
        """The gradient at (w, b)."""
        return full_gradient(self.x, self.y, w, b, self.scale, self.decay)

    def __call__(self, ws: list[Any], bs: list[Any]) -> tuple[list[Any], list[Any]]:
        """The gradients at each (w, b) of ``ws`` and ``bs`` (all None without a bias, and
        then the bias's gradients None too): :func:`full_gradients`, as a
        :data:`~gdtui.core.engine.columns.Gradients`."""
        if len(ws) <= 2:  # a record or two (the same numbers, without the arrays of many)
            pairs = [self.gradient(w, b) for w, b in zip(ws, bs, strict=True)]
            return [w for w, _ in pairs], [b for _, b in pairs]
        biases = None if not bs or bs[0] is None else bs
        grad_w, grad_b = full_gradients(self.x, self.y, ws, biases, self.scale, self.decay)
        return grad_w, [None] * len(grad_w) if grad_b is None else grad_b


def _chunks(count: int, width: int) -> list[tuple[int, int]]:
    """(start, stop) of the rows, ``count`` of ``width`` numbers each, taken at a time: as
    many as make :data:`CHUNK` numbers, one at least."""
    rows = max(1, CHUNK // max(1, width))
    return [(start, min(start + rows, count)) for start in range(0, count, rows)]


def predict_at(w: float, b: float | None, x: float, dtype: str = "float32") -> float:
    """f(x) = w·x (+ b), in the run's ``dtype`` as the model computes it."""
    kind = np.float64 if dtype == "float64" else np.float32
    value = kind(w) * kind(x)
    if b is not None:
        value += kind(b)
    return float(value)
