"""The status line: run state, epoch k of N, loss, parameters, a prediction, speed."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from gdtui.core.session import RunState, TrainingSession
from gdtui.format import exact, number

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

    def show(self, session: TrainingSession) -> None:
        """Redraw from ``session``."""
        config, speed, note, alert = session.config, self.speed, self.note, self.alert
        record = session.viewed_record
        state = session.state
        told = session.finished or state is RunState.DIVERGING
        label = session.message if told else state.value
        text = Text.assemble((f" {label} ", STATE_STYLES[state]), " ")
        if alert[0]:
            text.append(f"{alert[0]}  ", alert[1])
        if session.cursor is not None:
            viewing = f"viewing epoch {session.cursor} of {session.epoch} (→ returns) "
            text.append(viewing, "reverse")
        else:
            text.append(f"epoch {session.epoch}/{config.epochs}  ")
        if record is not None:
            text.append(f"loss {exact(record.loss)}  w {exact(record.w)}  ")
            if record.b is not None:
                text.append(f"b {exact(record.b)}  ")
            if session.lr_varies:
                text.append(f"lr {exact(record.lr)}  ")
            prediction = session.predict(config.predict)
            text.append(f"f({number(config.predict)}) = {exact(prediction)}  ")
        else:
            text.append("n: one epoch · space: run · ?: help  ", style="dim")
        if speed is not None and state is RunState.RUNNING:
            text.append(f"{speed:,.0f} epochs/s  ")
        if note:
            text.append(note, style="dim italic")
        self.update(text, layout=False)  # one line, always: no layout pass per frame
