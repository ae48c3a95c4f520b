"""One epoch's numbers, as every trainer reports them."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

GRAD_VALUE = 0
"""After the epoch, ``.grad`` still holds a value (zero_grad off: it will accumulate)."""
GRAD_ZERO = 1
"""After the epoch, ``.grad`` was zeroed in place (``w.grad.zero_()``, or numpy's accumulator)."""
GRAD_NONE = 2
"""After the epoch, ``.grad`` is None (``optimizer.zero_grad()``, which sets it to None)."""

GRAD_STATE_NAMES = {GRAD_VALUE: "value", GRAD_ZERO: "zero", GRAD_NONE: "None"}


class EpochRecord(NamedTuple):
    """What one update did; with the full batch, one epoch (one ``step()``).

    ``loss`` is from the update's forward pass (before the update, as the seeds print it);
    ``w``/``b`` are the parameters after the update; ``grad_w``/``grad_b`` the gradient that
    the update used (the accumulated one when zero_grad is off); ``lr`` the learning rate it
    used; ``grad_state`` what ``.grad`` holds once the update is over (one of ``GRAD_*``).

    With mini-batches (see :attr:`RunConfig.batched`) ``step`` counts the run's updates and
    ``batch`` the epoch's, from 1, and ``loss`` is the batch's; ``full_grad_w``/``full_grad_b``
    are the whole data's gradient at the same parameters, for the batch's noise; the epoch's
    last update carries ``full_loss``, the whole data's loss at the epoch's end. With the full
    batch ``step == epoch``, ``batch == 1`` and the ``full_*`` fields are None.
    """

    epoch: int
    loss: float
    w: float
    grad_w: float
    b: float | None = None
    grad_b: float | None = None
    lr: float = 0.0
    grad_state: int = GRAD_VALUE
    step: int = 0
    batch: int = 1
    full_loss: float | None = None
    full_grad_w: float | None = None
    full_grad_b: float | None = None

    @property
    def epoch_loss(self) -> float:
        """The loss that judges the epoch: the whole data's at its end with mini-batches,
        else the epoch's own."""
        return self.loss if self.full_loss is None else self.full_loss

    @property
    def update_w(self) -> float:
        """``lr·grad_w``: the step plain gradient descent takes (momentum and Adam differ)."""
        return self.lr * self.grad_w

    @property
    def update_b(self) -> float | None:
        """``lr·grad_b``, or None without a bias."""
        return None if self.grad_b is None else self.lr * self.grad_b

    def is_finite(self) -> bool:
        """False once any number is inf or nan: the run has diverged."""
        total = self.loss + self.w + self.grad_w
        if self.full_loss is not None:
            total += self.full_loss
        if self.b is not None and self.grad_b is not None:
            total += self.b + self.grad_b
        # inf - inf is nan and nan != nan, so one comparison covers every component.
        return total - total == 0.0


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
