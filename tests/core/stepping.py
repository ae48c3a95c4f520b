"""The core's epochs stepped one at a time, with every update: what runs in blocks, and what
the app shows, are checked against it."""

from __future__ import annotations

from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig


def one_by_one(config: RunConfig, epochs: int) -> tuple[list[EpochRecord], list[EpochRecord]]:
    """``epochs`` epochs of ``config``, one ``step()`` each: (their records, every update's)."""
    trainer = Trainer(config)
    records: list[EpochRecord] = []
    updates: list[EpochRecord] = []
    for _ in range(epochs):
        records.append(trainer.run_epoch())
        updates += trainer.updates
    return records, updates
