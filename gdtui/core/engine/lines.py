"""One line of the loop at a time, with everything worth showing about it: the values after
it and which changed, its arithmetic with the numbers substituted, and after ``backward()``
the autograd graph with the gradients that flowed through it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gdtui.core.engine.explain import explain
from gdtui.core.engine.graph import GraphNode, GraphWatch
from gdtui.core.engine.program import BACKWARD, BATCH
from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.trace import accumulated, same_value, values_after
from gdtui.core.engine.trainer import Trainer


@dataclass(frozen=True)
class ExplainedLine:
    """What one line did. ``index`` is into the program's loop, ``number`` its line in the
    listing; ``changed`` names the values it changed; ``was`` gives, for a gradient that
    ``backward()`` added to (zero_grad off), what it held before."""

    index: int
    number: int
    skipped: bool
    values: dict[str, Any]
    changed: tuple[str, ...]
    arithmetic: tuple[str, ...] = ()
    graph: GraphNode | None = None
    record: EpochRecord | None = None
    was: dict[str, Any] = field(default_factory=dict)
    batch: int = 0
    """In the batch loop (its header and body), the batch it ran for, from 1; else 0."""
    role: str = ""
    """The line's part in the loop (:data:`~gdtui.core.engine.program.BACKWARD`, …)."""


class LineRunner:
    """Steps ``trainer``'s loop a line at a time (the trainer may step whole epochs in
    between: the values before a line are read afresh then)."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self._before: dict[str, Any] | None = None
        self._at: tuple[int, int, int] = (-1, -1, -1)

    def run(self) -> ExplainedLine:
        """Run the next line (see :meth:`Trainer.run_line`) and describe it."""
        trainer = self.trainer
        program, names = trainer.program, trainer.names
        batch = trainer.batch
        if self._before is None or self._at != (trainer.epoch, batch, trainer.position):
            self._before = values_after(program, None, names)
        before = self._before
        line = program.loop[trainer.position]
        watch = None
        if line.role == BACKWARD and program.uses_torch and names.get("l") is not None:
            watch = GraphWatch(names["l"].grad_fn)
        run = trainer.run_line()
        values = values_after(program, line, names)
        changed = tuple(
            key for key, value in values.items() if not same_value(before.get(key), value)
        )
        was = {
            key: old
            for key in program.gradients
            if (old := accumulated(line.role, key, before)) is not None
        }
        config = trainer.config
        arithmetic = (
            () if run.skipped else tuple(explain(program, line, config, names, before, values))
        )
        graph = watch.read(names) if watch is not None else None
        self._before, self._at = values, (trainer.epoch, trainer.batch, trainer.position)
        return ExplainedLine(
            run.index,
            program.number(run.index),
            run.skipped,
            values,
            changed,
            arithmetic,
            graph,
            run.record,
            was,
            batch + 1 if line.inner or line.role == BATCH else 0,
            line.role,
        )
