"""The live loss chart: loss against epoch, linear or log10, and the learning rate each epoch
used when it changes (a schedule, a change mid-run), drawn with plotext."""

from __future__ import annotations

from textual.reactive import reactive

from gdtui.app.widgets.plot import Plot
from gdtui.core.engine.stops import RunState
from gdtui.core.run.chart import batch_loss_series, loss_series, lr_series, ticks_for_rows
from gdtui.core.run.history import RunHistory
from gdtui.core.run.session import TrainingSession

MARKERS = 20
"""At most this many change markers (the latest): a restless user can change lr every epoch."""
FRAME_ROWS = 4
"""Rows of the chart that are not plot: the frame's top and bottom, the epoch ticks and the
axis labels."""
POINTS_PER_COLUMN = 2
"""Downsample to about twice the chart's width: more points cost time and add nothing."""


class LossChart(Plot):
    """Plots a bounded, downsampled copy of the history; redrawn by the app's timer only."""

    log_scale: reactive[bool] = reactive(False)
    """Plot log10(loss) on a linear axis (plotext's own log scale is not safe to use); the
    learning rate, drawn at the right when it changes, stays linear."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._history: RunHistory | None = None
        self._changes: list[tuple[int, str]] = []
        self._cursor: int | None = None
        self._subtitle = ""
        self.points = 0
        """How many points the last redraw plotted (for the benchmarks and tests)."""
        self._batches = 1
        """Updates per epoch (with mini-batches)."""

    def show(self, session: TrainingSession) -> None:
        """Draw the session's run: its losses, the mid-run changes, the epoch in view, and
        why it diverged if it did."""
        diverging = session.state in (RunState.DIVERGED, RunState.DIVERGING)
        subtitle = session.message if diverging else ""
        self._batches = session.config.batches
        self.draw(session.history, subtitle, session.changes, session.cursor)

    def draw(
        self,
        history: RunHistory,
        subtitle: str = "",
        changes: list[tuple[int, str]] | None = None,
        cursor: int | None = None,
    ) -> None:
        """Rebuild the plot from ``history``, with a line where a setting changed mid-run and
        one at the epoch being viewed."""
        self._history = history
        self._changes, self._cursor = changes or [], cursor
        self._subtitle = subtitle
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("epoch")
        plt.ylabel("log10(loss)" if self.log_scale else "loss")
        width = max(self.size.width, 10)
        labels = [f"{label} at {epoch}" for epoch, label in self._changes]
        title = _fit(subtitle, labels, width - 8)
        rows = self.size.height - FRAME_ROWS - (1 if title else 0)
        points, ticks = width * POINTS_PER_COLUMN, ticks_for_rows(rows)
        if history.batched:
            batch, data = batch_loss_series(history, self._batches, points, self.log_scale, ticks)
            self.points = len(batch.x) + len(data.x)
            if batch.x:
                plt.plot(batch.x, batch.y, marker="braille", color="gray", label="batch loss")
            if data.x:
                marker = "dot" if self.app.no_color else "braille"
                plt.plot(data.x, data.y, marker=marker, label="full-data loss")
            if batch.x and batch.x[0] < 1:  # the first epoch's batches start before epoch 1
                plt.xlim(0, max(data.x or [1.0]))
        else:
            data = loss_series(history, points, self.log_scale, ticks)
            self.points = len(data.x)
            if data.x:
                plt.plot(data.x, data.y, marker="braille")
                if len(data.x) == 1:
                    plt.xlim(data.x[0] - 1, data.x[0] + 1)
        if data.yticks:
            plt.yticks(data.yticks, data.ylabels)
        if data.ylim is not None:
            plt.ylim(*data.ylim)
        if data.xticks:
            plt.xticks(data.xticks, [f"{int(tick):,}" for tick in data.xticks])
        rates = lr_series(history, width * POINTS_PER_COLUMN) if data.x else None
        if rates is not None:  # on a second axis, at the right
            marker = "dot" if self.app.no_color else "braille"
            plt.plot(rates.x, rates.y, marker=marker, color="orange", yside="right")
            # plotext takes yside= here; textual-plotext's stubs say otherwise.
            plt.yticks(rates.yticks[::2], rates.ylabels[::2], yside="right")  # type: ignore[arg-type]
            plt.ylabel("lr", yside="right")  # type: ignore[call-arg]
        for epoch, _ in self._changes[-MARKERS:]:
            plt.vline(epoch, "yellow")
        if cursor is not None:
            plt.vline(cursor, "cyan")
        if title:
            plt.title(title)
        self.refresh()

    def on_resize(self) -> None:
        """The ticks are chosen for the rows there are."""
        self.watch_log_scale()

    def watch_log_scale(self) -> None:
        if self._history is not None:
            self.draw(self._history, self._subtitle, self._changes, self._cursor)


def _fit(subtitle: str, labels: list[str], width: int) -> str:
    """The title: ``subtitle``, then as many of the latest change ``labels`` as fit whole in
    ``width`` cells, saying how many earlier ones are left out (the latest alone, if those
    words do not fit too); cut with ``...`` only when nothing else fits (plotext leaves out
    a title too long for the chart, row and all)."""
    head = [subtitle] if subtitle else []
    candidates = []
    for kept in range(len(labels), 0, -1):
        earlier = len(labels) - kept
        note = [f"{earlier} earlier change{'s' if earlier > 1 else ''}"] if earlier else []
        candidates.append("; ".join(head + note + labels[earlier:]))
    candidates.append("; ".join(head + labels[-1:]))
    text = next((text for text in candidates if len(text) <= width), candidates[-1])
    return text if len(text) <= width else text[: max(0, width - 3)].rstrip() + "..."
