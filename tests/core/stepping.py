"""The core's epochs stepped one at a time, with every update: what runs in blocks, and what
the app shows, are checked against it."""

from __future__ import annotations

from gdtui.core.config import RunConfig
from gdtui.core.record import EpochRecord
from gdtui.core.trainers import create_trainer


def one_by_one(config: RunConfig, epochs: int) -> tuple[list[EpochRecord], list[EpochRecord]]:
    """``epochs`` epochs of ``config``, one ``step()`` each: (their records, every update's)."""
    trainer = create_trainer(config)
    records: list[EpochRecord] = []
    updates: list[EpochRecord] = []
    for _ in range(epochs):
        records.append(trainer.step())
        updates += trainer.updates
    return records, updates
