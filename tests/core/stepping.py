"""The core's epochs stepped one at a time, with every update: what runs in blocks, and what
the app shows, are checked against it."""

from __future__ import annotations

from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.runner import Runner
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


class InProcess:
    """A session's training process, run in this process: what the app's child does with
    the same commands."""

    sent = 0

    def __init__(self) -> None:
        self.runner: Runner | None = None

    def reset(self, run_id: int, config: RunConfig) -> None:
        self.runner = Runner(config, run_id)

    def apply(self, config: RunConfig) -> None:
        assert self.runner is not None
        self.runner.apply(config)

    def pause(self) -> None:
        """Nothing runs on its own."""

    def run(self) -> bool:
        return True

    def run_epochs(self, epochs: int) -> bool:
        return True

    def run_line(self) -> bool:
        return True
