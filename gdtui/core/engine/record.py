"""One epoch's numbers, as every trainer reports them."""

from __future__ import annotations

from typing import NamedTuple

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
    def zero_grad(self) -> bool:
        """Whether ``.grad`` was cleared after the update: the zero_grad it ran with."""
        return self.grad_state != GRAD_VALUE

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
