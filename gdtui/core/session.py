"""A training session: the run being watched, its history and state, and which settings can
change mid-run. The app drives one; a background thread steps it while the UI thread reads it.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from enum import Enum

from gdtui.core.config import RunConfig
from gdtui.core.history import RunHistory
from gdtui.core.record import EpochRecord, predict_at
from gdtui.core.run import StopReason, divergence_message, stop_reason
from gdtui.core.trainers import create_trainer
from gdtui.core.trainers.base import Trainer

LIVE_FIELDS = frozenset({"lr", "zero_grad", "epochs", "eps", "predict"})
"""Settings that change a run in place from the next epoch; any other change resets it."""


class RunState(Enum):
    """Where a run stands, as the status line tells it."""

    READY = "ready"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CONVERGED = "converged"
    DIVERGED = "diverged"


def changed_fields(old: RunConfig, new: RunConfig) -> list[str]:
    """The names of the settings that differ, in declaration order."""
    return [f.name for f in dataclasses.fields(RunConfig) if getattr(old, f.name) != getattr(new, f.name)]


def needs_reset(old: RunConfig, new: RunConfig) -> bool:
    """Whether going from ``old`` to ``new`` must start the run again."""
    return bool(set(changed_fields(old, new)) - LIVE_FIELDS)


@dataclasses.dataclass(frozen=True)
class Batch:
    """Epochs stepped by a worker in one go, tagged with the run they belong to."""

    run_id: int
    records: list[EpochRecord]
    optimizer_state: dict[str, float] = dataclasses.field(default_factory=dict)
    stop: StopReason | None = None
    diverged: EpochRecord | None = None


class TrainingSession:
    """One run at a time: its configuration, trainer, history and state.

    :meth:`step_batch` may run on a worker thread; everything else belongs to the thread that
    owns the session and never waits for a worker. The trainer is touched only under ``lock``;
    a change of learning rate or zero_grad is handed over and applied before the next epoch,
    never inside one.
    """

    def __init__(self, config: RunConfig) -> None:
        self.lock = threading.Lock()
        self.run_id = 0
        self.config = config
        self.history = RunHistory(has_bias=config.has_bias)
        self.state = RunState.READY
        self.message = ""
        self._trainer: Trainer | None = None
        self._new_run(config)

    def _new_run(self, config: RunConfig) -> None:
        with self.lock:
            self.run_id += 1
            self.config = config
            self._trainer = None
            self.history = RunHistory(has_bias=config.has_bias)
            self.state = RunState.READY
            self.message = ""
            self.diverged: EpochRecord | None = None
            self.optimizer_state: dict[str, float] = {}
            self._pending: RunConfig | None = None

    def reset(self, config: RunConfig | None = None) -> None:
        """Start again from epoch 0, with ``config`` if given."""
        self._new_run(config or self.config)

    def apply(self, config: RunConfig) -> bool:
        """Adopt ``config``: live settings change the run in place; returns True if it reset."""
        if needs_reset(self.config, config):
            self.reset(config)
            return True
        self.config = self._pending = config
        if self.state in (RunState.DONE, RunState.CONVERGED):
            if stop_reason_for(self.last_record, config) is None:
                self.state = RunState.PAUSED
        return False

    @property
    def epoch(self) -> int:
        """Epochs completed and kept in the history."""
        return len(self.history)

    @property
    def last_record(self) -> EpochRecord | None:
        """The latest epoch, or None before the first."""
        return self.history.record(-1) if len(self.history) else None

    @property
    def finished(self) -> bool:
        """True once the run is done, has converged or has diverged."""
        return self.state in (RunState.DONE, RunState.CONVERGED, RunState.DIVERGED)

    def trainer(self) -> Trainer:
        """The run's trainer, created on first use (a torch variant waits for torch)."""
        if self._trainer is None:
            self._trainer = create_trainer(self.config)
        return self._trainer

    def step_batch(
        self,
        run_id: int,
        max_epochs: int,
        max_seconds: float,
        cancelled: Callable[[], bool] = lambda: False,
        deliver: Callable[[Batch], None] = lambda batch: None,
    ) -> Batch:
        """Step up to ``max_epochs`` epochs or ``max_seconds``, whichever ends first; stops early
        when the run ends or ``cancelled()`` turns true. Safe to call from a worker thread.

        ``deliver`` is called with the batch before the lock is released, so batches from two
        workers (one cancelled, one just started) arrive in the order they were stepped.
        """
        with self.lock:
            batch = self._step_locked(run_id, max_epochs, max_seconds, cancelled)
            deliver(batch)
        return batch

    def _step_locked(
        self, run_id: int, max_epochs: int, max_seconds: float, cancelled: Callable[[], bool]
    ) -> Batch:
        records: list[EpochRecord] = []
        if run_id != self.run_id:
            return Batch(run_id, records)
        trainer = self.trainer()
        config = self.config
        deadline = time.perf_counter() + max_seconds
        start = trainer.epoch
        reason: StopReason | None = None
        while trainer.epoch - start < max_epochs:
            if self._pending is not None:
                config, self._pending = self._pending, None
                if trainer.lr != config.lr:
                    trainer.set_lr(config.lr)
                if trainer.zero_grad != config.zero_grad:
                    trainer.set_zero_grad(config.zero_grad)
            record = trainer.step()
            reason = stop_reason(record, config.epochs, config.eps)
            if reason is StopReason.DIVERGED:
                return Batch(run_id, records, trainer.optimizer_state(), reason, record)
            records.append(record)
            if reason is not None or cancelled() or time.perf_counter() > deadline:
                break
        return Batch(run_id, records, trainer.optimizer_state(), reason)

    def accept(self, batch: Batch) -> bool:
        """Add a worker's batch to the history (on the owning thread); False if it is stale."""
        if batch.run_id != self.run_id:
            return False
        self.history.extend(batch.records)
        self.optimizer_state = batch.optimizer_state
        if batch.stop is StopReason.DIVERGED:
            assert batch.diverged is not None
            self.state = RunState.DIVERGED
            self.diverged = batch.diverged
            self.message = divergence_message(batch.diverged)
        elif batch.stop is StopReason.CONVERGED:
            self.state = RunState.CONVERGED
            self.message = f"converged at epoch {self.epoch}: loss < eps = {self.config.eps:g}"
        elif batch.stop is StopReason.DONE:
            self.state = RunState.DONE
            self.message = f"done: {self.epoch} epochs"
        return True

    def predict(self, x: float) -> float | None:
        """f(x) with the latest parameters, or None before the first epoch."""
        record = self.last_record
        return None if record is None else predict_at(record.w, record.b, x)


def stop_reason_for(record: EpochRecord | None, config: RunConfig) -> StopReason | None:
    """Whether a run that reached ``record`` is over under ``config``."""
    return None if record is None else stop_reason(record, config.epochs, config.eps)
