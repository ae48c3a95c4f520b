"""The run being watched: its settings, history and state, and which settings can change
mid-run. The app owns one; batches of epochs arrive from the training process."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from gdtui.core.engine.divergence import divergence_hint, diverging_message
from gdtui.core.engine.record import EpochRecord, predict_at
from gdtui.core.engine.runner import Batch, ReplayPlan
from gdtui.core.engine.stops import StopReason, divergence_message, stop_reason
from gdtui.core.run.deltas import Step, steps
from gdtui.core.run.history import RunHistory
from gdtui.core.settings.config import RunConfig, changed_fields
from gdtui.core.settings.fields import LIVE_FIELDS, setting_words, shown_value

if TYPE_CHECKING:
    from gdtui.core.engine.graph import GraphNode
    from gdtui.core.engine.lines import LineStep


class RunState(Enum):
    """Where a run stands, as the status line tells it."""

    READY = "ready"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CONVERGED = "converged"
    DIVERGED = "diverged"
    DIVERGING = "diverging"
    """Paused where the loss was found growing geometrically; running again goes on."""


FINISHED = frozenset({RunState.DONE, RunState.CONVERGED, RunState.DIVERGED})


def describe_changes(old: RunConfig, new: RunConfig) -> list[str]:
    """``gradient tutorial (was mean)`` for each setting that differs, in the form's words."""
    return [
        f"{setting_words(name, getattr(new, name))} (was {shown_value(getattr(old, name))})"
        for name in changed_fields(old, new)
    ]


def needs_reset(old: RunConfig, new: RunConfig) -> bool:
    """Whether going from ``old`` to ``new`` must start the run again."""
    return bool(set(changed_fields(old, new)) - LIVE_FIELDS)


class TrainingSession:
    """One run at a time: settings, history and state. Each reset starts a new ``run_id``, and
    batches tagged with an older one are ignored, so nothing from an old run shows."""

    def __init__(self, config: RunConfig) -> None:
        self.run_id = 0
        self.config = config
        self.reset(config)

    def reset(self, config: RunConfig | None = None) -> None:
        """Start again from epoch 0, with ``config`` if given."""
        self.run_id += 1
        self.config = config or self.config
        self.history = RunHistory(has_bias=self.config.has_bias, batched=self.config.batched)
        self.state = RunState.READY
        self.message = ""
        self.hint = ""
        """What to change, once the run diverges (see :func:`divergence_hint`)."""
        self.diverging_since: int | None = None
        """The epoch the run was found diverging at, until the rate changes."""
        self.changes: list[tuple[int, str]] = []
        """Where settings changed mid-run, as the training process applied them: (the first
        epoch with the new value, a label), for the chart's markers and the export's note."""
        self.optimizer_state: dict[str, float] = {}
        self.initial: tuple[float, float | None] | None = None
        """(w, b) before epoch 1, once the first batch has arrived."""
        self.cursor: int | None = None
        """The epoch being looked at when stepping back through history; None: the latest."""
        self.line: LineStep | None = None
        """The line of the loop run last when stepping lines; None between epochs."""
        self.graph: GraphNode | None = None
        """The autograd graph of the last ``backward()`` stepped, and its epoch."""
        self.graph_epoch = 0

    def apply(self, config: RunConfig) -> bool:
        """Adopt ``config``: live settings change the run in place; returns True if it reset."""
        if needs_reset(self.config, config):
            self.reset(config)
            return True
        old, self.config = self.config, config
        last = self.last_record
        reason = None if last is None else stop_reason(last, config.epochs, config.eps)
        new_rate = (old.lr, old.schedule) != (config.lr, config.schedule)
        if new_rate:  # the training process watches the new rate afresh
            self.diverging_since = None
            if self.state is RunState.DIVERGING:
                self.state = RunState.PAUSED
                self.message = self.hint = ""
        if self.state in (RunState.DONE, RunState.CONVERGED) and reason is None:
            self.state = RunState.PAUSED
            self.message = ""
        elif not self.finished and reason is not None:
            self._finish(reason)  # epochs or eps now end the run where it stands
        return False

    def refusal(self, config: RunConfig) -> tuple[str, str] | None:
        """(field, why) if ``config`` cannot apply to this run in place: fewer epochs than
        it has already run. None if it can (or if it resets the run anyway)."""
        if not needs_reset(self.config, config) and config.epochs < self.epoch:
            return (
                "epochs",
                f"the run is at epoch {self.epoch}: give {self.epoch} or more, "
                "or reset it (r) first",
            )
        return None

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
        return self.state in FINISHED

    @property
    def viewed_epoch(self) -> int:
        """The epoch the panes show: the cursor's, or the latest."""
        return self.epoch if self.cursor is None else self.cursor

    @property
    def viewed_record(self) -> EpochRecord | None:
        """The record the panes show, or None before the first epoch."""
        epoch = self.viewed_epoch
        return self.history.record(epoch - 1) if epoch else None

    def viewed_steps(self, count: int) -> list[Step]:
        """The last ``count`` updates up to the epoch in view, oldest first, each with the
        parameters before it: one an epoch with the full batch, every batch's with
        mini-batches."""
        history, end = self.history, self.viewed_epoch
        if history.updates is not None:  # the epoch's row is its last update's
            history, end = history.updates, self.history.record(end - 1).step if end else 0
            if 0 < end <= history.kept_from:  # summarised: the epoch's row stands for them
                return [Step(self.history.record(self.viewed_epoch - 1), None, None)]
        return steps(history, self.initial, count, end)

    def move_cursor(self, step: int) -> None:
        """Look ``step`` epochs back (negative) or forward; reaching the latest follows it."""
        if not self.epoch:
            return
        epoch = max(1, min(self.epoch, self.viewed_epoch + step))
        self.cursor = None if epoch == self.epoch else epoch

    def replay_plan(self) -> ReplayPlan:
        """How a new training process steps this run again to where it stands."""
        return ReplayPlan.of(self.history.column("lr"), self.history.column("grad_state"))

    def accept_line(self, run_id: int, step: LineStep, batch: Batch | None) -> bool:
        """A line of the loop has run (and its epoch's batch, after the last line); False if
        it is from an old run."""
        if run_id != self.run_id or (batch is not None and not self.accept(batch)):
            return False
        self.line = step
        if step.graph is not None:
            self.graph, self.graph_epoch = step.graph, self.epoch + (step.record is None)
        return True

    def accept(self, batch: Batch) -> bool:
        """Add a batch to the history; False (and nothing changes) if it is from an old run."""
        if batch.run_id != self.run_id:
            return False
        self.line = None  # whole epochs: the loop stands at the start of the next one
        self.history.extend(batch.records)
        if batch.updates:
            self.history.extend_updates(batch.updates)
        self.changes += batch.changes
        self.optimizer_state = batch.optimizer_state
        if batch.initial is not None:
            self.initial = batch.initial
        if batch.stop is StopReason.DIVERGED:
            assert batch.diverged is not None
            self.state = RunState.DIVERGED
            self.message = divergence_message(batch.diverged)
            self.hint = divergence_hint(self.config, batch.diverged.epoch)
        elif batch.stop is StopReason.DIVERGING:
            assert batch.diverging is not None
            self.state = RunState.DIVERGING
            self.diverging_since = batch.diverging.epoch
            self.message = diverging_message(batch.diverging)
            self.hint = divergence_hint(self.config, batch.diverging.epoch)
        elif batch.stop is not None:
            self._finish(batch.stop)
        return True

    def _finish(self, reason: StopReason) -> None:
        if reason is StopReason.CONVERGED:
            self.state = RunState.CONVERGED
            self.message = f"converged at epoch {self.epoch}: loss < eps = {self.config.eps:g}"
        elif reason is StopReason.DONE:
            self.state = RunState.DONE
            self.message = f"done: {self.epoch} epochs"
            if self.diverging_since is not None:
                self.message += f", diverging since epoch {self.diverging_since}"

    @property
    def lr_varies(self) -> bool:
        """Whether the rate changes during the run: under a schedule, or changed mid-run."""
        return self.config.schedule != "constant" or any(
            label.startswith(("lr ", "schedule ")) for _, label in self.changes
        )

    def predict(self, x: float) -> float | None:
        """f(x) with the parameters of the epoch being viewed, or None before the first epoch."""
        record = self.viewed_record
        return None if record is None else predict_at(record.w, record.b, x, self.config.dtype)
