"""The loss landscape: the exact loss over w (a curve) or over (w, b) (level lines), and the
path a run took across it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdtui.core.engine.model import losses, optimum
from gdtui.core.run.history import RunHistory
from gdtui.core.settings.data import Dataset

LEVELS = 7
"""Level lines drawn over (w, b), spaced evenly in log10(loss)."""


@dataclass(frozen=True)
class Landscape:
    """What the landscape pane draws: a curve or level lines, the path and the optimum."""

    w_range: tuple[float, float]
    b_range: tuple[float, float] | None
    curve: tuple[list[float], list[float]] | None
    """(w, loss) over the window, without a bias."""
    levels: list[tuple[list[float], list[float]]]
    """Points (w, b) near each level of the loss, with a bias."""
    path: tuple[list[float], list[float]]
    """(w, loss) without a bias or (w, b) with one, from the start, clipped to the window."""
    best: tuple[float, float]
    left: bool
    """True when the path runs out of the window: a run that leaves the valley."""


def window(centre: float, values: np.ndarray) -> tuple[float, float]:
    """A window around ``centre`` wide enough for ``values`` (at least ±1)."""
    finite = values[np.isfinite(values)]
    reach = float(np.max(np.abs(finite - centre))) if len(finite) else 0.0
    half = max(1.0, 1.25 * min(reach, 1e6))
    return centre - half, centre + half


def landscape(
    dataset: Dataset,
    history: RunHistory,
    initial: tuple[float, float | None],
    has_bias: bool,
    points: int = 200,
    grid: int = 60,
) -> Landscape:
    """The landscape around the optimum, wide enough for where the run started and went in
    its first epochs (later excursions of a diverging run leave the window)."""
    w_star, b_star = optimum(dataset, has_bias)
    _, ws = history.downsample("w", points)
    w_path = np.concatenate([[initial[0]], ws])
    early = np.concatenate([[initial[0]], history.head("w", 20)])
    w_range = window(w_star, early)
    if not has_bias:
        curve_w = np.linspace(*w_range, 4 * points)
        in_window = np.clip(w_path, *w_range)
        path_loss = losses(dataset, in_window)
        left = bool(np.any(np.abs(w_path - in_window) > 0))
        return Landscape(
            w_range,
            None,
            (curve_w.tolist(), losses(dataset, curve_w).tolist()),
            [],
            (in_window.tolist(), path_loss.tolist()),
            (w_star, float(losses(dataset, np.array(w_star)))),
            left,
        )
    assert b_star is not None
    _, bs = history.downsample("b", points)
    b0 = initial[1] if initial[1] is not None else 0.0
    b_path = np.concatenate([[b0], bs])[: len(w_path)]
    b_range = window(b_star, np.concatenate([[b0], history.head("b", 20)]))
    grid_w, grid_b = np.meshgrid(np.linspace(*w_range, grid), np.linspace(*b_range, grid))
    loss_grid = np.log10(np.maximum(losses(dataset, grid_w, grid_b), 1e-300))
    low, high = float(loss_grid.min()), float(loss_grid.max())
    levels = []
    step = (high - low) / (LEVELS + 1)
    for level in np.linspace(low + step, high - step, LEVELS):
        near = np.abs(loss_grid - level) < step * 0.12
        levels.append((grid_w[near].tolist(), grid_b[near].tolist()))
    clipped_w, clipped_b = np.clip(w_path, *w_range), np.clip(b_path, *b_range)
    left = bool(np.any(clipped_w != w_path) or np.any(clipped_b != b_path))
    return Landscape(
        w_range,
        b_range,
        None,
        levels,
        (clipped_w.tolist(), clipped_b.tolist()),
        (w_star, b_star),
        left,
    )
