"""Seeds 000/001/003/004: numpy, the gradient derived by hand."""

from __future__ import annotations

import numpy as np

from gdtui.core.config import RunConfig
from gdtui.core.record import GRAD_VALUE, GRAD_ZERO, EpochRecord
from gdtui.core.trainers.base import Trainer


class NumpyManualTrainer(Trainer):
    """``ŷ = w·x``; ``loss = mean((ŷ−y)²)``; ``dw = mean(2x(ŷ−y))``; ``w -= lr·dw``.

    With ``grad_formula="tutorial"`` the gradient is the seeds' ``np.dot(2x, ŷ−y).mean()``:
    the dot product is already a sum, so it is N times too large. With zero_grad off an
    explicit accumulator plays the part of torch's ``.grad``.

    The mean formula computes in float32, like the torch variants. The tutorial formula also
    keeps the seeds' arithmetic (numpy 1.x printed their logs): ``w`` is a Python float, so
    ``w -= lr * dw`` runs in float64 while the forward pass computes in float32.
    """

    def __init__(self, config: RunConfig) -> None:
        super().__init__(config)
        self._x = np.asarray(config.dataset.x, dtype=np.float32)
        self._y = np.asarray(config.dataset.y, dtype=np.float32)
        self._two_x = 2 * self._x
        self._tutorial = config.grad_formula == "tutorial"
        start = config.w0 or 0.0
        self._w: float | np.float32 = float(start) if self._tutorial else np.float32(start)
        self._accumulated = np.float32(0.0)

    @property
    def w(self) -> float:
        return float(self._w)

    def step(self) -> EpochRecord:
        error = np.float32(self._w) * self._x - self._y
        loss = (error * error).mean()
        if self._tutorial:
            grad = np.dot(self._two_x, error).mean()
        else:
            grad = (self._two_x * error).mean()
        if not self.zero_grad:
            grad = self._accumulated = self._accumulated + grad
        if self._tutorial:
            self._w = float(self._w) - self.lr * float(grad)
        else:
            self._w = self._w - np.float32(self.lr) * grad
        self.epoch += 1
        return EpochRecord(
            self.epoch,
            float(loss),
            float(self._w),
            float(grad),
            lr=self.lr,
            grad_state=GRAD_ZERO if self.zero_grad else GRAD_VALUE,
        )

    def _clear_grad(self) -> None:
        self._accumulated = np.float32(0.0)
