"""What every trainer offers, whichever way it writes the training loop."""

from __future__ import annotations

from abc import ABC, abstractmethod

from gdtui.core.config import RunConfig
from gdtui.core.record import EpochRecord, predict_at


class Trainer(ABC):
    """Trains y ≈ w·x (+ b) by mean squared error, one epoch per :meth:`step`.

    Learning rate and zero_grad can change between epochs without a reset; anything else
    in the configuration needs a new trainer.
    """

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.epoch = 0
        self.lr = config.lr
        self.zero_grad = config.zero_grad

    @abstractmethod
    def step(self) -> EpochRecord:
        """Run one epoch: forward pass, loss, gradient, update; return its record."""

    @property
    @abstractmethod
    def w(self) -> float:
        """The current weight."""

    @property
    def b(self) -> float | None:
        """The current bias, or None for variants without one."""
        return None

    def set_lr(self, lr: float) -> None:
        """Use ``lr`` from the next epoch on."""
        self.lr = lr

    def set_zero_grad(self, on: bool) -> None:
        """Clear gradients after each update (on) or let them accumulate (off).

        Switching it on clears the gradient accumulated so far, as the seeds' zeroing call
        would have, so the next epoch starts from a fresh gradient.
        """
        if on and not self.zero_grad:
            self._clear_grad()
        self.zero_grad = on

    @abstractmethod
    def _clear_grad(self) -> None:
        """Clear the gradient the way this variant's code does."""

    def optimizer_state(self) -> dict[str, float]:
        """The optimizer's own state per parameter (momentum buffer, Adam's moments)."""
        return {}

    def predict(self, x: float) -> float:
        """f(x) = w·x (+ b) with the current parameters, in float32 as the model computes it."""
        return predict_at(self.w, self.b, x)
