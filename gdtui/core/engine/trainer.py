"""The trainer: it executes a run's :class:`~gdtui.core.engine.program.Program`, the code the Code
pane shows, in a namespace of its own — a whole epoch at a time, or line by line. Every
variant is a program; there is no other implementation of the loop."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import CodeType
from typing import Any

import numpy as np

from gdtui.core.engine.columns import RecordColumns
from gdtui.core.engine.epoch_block import (
    BlockCode,
    EpochBlock,
    compile_block,
    no_cycle_collection,
    reader,
    snapshot,
    stacked,
)
from gdtui.core.engine.model import WholeData, points, predict_at
from gdtui.core.engine.program import BATCH, SCHEDULE, UPDATE, ZERO, Line, Program, build_program
from gdtui.core.engine.record import GRAD_VALUE, EpochRecord
from gdtui.core.settings.config import RunConfig


@dataclass(frozen=True)
class ExecutedLine:
    """What :meth:`Trainer.run_line` did: which loop line (an index into
    ``program.loop``), whether it was skipped, and the epoch's record once it was the last."""

    index: int
    skipped: bool
    record: EpochRecord | None = None


SetupWatcher = Callable[[int, dict[str, Any]], None]
"""Called after each setup line with its index and the namespace."""


def namespace(program: Program) -> dict[str, Any]:
    """A fresh namespace with what every program may assume imported: np (and torch, nn).
    math too, which a program imports in its setup when it needs it: a schedule switched on
    mid-run needs it without that setup having run."""
    names: dict[str, Any] = {"np": np, "math": math}
    if program.uses_torch:
        import torch
        from torch import nn

        names.update(torch=torch, nn=nn)
    return names


def _scalar(value: Any) -> float:
    """A one-element tensor, numpy scalar or float as a Python float."""
    return float(value.item() if hasattr(value, "item") else value)


def _compile(lines: list[str], name: str) -> CodeType:
    return compile("\n".join(lines) or "pass", name, "exec")


class Trainer:
    """Trains y ≈ w·x (+ b) by mean squared error: runs ``build_program(config)``, its setup
    once, then its loop many epochs per :meth:`run` (compiled as one loop, so that a run flat
    out pays no more than the code itself), one per :meth:`run_epoch` or one line per
    :meth:`run_line`.

    Each update's record is read right after the update line (the gradient it used, before
    the zeroing line clears it). With mini-batches the epoch's records are in
    :attr:`updates`, and :meth:`run_epoch` returns the last, which carries the full-data loss.
    Learning rate, schedule and zero_grad can change between epochs without a reset;
    anything else in the configuration needs a new trainer.
    """

    def __init__(self, config: RunConfig, on_setup: SetupWatcher | None = None) -> None:
        """``on_setup(index, names)`` is called after each setup line when given (the setup
        then runs line by line, for ``gdtui trace``)."""
        self.config = config
        self.epoch = 0
        """Epochs completed."""
        self.lr = config.lr
        self.zero_grad = config.zero_grad
        self.program = build_program(config)
        self.names = namespace(self.program)
        self.position = 0
        """The index of the loop line to run next; 0 between epochs."""
        self.batch = 0
        """The index in the epoch (from 0) of the batch the batch loop is on."""
        self.steps = 0
        """Updates made."""
        self.updates: list[EpochRecord] = []
        """The records of the updates of the epoch under way, or of the last one."""
        self.follow_schedule = True
        """Whether the schedule's lines run (a replay sets each epoch's rate itself)."""
        self._read: CodeType = compile(self._reader(config), "<record>", "eval")
        self._blocks: dict[tuple[bool, bool], EpochBlock] = {}
        """The whole-epoch blocks compiled so far, by (zero_grad, deferred)."""
        self.deferred = self.program.uses_torch and config.resolved_device == "cuda"
        """Whether :meth:`run` reads a block's values in one transfer at its end (on a GPU,
        where each read is a sync), undoing the epochs run past one that may end the run.
        The tests set it on the CPU, where the numbers are the same either way."""
        self._captured: tuple[float, ...] = ()
        self._binds: dict[int, CodeType] = {}
        setup = self.program.setup
        with self._own_generator():
            if on_setup is None:
                exec(_compile([line.code for line in setup], "<setup>"), self.names)
            else:
                for index, line in enumerate(setup):
                    exec(compile(line.code, f"<setup {index}>", "exec"), self.names)
                    on_setup(index, self.names)
        self._compile_loop()
        self._full_data = self._whole_data() if self.program.batched else None
        """With mini-batches, the whole data's gradient (one object all along: two blocks'
        columns whose gradients are still to be taken join as they are)."""
        self._before = (self.w, self.b) if self._full_data is not None else (0.0, None)
        """With mini-batches, the parameters before the next update (its full-data gradient
        is taken there)."""

    # The program as code objects -------------------------------------------------------

    def _compile_loop(self) -> None:
        program = self.program
        loop = program.loop
        self._lines = [
            compile(program.runs(line, 0), f"<line {i}>", "exec") for i, line in enumerate(loop)
        ]
        header = program.index(BATCH)
        self._header = -1 if header is None else header
        # The loop's body (the batch loop's, with batches) ends update, zeroing line: the
        # record is read between the two.
        self._zero = max(i for i, line in enumerate(loop) if line.role == ZERO)
        assert loop[self._zero - 1].role == UPDATE
        self._blocks = {}
        if header is None:
            runs = [line.code for line in loop[: self._zero] if not self._skips(line)]
            self._epoch = _compile(runs, "<epoch>")
            return
        head = [line.code for line in loop[:header] if not self._skips(line)]
        self._head = _compile(head, "<epoch head>")
        self._body = _compile([line.code for line in loop[header + 1 : self._zero]], "<batch>")
        self._tail = _compile([line.code for line in loop[self._zero + 1 :]], "<epoch tail>")

    def _skips(self, line: Line) -> bool:
        """Whether ``line`` does not run now: the zeroing line while zero_grad is off (or the
        schedule's lines during a replay)."""
        if line.role == ZERO:
            return not self.zero_grad
        return line.role == SCHEDULE and not self.follow_schedule

    def _reader(self, config: RunConfig) -> str:
        program = self.program
        pairs = zip(program.parameters, program.gradients, strict=True)
        return self._reader_of(["l", *(value for pair in pairs for value in pair)])

    def _reader_of(self, values: list[str]) -> str:
        """A tuple of ``values`` as Python floats, read from the model's device."""
        return reader(values, self.program.uses_torch, self.config.resolved_device == "cuda")

    @contextlib.contextmanager
    def _own_generator(self) -> Iterator[None]:
        """Seeding in the setup leaves torch's global generator as it was."""
        if not self.program.uses_torch:
            yield
            return
        import torch

        with torch.random.fork_rng(devices=[]):
            yield

    # Stepping ----------------------------------------------------------------------------

    def run_epoch(self) -> EpochRecord:
        """Run the rest of the epoch (all of it between epochs); return its record (with
        mini-batches, its last update's, with the full-data loss)."""
        if self.position:
            return self._finish_epoch()
        names = self.names
        if self._header < 0:
            exec(self._epoch, names)
            self._captured = eval(self._read, names)
            if self.zero_grad:
                exec(self._lines[self._zero], names)
            self.updates = [self._update()]
            return self._epoch_record()
        exec(self._head, names)
        self.updates = []
        for batch in range(len(names["batches"])):
            self.batch = batch
            exec(self._bind(batch), names)
            exec(self._body, names)
            self._captured = eval(self._read, names)
            self.updates.append(self._update())
            if self.zero_grad:
                exec(self._lines[self._zero], names)
        exec(self._tail, names)
        self.batch = 0
        return self._epoch_record()

    def run(
        self, epochs: int, eps: float, ceiling: float = math.inf
    ) -> tuple[RecordColumns, RecordColumns]:
        """Run up to ``epochs`` whole epochs (between epochs only): (their records, with
        mini-batches every update's, else none), as columns. It stops early after the first
        epoch whose record may end the run: a number not finite, the epoch's loss below
        ``eps``, or at or above ``ceiling``. The same numbers as :meth:`run_epoch` that many
        times; the epochs run as one compiled loop, so that a run pays no more than the
        code itself."""
        assert not self.position, "between epochs only"
        key = (self.zero_grad, self.deferred)
        block = self._blocks.get(key)
        if block is None:
            block = self._blocks[key] = compile_block(self._block_code(), self.names)
        state = self.program.cleared if self.zero_grad else GRAD_VALUE
        with no_cycle_collection():
            before = snapshot(self.names) if self.deferred else None
            out = RecordColumns()
            ends = block(self.names, epochs, self.epoch, self.steps, state, eps, ceiling, out)
            if before is not None and len(ends) < epochs:
                # It ran on past the epoch that may end the run: from where the block
                # began, the same epochs again, as many as the records keep.
                self.names.clear()
                self.names.update(before)
                out, epochs = RecordColumns(), len(ends)
                ends = block(self.names, epochs, self.epoch, self.steps, state, eps, ceiling, out)
        self.steps += len(out)
        self.epoch += len(ends)
        if self._full_data is None:
            self.updates = [out[-1]] if len(out) else []
            return out, RecordColumns()
        self._add_full_gradients(out)
        records = out.take(ends)
        self.updates = list(out[len(out) - records.batch[-1] :])
        return records, out

    def _block_code(self) -> BlockCode:
        program, loop = self.program, self.program.loop
        # A module's parameters are the same tensors all along: found once per block.
        hoisted = {p: f"_p{i}" for i, p in enumerate(program.parameters) if "." in p}
        prelude = tuple(f"{name} = {p}" for p, name in hoisted.items())
        values = []
        for parameter, gradient in zip(program.parameters, program.gradients, strict=True):
            name = hoisted.get(parameter, parameter)
            values += [name, gradient.replace(parameter, name, 1)]
        deferred = self.deferred
        read = stacked(["l", *values]) if deferred else self._reader_of(["l", *values])
        zero = [loop[self._zero].code] if self.zero_grad else []
        bias = len(program.parameters) == 2
        if self._header < 0:
            head = [line.code for line in loop[: self._zero] if not self._skips(line)]
            return BlockCode(head, read, zero, bias, prelude=prelude, deferred=deferred)
        header = self._header
        return BlockCode(
            head=[line.code for line in loop[:header] if not self._skips(line)],
            reader=read,
            zero=zero,
            bias=bias,
            bind=program.runs(loop[header], "_k"),
            batch_loop=loop[header].code,
            body=tuple(line.code for line in loop[header + 1 : self._zero]),
            tail=tuple(line.code for line in loop[self._zero + 1 :]),
            full_loss=self._full_loss_reader(),
            prelude=prelude,
            deferred=deferred,
        )

    def _full_loss_reader(self) -> str:
        if self.deferred:
            return "full_l.detach().reshape(())"
        return "full_l.item()" if self.program.uses_torch else "float(full_l)"

    def _add_full_gradients(self, updates: RecordColumns) -> None:
        """``updates``' whole data's gradients, each at the parameters before its update,
        to be taken when read."""
        assert self._full_data is not None
        ws = [self._before[0], *updates.w[:-1]]
        b = self._before[1]
        bs = [None] * len(ws) if b is None else [b, *(float(v or 0.0) for v in updates.b[:-1])]
        self._before = (updates.w[-1], updates.b[-1])
        updates.later(ws, bs, self._full_data)

    def _bind(self, batch: int) -> CodeType:
        code = self._binds.get(batch)
        if code is None:
            line = self.program.loop[self._header]
            code = compile(self.program.runs(line, batch), f"<batch {batch}>", "exec")
            self._binds[batch] = code
        return code

    def run_line(self) -> ExecutedLine:
        """Run the next line of the loop (a zeroing line that is off is skipped); the batch
        loop's lines run once per batch."""
        index, line = self.position, self.program.loop[self.position]
        skipped = self._skips(line)
        if index == 0:
            self.updates = []
        if line.role == BATCH:
            exec(self._bind(self.batch), self.names)
        elif not skipped:
            exec(self._lines[index], self.names)
        if index == self._zero - 1:  # the (last) update line
            self._captured = eval(self._read, self.names)
            self.updates.append(self._update())
        self.position = index + 1
        if index == self._zero:  # zero_grad may have been switched since the update
            state = self.program.cleared if self.zero_grad else GRAD_VALUE
            self.updates[-1] = self.updates[-1]._replace(grad_state=state)
        more = index == self._zero and self._header >= 0
        if more and self.batch + 1 < len(self.names["batches"]):  # the next batch
            self.batch += 1
            self.position = self._header
        if self.position < len(self.program.loop):
            return ExecutedLine(index, skipped)
        self.position = self.batch = 0
        return ExecutedLine(index, skipped, self._epoch_record())

    def _finish_epoch(self) -> EpochRecord:
        while True:
            run = self.run_line()
            if run.record is not None:
                return run.record

    def _update(self) -> EpochRecord:
        """The record of the update just made, from the values read after it."""
        self.steps += 1
        values = self._captured
        grad_b = b = None
        if len(values) == 5:
            loss, w, grad_w, b, grad_b = values
        else:
            loss, w, grad_w = values
        state = self.program.cleared if self.zero_grad else GRAD_VALUE
        epoch, lr = self.epoch + 1, self.names["lr"]
        if self._full_data is None:
            return EpochRecord(epoch, loss, w, grad_w, b, grad_b, lr, state, self.steps)
        full_w, full_b = self._full_data.gradient(*self._before)
        self._before = (w, b)
        return EpochRecord(
            epoch, loss, w, grad_w, b, grad_b, lr, state, self.steps, self.batch + 1,
            None, full_w, full_b,
        )  # fmt: skip

    def _whole_data(self) -> WholeData:
        """The whole data's gradient as the program's own is formed: the tutorial formula's
        N, and weight decay where the gradient line adds it."""
        scale = len(self.config.dataset.x) if self.config.grad_formula == "tutorial" else 1.0
        decay = 0.0 if self.program.uses_torch else self.config.weight_decay
        return WholeData(*points(self.config.dataset, self.config.dtype), scale, decay)

    def _epoch_record(self) -> EpochRecord:
        """The record of the epoch just run: its last update's, with the full-data loss at
        its end when it ran in batches."""
        self.epoch += 1
        last = self.updates[-1]
        if self._full_data is None:
            return last
        last = last._replace(full_loss=_scalar(self.names["full_l"]))
        self.updates[-1] = last
        return last

    # Live settings -----------------------------------------------------------------------

    def set_lr(self, lr: float) -> None:
        """Use ``lr`` from the next epoch on (a schedule's line sets it again each epoch)."""
        self.lr = lr
        self.names["lr"] = lr
        if self.program.optimizer:
            for group in self.names["optimizer"].param_groups:
                group["lr"] = lr

    def retune(self, config: RunConfig) -> None:
        """Carry on under ``config``'s live settings: its rate, schedule and epochs rewrite
        the loop (the schedule's line), and a constant rate applies from the next epoch."""
        self.config = config
        role = self.program.loop[self.position].role
        self.program = build_program(config)
        self._compile_loop()
        if self.position:  # mid-epoch: carry on at the same kind of line of the new loop
            self.position = self.program.index(role) or 0
        if config.schedule == "constant":
            self.set_lr(config.lr)

    def replaying(self, on: bool) -> None:
        """While on, the schedule's lines do not run: a replay sets every epoch's rate."""
        self.follow_schedule = not on
        self._compile_loop()

    def set_zero_grad(self, on: bool) -> None:
        """Clear gradients after each update (on) or let them accumulate (off).

        Switched on between epochs, it clears the gradient accumulated so far, as the zeroing
        line would have, so the next epoch starts afresh; mid-epoch it takes effect at the
        zeroing line.
        """
        if on and not self.zero_grad and not self.position:
            self._clear_grad()
        self.zero_grad = on

    def _clear_grad(self) -> None:
        if all(self._value(grad) is not None for grad in self.program.gradients):
            exec(self._lines[self._zero], self.names)

    def _value(self, expression: str) -> Any:
        return eval(expression, self.names)

    # Read-outs ---------------------------------------------------------------------------

    @property
    def w(self) -> float:
        """The current weight."""
        return _scalar(self._value(self.program.parameters[0]))

    @property
    def b(self) -> float | None:
        """The current bias, or None for variants without one."""
        if len(self.program.parameters) < 2:
            return None
        return _scalar(self._value(self.program.parameters[1]))

    def optimizer_state(self) -> dict[str, float]:
        """The optimizer's own state per parameter (momentum buffer, Adam's moments)."""
        if not self.program.optimizer:
            return {}
        from gdtui.core.engine.torch_support import optimizer_state

        names = {id(self._value(p)): n for p, n in zip(self.program.parameters, "wb", strict=False)}
        return optimizer_state(self.names["optimizer"], names)

    def predict(self, x: float) -> float:
        """f(x) = w·x (+ b) with the current parameters, in float32 as the model computes it."""
        return predict_at(self.w, self.b, x, self.config.dtype)
