"""Learning-rate schedules: the rate each epoch uses, from the base rate and the epoch.

Applied the same way to every variant (the runner sets each epoch's rate through
``Trainer.set_lr``), so the variants stay comparable; each record's ``lr`` is the rate that
epoch used.
"""

from __future__ import annotations

import math

SCHEDULES: tuple[str, ...] = ("constant", "step", "exponential", "cosine")
"""``step`` halves the rate every quarter of the run; ``exponential`` decays it to 1/100 by
the last epoch; ``cosine`` anneals it to 0 along half a cosine."""


def scheduled_lr(schedule: str, lr: float, epoch: int, epochs: int) -> float:
    """The learning rate of ``epoch`` (from 1) in a run of ``epochs`` with base rate ``lr``."""
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
