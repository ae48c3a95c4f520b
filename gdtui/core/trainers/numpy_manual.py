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
        self._lr32 = np.float32(config.lr)
        start = config.w0 or 0.0
        self._w: float | np.float32 = np.float32(start)
        self._accumulated = np.float32(0.0)
        if config.grad_formula == "tutorial":
            self._w = float(start)
            self.step = self._step_tutorial  # type: ignore[method-assign]

    @property
    def w(self) -> float:
        return float(self._w)

    def set_lr(self, lr: float) -> None:
        super().set_lr(lr)
        self._lr32 = np.float32(lr)

    def step(self) -> EpochRecord:
        w = self._w
        error = w * self._x - self._y
        loss = (error * error).mean()
        grad = (self._two_x * error).mean()
        if not self.zero_grad:
            grad = self._accumulated = self._accumulated + grad
        self._w = w = w - self._lr32 * grad
        self.epoch += 1
        state = GRAD_ZERO if self.zero_grad else GRAD_VALUE
        return EpochRecord(
            self.epoch, float(loss), float(w), float(grad), None, None, self.lr, state
        )

    def _step_tutorial(self) -> EpochRecord:
        """The seeds' gradient, N times too large, with their float64 update of ``w``."""
        error = np.float32(self._w) * self._x - self._y
        loss = (error * error).mean()
        grad = np.dot(self._two_x, error).mean()
        if not self.zero_grad:
            grad = self._accumulated = self._accumulated + grad
        self._w = float(self._w) - self.lr * float(grad)
        self.epoch += 1
        state = GRAD_ZERO if self.zero_grad else GRAD_VALUE
        return EpochRecord(
            self.epoch, float(loss), float(self._w), float(grad), None, None, self.lr, state
        )

    def _clear_grad(self) -> None:
        self._accumulated = np.float32(0.0)
