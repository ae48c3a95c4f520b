"""Gradient check: the gradient a variant used, beside the central finite difference of the
loss at the same (pre-update) parameters.

The loss is quadratic in w and b, so a central difference is exact up to rounding; computed in
float64 it is a reference the float32 variants must meet to about 1e-6 relative. The seeds'
``np.dot(2x, ŷ−y).mean()`` fails it by a factor of exactly N, the number of points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from gdtui.core.engine.model import mse
from gdtui.core.engine.program import BACKWARD, GRADIENT
from gdtui.core.engine.record import GRAD_VALUE, EpochRecord
from gdtui.core.numbers import single
from gdtui.core.run.deltas import Delta
from gdtui.core.run.history import RunHistory
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import Dataset
from gdtui.core.settings.variants import VARIANTS

if TYPE_CHECKING:
    from gdtui.core.engine.lines import ExplainedLine

TOLERANCE = 1e-3
"""Relative error above which a gradient is flagged: float32 arithmetic stays far below it."""
ROUNDING = 1e-6
"""Float32 rounding error relative to the magnitudes summed (eps 6e-8 with a margin)."""


def numerical_gradient(
    dataset: Dataset, w: float, b: float | None = None
) -> tuple[float, float | None]:
    """(∂loss/∂w, ∂loss/∂b) by central differences; ∂/∂b is None without a bias."""
    b0 = 0.0 if b is None else b
    hw = 1e-4 * max(1.0, abs(w))
    grad_w = (mse(dataset, w + hw, b0) - mse(dataset, w - hw, b0)) / (2 * hw)
    if b is None:
        return grad_w, None
    hb = 1e-4 * max(1.0, abs(b))
    return grad_w, (mse(dataset, w, b + hb) - mse(dataset, w, b - hb)) / (2 * hb)


def penalty(config: RunConfig) -> float:
    """The weight decay inside the gradient a run records: numpy-manual's hand-written
    gradient adds L·w, torch's ``.grad`` holds the loss's alone (the optimizer adds L·w)."""
    return config.weight_decay if VARIANTS[config.variant].gradient_by_hand else 0.0


def relative_error(used: float, numerical: float, floor: float = 0.0) -> float:
    """|used − numerical| / max(|used|, |numerical|, floor); 0 when that scale is 0."""
    scale = max(abs(used), abs(numerical), floor)
    return 0.0 if scale == 0 else abs(used - numerical) / scale


def _term_scale(parameter: str, dataset: Dataset, w: float, b: float | None) -> float:
    """The size of the terms a gradient sums: float32 rounding is relative to them, not to
    the gradient, which near the optimum is far smaller."""
    x = np.abs(np.asarray(dataset.x, dtype=np.float64))
    terms = np.abs(w) * x + abs(b or 0.0) + np.abs(np.asarray(dataset.y, dtype=np.float64))
    scale = np.mean(2 * x * terms) if parameter == "w" else np.mean(2 * terms)
    return float(scale)


@dataclass(frozen=True)
class GradCheck:
    """One epoch's check of one parameter."""

    parameter: str
    used: float
    """This epoch's own gradient as the variant computed it (an accumulated one minus the
    previous epoch's, when zero_grad is off)."""
    numerical: float
    error: float

    @property
    def failed(self) -> bool:
        """True when the relative error is beyond what float32 explains."""
        return self.error > TOLERANCE

    @property
    def ratio(self) -> float | None:
        """used / numerical, when both are non-zero: N for the seeds' tutorial formula."""
        return None if self.numerical == 0 or self.used == 0 else self.used / self.numerical

    def describe(self, points: int, name: str = "") -> str:
        """A sentence for a failed check, naming the ratio, and N when the ratio is N;
        ``name``: what the checked gradient is called (``w.grad`` when empty)."""
        ratio = self.ratio
        name = name or f"{self.parameter}.grad"
        if ratio is None:
            return f"{name} = {self.used:.6g} but the numerical gradient is {self.numerical:.6g}"
        text = f"{name} = {self.used:.6g} is {ratio:.4g}× the numerical gradient "
        text += f"{self.numerical:.6g}"
        if abs(ratio - points) < 1e-3 * points:
            return text + f": N = {points} points, the tutorial formula's bug"
        return text + f" (relative error {self.error:.2g})"


def check(
    parameter: str,
    used: float,
    dataset: Dataset,
    w: float,
    b: float | None,
    accumulated: float = 0.0,
    decay: float = 0.0,
) -> GradCheck:
    """Compare ``used``, this epoch's own gradient of ``parameter`` ('w' or 'b'), with the
    numerical one at the pre-update parameters (w, b). ``accumulated`` is the total it was
    taken out of when zero_grad is off: float32 rounding of that total widens the tolerance.
    ``decay`` is a weight decay the gradient includes (see :func:`penalty`): its L·w is
    added to the reference, exactly."""
    numerical_w, numerical_b = numerical_gradient(dataset, w, b)
    numerical = numerical_w if parameter == "w" else numerical_b
    assert numerical is not None
    numerical += decay * (w if parameter == "w" else (b or 0.0))
    # Rounding in float32 (eps 6e-8, times a margin for the sums) errs by about 1e-6 of the
    # terms or of the accumulated total; below TOLERANCE of that, a difference is noise.
    magnitude = max(_term_scale(parameter, dataset, w, b), abs(accumulated))
    floor = ROUNDING * magnitude / TOLERANCE
    return GradCheck(parameter, used, numerical, relative_error(used, numerical, floor))


def own_gradient(grad: float, previous_grad: float | None, previous_kept: bool) -> float:
    """This epoch's own gradient from the one the update used: with zero_grad off, the
    previous epoch's gradient was kept (``previous_kept``) and added to it."""
    return grad - previous_grad if previous_kept and previous_grad is not None else grad


class GradChecker:
    """Checks every epoch of a run as it goes; remembers the first failure."""

    def __init__(self, dataset: Dataset, has_bias: bool, decay: float = 0.0) -> None:
        self.dataset = dataset
        self.has_bias = has_bias
        self.decay = decay
        self.first_failure: tuple[int, GradCheck] | None = None
        self._previous: EpochRecord | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields :meth:`observe` adds to a record."""
        return ("num_grad_w", "num_grad_b") if self.has_bias else ("num_grad_w",)

    def observe(self, w: float, b: float | None, record: EpochRecord) -> dict[str, float]:
        """Check ``record``, stepped from the parameters (w, b); returns its numerical
        gradients as extra fields."""
        checks = check_record(record, self._previous, self.dataset, w, b, self.decay)
        self._previous = record
        if self.first_failure is None:
            failed = next((c for c in checks if c.failed), None)
            if failed is not None:
                self.first_failure = (record.epoch, failed)
        return {f"num_grad_{c.parameter}": c.numerical for c in checks}

    def warning(self) -> str | None:
        """One line about the first failure, or None if every epoch passed."""
        if self.first_failure is None:
            return None
        epoch, failed = self.first_failure
        return f"gradient check failed at epoch {epoch}: {failed.describe(len(self.dataset))}"


def check_record(
    record: EpochRecord,
    previous: EpochRecord | None,
    dataset: Dataset,
    w: float,
    b: float | None,
    decay: float = 0.0,
) -> list[GradCheck]:
    """Check each gradient of ``record``, stepped from (w, b) after ``previous`` (``decay``:
    see :func:`check`)."""
    # The previous gradient is in this one only if it was kept and this epoch kept adding to
    # it: switching zero_grad back on clears .grad before the epoch, so that epoch's gradient
    # is its own again.
    kept = (
        previous is not None
        and previous.grad_state == GRAD_VALUE
        and record.grad_state == GRAD_VALUE
    )
    used = [("w", record.grad_w, previous.grad_w if previous else None)]
    if record.grad_b is not None:
        used.append(("b", record.grad_b, previous.grad_b if previous else None))
    return [
        check(name, own_gradient(grad, before, kept), dataset, w, b, grad if kept else 0.0, decay)
        for name, grad, before in used
    ]


def check_full(delta: Delta, dataset: Dataset, decay: float = 0.0) -> list[GradCheck]:
    """With mini-batches: the whole data's gradient an update records (``full_grad_w``, by
    the run's own formula, at the parameters before the update), checked against the
    numerical one there; none where those parameters are unknown."""
    record, w, b = delta.record, delta.w_before, delta.b_before
    if w is None or record.full_grad_w is None:
        return []
    checks = [check("w", record.full_grad_w, dataset, w, b, decay=decay)]
    if record.full_grad_b is not None and b is not None:
        checks.append(check("b", record.full_grad_b, dataset, w, b, decay=decay))
    return checks


def check_history(
    history: RunHistory,
    dataset: Dataset,
    initial: tuple[float, float | None],
    count: int,
    end: int | None = None,
    decay: float = 0.0,
) -> list[tuple[EpochRecord, list[GradCheck]]]:
    """The ``count`` epochs of ``history`` up to epoch ``end`` (the latest when None), each
    with its checks; ``initial`` is (w, b) before epoch 1. The parameters before epoch k are
    those after epoch k − 1."""
    stop = len(history) if end is None else max(0, min(end, len(history)))
    start = max(0, stop - count)
    previous = history.record(start - 1) if start > 0 else None
    results = []
    for index in range(start, stop):
        record = history.record(index)
        w, b = (previous.w, previous.b) if previous is not None else initial
        results.append((record, check_record(record, previous, dataset, w, b, decay)))
        previous = record
    return results


LINE_GRADIENTS = {"dw": GRADIENT, "w.grad": BACKWARD, "model.weight.grad": BACKWARD}
"""Where a line of the loop leaves its epoch's gradient of w, by the role of that line:
numpy's ``dw = …``, or what ``backward()`` adds to ``.grad``."""
LINE_PARAMETERS = {"w": "w", "model.weight": "w", "b": "b", "model.bias": "b"}


def parameters(values: dict[str, Any]) -> dict[str, float | None]:
    """w and b among a line's values, whatever the variant names them."""
    return {LINE_PARAMETERS[k]: single(v) for k, v in values.items() if k in LINE_PARAMETERS}


def check_line(line: ExplainedLine, dataset: Dataset, decay: float = 0.0) -> GradCheck | None:
    """The check of the gradient of w that ``line`` computed, at the
    parameters it was computed at (the update comes after it); None for any other line. With
    zero_grad off, ``backward()`` adds to ``.grad``: what it held before is taken off."""
    computed = (k for k, role in LINE_GRADIENTS.items() if role == line.role and k in line.changed)
    key = next(computed, None)
    if key is None or line.skipped:
        return None
    value = single(line.values[key])
    if value is None:
        return None
    at = parameters(line.values)
    w, b = at.get("w"), at.get("b")
    if w is None:
        return None
    was = single(line.was.get(key))
    accumulated = value if was is not None else 0.0
    return check("w", value - (was or 0.0), dataset, w, b, accumulated, decay)
