"""The loss landscape: the loss over w (or level lines over w and b) and the run's path."""

from __future__ import annotations

from gdtui.app.widgets.plot import Plot
from gdtui.core.run.chart import linear_ticks
from gdtui.core.run.landscape import Landscape, landscape
from gdtui.core.run.session import TrainingSession


class LandscapeChart(Plot):
    """Draws a :class:`~gdtui.core.run.landscape.Landscape`."""

    def show(self, session: TrainingSession) -> None:
        """Draw the loss surface around the session's path (nothing before the first epoch)."""
        if session.initial is None:
            self.draw(None)
            return
        config = session.config
        # With mini-batches the path is every update's: the batches' zig-zag.
        history = session.history.updates or session.history
        self.draw(landscape(config.dataset, history, session.initial, config.has_bias))

    def draw(self, view: Landscape | None) -> None:
        """Redraw; None before the first epoch."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if view is None:
            plt.title("step an epoch to see the path")
            self.refresh()
            return
        plt.xlim(*view.w_range)
        plt.xticks(*linear_ticks(list(view.w_range)))
        plt.xlabel("w")
        if view.curve is not None:
            plt.ylabel("loss")
            plt.plot(*view.curve, marker="braille", color="gray")
            plt.plot(*view.path, marker="o", color="orange", label="path")
            plt.yticks(*linear_ticks([*view.curve[1], *view.path[1]]))
        else:
            assert view.b_range is not None
            plt.ylim(*view.b_range)
            plt.yticks(*linear_ticks(list(view.b_range)))
            plt.ylabel("b")
            for ws, bs in view.levels:
                if ws:
                    plt.scatter(ws, bs, marker=".", color="gray")
            plt.plot(*view.path, marker="braille", color="orange", label="path")
            plt.scatter([view.best[0]], [view.best[1]], marker="x", color="green", label="optimum")
        if view.left:
            plt.title("the path leaves the valley: the run is diverging")
        self.refresh()
