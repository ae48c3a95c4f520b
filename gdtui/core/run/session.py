"""The run being watched: its settings, history and state, the view in sight, and the one
call that changes it (:meth:`TrainingSession.change`).

A session tells its training process what to do through a
:class:`~gdtui.core.run.ports.TrainerPort` (in the app, the supervisor, which keeps a usable
process), and tells its :class:`~gdtui.core.run.ports.Listener` objects what was done to it
(the recorder, a lesson's player). Stretches of epochs come back from the training process to
:meth:`TrainingSession.accept`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gdtui.core.engine.divergence import divergence_hint
from gdtui.core.engine.model import predict_at
from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.runner import ReplayPlan, Stretch
from gdtui.core.engine.stops import ENDED, RunState, Stop, stop_reason
from gdtui.core.run.deltas import Delta, deltas
from gdtui.core.run.history import RunHistory
from gdtui.core.run.ports import Listener as Listener  # where the app and lessons import it
from gdtui.core.run.ports import TrainerPort, Unattached
from gdtui.core.settings.changes import MidRunChange
from gdtui.core.settings.config import ConfigError, RunConfig, changed_fields, config_from_options
from gdtui.core.settings.fields import BY_KEY, LIVE_FIELDS, setting_value, setting_words

if TYPE_CHECKING:
    from gdtui.core.engine.graph import GraphNode
    from gdtui.core.engine.lines import ExplainedLine
    from gdtui.core.run.gradcheck import GradCheck

VIEWS: tuple[str, ...] = ("loss", "data", "landscape", "code")
"""What a run can be watched through, in the order ``g`` goes through them: the loss chart,
the data and the fit, the loss landscape, the code."""


def describe_changes(old: RunConfig, new: RunConfig) -> list[str]:
    """``gradient tutorial (was mean)`` for each setting that differs, in the form's words; a
    setting left to the variant as the form showed it: ``bias on (was off)``."""
    return [
        f"{setting_words(name, _shown(name, new))} (was {setting_value(name, _shown(name, old))})"
        for name in changed_fields(old, new)
    ]


def _shown(name: str, config: RunConfig) -> object:
    """Setting ``name``'s value as the form shows it for ``config``."""
    field = BY_KEY.get(name)
    return getattr(config, name) if field is None else field.value(config)


def needs_reset(old: RunConfig, new: RunConfig) -> bool:
    """Whether going from ``old`` to ``new`` must start the run again."""
    return bool(set(changed_fields(old, new)) - LIVE_FIELDS)


@dataclass(frozen=True)
class Change:
    """What :meth:`TrainingSession.change` did: refused (``errors``, a reason per setting),
    nothing (the settings were those already), carried the run on with the new settings, or
    started it again (``restarted``)."""

    old: RunConfig
    new: RunConfig
    errors: Mapping[str, str] = field(default_factory=dict)
    restarted: bool = False
    dropped: tuple[MidRunChange, ...] = ()
    """A settings file's changes that were still to come: this change ended their replay."""

    @property
    def applied(self) -> bool:
        """Whether the settings are now ``new`` (nothing was refused)."""
        return not self.errors

    @property
    def words(self) -> str:
        """``learning rate 0.02 (was 0.01); zero_grad off (was on)``."""
        return "; ".join(describe_changes(self.old, self.new))


class TrainingSession:
    """One run at a time: settings, history and state. Each reset starts a new ``run_id``, and
    stretches tagged with an older one are ignored, so nothing from an old run shows."""

    def __init__(
        self,
        config: RunConfig,
        trainer: TrainerPort | None = None,
        script: Sequence[MidRunChange] = (),
    ) -> None:
        self.run_id = 0
        self.config = config
        self.trainer: TrainerPort = trainer if trainer is not None else Unattached()
        self.listeners: list[Listener] = []
        self.view = VIEWS[0]
        """The view in sight (one of :data:`VIEWS`)."""
        self._reset(config, tuple(script))

    def _reset(self, config: RunConfig, script: tuple[MidRunChange, ...] = ()) -> None:
        """Start again from epoch 0 with ``config`` (the training process is not told)."""
        self.run_id += 1
        self.config = config
        self.start = config
        """The settings the run started with (what changed mid-run is in :attr:`applied`)."""
        self.applied: list[MidRunChange] = []
        """The live settings the run took on mid-run, each where the training process did."""
        self.script = script
        """A settings file's changes mid-run that this run replays, which the training
        process applies where they came; dropped once a setting is changed here."""
        self.history = RunHistory(has_bias=config.has_bias, batched=config.batched)
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
        """(w, b) before epoch 1, once the first stretch has arrived."""
        self.cursor: int | None = None
        """The epoch being looked at when stepping back through history; None: the latest."""
        self.line: ExplainedLine | None = None
        """The line of the loop run last when running lines; None between epochs."""
        self.graph: GraphNode | None = None
        """The autograd graph of the last ``backward()`` run by lines, and its epoch."""
        self.graph_epoch = 0
        self.line_check: GradCheck | None = None
        """The gradient check of the gradient of w computed by the lines run in the epoch
        the loop stands in (full batch only), once that line has run; else None."""
        self.line_start: float | None = None
        """w as the loop entered the epoch it stands in, when running lines."""

    # -- acting on the run ------------------------------------------------------------------

    def change(self, options: Mapping[str, Any] | RunConfig) -> Change:
        """The one way a run's settings change, whether from the form, a key, the palette, a
        lesson's step or a file read on a thread: ``options`` (settings as typed or read, on
        top of the settings as they stand; or a whole configuration) are validated, and
        refused with a reason for each setting at fault, or applied: in place from the next
        epoch when only live settings change, else by starting the run again. The training
        process and the listeners are told."""
        old = self.config
        if isinstance(options, RunConfig):
            new = options
        else:
            try:
                new = config_from_options(options, base=old)
            except ConfigError as error:
                return Change(old, old, error.errors)
        if new == old:
            return Change(old, new)
        restarted = needs_reset(old, new)
        if not restarted and new.epochs < self.epoch:
            why = f"the run is at epoch {self.epoch}: give {self.epoch} or more, or reset it (r)"
            return Change(old, old, {"epochs": f"{why} first"})
        to_come = self.script if restarted else [c for c in self.script if c.epoch > self.epoch]
        dropped = tuple(to_come)
        self.script = ()  # the run is no longer the one a file's changes replay
        if restarted:
            self._reset(new)
            self.trainer.reset(self.run_id, new)
        else:
            self._carry_on(old, new)
            self.trainer.apply(new)
            if self.finished:
                self.trainer.pause()  # the new epochs or eps end the run here
        change = Change(old, new, restarted=restarted, dropped=dropped)
        for listener in self.listeners:
            listener.changed(change, self.trainer.sent)
        return change

    def _carry_on(self, old: RunConfig, new: RunConfig) -> None:
        """Adopt live settings in place: a new rate is watched afresh; new epochs or eps may
        end the run where it stands, or let an ended one go on."""
        self.config = new
        last = self.last_record
        reason = None if last is None else stop_reason(last, new.epochs, new.eps)
        if (old.lr, old.schedule) != (new.lr, new.schedule):
            self.diverging_since = None
            if self.state is RunState.DIVERGING:
                self.state = RunState.PAUSED
                self.message = self.hint = ""
        if self.state in (RunState.DONE, RunState.CONVERGED) and reason is None:
            self.state = RunState.PAUSED
            self.message = ""
        elif not self.finished and reason is not None:  # epochs or eps end the run here
            self._stopped(Stop(reason, self.epoch, eps=new.eps))

    def restart(self, config: RunConfig | None = None) -> None:
        """Start the run again from epoch 0, with its settings as they stand (``r``) or with
        ``config`` (a lesson's own, valid already). A run replaying a file's changes starts
        again as the file has it."""
        if config is None and self.script:
            self._reset(self.start, self.script)
        else:
            self._reset(config or self.config)
        self.trainer.reset(self.run_id, self.config)
        for listener in self.listeners:
            listener.restarted(self.trainer.sent)

    def pause(self) -> None:
        """Stop running flat out (after the slice in progress)."""
        if self.state is RunState.RUNNING:
            self.trainer.pause()
            self.state = RunState.PAUSED

    def run(self) -> bool:
        """Run flat out; False if the run has ended or no training process can be had."""
        if self.finished or not self.trainer.run():
            return False
        self.state = RunState.RUNNING
        for listener in self.listeners:
            listener.ran_on(self.trainer.sent)
        return True

    def run_epochs(self, epochs: int) -> bool:
        """Run exactly ``epochs`` epochs (the rest of a partial one counts as one), paused;
        False if the run has ended or no training process can be had."""
        if not (self._paused_for_a_step() and self.trainer.run_epochs(epochs)):
            return False
        for listener in self.listeners:
            listener.ran_epochs(epochs, self.trainer.sent)
        return True

    def run_line(self) -> bool:
        """Run the next line of the loop, paused; False if the run has ended or no training
        process can be had."""
        if not (self._paused_for_a_step() and self.trainer.run_line()):
            return False
        for listener in self.listeners:
            listener.ran_line(self.trainer.sent)
        return True

    def _paused_for_a_step(self) -> bool:
        """Pause for a step (``n``, ``.``); False if the run has ended."""
        if self.finished:
            return False
        self.pause()
        self.state = RunState.PAUSED  # from READY too
        return True

    def show(self, view: str) -> None:
        """Bring ``view`` (one of :data:`VIEWS`) into sight."""
        if view != self.view:
            self.view = view
            for listener in self.listeners:
                listener.viewed(view, self.trainer.sent)

    def move_cursor(self, step: int) -> None:
        """Look ``step`` epochs back (negative) or forward; reaching the latest follows it."""
        if not self.epoch:
            return
        epoch = max(1, min(self.epoch, self.viewed_epoch + step))
        self.cursor = None if epoch == self.epoch else epoch

    # -- what the training process sends ---------------------------------------------------

    def accept(self, stretch: Stretch) -> bool:
        """Add a stretch of epochs to the history; False (and nothing changes) if it is from
        an old run."""
        if not self._add(stretch):
            return False
        if not stretch.request:  # a slice of the run going flat out
            for listener in self.listeners:
                listener.landed(stretch)
        return True

    def accept_line(self, run_id: int, line: ExplainedLine, stretch: Stretch | None) -> bool:
        """A line of the loop has run (and its epoch's stretch, after the last line); False if
        it is from an old run."""
        if run_id != self.run_id:
            return False
        from gdtui.core.run.gradcheck import check_line, parameters, penalty  # (at start-up: not)

        check, start = self.line_check, self.line_start
        if self.line is None or self.line.record is not None:  # a new epoch's first line
            check, start = None, parameters(line.values).get("w")
        if stretch is not None and not self._add(stretch):
            return False
        if not self.config.batched:
            check = check_line(line, self.config.dataset, penalty(self.config)) or check
        self.line, self.line_check, self.line_start = line, check, start
        if line.graph is not None:
            self.graph, self.graph_epoch = line.graph, self.epoch + (line.record is None)
        return True

    def _add(self, stretch: Stretch) -> bool:
        if stretch.run_id != self.run_id:
            return False
        self.line = self.line_check = self.line_start = None  # whole epochs: at the next one
        self.history.extend(stretch.records)
        if stretch.updates:
            self.history.extend_updates(stretch.updates)
        self.changes += stretch.changes
        self.applied += stretch.applied
        if self.script:  # the file's changes, applied by the training process
            self._replayed(stretch.applied)
        self.optimizer_state = stretch.optimizer_state
        if stretch.initial is not None:
            self.initial = stretch.initial
        if stretch.stop is not None:
            self._stopped(stretch.stop)
        return True

    def _replayed(self, applied: tuple[MidRunChange, ...]) -> None:
        for change in applied:
            old, self.config = self.config, self.config.replace(**change.values)
            if (old.lr, old.schedule) != (self.config.lr, self.config.schedule):
                self.diverging_since = None
            for listener in self.listeners:
                listener.changed(Change(old, self.config), self.trainer.sent)

    def _stopped(self, stop: Stop) -> None:
        self.state = stop.state
        self.message = stop.message
        if stop.state is RunState.DIVERGING:
            self.diverging_since = stop.epoch
        if stop.state in (RunState.DIVERGED, RunState.DIVERGING):
            self.hint = divergence_hint(self.config, stop.epoch)
        elif stop.state is RunState.DONE and self.diverging_since is not None:
            self.message += f", diverging since epoch {self.diverging_since}"

    # -- what it stands at ------------------------------------------------------------------

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
        return self.state in ENDED

    @property
    def ended_words(self) -> str:
        """What to tell a person who asks an ended run for more."""
        return f"{self.message}. Press r to reset, or raise the epochs."

    @property
    def viewed_epoch(self) -> int:
        """The epoch the panes show: the cursor's, or the latest."""
        return self.epoch if self.cursor is None else self.cursor

    @property
    def viewed_record(self) -> EpochRecord | None:
        """The record the panes show, or None before the first epoch."""
        epoch = self.viewed_epoch
        return self.history.record(epoch - 1) if epoch else None

    def viewed_deltas(self, count: int) -> list[Delta]:
        """The last ``count`` updates up to the epoch in view, oldest first, each with the
        parameters before it: one an epoch with the full batch, every batch's with
        mini-batches."""
        history, end = self.history, self.viewed_epoch
        if history.updates is not None:  # the epoch's row is its last update's
            history, end = history.updates, self.history.record(end - 1).step if end else 0
            if 0 < end <= history.kept_from:  # summarised: the epoch's row stands for them
                return [Delta(self.history.record(self.viewed_epoch - 1), None, None)]
        return deltas(history, self.initial, count, end)

    @property
    def line_step(self) -> float | None:
        """How far the lines run so far in this epoch have moved w; None before the update
        (or between epochs)."""
        if self.line is None or self.line_start is None:
            return None
        from gdtui.core.run.gradcheck import parameters

        w = parameters(self.line.values).get("w")
        return None if w is None or w == self.line_start else w - self.line_start

    def viewed_checks(self, count: int) -> list[list[GradCheck]]:
        """The gradient checks of the last ``count`` epochs up to the one in view, oldest
        first (none before the first stretch has told the starting parameters); with
        mini-batches, of each update's whole-data gradient (see
        :func:`~gdtui.core.run.gradcheck.check_full`), a list per row of
        :meth:`viewed_deltas`."""
        from gdtui.core.run.gradcheck import check_full, check_history, penalty  # (start-up: no)

        config = self.config
        if config.batched:  # each update's whole-data gradient, by the run's formula
            decay = penalty(config)
            return [check_full(d, config.dataset, decay) for d in self.viewed_deltas(count)]
        if self.initial is None:
            return [[] for _ in self.history.last(count, self.viewed_epoch)]
        checked = check_history(
            self.history, config.dataset, self.initial, count, self.viewed_epoch, penalty(config)
        )
        return [checks for _, checks in checked]

    def replay_plan(self) -> ReplayPlan:
        """How a new training process runs this run again to where it stands."""
        return ReplayPlan.of(self.history.column("lr"), self.history.column("grad_state"))

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
