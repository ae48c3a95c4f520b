"""What the loss chart plots: a bounded, downsampled copy of the history, made safe for
plotext (which raises on inf, crashes with its own log scale and overflows near 1e307)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdtui.core.run.history import RunHistory

PLOT_LIMIT = 1e50
"""Values are clipped to ±this: plotext draws an empty frame once values pass about 1e60
(measured with plotext 5.3). A float32 loss never exceeds 3.4e38 anyway."""
TINY = 1e-30
"""On a linear axis values closer to 0 than this are drawn as 0: plotext draws nothing for a
series spanning only subnormal numbers such as 1e-320."""
LOG_FLOOR = 1e-300
"""log10 of a loss ≤ 0 (an exact fit) is drawn at this floor instead of -inf."""
MAX_TICKS = 5
"""The most y ticks a chart gets, however tall."""


@dataclass(frozen=True)
class Series:
    """Points ready for plotext, with the y ticks to label them by."""

    x: list[float]
    y: list[float]
    yticks: list[float]
    ylabels: list[str]
    xticks: list[float]

    @property
    def ylim(self) -> tuple[float, float] | None:
        """The y range to draw: the ticks' span, which covers every point (so that no tick
        label lands outside the plot), or None to let plotext fit the points."""
        return tick_span(self.yticks)


def tick_span(ticks: list[float]) -> tuple[float, float] | None:
    """From the lowest tick to the highest, when there are two or more."""
    return (min(ticks), max(ticks)) if len(ticks) > 1 else None


def loss_series(
    history: RunHistory, max_points: int, log: bool, max_ticks: int = MAX_TICKS
) -> Series:
    """The loss against epoch, at most ``max_points`` points; with ``log`` the y values are
    log10(loss) on a linear axis, ticked at powers of ten labelled ``1e-3`` and so on."""
    epochs, losses = history.downsample("loss", max_points)
    return series(epochs, losses, log, max_ticks)


def batch_loss_series(
    history: RunHistory, batches: int, max_points: int, log: bool, max_ticks: int = MAX_TICKS
) -> tuple[Series, Series]:
    """A mini-batch run's losses: each batch's (before its update), at the fraction of its
    epoch the update ends (batch k of K at epoch − 1 + k/K), and the whole data's at each
    epoch's end; both ticked alike, over the span of both."""
    updates = history.updates
    if updates is None or not len(updates):
        empty = series(np.zeros(0), np.zeros(0), log, max_ticks)
        return empty, empty
    steps, losses = updates.downsample("loss", max_points, x="step")
    epochs, full = history.downsample("full_loss", max_points)
    batch = series(steps / batches, losses, log, max_ticks)
    whole = series(epochs, full, log, max_ticks)
    both = series(
        np.concatenate([steps / batches, epochs]), np.concatenate([losses, full]), log, max_ticks
    )
    ticks, labels, xticks = both.yticks, both.ylabels, whole.xticks
    return (
        Series(batch.x, batch.y, ticks, labels, xticks),
        Series(whole.x, whole.y, ticks, labels, xticks),
    )


def ticks_for_rows(rows: int) -> int:
    """How many y ticks ``rows`` rows of plot can label with a row between each two (more
    share rows, and all but one of those lose their labels), two at least, at most
    :data:`MAX_TICKS`."""
    return max(2, min(MAX_TICKS, (rows + 1) // 2))


def lr_series(history: RunHistory, max_points: int) -> Series | None:
    """The learning rate each epoch used, at most ``max_points`` points, on a linear axis;
    None while it has not changed (a constant rate needs no line)."""
    epochs, rates = history.downsample("lr", max_points)
    if not len(rates) or rates.min() == rates.max():
        return None
    return series(epochs, rates, log=False)


def series(epochs: np.ndarray, values: np.ndarray, log: bool, max_ticks: int = MAX_TICKS) -> Series:
    """Clean ``values`` for plotting (see :func:`loss_series`), with at most ``max_ticks``
    y ticks."""
    finite = np.isfinite(values)
    epochs, values = epochs[finite], values[finite]
    if log:
        # A loss of exactly 0 sits a decade below the smallest positive one, not at 1e-300,
        # which would squash every other value into the top row of the chart.
        positive = values[values > 0]
        floor = max(LOG_FLOOR, float(positive.min()) / 10) if positive.size else LOG_FLOOR
        values = np.log10(np.clip(values, floor, PLOT_LIMIT))
        ticks, labels = log_ticks(values, max_ticks)
    else:
        values = np.clip(values, -PLOT_LIMIT, PLOT_LIMIT)
        values = np.where(np.abs(values) < TINY, 0.0, values)
        ticks, labels = linear_ticks(values, max_ticks)
    return Series(epochs.tolist(), values.tolist(), ticks, labels, epoch_ticks(epochs))


def tick_label(value: float, digits: int = 3) -> str:
    """A tick's label in ``digits`` significant digits: a plain number from 0.001 to below a
    million, else engineering notation (an exponent that is a multiple of 3: ``-660e12``,
    ``4.2e-6``). plotext's own labels spell -6.6e14 out as ``-659763303372083.0``."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    scientific = f"{value:.{digits - 1}e}"  # rounded once, carries included: 9.9996e5 → 1.00e+06
    mantissa, exponent = float(scientific.split("e")[0]), int(scientific.split("e")[1])
    if -3 <= exponent < 6:
        plain = float(scientific)
        return f"{plain:.0f}" if exponent >= digits else f"{plain:.{digits}g}"
    shift = exponent % 3
    return f"{mantissa * 10**shift:.{digits}g}e{exponent - shift}"


def linear_ticks(
    values: np.ndarray | list[float], count: int = MAX_TICKS
) -> tuple[list[float], list[str]]:
    """``count`` evenly spaced ticks spanning ``values``, labelled by :func:`tick_label`."""
    if len(values) == 0:
        return [], []
    low, high = float(np.min(values)), float(np.max(values))
    if low == high:
        return [low], [tick_label(low)]
    # A tick within rounding of 0 is 0 (linspace over -1.28..1.28 gives -1.78e-15).
    span = high - low
    ticks = [0.0 if abs(t) < 1e-9 * span else t for t in np.linspace(low, high, count).tolist()]
    return ticks, [tick_label(tick) for tick in ticks]


def log_ticks(log_values: np.ndarray, max_ticks: int = MAX_TICKS) -> tuple[list[float], list[str]]:
    """Ticks at whole powers of ten, evenly spaced, at most ``max_ticks`` of them, from one at
    or above the largest of ``log_values`` to one at or below the smallest: drawn over their
    span (:func:`tick_span`), every tick is on the axis and every point between two."""
    if len(log_values) == 0:
        return [], []
    low, high = math.floor(float(log_values.min())), math.ceil(float(log_values.max()))
    if low == high:
        high = low + 1
    stride = max(1, math.ceil((high - low) / (max_ticks - 1)))
    powers = list(range(high, low - stride, -stride))
    return [float(p) for p in powers], [f"1e{p}" for p in powers]


def epoch_ticks(epochs: np.ndarray, max_ticks: int = 6) -> list[float]:
    """Whole-number epoch ticks from the first to the last epoch (never 1.50)."""
    if len(epochs) == 0:
        return []
    first, last = int(epochs[0]), int(epochs[-1])
    stride = max(1, math.ceil((last - first) / (max_ticks - 1)))
    return [float(e) for e in range(first, last + 1, stride)]
