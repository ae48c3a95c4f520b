"""When a run stops: the rule the CLI and the app share."""

from __future__ import annotations

from enum import Enum

from gdtui.core.engine.record import EpochRecord


class StopReason(Enum):
    """Why a run ended."""

    DONE = "done"
    """It ran the configured number of epochs."""
    CONVERGED = "converged"
    """The loss fell below ``eps``."""
    DIVERGED = "diverged"
    """A loss, parameter or gradient became inf or nan; that epoch's record is not kept."""
    DIVERGING = "diverging"
    """The loss grows geometrically (see :mod:`gdtui.core.engine.divergence`): the run pauses there,
    and goes on only when asked to."""


def stop_reason(record: EpochRecord, epochs: int, eps: float) -> StopReason | None:
    """Whether the run ends with ``record``, and why; None to go on."""
    if not record.is_finite():
        return StopReason.DIVERGED
    if record.epoch_loss < eps:
        return StopReason.CONVERGED
    if record.epoch >= epochs:
        return StopReason.DONE
    return None


def divergence_message(record: EpochRecord) -> str:
    """``diverged at epoch k: loss = inf`` naming the first non-finite number."""
    for name in ("loss", "w", "grad_w", "b", "grad_b", "full_loss"):
        value = getattr(record, name)
        if value is not None and value - value != 0.0:
            return f"diverged at epoch {record.epoch}: {name} = {value}"
    return f"diverged at epoch {record.epoch}"
