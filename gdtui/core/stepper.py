"""Steps one run's trainer in batches: the part of a session that does the arithmetic.

It lives in the training process (see :mod:`gdtui.core.trainer_process`), so the UI never
waits for it and it never waits for the UI.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np

from gdtui.core.config import RunConfig
from gdtui.core.record import GRAD_VALUE, EpochRecord
from gdtui.core.run import StopReason, stop_reason
from gdtui.core.schedule import apply_schedule
from gdtui.core.trainers import create_trainer
from gdtui.core.trainers.base import Trainer


@dataclasses.dataclass(frozen=True)
class Batch:
    """Epochs stepped in one go, tagged with the run they belong to.

    ``diverged`` is the record of the epoch that went non-finite (not among ``records``);
    ``optimizer_state`` is the optimizer's own state after the last epoch.
    """

    run_id: int
    records: list[EpochRecord]
    optimizer_state: dict[str, float] = dataclasses.field(default_factory=dict)
    stop: StopReason | None = None
    diverged: EpochRecord | None = None
    initial: tuple[float, float | None] | None = None
    """(w, b) before epoch 1, in the batch that starts the run (gradient checks need them)."""


@dataclasses.dataclass(frozen=True)
class ReplayPlan:
    """How to step a run again, exactly: how many epochs, and at each epoch (from 1) whose
    learning rate or zero_grad differs from the epoch before, the values it used."""

    epochs: int
    at: np.ndarray
    lr: np.ndarray
    zero_grad: np.ndarray

    @classmethod
    def of(cls, lrs: np.ndarray, grad_states: np.ndarray) -> ReplayPlan:
        """The plan of a run whose epochs had these ``lr`` and ``grad_state`` columns."""
        zero_grads = grad_states != GRAD_VALUE  # .grad was cleared after the epoch
        changed = np.ones(len(lrs), dtype=bool)
        changed[1:] = (lrs[1:] != lrs[:-1]) | (zero_grads[1:] != zero_grads[:-1])
        index = np.flatnonzero(changed)
        return cls(len(lrs), index + 1, lrs[index].copy(), zero_grads[index].copy())


class Stepper:
    """The trainer of one run, created on first use, and the settings it runs under."""

    def __init__(self, config: RunConfig, run_id: int = 0) -> None:
        self.config = config
        self.run_id = run_id
        self._trainer: Trainer | None = None

    @property
    def trainer(self) -> Trainer:
        """The run's trainer (a torch variant imports torch on first use)."""
        if self._trainer is None:
            self._trainer = create_trainer(self.config)
        return self._trainer

    @property
    def finished(self) -> bool:
        """Whether the last epoch stepped ended the run under the current settings."""
        return self._finished

    _finished = False

    def apply(self, config: RunConfig) -> None:
        """Adopt live settings (learning rate, zero_grad, epochs, eps) from the next epoch."""
        old, self.config = self.config, config
        if self._trainer is not None:
            if config.lr != old.lr:
                self._trainer.set_lr(config.lr)
            if config.zero_grad != old.zero_grad:
                self._trainer.set_zero_grad(config.zero_grad)
        self._finished = False

    def step(self, max_epochs: int, max_seconds: float = float("inf")) -> Batch:
        """Step up to ``max_epochs`` epochs or for ``max_seconds``, stopping when the run ends."""
        trainer = self.trainer
        initial = (trainer.w, trainer.b) if trainer.epoch == 0 else None
        step = trainer.step
        epochs, eps = self.config.epochs, self.config.eps
        deadline = time.perf_counter() + max_seconds
        records: list[EpochRecord] = []
        append = records.append
        reason: StopReason | None = None
        diverged = None
        config = self.config
        scheduled = config.schedule != "constant"
        for _ in range(max_epochs):
            if scheduled:
                apply_schedule(trainer, config)
            record = step()
            reason = stop_reason(record, epochs, eps)
            if reason is StopReason.DIVERGED:
                diverged = record
                break
            append(record)
            if reason is not None or time.perf_counter() > deadline:
                break
        self._finished = reason is not None
        return Batch(self.run_id, records, trainer.optimizer_state(), reason, diverged, initial)

    def replay(
        self,
        plan: ReplayPlan,
        progress: Callable[[int], None] = lambda epoch: None,
        every: float = 0.2,
    ) -> EpochRecord | None:
        """Step a new trainer through ``plan``'s epochs with the settings each used, then adopt
        the current settings; returns the last record (None for an empty plan). Reports the
        epoch reached to ``progress`` every ``every`` seconds."""
        if not plan.epochs:
            return None
        values = zip(plan.lr.tolist(), plan.zero_grad.tolist(), strict=True)
        settings = dict(zip(plan.at.tolist(), values, strict=True))
        first_lr, first_zero_grad = settings[1]
        self._trainer = trainer = create_trainer(
            self.config.replace(lr=first_lr, zero_grad=first_zero_grad)
        )
        step, report = trainer.step, time.perf_counter() + every
        record = None
        for epoch in range(1, plan.epochs + 1):
            setting = settings.get(epoch)
            if setting is not None:
                trainer.set_lr(setting[0])
                trainer.set_zero_grad(setting[1])
            record = step()
            if epoch % 256 == 0 and time.perf_counter() > report:
                progress(epoch)
                report = time.perf_counter() + every
        trainer.set_lr(self.config.lr)
        trainer.set_zero_grad(self.config.zero_grad)
        self._finished = False
        return record
