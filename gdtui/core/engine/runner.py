"""Runs one run's trainer in stretches of epochs and decides when the run stops: the part of
a session that does the arithmetic.

It lives in the training process (see :mod:`gdtui.core.process.child`), so the UI never
waits for it and it never waits for the UI; ``gdtui run`` and compare mode run it directly.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from gdtui.core.engine.columns import RecordColumns
from gdtui.core.engine.divergence import WINDOW, DivergenceWatch
from gdtui.core.engine.record import GRAD_VALUE, EpochRecord
from gdtui.core.engine.stops import RunState, Stop, stop_reason
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.changes import MidRunChange, live_changes
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.fields import MARKED

if TYPE_CHECKING:
    from gdtui.core.engine.lines import ExplainedLine, LineRunner


@dataclasses.dataclass(frozen=True)
class Stretch:
    """Epochs run in one go, tagged with the run they belong to; ``optimizer_state`` is the
    optimizer's own state after the last of them, ``stop`` how the run stopped with them."""

    run_id: int
    records: Sequence[EpochRecord]
    """The epochs' records, in order (as :class:`~gdtui.core.engine.columns.RecordColumns`
    from :meth:`Runner.run`: the history takes them a column at a time)."""
    optimizer_state: dict[str, float] = dataclasses.field(default_factory=dict)
    stop: Stop | None = None
    initial: tuple[float, float | None] | None = None
    """(w, b) before epoch 1, in the stretch that starts the run (gradient checks need them)."""
    changes: tuple[tuple[int, str], ...] = ()
    """Settings changed mid-run that took effect in this stretch: (the first epoch that used
    the new value, "lr 0.01 -> 0.02"), for the chart's markers."""
    request: int = 0
    """The number of the request this stretch answers (0: a slice of a run going flat out)."""
    after: int = 0
    """How many commands the training process had obeyed when it ran this slice of a run
    (so a recording can place it among the keys: :mod:`gdtui.core.lessons.recorder`)."""
    updates: Sequence[EpochRecord] = dataclasses.field(default_factory=list)
    """With mini-batches, the record of every update of ``records``' epochs, in order
    (each epoch's last is its record); empty with the full batch, where they are
    ``records``."""
    applied: tuple[MidRunChange, ...] = ()
    """The live settings the run took on since the last stretch, each with the place in the
    run where it did (where the training process was when it applied them), so that an
    export can say exactly what ran with what."""
    more: bool = False
    """More stretches answer the same request (a request for more epochs than a stretch
    holds: see :data:`MAX_STRETCH_UPDATES`)."""


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


MAX_TIMED_BLOCK = 4096
"""The most epochs a timed stretch runs as one compiled block between looks at the clock."""
MAX_STRETCH_UPDATES = 1 << 16
"""The most update records a stretch holds (about 20 MB; one epoch's, when an epoch has more):
a stretch asked for more epochs than that ends early, and its caller asks for the rest, so
that no run holds a record per update of all its epochs at once (a thousand epochs of a batch
of one over 100,000 points are 10⁸)."""


def _marker(key: str, old: object, new: object) -> str:
    if key == "zero_grad":
        return f"zero_grad {'on' if new else 'off'}"
    shown = (f"{v:g}" if isinstance(v, float) else str(v) for v in (old, new))
    return f"{key} {' -> '.join(shown)}"


class Runner:
    """The trainer of one run, created on first use, and the settings it runs under: the one
    place that runs trainers and decides that a run stops (the app's training process,
    ``gdtui run`` and compare mode all run through it).

    A run found diverging stops there once (:attr:`RunState.DIVERGING`); running it again
    goes on, to the end or to inf, unless the rate changes, which watches it afresh.

    A ``script`` (a settings file's changes mid-run) is applied where each change came in the
    run it replays: its epoch (after its lines); a stop before a change the script still holds
    does not end the run, since the run replayed went on. Changing a setting ends the
    script."""

    def __init__(
        self, config: RunConfig, run_id: int = 0, script: Sequence[MidRunChange] = ()
    ) -> None:
        self.config = config
        self.run_id = run_id
        self._script = deque(script)
        self._applied: list[MidRunChange] = []
        """Live settings taken on since the last stretch (see :attr:`Stretch.applied`)."""
        self._epoch_lines = 0
        """Lines of the epoch under way that have run (stepped line by line)."""
        self._trainer: Trainer | None = None
        self._finished = False
        self._pending: dict[str, tuple[object, object]] = {}
        """Live settings changed since the last epoch: key → (value before, value now)."""
        self._watch = DivergenceWatch()
        self._lines: LineRunner | None = None
        self._initial: tuple[float, float | None] | None = None
        self._line_changes: tuple[tuple[int, str], ...] = ()

    @property
    def trainer(self) -> Trainer:
        """The run's trainer (a torch variant imports torch on first use)."""
        if self._trainer is None:
            self._trainer = Trainer(self.config)
        return self._trainer

    @property
    def finished(self) -> bool:
        """Whether the last epoch run ended the run under the current settings."""
        return self._finished

    def apply(self, config: RunConfig) -> None:
        """Adopt live settings from the next epoch: zero_grad, and the learning rate, whose
        schedule's line the trainer rewrites whenever lr, schedule or epochs change. Ends a
        script (the run is no longer the one it replays)."""
        self._script.clear()
        self._adopt(config)

    def _adopt(self, config: RunConfig) -> None:
        old, self.config = self.config, config
        trainer = self._trainer
        values = live_changes(old, config)
        if values:
            epoch = 1 + (trainer.epoch if trainer is not None else 0)
            self._applied.append(MidRunChange(epoch, values, self._epoch_lines))
        if trainer is not None:
            if config.zero_grad != old.zero_grad:
                trainer.set_zero_grad(config.zero_grad)
            if (config.lr, config.schedule, config.epochs) != (old.lr, old.schedule, old.epochs):
                trainer.retune(config)
            if (config.lr, config.schedule) != (old.lr, old.schedule):
                self._watch.rearm()
            for key in MARKED:
                before, now = getattr(old, key), getattr(config, key)
                if before != now:
                    first = self._pending.get(key, (before, now))[0]
                    self._pending[key] = (first, now)
        self._finished = False

    def _take_applied(self) -> tuple[MidRunChange, ...]:
        applied, self._applied = tuple(self._applied), []
        return applied

    def _scripted(self, trainer: Trainer) -> tuple[tuple[int, str], ...]:
        """Apply the script's changes that are due where the trainer stands (any it has
        passed too); returns their chart markers."""
        script = self._script
        changes: tuple[tuple[int, str], ...] = ()
        here = (trainer.epoch + 1, self._epoch_lines)
        while script and (script[0].epoch <= trainer.epoch or script[0].at <= here):
            change = script.popleft()
            self._adopt(self.config.replace(**change.values))
            changes += self._take_changes(trainer)
        return changes

    def _mid_epoch_change(self, trainer: Trainer) -> bool:
        """Whether the script changes settings partway through the next epoch."""
        script = self._script
        return bool(script) and script[0].epoch == trainer.epoch + 1 and script[0].lines > 0

    def _epoch_by_lines(self, trainer: Trainer) -> tuple[EpochRecord, tuple[tuple[int, str], ...]]:
        """Run the rest of the epoch a line at a time, applying the script's changes at their
        lines; its record and their markers."""
        changes: tuple[tuple[int, str], ...] = ()
        while True:
            changes += self._scripted(trainer)
            record = trainer.run_line().record
            self._epoch_lines += 1
            if record is not None:
                self._epoch_lines = 0
                return record, changes

    def _carry_on(self, stop: Stop, last: EpochRecord, trainer: Trainer) -> Stop | None:
        """``stop``, or None where the run replayed went on past it: past a diverging pause
        while its script holds changes still to come, or past its end when the change at the
        next epoch lifts it (more epochs, another eps); that change is applied next."""
        script = self._script
        if not script or stop.state is RunState.DIVERGED:
            return stop
        if stop.state is not RunState.DIVERGING:
            next_epoch = (trainer.epoch + 1, 0)
            if script[0].at != next_epoch:
                return stop
            config = self.config
            for change in script:
                if change.at != next_epoch:
                    break
                config = config.replace(**change.values)
            if stop_reason(last, config.epochs, config.eps) is not None:
                return stop
        self._finished = False
        return None

    def _take_changes(self, trainer: Trainer) -> tuple[tuple[int, str], ...]:
        pending, self._pending = self._pending, {}
        if not trainer.epoch:
            return ()  # before the first epoch nothing has changed mid-run
        epoch = trainer.epoch + 1
        return tuple(
            sorted(
                (epoch, _marker(key, old, new)) for key, (old, new) in pending.items() if old != new
            )
        )

    def run(self, max_epochs: int, max_seconds: float = float("inf")) -> Stretch:
        """Run up to ``max_epochs`` epochs or for ``max_seconds``, stopping when the run ends,
        or once the stretch holds :data:`MAX_STRETCH_UPDATES` updates (then with fewer epochs
        than asked, and no stop)."""
        trainer = self.trainer
        initial = (trainer.w, trainer.b) if trainer.epoch == 0 else None
        changes = self._take_changes(trainer)
        timed = max_seconds != float("inf")
        start = time.perf_counter()
        deadline = start + max_seconds
        records, updates = RecordColumns(), RecordColumns()
        stop: Stop | None = None
        watch = self._watch
        left = max_epochs
        # Blocks of epochs run as compiled loops; each ends early at an epoch that may end
        # the run, which is judged here as every epoch would be one by one.
        block = 1 if timed else left
        per_epoch = trainer.config.batches if trainer.program.batched else 1
        most = max(1, MAX_STRETCH_UPDATES // per_epoch)  # epochs, one at least
        while left > 0:
            changes += self._scripted(trainer)
            if trainer.position or self._mid_epoch_change(trainer):  # mid-epoch: by lines
                record, marked = self._epoch_by_lines(trainer)
                ran, changes = RecordColumns.of([record]), changes + marked
                more = RecordColumns.of(trainer.updates if trainer.program.batched else ())
            else:
                epochs, eps, ceiling = self.config.epochs, self.config.eps, watch.ceiling
                size = 1 if ceiling is None else min(block, left, max(1, epochs - trainer.epoch))
                size = min(size, max(1, most - len(records)))
                if self._script:  # the block ends before the next change
                    size = max(1, min(size, self._script[0].epoch - 1 - trainer.epoch))
                ran, more = trainer.run(size, eps, math.inf if ceiling is None else ceiling)
            left -= len(ran)
            last = ran[-1]
            # The watch looks at no more than the last WINDOW + 1 epochs it catches up on.
            watch.catch_up_losses(ran.epoch_losses(max(0, len(ran) - WINDOW - 2))[:-1])
            if records:
                records.extend(ran)
                updates.extend(more)
            else:  # the first block's columns are the stretch's
                records, updates = ran, more
            stop = self._judge(last)
            if stop is not None and stop.record is not None:  # diverged: not kept
                records.truncate(len(records) - 1)
                updates.truncate(len(updates) - last.batch if len(updates) else 0)
                break
            if stop is not None:
                stop = self._carry_on(stop, last, trainer)
            if stop is not None or len(records) >= most:
                break
            if timed:
                now = time.perf_counter()
                if now > deadline:
                    break
                # As many epochs as fit in the slice's time left, at the pace so far.
                pace = (now - start) / len(records)
                block = max(1, min(MAX_TIMED_BLOCK, int((deadline - now) / pace)))
        return Stretch(
            self.run_id,
            records,
            trainer.optimizer_state(),
            stop,
            initial,
            changes,
            updates=updates,
            applied=self._take_applied(),
        )

    def _judge(self, record: EpochRecord) -> Stop | None:
        """Whether the run stops at ``record``, as every epoch is judged, whether it came
        from a block, an epoch or a line."""
        config = self.config
        reason = stop_reason(record, config.epochs, config.eps)
        if reason is RunState.DIVERGED:
            stop: Stop | None = Stop(reason, record.epoch, record=record)
        elif reason is not None:
            stop = Stop(reason, record.epoch, eps=config.eps)
        elif (diverging := self._watch.observe(record)) is not None:
            stop = Stop(RunState.DIVERGING, record.epoch, diverging=diverging)
        else:
            stop = None
        self._finished = stop is not None and stop.ended
        return stop

    def run_line(self) -> tuple[ExplainedLine, Stretch | None]:
        """Run the next line of the loop; the epoch's stretch too when it was the last line
        (judged as :meth:`run` judges an epoch: the same record, the same stops)."""
        from gdtui.core.engine.lines import LineRunner

        trainer = self.trainer
        if trainer.epoch == 0 and trainer.position == 0:
            self._initial = (trainer.w, trainer.b)
        if self._lines is None or self._lines.trainer is not trainer:
            self._lines = LineRunner(trainer)
        changes = self._take_changes(trainer) if trainer.position == 0 else ()
        self._line_changes += changes + self._scripted(trainer)
        line = self._lines.run()
        self._epoch_lines += 1
        record = line.record
        if record is None:
            return line, None
        self._epoch_lines = 0
        stop = self._judge(record)
        if stop is not None:
            stop = self._carry_on(stop, record, trainer)
        initial, self._initial = self._initial, None
        changes, self._line_changes = self._line_changes, ()
        records = [] if stop is not None and stop.record is not None else [record]
        updates = list(trainer.updates) if records and trainer.program.batched else []
        state = trainer.optimizer_state()
        stretch = Stretch(self.run_id, records, state, stop, initial, changes, updates=updates)
        return line, dataclasses.replace(stretch, applied=self._take_applied())

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
        self._trainer = trainer = Trainer(
            self.config.replace(lr=first_lr, zero_grad=first_zero_grad)
        )
        trainer.replaying(True)
        run_epoch, report = trainer.run_epoch, time.perf_counter() + every
        self._watch = watch = DivergenceWatch()  # told as the run was, so not told again
        record = None
        for epoch in range(1, plan.epochs + 1):
            setting = settings.get(epoch)
            if setting is not None:
                trainer.set_lr(setting[0])
                trainer.set_zero_grad(setting[1])
            record = run_epoch()
            watch.observe(record)
            if epoch % 256 == 0 and time.perf_counter() > report:
                progress(epoch)
                report = time.perf_counter() + every
        trainer.replaying(False)
        trainer.retune(self.config)
        trainer.set_zero_grad(self.config.zero_grad)
        self._finished, self._pending = False, {}
        while self._script and self._script[0].epoch <= plan.epochs:  # run already
            self._script.popleft()
        self._applied, self._epoch_lines = [], 0
        return record
