"""What each epoch's update did to the parameters: the step actually applied, Δ = after −
before, which is lr·grad only for plain SGD (momentum and Adam take other steps), and whether
float32 rounded the update away."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from gdtui.core.engine.record import EpochRecord
from gdtui.core.run.history import RunHistory


def float32_spacing(value: float) -> float:
    """The gap from ``value`` (as float32) to the next float32 away from zero: a step smaller
    than half of it leaves the value unchanged."""
    return float(np.spacing(np.abs(np.float32(value))))


class Delta(NamedTuple):
    """What one update changed: its record, with the parameters it started from (None where
    unknown)."""

    record: EpochRecord
    w_before: float | None
    b_before: float | None

    @property
    def dw(self) -> float | None:
        """w after − w before: exact, for two float32 values differ exactly in float64."""
        return None if self.w_before is None else self.record.w - self.w_before

    @property
    def db(self) -> float | None:
        """b after − b before, or None without a bias."""
        if self.b_before is None or self.record.b is None:
            return None
        return self.record.b - self.b_before

    def rounded_away(self) -> list[str]:
        """The parameters ("w", "b") that did not move although lr·grad is not zero: the
        update was below float32's resolution at the parameter's value."""
        record = self.record
        moved = (("w", self.dw, record.update_w), ("b", self.db, record.update_b))
        return [name for name, delta, update in moved if delta == 0 and update]


def deltas(
    history: RunHistory,
    initial: tuple[float, float | None] | None,
    count: int,
    end: int | None = None,
) -> list[Delta]:
    """The ``count`` epochs up to epoch ``end`` (the latest when None), oldest first, each with
    the parameters before it: those after the epoch before, or ``initial`` before epoch 1
    (fewer where they reach into a windowed history's summarised rows)."""
    stop = len(history) if end is None else max(0, min(end, len(history)))
    start = max(history.kept_from, stop - count)
    if start > 0:
        previous = history.record(start - 1)
        before: tuple[float | None, float | None] = (previous.w, previous.b)
    else:
        before = initial if initial is not None else (None, None)
    found = []
    for index in range(start, stop):
        record = history.record(index)
        found.append(Delta(record, *before))
        before = (record.w, record.b)
    return found
