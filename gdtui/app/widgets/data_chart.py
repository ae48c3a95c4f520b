"""The data view: the points, and the line the model currently fits through them."""

from __future__ import annotations

import math

from gdtui.app.widgets.plot import Plot
from gdtui.core.engine.model import predict_at
from gdtui.core.run.chart import linear_ticks
from gdtui.core.run.session import TrainingSession
from gdtui.core.settings.data import Dataset


class DataChart(Plot):
    """A scatter of the dataset with the current fit line f(x) = w·x (+ b)."""

    def show(self, session: TrainingSession) -> None:
        """Draw the session's data and the fit of the epoch in view."""
        record = session.viewed_record
        self.draw(session.config.dataset, record and record.w, record and record.b)

    def draw(self, dataset: Dataset, w: float | None, b: float | None) -> None:
        """Redraw for the current parameters (no line before the first epoch)."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("x")
        plt.ylabel("y")
        ys = list(dataset.y)
        if w is not None:
            ends = [min(dataset.x), max(dataset.x)]
            fit = [predict_at(w, b, x) for x in ends]
            label = f"f(x) = {w:.4g}*x" + (f" + {b:.4g}" if b is not None else "")
            plt.plot(ends, fit, label=label, marker="braille", color="blue+")
            ys += [y for y in fit if math.isfinite(y)]
        # The points last, so that they are drawn over the line, each in the quarter of its
        # cell where it lies (quadrant blocks, one cell wide in every terminal).
        plt.scatter(list(dataset.x), list(dataset.y), label="data", marker="hd", color="orange")
        plt.xticks(*linear_ticks(list(dataset.x)))
        plt.yticks(*linear_ticks(ys))
        self.refresh()
