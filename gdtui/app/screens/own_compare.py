"""The gallery side by side in the app (``c`` on your own loop): the correct loop beside
each classic mistake, a lane per mistake named by its kind, each with its loss, w and
``.grad`` at its last epoch, or its error at its line; and every lane's loss on one chart.
The lanes run as ``gdtui compare --across mistakes`` runs them, each in a process of its
own, on a thread, so the screen never waits for them."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from gdtui.app.screens.own_view import short
from gdtui.app.widgets.plot import Plot
from gdtui.app.widgets.text_table import TextTable
from gdtui.core.own.lanes import Lane, run_lanes
from gdtui.core.text import visible

COLOURS = ("green", "red", "orange", "blue", "magenta", "cyan", "yellow", "white", "gray", "violet")


class MistakesScreen(Screen[None]):
    """The gallery's lanes, in lockstep."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c", "dismiss", "Back"),
        Binding("l", "toggle_log", "Log/linear"),
    ]

    DEFAULT_CSS = """
    MistakesScreen #lanes { height: 13; border: round $primary; }
    MistakesScreen #lanes-chart { height: 1fr; }
    MistakesScreen #lanes-errors { height: auto; color: $error; }
    MistakesScreen.-short #lanes-errors { display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.lanes: list[Lane] | None = None
        self.log_scale = True

    def compose(self) -> ComposeResult:
        yield TextTable(id="lanes")
        yield Static(id="lanes-errors")
        yield Plot(id="lanes-chart")
        yield Footer()

    def on_resize(self) -> None:
        self.set_class(self.size.height < 32, "-short")

    def on_mount(self) -> None:
        self.set_class(self.app.size.height < 32, "-short")
        table = self.query_one("#lanes", TextTable)
        table.border_title = "the correct loop beside each mistake (running the gallery…)"
        self.run_lanes()

    @work(thread=True, exclusive=True)
    def run_lanes(self) -> None:
        """Run every lane (a process each), then draw them."""
        lanes = run_lanes()
        self.app.call_from_thread(self._show, lanes)

    def action_toggle_log(self) -> None:
        """``l``: the losses on a log or a linear axis."""
        self.log_scale = not self.log_scale
        if self.lanes is not None:
            self._chart(self.lanes)

    def _show(self, lanes: list[Lane]) -> None:
        self.lanes = lanes
        table = self.query_one("#lanes", TextTable)
        table.border_title = "the correct loop beside each mistake, at each one's last epoch"
        rows = []
        for lane in lanes:
            record = lane.records[-1] if lane.records else None
            if record is None:
                where = (lane.error or lane.failed or "").split(":")
                said = f"stopped at line {where[1]}" if len(where) > 2 else "—"
                rows.append([lane.name, "0", said, "—", "—"])
                continue
            gave = record.get("backward", {}).get("w", record["grads"].get("w"))
            rows.append(
                [
                    lane.name,
                    str(record["epoch"]),
                    short(record["loss"]),
                    short(record["params"].get("w")),
                    short(gave),
                ]
            )
        table.show(["lane", "epoch", "loss", "w", "w.grad (backward)"], rows)
        errors = [
            f"{lane.name}: {lane.error or lane.failed}"
            for lane in lanes
            if lane.error or lane.failed
        ]
        self.query_one("#lanes-errors", Static).update(Text(visible("\n".join(errors))))
        self._chart(lanes)

    def _chart(self, lanes: list[Lane]) -> None:
        chart = self.query_one("#lanes-chart", Plot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        for index, lane in enumerate(lanes):
            points = [
                (r["epoch"], _scaled(r["loss"], self.log_scale))
                for r in lane.records
                if isinstance(r.get("loss"), float)
            ]
            points = [p for p in points if p[1] is not None]
            if points:
                plt.plot(
                    [p[0] for p in points],
                    [p[1] for p in points],
                    marker="braille",
                    color=COLOURS[index % len(COLOURS)],
                    label=lane.name,
                )
        plt.title("log10(loss) by epoch" if self.log_scale else "loss by epoch")
        chart.refresh()


def _scaled(loss: Any, log: bool) -> float | None:
    if not isinstance(loss, float) or not math.isfinite(loss):
        return None
    if not log:
        return loss
    return math.log10(loss) if loss > 0 else None
