"""The status line: run state, epoch k of N, loss, parameters, a prediction, speed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from gdtui.core.engine.stops import RunState
from gdtui.core.numbers import exact, number

if TYPE_CHECKING:
    from gdtui.core.run.session import TrainingSession

STATE_STYLES = {
    RunState.READY: "bold",
    RunState.RUNNING: "bold green",
    RunState.PAUSED: "bold yellow",
    RunState.DONE: "bold cyan",
    RunState.CONVERGED: "bold cyan",
    RunState.DIVERGED: "bold red",
    RunState.DIVERGING: "bold red",
}


class StatusLine(Static):
    """One line that sums up the run, and what the screen knows besides the session."""

    speed: float | None = None
    """Epochs per second, shown only while running."""
    note: str = ""
    """Said last (torch loading)."""
    alert: tuple[str, str] = ("", "")
    """Text and style right after the state: the training process's trouble or replay."""

    _session: TrainingSession | None = None
    _speed_mark: tuple[float, int] | None = None

    def measure(self, session: TrainingSession, replaying: bool) -> None:
        """Update :attr:`speed`: epochs a second over the last half second while the run
        goes flat out (not while a new training process replays it)."""
        now, epoch = time.perf_counter(), session.epoch
        if session.state is not RunState.RUNNING or replaying:
            self._speed_mark, self.speed = None, None
        elif self._speed_mark is None:
            self._speed_mark = (now, epoch)
        elif now - self._speed_mark[0] >= 0.5:
            self.speed = (epoch - self._speed_mark[1]) / (now - self._speed_mark[0])
            self._speed_mark = (now, epoch)

    def on_resize(self) -> None:
        if self._session is not None:
            self.show(self._session)

    def show(self, session: TrainingSession) -> None:
        """Redraw from ``session``: whole parts only, the least needed left out first when
        the line is too narrow (never a number cut short)."""
        self._session = session
        parts = self._parts(session)
        width = self.size.width or 10**6
        keep, room = [], width
        for i in sorted(range(len(parts)), key=lambda i: parts[i][0]):  # the most needed first
            rank, part = parts[i]
            if rank == 0 or part.cell_len <= room:
                keep.append(i)
                room -= part.cell_len
        text = Text.assemble(*(parts[i][1] for i in sorted(keep)))
        self.update(text, layout=False)  # one line, always: no layout pass per frame

    def _parts(self, session: TrainingSession) -> list[tuple[int, Text]]:
        """The line's parts in order, each with its rank (0 is kept longest)."""
        config, speed, note, alert = session.config, self.speed, self.note, self.alert
        record = session.viewed_record
        state = session.state
        told = session.finished or state is RunState.DIVERGING
        label = session.message if told else state.value
        # "diverging at epoch 7: the loss grows ×4 an epoch": the why gives way before the
        # run's numbers, after the prediction.
        head, colon, why = label.partition(": ")
        style = STATE_STYLES[state]
        parts = [(0, Text(f" {head}", style))]
        if why:
            parts.append((6, Text(f"{colon}{why}", style)))
        parts.append((0, Text("  ")))
        if alert[0]:
            parts.append((2, Text(f"{alert[0]}  ", alert[1])))
        if session.cursor is not None:
            viewing = f"viewing epoch {session.cursor} of {session.epoch} (→ returns) "
            parts.append((1, Text(viewing, "reverse")))
        else:
            parts.append((1, Text(f"epoch {session.epoch}/{config.epochs}  ")))
        line = session.line
        if line is not None and line.record is None:  # stepping lines, inside an epoch
            batch = f", batch {line.batch}" if line.batch else ""
            ran = f"in epoch {session.epoch + 1}{batch}: ran line {line.number}  "
            parts.append((1, Text(ran)))
        double = config.dtype == "float64"
        if record is not None:
            if record.full_loss is None:
                parts.append((3, Text(f"loss {exact(record.loss, double)}  ")))
            else:  # mini-batches: the whole data's loss at the epoch's end
                parts.append((3, Text(f"full loss {exact(record.full_loss, double)}  ")))
            parts.append((4, Text(f"w {exact(record.w, double)}  ")))
            if record.b is not None:
                parts.append((5, Text(f"b {exact(record.b, double)}  ")))
            if session.lr_varies:
                parts.append((7, Text(f"lr {exact(record.lr)}  ")))
            prediction = session.predict(config.predict)
            predicted = exact(prediction, double)
            parts.append((8, Text(f"f({number(config.predict)}) = {predicted}  ")))
        else:
            parts.append((9, Text("n: one epoch · space: run · ?: help  ", style="dim")))
        if speed is not None and state is RunState.RUNNING:
            parts.append((9, Text(f"{speed:,.0f} epochs/s  ")))
        if note:
            parts.append((9, Text(note, style="dim italic")))
        return parts
