"""Compare mode: the four variants (or the optimizers) in lockstep, one line each on the chart,
and a table of their numbers per epoch with the largest difference between them."""

from __future__ import annotations

import itertools
from typing import ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from gdtui.app.training.link import AskingScreen, TrainerLink
from gdtui.app.widgets.key_bar import KeyBar
from gdtui.app.widgets.plot import Plot
from gdtui.app.widgets.text_table import TextTable
from gdtui.core.compare.comparison import ACROSS, COMPARED, Comparison, describe
from gdtui.core.numbers import exact
from gdtui.core.process.child import SERIES_POINTS
from gdtui.core.process.protocol import Cancel, Compare, Compared, CompareProgress, Reply
from gdtui.core.run.chart import epoch_ticks, log_ticks, series, tick_span
from gdtui.core.settings.config import RunConfig

ROWS = 12
Series = dict[str, tuple[np.ndarray, np.ndarray]]
"""Each lane's (epochs, losses) as the chart draws them."""
MAX_EPOCHS = 100_000
"""Compare mode runs at most this many epochs: it answers in seconds, not hours."""
MONOCHROME_MARKERS = ("braille", "+", "x", "o", "*")
"""A marker per lane when there is no colour to tell them apart (NO_COLOR)."""


class CompareScreen(AskingScreen):
    """Shows a comparison once the training process sends it."""

    WHAT = "the comparison"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c", "back", "Back"),
        Binding("o", "switch", "Compare other"),
        Binding("l", "toggle_log", "Log"),
    ]

    def __init__(self, link: TrainerLink, config: RunConfig, across: str = "variants") -> None:
        super().__init__()
        self.link = link
        self.config = config.replace(epochs=min(config.epochs, MAX_EPOCHS))
        self.capped = config.epochs > MAX_EPOCHS
        self.across = across
        self.comparison: Comparison | None = None
        self.request_id = 0
        """The training process's number for the comparison asked for last."""
        self.problem: str | None = None
        """Why no comparison will come (the training process stopped), or None."""
        self.log_scale = True
        self._streamed: Series = {}
        """Each lane's loss so far, while the comparison is under way."""

    def compose(self) -> ComposeResult:
        with Vertical(id="compare-body"):
            yield Static(id="compare-title", markup=False)
            yield Plot(id="compare-chart")
            yield Static(id="compare-spread")
            yield TextTable(id="compare-table")
            yield Static(id="compare-hidden")
        yield KeyBar()

    @property
    def waiting(self) -> bool:
        """Whether the comparison is still being computed."""
        return self.comparison is None and self.problem is None

    def on_mount(self) -> None:
        self.request()

    def request(self) -> None:
        """Ask the training process for the comparison (giving up any still under way)."""
        self._cancel()
        self.comparison, self.problem = None, None
        self._show_progress({})
        self._draw_chart({})
        self.request_id = self.link.ask(Compare(self.config, self.across), self).request

    def _cancel(self) -> None:
        if self.waiting and self.request_id:
            self.link.process.send(Cancel(self.request_id))

    def _show_progress(self, lanes: dict[str, int]) -> None:
        total = self.config.epochs
        cap = f" · at most {MAX_EPOCHS:,} in compare mode" if self.capped else ""
        done = " · ".join(f"{name} {epochs / total:.0%}" for name, epochs in lanes.items())
        self.query_one("#compare-title", Static).update(
            f"Comparing {self.across}, {total:,} epochs{cap}: {done or 'starting'} · escape cancels"
        )

    def answered(self, reply: Reply) -> None:
        """The comparison's progress, or the comparison."""
        match reply:
            case CompareProgress() as progress:
                if progress.request == self.request_id and self.waiting:
                    self._show_progress(progress.lanes)
                    self._draw_chart(progress.series)
            case Compared() as compared:
                self.show(compared.request, compared.comparison, compared.across)

    def failed(self, why: str) -> None:
        """No comparison will come: say why instead of "Comparing…"."""
        if self.waiting:
            self.problem = why
            self.query_one("#compare-title", Static).update(
                Text.assemble(("No comparison: ", "bold red"), f"{why}. Press escape to go back.")
            )

    def action_back(self) -> None:
        """Back to the run, stopping the comparison if it is still under way."""
        self._cancel()
        self.app.pop_screen()

    def show(self, request: int, comparison: Comparison | None, across: str) -> None:
        """Draw a comparison that has arrived (ignored if it is an older or cancelled one)."""
        if request != self.request_id or comparison is None:
            return
        self.comparison = comparison
        config = self.config
        self.query_one("#compare-title", Static).update(
            Text.assemble(
                (f"{across.capitalize()} in lockstep", "bold"),
                f": {describe(config, across)}"
                + (", no bias, same w0" if across in ("variants", "formula") else ""),
            )
        )
        self._draw_chart()
        spread = "   ".join(
            f"{name}: {exact(value)} (epoch {epoch})"
            for name in COMPARED
            for value, epoch in [comparison.largest_difference(name)]
        )
        ended = comparison.ended_early()
        self.query_one("#compare-spread", Static).update(
            Text.assemble(
                ("largest difference between runs  ", "bold"),
                spread,
                *(
                    [("\nstopped early: ", "bold yellow"), ("; ".join(ended), "yellow")]
                    if ended
                    else []
                ),
                f"\nthe table and the differences cover the {comparison.epochs:,} epochs "
                "every run completed"
                if ended
                else "",
            )
        )
        self._fill_table(comparison)

    def _series(self) -> Series:
        """Each lane's (epochs, losses), at most :data:`SERIES_POINTS` of them."""
        if self.comparison is None:
            return self._streamed
        return {
            name: history.downsample("loss", SERIES_POINTS)
            for name, history in self.comparison.histories.items()
        }

    def _draw_chart(self, streamed: Series | None = None) -> None:
        """Draw each lane's loss: the comparison's, or as far as the lanes have got."""
        if streamed is not None:
            self._streamed = streamed
        chart = self.query_one(Plot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("epoch")
        plt.ylabel("log10(loss)" if self.log_scale else "loss")
        plotted = []
        # Without colour (NO_COLOR) the lanes differ only in shades of grey: a marker each.
        markers = MONOCHROME_MARKERS if self.app.no_color else ("braille",)
        lanes = self._series().items()
        for (name, (epochs, losses)), marker in zip(lanes, itertools.cycle(markers)):
            data = series(epochs, losses, self.log_scale)
            if data.x:
                plt.plot(data.x, data.y, label=name, marker=marker)
                plotted.append(data)
        if plotted:
            # Ticks for all the lines together, not for whichever was plotted last.
            ys = np.concatenate([d.y for d in plotted])
            if self.log_scale:
                ticks, labels = log_ticks(ys)
                plt.yticks(ticks, labels)
                if (span := tick_span(ticks)) is not None:
                    plt.ylim(*span)
            # While the lanes run, the axis spans the whole run, so that lines grow across it.
            last = max(d.x[-1] for d in plotted) if self.comparison else self.config.epochs
            xs = epoch_ticks(np.array([1.0, last]))
            plt.xticks(xs, [f"{int(x):,}" for x in xs])
            if self.comparison is None:
                plt.xlim(1, last)
        chart.refresh()

    def _fill_table(self, comparison: Comparison) -> None:
        names = list(comparison.histories)
        header, titles = ["epoch", "max Δw"], ["epoch", "max Δw"]
        for name in names:
            header += [f"{name} w", "grad"]
            titles += [f"{name} w", f"{name} grad"]
        spread = comparison.spread("w")
        last = comparison.epochs
        rows = []
        for epoch in range(last, max(0, last - ROWS), -1):
            largest = Text(exact(float(spread[epoch - 1])), style="bold")
            row: list[str | Text] = [str(epoch), largest]
            for name in names:
                record = comparison.histories[name].record(epoch - 1)
                row += [exact(record.w), exact(record.grad_w)]
            rows.append(row)
        # The gradients give way first, the last lane's first; then the weights likewise.
        grads = [3 + 2 * i for i in reversed(range(len(names)))]
        weights = [2 + 2 * i for i in reversed(range(1, len(names)))]
        self.query_one(TextTable).show(header, rows, grads + weights, titles)

    def on_text_table_columns_hidden(self, event: TextTable.ColumnsHidden) -> None:
        hidden = ", ".join(event.hidden)
        self.query_one("#compare-hidden", Static).update(
            Text(f"not shown at this width: {hidden} (a wider terminal shows them)", style="dim")
            if hidden
            else ""
        )

    def action_switch(self) -> None:
        """Compare the next way: variants → optimizers → zero_grad on/off → formulas."""
        self.across = ACROSS[(ACROSS.index(self.across) + 1) % len(ACROSS)]
        self.request()

    def action_toggle_log(self) -> None:
        """log10 or linear loss axis."""
        self.log_scale = not self.log_scale
        self._draw_chart()
