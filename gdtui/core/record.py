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
    """What one ``step()`` did.

    ``loss`` is from this epoch's forward pass (before the update, as the seeds print it);
    ``w``/``b`` are the parameters after the update; ``grad_w``/``grad_b`` the gradient that
    the update used (the accumulated one when zero_grad is off); ``lr`` the learning rate it
    used; ``grad_state`` what ``.grad`` holds once the epoch is over (one of ``GRAD_*``).
    """

    epoch: int
    loss: float
    w: float
    grad_w: float
    b: float | None = None
    grad_b: float | None = None
    lr: float = 0.0
    grad_state: int = GRAD_VALUE

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
        if self.b is not None and self.grad_b is not None:
            total += self.b + self.grad_b
        # inf - inf is nan and nan != nan, so one comparison covers every component.
        return total - total == 0.0


def predict_at(w: float, b: float | None, x: float, dtype: str = "float32") -> float:
    """f(x) = w·x (+ b), in the run's ``dtype`` as the model computes it."""
    kind = np.float64 if dtype == "float64" else np.float32
    value = kind(w) * kind(x)
    if b is not None:
        value += kind(b)
    return float(value)
