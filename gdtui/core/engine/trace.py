"""The program's lines as they run, each with the values right after it: ``gdtui trace``
prints them, and the app's variables table shows the same values.

The contract (``gdtui trace --format jsonl``): executing the ``code`` of every traced line in
order (its ``runs`` where it has one: the batch loop's header, ``for xb, yb in batches:``,
runs as ``xb, yb = batches[k]``), in one fresh namespace with ``np``, ``torch`` and ``nn``
imported, reproduces every value, and the parameters it reaches are ``gdtui run``'s, epoch by
epoch.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdtui.core.engine.program import BACKWARD, BATCH, FORWARD, SETUP, Line, Program, build_program
from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.stops import stop_reason
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig


@dataclass(frozen=True)
class TracedLine:
    """One line as it ran: its epoch (0 for the setup), its number in the listing, its code
    as shown (a comment when skipped), and the values right after it."""

    epoch: int
    line: int
    code: str
    skipped: bool
    values: dict[str, Any]
    record: EpochRecord | None = None
    """The epoch's record, on the epoch's last line."""
    role: str = SETUP
    """What part of the loop the line is (see :mod:`gdtui.core.engine.program`)."""
    batch: int = 0
    """In the batch loop (its header and body), the batch it ran for, from 1; else 0."""
    runs: str | None = None
    """The statement the line executed, where that is not its ``code`` (the batch loop's
    header takes its batch: ``xb, yb = batches[0]``)."""

    def as_json(self) -> dict[str, Any]:
        """The jsonl object of this line."""
        found: dict[str, Any] = {"epoch": self.epoch, "line": self.line, "code": self.code}
        if self.batch:
            found["batch"] = self.batch
        if self.runs is not None:
            found["runs"] = self.runs
        found["skipped"] = self.skipped  # always there, as the README lists it
        found["values"] = self.values
        return found


def plain(value: Any) -> Any:
    """A value as JSON can hold it: numbers, lists of numbers, None; anything else as its
    repr (``MSELoss()``), or its type's name where that repr takes lines (an optimizer)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "detach"):  # a tensor
        return value.detach().cpu().tolist()
    if hasattr(value, "tolist"):  # a numpy array or scalar
        return value.tolist()
    if isinstance(value, list | tuple):  # the batches: pairs of points
        return [plain(item) for item in value]
    text = repr(value)
    if "\n" in text:
        return type(value).__name__
    return text.split(" at 0x")[0]  # a generator's repr ends with its address


def watched(program: Program, line: Line | None, names: dict[str, Any]) -> list[str]:
    """The expressions shown after ``line``: what it assigns, the residual once there is a
    prediction, the parameters, their gradients, the rate and the optimizer's state."""
    found = list(line.assigns) if line is not None else []
    if line is not None and line.role == FORWARD:
        found.append(f"y_pred - {program.inputs[1]}")
    found += [*program.parameters, *program.gradients, "lr"]
    optimizer = names.get("optimizer") if program.optimizer else None
    if optimizer is not None:
        for parameter in program.parameters:
            state = optimizer.state.get(_evaluate(parameter, names), {})
            found += [f"optimizer.state[{parameter}]['{key}']" for key in state]
    return list(dict.fromkeys(found))


def values_after(program: Program, line: Line | None, names: dict[str, Any]) -> dict[str, Any]:
    """:func:`watched` expressions that have a value now, each as :func:`plain` gives it."""
    values = {}
    for expression in watched(program, line, names):
        try:
            values[expression] = plain(_evaluate(expression, names))
        except (NameError, AttributeError):
            continue  # not defined yet (the setup before the line that defines it)
    return values


def _evaluate(expression: str, names: dict[str, Any]) -> Any:
    return eval(expression, names)  # the program's own expressions, in its own namespace


def trace(config: RunConfig) -> Iterator[TracedLine]:
    """Every line of ``config``'s run as it runs: the setup, then each epoch's loop, until
    its epochs are done or it converges or diverges."""
    setup: list[TracedLine] = []
    program = build_program(config)  # the trainer's own, built from the same settings

    def watch(index: int, names: dict[str, Any]) -> None:
        line = program.setup[index]
        setup.append(TracedLine(0, index + 1, line.code, False, values_after(program, line, names)))

    trainer = Trainer(config, on_setup=watch)
    yield from setup
    while True:
        batch = trainer.batch
        run = trainer.run_line()
        line = program.loop[run.index]
        values = values_after(program, line, trainer.names)
        code = program.shown(line, not run.skipped)
        epoch = trainer.epoch + (run.record is None)
        number = program.number(run.index)
        in_loop = line.inner or line.role == BATCH
        runs = program.runs(line, batch)
        yield TracedLine(
            epoch,
            number,
            code,
            run.skipped,
            values,
            run.record,
            line.role,
            batch + 1 if in_loop else 0,
            None if runs == line.code else runs,
        )
        if run.record is not None:
            reason = stop_reason(run.record, config.epochs, config.eps)
            if reason is not None:
                return


def accumulated(role: str, expression: str, before: dict[str, Any]) -> Any:
    """What a gradient held before the ``backward()`` line (``role``) added to it, or None
    where it was replaced (it was None or zero): the sign that zero_grad is off."""
    if role != BACKWARD or not expression.endswith(".grad"):
        return None
    old = before.get(expression)
    return old if old is not None and np.any(np.asarray(old) != 0) else None


def same_value(a: Any, b: Any) -> bool:
    """Equal as traced values, nan equal to nan (a diverged run's last values)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=False))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)
