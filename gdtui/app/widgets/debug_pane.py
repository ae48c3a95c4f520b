"""The debug pane: the last epochs' numbers, and what ``.grad`` holds between epochs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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

Cell = str | Text
Checks = dict[str, "GradCheck"]
"""An epoch's gradient checks by parameter ("w", "b")."""


@dataclass(frozen=True)
class Column:
    """A column of the table: its header, when it gives way on a narrow pane (1 first; None:
    never), and how to read its cell from an epoch's record and gradient checks."""

    header: str
    gives_way: int | None
    cell: Callable[[EpochRecord, Checks], Cell]
    bias: bool = False
    """Shown only when the run has a bias."""


def _grad_after(record: EpochRecord, checks: Checks) -> Cell:
    kept = record.grad_state == GRAD_VALUE
    return Text(
        "accumulating" if kept else GRAD_STATE_NAMES[record.grad_state],
        style="bold yellow" if kept else "dim",
    )


def _grad(parameter: str) -> Callable[[EpochRecord, Checks], Cell]:
    """``.grad`` as the variant computed it: in red when the gradient check finds it wrong
    (the numerical value beside it is the reference, never the one marked)."""

    def cell(record: EpochRecord, checks: Checks) -> Cell:
        value = number(getattr(record, f"grad_{parameter}"), DIGITS)
        check = checks.get(parameter)
        return Text(value, style="bold red") if check is not None and check.failed else value

    return cell


def _numerical(parameter: str) -> Callable[[EpochRecord, Checks], Cell]:
    """The finite-difference gradient at the parameters the epoch started from."""

    def cell(record: EpochRecord, checks: Checks) -> Cell:
        check = checks.get(parameter)
        return "—" if check is None else number(check.numerical, DIGITS)

    return cell


# The updates give way first, then the numerical gradients: what .grad holds and whether it
# accumulates stay in sight.
COLUMNS: tuple[Column, ...] = (
    Column("epoch", None, lambda r, c: str(r.epoch)),
    Column("loss", None, lambda r, c: number(r.loss, DIGITS + 1)),
    Column("w", None, lambda r, c: number(r.w, DIGITS)),
    Column("b", None, lambda r, c: number(r.b, DIGITS), bias=True),
    Column("w.grad", None, _grad("w")),
    Column("numerical", 4, _numerical("w")),
    Column("lr·w.grad", 2, lambda r, c: number(r.update_w, DIGITS)),
    Column("b.grad", None, _grad("b"), bias=True),
    Column("numerical", 3, _numerical("b"), bias=True),
    Column("lr·b.grad", 1, lambda r, c: number(r.update_b, DIGITS), bias=True),
    Column(".grad after", None, _grad_after),
)


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
        columns = [column for column in COLUMNS if has_bias or not column.bias]
        gives_way = [(c.gives_way, i) for i, c in enumerate(columns) if c.gives_way is not None]
        checked = self._checks(session)
        table = self.query_one(TextTable)
        table.show(
            [column.header for column in columns],
            [
                [column.cell(record, by_parameter) for column in columns]
                for record, checks in reversed(checked)
                for by_parameter in [{check.parameter: check for check in checks}]
            ],
            [index for _, index in sorted(gives_way)],
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
