"""Telling a diverging run early, and what to do about it.

Past its stable rate, gradient descent on a quadratic loss multiplies the distance to the
optimum by the same factor every epoch, so the loss grows geometrically: by a steady factor,
long before it overflows to inf. An overshoot (momentum swinging past the optimum, Adam's
bounded steps) climbs too, but by a shrinking factor, and from below where it started.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gdtui.core.engine.model import curvature, initial_loss
from gdtui.core.engine.record import EpochRecord
from gdtui.core.numbers import FLOAT32_MAX
from gdtui.core.settings.config import RunConfig

WINDOW = 5
"""Epochs in a row the loss must have grown for, by a steady factor."""
STEADY = 0.98
"""Each epoch's growth in the window is at least this fraction of the window's first."""
ABOVE_START = 10.0
"""A steadily growing loss is diverging once it is this many times the first epoch's."""
ORDERS_ABOVE_START = 1e6
"""Any loss this many times the first epoch's is diverging, however it got there."""
FLOAT32_NORMAL = float(np.finfo(np.float32).tiny)
"""The smallest normal float32: the start a loss of 0 is measured against."""


@dataclass(frozen=True)
class Diverging:
    """Where a run was found diverging."""

    epoch: int
    loss: float
    start: float
    """The first epoch's loss (at the current rate: since it was last changed)."""
    growth: float
    """The loss's factor over the last epoch."""


class DivergenceWatch:
    """Watches a run's losses epoch by epoch and flags it, once, when it is diverging: its
    loss has grown for :data:`WINDOW` epochs in a row by a steady factor (each epoch's at
    least :data:`STEADY` of the window's first) and is :data:`ABOVE_START` times the first
    epoch's, or it is :data:`ORDERS_ABOVE_START` times the first epoch's."""

    def __init__(self) -> None:
        self.start: float | None = None
        self.flagged = False
        self._previous = math.inf
        self._growth: deque[float] = deque(maxlen=WINDOW)

    def rearm(self) -> None:
        """Watch afresh after a change of rate, from the next epoch's loss: a run told once
        may diverge anew, and one already far above its start is not told so at once."""
        self.flagged = False
        self.start = None
        self._growth.clear()

    @property
    def ceiling(self) -> float | None:
        """A loss below this cannot be found diverging at the next epoch (it is below
        :data:`ABOVE_START` times the start); None before the first epoch, which sets it."""
        if self.start is None:
            return None
        if self.flagged:
            return math.inf
        return ABOVE_START * max(self.start, FLOAT32_NORMAL)

    def catch_up(self, records: Sequence[EpochRecord]) -> None:
        """Take epochs known not to be found diverging (each loss below :attr:`ceiling`, with
        a start): as :meth:`observe` would, at a fraction of the cost."""
        self.catch_up_losses([record.epoch_loss for record in records[-WINDOW - 1 :]])

    def catch_up_losses(self, losses: Sequence[float]) -> None:
        """:meth:`catch_up` of the epochs' losses (:attr:`EpochRecord.epoch_loss`), all of
        them or the last ``WINDOW + 1`` at least."""
        if len(losses) <= WINDOW:
            for loss in losses:
                self._take(loss)
            return
        losses = losses[-WINDOW - 1 :]
        self._previous = losses[-1]
        # The growth is the run of rises at the end, the last WINDOW of them.
        rises: list[float] = []
        for previous, loss in zip(losses[-2::-1], losses[:0:-1], strict=True):
            if not loss > previous:
                break
            rises.append(loss / previous if previous else math.inf)
        self._growth.clear()
        self._growth.extend(reversed(rises))

    def observe(self, record: EpochRecord) -> Diverging | None:
        """Take the next epoch; returns what was found the first time the run diverges."""
        loss = record.epoch_loss
        if not self._take(loss) or self.flagged:
            return None
        start, growth = self.start, self._growth
        assert start is not None
        steady = len(growth) == WINDOW and growth[-1] >= STEADY * growth[0]
        floor = max(start, FLOAT32_NORMAL)
        if (steady and loss >= ABOVE_START * floor) or loss >= ORDERS_ABOVE_START * floor:
            self.flagged = True
            return Diverging(record.epoch, loss, start, growth[-1] if growth else math.nan)
        return None

    def _take(self, loss: float) -> bool:
        """Take the next epoch's loss into the growth; whether the run had a start before it
        (else this loss is its start)."""
        previous, self._previous = self._previous, loss
        growth = self._growth
        if loss > previous:
            growth.append(loss / previous if previous else math.inf)
        elif growth:
            growth.clear()
        if self.start is None:
            self.start = loss
            return False
        return True


@dataclass(frozen=True)
class StableRate:
    """The largest learning rate at which a run's updates stay bounded, and whence."""

    lr: float
    why: str


def stable_lr(config: RunConfig) -> StableRate | None:
    """The largest stable learning rate of ``config`` on its data; None for the adaptive
    optimizers (Adam, RMSprop, Adagrad), whose steps no single rate bounds.

    The loss mean((w·x + b − y)²) has Hessian 2·M with M = mean(x²) without a bias and
    [[mean(x²), mean(x)], [mean(x), 1]] with one. Plain gradient descent is stable while
    lr·2λ < 2, λ the largest eigenvalue of M: lr < 1/λ. Heavy-ball momentum β allows
    lr < (1 + β)/λ. With zero_grad off, .grad sums every gradient so far: the error follows
    e' = (2 − 2λ·lr)·e − e'', bounded (though never settling) while lr < 2/λ. The seeds'
    tutorial gradient is N times too large, and so is its λ.
    """
    if config.optimizer not in ("sgd", "momentum") or config.nesterov:
        return None
    x = np.asarray(config.dataset.x, dtype=np.float64)
    batches = _batches(config, x)
    largest = max(curvature(x[b], config.has_bias) for b in batches)
    what = "λmax of [[mean x², mean x], [mean x, 1]]" if config.has_bias else "mean(x²)"
    if config.grad_formula == "tutorial":
        largest *= max(len(b) for b in batches)  # a batch's sum is its size times its mean
        what = f"N·{what}"
    if config.weight_decay:  # the penalty L·w adds L/2 to M's eigenvalues
        largest += config.weight_decay / 2
        what = f"{what} + weight_decay/2"
    over = what if what == "mean(x²)" else f"({what})"  # 1/(N·mean(x²)), not 1/N·mean(x²)
    worst = " of the worst batch" if config.batched else ""
    if config.optimizer == "momentum":
        if not config.zero_grad:
            return None  # momentum over an accumulating .grad: no closed form worth telling
        beta = config.momentum
        return StableRate((1 + beta) / largest, f"(1 + momentum {beta:g})/{over}{worst}")
    if not config.zero_grad:
        return StableRate(2 / largest, f"2/{over}{worst}, while .grad accumulates")
    return StableRate(1 / largest, f"1/{over}{worst}")


def _batches(config: RunConfig, x: np.ndarray) -> list[np.ndarray]:
    """The batches whose curvature bounds the rate (each batch's step is stable below 1/λ of
    that batch): all the points with the full batch; the epoch's slices, in order; shuffled,
    the draws with the largest mean(x²), the B points (and, for a smaller last batch, the
    fewer) with the largest x²."""
    n, size = len(x), config.batch
    if not config.batched:
        return [np.arange(n)]
    if not config.shuffle:
        return [np.arange(start, min(start + size, n)) for start in range(0, n, size)]
    ranked = np.argsort(-(x * x), kind="stable")
    sizes = {size, n - size * (n // size) or size}
    return [ranked[:k] for k in sorted(sizes)]


def divergence_hint(config: RunConfig, epoch: int, flag: str = "lr") -> str:
    """What to change, for a run of ``config`` that diverged at ``epoch``: the starting value
    when epoch 1's loss (at the initial parameters, before any update) already overflowed,
    else the rate, with the largest stable one when there is a formula for it. ``flag``
    names the rate as the reader sets it (``--lr`` on the command line)."""
    if epoch == 1 and initial_loss(config) > FLOAT32_MAX:
        prefix = "--" if flag.startswith("--") else ""
        named = [
            f"{prefix}{name} = {value:g}"
            for name, value in (("w0", config.w0), ("b0", config.b0))
            if value is not None and abs(value) > 1
        ]
        start = " and ".join(named) or "starting point"
        return (
            f"the initial {start} puts the first loss beyond float32's {FLOAT32_MAX:.2g}, "
            f"before any update: start nearer the data's scale"
        )
    rate = stable_lr(config)
    if rate is None:
        return f"try a smaller {flag}"
    if config.lr > rate.lr:
        largest = f"{rate.lr:.4g}, the largest stable rate here ({rate.why})"
        return f"{flag} {config.lr:g} is above {largest}"
    return f"try a smaller {flag} (the largest stable one here is {rate.lr:.4g}, {rate.why})"
