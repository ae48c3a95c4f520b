"""Learning-rate schedules: the rate each epoch uses, from the base rate and the epoch.

Applied the same way to every variant (through ``Trainer.set_lr`` before each epoch), so the
variants stay comparable; each record's ``lr`` is the rate that epoch used.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gdtui.core.config import RunConfig
    from gdtui.core.trainers.base import Trainer

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


def apply_schedule(trainer: Trainer, config: RunConfig) -> None:
    """Set the rate of the trainer's next epoch (nothing to do for a constant rate)."""
    if config.schedule != "constant":
        trainer.set_lr(scheduled_lr(config.schedule, config.lr, trainer.epoch + 1, config.epochs))
