"""Where a run stands, and when and why it stops: the one rule, and the one way of telling
it, that ``gdtui run``, compare mode and the app share."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gdtui.core.engine.divergence import Diverging
    from gdtui.core.engine.record import EpochRecord


class RunState(Enum):
    """Where a run stands, as the status line and compare's table tell it. The last four are
    how a run stops: :func:`stop_reason` and a :class:`Stop` use only those."""

    READY = "ready"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    """It ran the configured number of epochs."""
    CONVERGED = "converged"
    """The loss fell below ``eps``."""
    DIVERGED = "diverged"
    """A loss, parameter or gradient became inf or nan; that epoch's record is not kept."""
    DIVERGING = "diverging"
    """The loss grows geometrically (see :mod:`gdtui.core.engine.divergence`): the run pauses
    there, and goes on only when asked to."""


ENDED = frozenset({RunState.DONE, RunState.CONVERGED, RunState.DIVERGED})
"""The states a run does not go on from (a diverging one does, when asked)."""


def stop_reason(record: EpochRecord, epochs: int, eps: float) -> RunState | None:
    """Whether the run ends with ``record``, and how: DONE, CONVERGED or DIVERGED; None to go
    on (whether it is diverging is the :class:`~gdtui.core.engine.divergence.DivergenceWatch`'s
    to say)."""
    if not record.is_finite():
        return RunState.DIVERGED
    if record.epoch_loss < eps:
        return RunState.CONVERGED
    if record.epoch >= epochs:
        return RunState.DONE
    return None


@dataclass(frozen=True)
class Stop:
    """Where a run stopped, how, and the numbers that say why."""

    state: RunState
    """DONE, CONVERGED, DIVERGED or DIVERGING."""
    epoch: int
    record: EpochRecord | None = None
    """DIVERGED: the epoch that went inf or nan (not among the run's records)."""
    diverging: Diverging | None = None
    """DIVERGING: where the loss was found growing geometrically."""
    eps: float = 0.0
    """CONVERGED: the loss it fell below."""

    @property
    def ended(self) -> bool:
        """Whether the run does not go on from here (a diverging one does, when asked)."""
        return self.state in ENDED

    @property
    def message(self) -> str:
        """What happened, in a line: ``done: 100 epochs``, ``converged at epoch 12: loss <
        eps = 0.001``, ``diverged at epoch 9: loss = inf`` (naming the first number not
        finite), ``diverging at epoch 6: the loss grows ×4 an epoch, 1,024 times where it
        started``."""
        if self.state is RunState.DIVERGED and self.record is not None:
            record = self.record
            for name in ("loss", "w", "grad_w", "b", "grad_b", "full_loss"):
                value = getattr(record, name)
                if value is not None and value - value != 0.0:
                    return f"diverged at epoch {self.epoch}: {name} = {value}"
        if self.state is RunState.DIVERGING and self.diverging is not None:
            found = self.diverging
            times = found.loss / found.start if found.start else math.inf
            told = f"{times:,.0f}" if times < 1e7 else f"{times:.2g}"
            return (
                f"diverging at epoch {self.epoch}: the loss grows ×{found.growth:.3g} an epoch, "
                f"{told} times where it started"
            )
        if self.state is RunState.CONVERGED:
            return f"converged at epoch {self.epoch}: loss < eps = {self.eps:g}"
        if self.state is RunState.DONE:
            return f"done: {self.epoch} epochs"
        return f"{self.state.value} at epoch {self.epoch}"
