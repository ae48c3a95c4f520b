"""The trainer: it executes a run's :class:`~gdtui.core.program.Program`, the code the Code
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

from gdtui.core.config import RunConfig
from gdtui.core.program import SCHEDULE, UPDATE, ZERO, Line, Program, build_program
from gdtui.core.record import GRAD_VALUE, EpochRecord, predict_at


@dataclass(frozen=True)
class LineRun:
    """What :meth:`ProgramTrainer.step_line` did: which loop line (an index into
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
    once, then its loop one epoch per :meth:`step` (compiled as one block, so a run flat out
    pays no more than the code itself) or one line per :meth:`step_line`.

    The epoch's record is read right after the update line (the gradient it used, before
    the zeroing line clears it). Learning rate, schedule and zero_grad can change between
    epochs without a reset; anything else in the configuration needs a new trainer.
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
        self.follow_schedule = True
        """Whether the schedule's lines run (a replay sets each epoch's rate itself)."""
        self._read: CodeType = compile(self._reader(config), "<record>", "eval")
        self._captured: tuple[float, ...] = ()
        setup = self.program.setup
        with self._own_generator():
            if on_setup is None:
                exec(_compile([line.code for line in setup], "<setup>"), self.names)
            else:
                for index, line in enumerate(setup):
                    exec(compile(line.code, f"<setup {index}>", "exec"), self.names)
                    on_setup(index, self.names)
        self._compile_loop()

    # The program as code objects -------------------------------------------------------

    def _compile_loop(self) -> None:
        loop = self.program.loop
        # Every program ends update, zeroing line: the record is read between the two.
        assert [line.role for line in loop[-2:]] == [UPDATE, ZERO]
        self._lines = [compile(line.code, f"<line {i}>", "exec") for i, line in enumerate(loop)]
        runs = [line.code for line in loop[:-1] if not self._skips(line)]
        self._epoch = _compile(runs, "<epoch>")

    def _skips(self, line: Line) -> bool:
        """Whether ``line`` does not run now: the zeroing line while zero_grad is off (or the
        schedule's lines during a replay)."""
        if line.role == ZERO:
            return not self.zero_grad
        return line.role == SCHEDULE and not self.follow_schedule

    def _reader(self, config: RunConfig) -> str:
        program = self.program
        pairs = zip(program.parameters, program.gradients, strict=True)
        values = ["l", *(value for pair in pairs for value in pair)]
        if not program.uses_torch:
            return f"({', '.join(f'float({v})' for v in values)})"
        if config.resolved_device == "cuda":  # one transfer, so one sync per epoch
            listed = ", ".join(values)
            return f"torch.stack([v.detach().reshape(()) for v in ({listed},)]).tolist()"
        return f"({', '.join(f'{v}.item()' for v in values)})"

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

    def step(self) -> EpochRecord:
        """Run the rest of the epoch (all of it between epochs); return its record."""
        if self.position:
            return self._finish_epoch()
        names = self.names
        exec(self._epoch, names)
        self._captured = eval(self._read, names)
        if self.zero_grad:
            exec(self._lines[-1], names)
        return self._record()

    def step_line(self) -> LineRun:
        """Run the next line of the loop (a zeroing line that is off is skipped)."""
        index, line = self.position, self.program.loop[self.position]
        skipped = self._skips(line)
        if not skipped:
            exec(self._lines[index], self.names)
        if line.role == UPDATE:
            self._captured = eval(self._read, self.names)
        self.position = (index + 1) % len(self.program.loop)
        return LineRun(index, skipped, None if self.position else self._record())

    def _finish_epoch(self) -> EpochRecord:
        while True:
            run = self.step_line()
            if run.record is not None:
                return run.record

    def _record(self) -> EpochRecord:
        """The record of the epoch just run, from the values read after its update."""
        self.epoch += 1
        values = self._captured
        grad_b = b = None
        if len(values) == 5:
            loss, w, grad_w, b, grad_b = values
        else:
            loss, w, grad_w = values
        state = self.program.cleared if self.zero_grad else GRAD_VALUE
        return EpochRecord(self.epoch, loss, w, grad_w, b, grad_b, self.names["lr"], state)

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
            exec(self._lines[-1], self.names)

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
        from gdtui.core.trainers.torch_common import optimizer_state

        names = {id(self._value(p)): n for p, n in zip(self.program.parameters, "wb", strict=False)}
        return optimizer_state(self.names["optimizer"], names)

    def predict(self, x: float) -> float:
        """f(x) = w·x (+ b) with the current parameters, in float32 as the model computes it."""
        return predict_at(self.w, self.b, x, self.config.dtype)
