"""The debug pane: the last epochs' numbers, and what ``.grad`` holds between epochs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from gdtui.app.format import number
from gdtui.app.widgets.text_table import TextTable
from gdtui.core.record import GRAD_NONE, GRAD_STATE_NAMES, GRAD_VALUE, EpochRecord
from gdtui.core.session import TrainingSession

if TYPE_CHECKING:
    from gdtui.core.gradcheck import GradCheck

DIGITS = 6
"""Significant digits in the table: enough to see float32 noise, narrow enough for 80 columns."""
ROWS = 12
"""Epochs shown; the table is rebuilt from the history's tail, never grown without bound."""


class DebugPane(Vertical):
    """A table of the last epochs and a line on the state of ``.grad``."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Debug"

    def compose(self) -> ComposeResult:
        yield Static(id="grad-note")
        yield Static(id="optimizer-state")
        yield TextTable(id="debug-table")

    def show(self, session: TrainingSession) -> None:
        """Redraw from the session's history."""
        has_bias = session.config.has_bias
        # (header, when it gives way on a narrow pane: 1 first, None never). The updates go
        # first, then the numerical gradients: what .grad holds and whether it accumulates
        # stay in sight.
        columns: list[tuple[str, int | None]] = [("epoch", None), ("loss", None), ("w", None)]
        if has_bias:
            columns.append(("b", None))
        columns += [("w.grad", None), ("numerical", 4), ("lr·w.grad", 2)]
        if has_bias:
            columns += [("b.grad", None), ("numerical", 3), ("lr·b.grad", 1)]
        columns.append((".grad after", None))
        optional = [i for _, i in sorted((r, i) for i, (_, r) in enumerate(columns) if r)]
        checked = self._checks(session)
        table = self.query_one(TextTable)
        table.show(
            [header for header, _ in columns],
            [self._row(record, checks, has_bias) for record, checks in reversed(checked)],
            optional,
        )
        hidden = ", ".join(dict.fromkeys(table.hidden))
        self.border_subtitle = f"{hidden}: wider terminal" if hidden else ""
        records = [record for record, _ in checked]
        note = self._grad_note(session, records)
        failed = next((c for _, cs in reversed(checked) for c in cs if c.failed), None)
        if failed is not None:
            note = Text("gradient check: ", style="bold red") + Text(
                failed.describe(len(session.config.dataset)), style="red"
            )
        _update(self.query_one("#grad-note", Static), note)
        state = self.query_one("#optimizer-state", Static)
        state.display = bool(session.optimizer_state)
        if session.optimizer_state:
            values = "  ".join(
                f"{name} = {number(value, DIGITS)}"
                for name, value in session.optimizer_state.items()
            )
            _update(state, Text.assemble((f"{session.config.optimizer} state: ", "bold"), values))

    @staticmethod
    def _checks(session: TrainingSession) -> list[tuple[EpochRecord, list[GradCheck]]]:
        if session.initial is None:
            return [(r, []) for r in session.history.last(ROWS, session.viewed_epoch)]
        from gdtui.core.gradcheck import check_history  # after the first epoch: not at start-up

        return check_history(
            session.history, session.config.dataset, session.initial, ROWS, session.viewed_epoch
        )

    @staticmethod
    def _row(record: EpochRecord, checks: list[GradCheck], has_bias: bool) -> list[str | Text]:
        state = GRAD_STATE_NAMES[record.grad_state]
        state_text = Text(
            "accumulating" if record.grad_state == GRAD_VALUE else state,
            style="bold yellow" if record.grad_state == GRAD_VALUE else "dim",
        )
        numerical = {c.parameter: c for c in checks}
        row: list[str | Text] = [
            str(record.epoch),
            number(record.loss, DIGITS + 1),
            number(record.w, DIGITS),
            number(record.grad_w, DIGITS),
            _numerical(numerical.get("w")),
            number(record.update_w, DIGITS),
        ]
        if has_bias:
            row[3:3] = [number(record.b, DIGITS)]
            row += [
                number(record.grad_b, DIGITS),
                _numerical(numerical.get("b")),
                number(record.update_b, DIGITS),
            ]
        row.append(state_text)
        return row

    @staticmethod
    def _grad_note(session: TrainingSession, records: list[EpochRecord]) -> Text:
        last = records[-1] if records else None
        # Looking back through the history, the note tells what that epoch did; at the latest
        # epoch, what the setting is now (it may have been switched for the next epoch).
        if session.cursor is not None and last is not None:
            zero_grad = last.grad_state != GRAD_VALUE
        else:
            zero_grad = session.config.zero_grad
        if not zero_grad:
            text = Text("zero_grad OFF: .grad accumulates across epochs", style="bold yellow")
            growing = [r.grad_w for r in records[-4:] if r.grad_state == GRAD_VALUE]
            if growing:
                text.append("   w.grad: " + " → ".join(number(g, 6) for g in growing))
            return text
        if last is None:
            return Text("zero_grad on: .grad is cleared after each update", style="dim")
        how = "set to None by optimizer.zero_grad()" if last.grad_state == GRAD_NONE else "zeroed"
        return Text(f"zero_grad on: .grad {how} after each update", style="dim")


def _update(line: Static, text: Text) -> None:
    """Update a line of text only if it changed: its height may change with it, and a layout
    pass on every frame of a flat-out run is time the UI thread needs for keys."""
    if text != line.content:
        line.update(text)


def _numerical(check: GradCheck | None) -> str | Text:
    """The finite-difference gradient, in red when the variant's gradient disagrees."""
    if check is None:
        return "—"
    return Text(number(check.numerical, DIGITS), style="bold red" if check.failed else "")
