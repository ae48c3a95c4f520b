"""The debug pane: the last epochs' numbers, and what ``.grad`` holds between epochs."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.visual import VisualType, visualize
from textual.widgets import Static

from gdtui.app.widgets.text_table import TextTable
from gdtui.core.engine.record import GRAD_NONE, GRAD_STATE_NAMES, GRAD_VALUE, EpochRecord
from gdtui.core.engine.stops import RunState
from gdtui.core.numbers import exact, number

if TYPE_CHECKING:
    from textual.css.styles import RulesMap

    from gdtui.core.run.deltas import Delta
    from gdtui.core.run.gradcheck import GradCheck
    from gdtui.core.run.session import TrainingSession

DIGITS = 6
"""Significant digits in the table: enough to see float32 noise, narrow enough for 80 columns."""
ROWS = 12
"""Epochs shown before the table has a size; then as many as its height holds (the table is
rebuilt from the history's tail, never grown without bound)."""

Cell = str | Text
Checks = dict[str, "GradCheck"]
"""An epoch's gradient checks by parameter ("w", "b")."""


@dataclass(frozen=True)
class Column:
    """A column of the table: its header, when it gives way on a narrow pane (1 first; None:
    never), and how to read its cell from an epoch's record and gradient checks."""

    header: str
    gives_way: int | None
    cell: Callable[[Delta, Checks], Cell]
    bias: bool = False
    """Shown only when the run has a bias."""
    plain_sgd: bool = False
    """Shown only when the update is plain SGD's w -= lr·grad (momentum and Adam differ)."""
    rate: bool = False
    """Shown only when the rate changes during the run (a schedule, or changed mid-run)."""
    batches: bool | None = None
    """Shown only with mini-batches (True) or only without (False); None: always."""


def _grad_after(delta: Delta, checks: Checks) -> Cell:
    kept = delta.record.grad_state == GRAD_VALUE
    return Text(
        "accumulating" if kept else GRAD_STATE_NAMES[delta.record.grad_state],
        style="bold yellow" if kept else "dim",
    )


def _grad(parameter: str, double: bool) -> Callable[[Delta, Checks], Cell]:
    """``.grad`` as the variant computed it: in red when the gradient check finds it wrong
    (the numerical value beside it is the reference, never the one marked)."""

    def cell(delta: Delta, checks: Checks) -> Cell:
        value = exact(getattr(delta.record, f"grad_{parameter}"), double)
        check = checks.get(parameter)
        return Text(value, style="bold red") if check is not None and check.failed else value

    return cell


def _numerical(parameter: str) -> Callable[[Delta, Checks], Cell]:
    """The finite-difference gradient at the parameters the epoch started from."""

    def cell(delta: Delta, checks: Checks) -> Cell:
        check = checks.get(parameter)
        return "—" if check is None else number(check.numerical, DIGITS)

    return cell


def _applied(parameter: str, double: bool) -> Callable[[Delta, Checks], Cell]:
    """The step the update took, after − before; "0 rounded" when float32 rounded it away."""

    def cell(delta: Delta, checks: Checks) -> Cell:
        if parameter in delta.rounded_away():
            return Text("0 rounded", style="yellow")
        return exact(delta.dw if parameter == "w" else delta.db, double)

    return cell


def _full(name: str, double: bool) -> Callable[[Delta, Checks], Cell]:
    """A mini-batch update's whole-data value: the gradient at the same parameters (in red
    when the gradient check finds it wrong), or the loss at the epoch's end (blank on the
    epoch's other updates)."""

    def cell(delta: Delta, checks: Checks) -> Cell:
        value = getattr(delta.record, name)
        if value is None:
            return ""
        check = checks.get(name[-1]) if name.startswith("full_grad") else None
        text = exact(value, double)
        return Text(text, style="bold red") if check is not None and check.failed else text

    return cell


def _minus(update: float | None, double: bool) -> str:
    """−lr·grad, the step plain SGD means to take (float32 may round the one it takes)."""
    return exact(None if update is None else -update, double)


# −lr·grad gives way first (the step taken says it, but for float32's rounding), then what
# .grad holds after the epoch (the note above the table says it too, and whether it
# accumulates), then the numerical gradients (the note names a failed check), then the steps
# taken, and the rate last (the status line has it): never a cut number.
@functools.cache
def table_columns(double: bool = False) -> tuple[Column, ...]:
    """The table's columns; a float64 run (``double``) shows every digit float64 has (the
    step taken, after − before, is a float64 even in a float32 run: 9 digits there)."""
    return (
        Column("epoch", None, lambda s, c: str(s.record.epoch)),
        Column("batch", None, lambda s, c: str(s.record.batch), batches=True),
        Column("lr", 8, lambda s, c: exact(s.record.lr), rate=True),
        Column("loss", None, lambda s, c: exact(s.record.loss, double)),
        Column("full loss", 4, _full("full_loss", double), batches=True),
        Column("w", None, lambda s, c: exact(s.record.w, double)),
        Column("b", None, lambda s, c: exact(s.record.b, double), bias=True),
        Column("w.grad", None, _grad("w", double)),
        Column("numerical", 5, _numerical("w"), batches=False),
        Column("full ∇w", None, _full("full_grad_w", double), batches=True),
        Column("numerical", 5, _numerical("w"), batches=True),
        Column("Δw applied", 7, _applied("w", double)),
        Column("−lr·w.grad", 2, lambda s, c: _minus(s.record.update_w, double), plain_sgd=True),
        Column("b.grad", None, _grad("b", double), bias=True, batches=False),
        # With mini-batches b.grad gives way before the w.grad/full ∇w pair, their lesson.
        Column("b.grad", 8, _grad("b", double), bias=True, batches=True),
        Column("numerical", 4, _numerical("b"), bias=True, batches=False),
        Column("full ∇b", 9, _full("full_grad_b", double), bias=True, batches=True),
        Column("numerical", 4, _numerical("b"), bias=True, batches=True),
        Column("Δb applied", 6, _applied("b", double), bias=True),
        Column(
            "−lr·b.grad",
            1,
            lambda s, c: _minus(s.record.update_b, double),
            bias=True,
            plain_sgd=True,
        ),
        Column(".grad after", 3, _grad_after),
    )


class DebugPane(Vertical):
    """A table of the last epochs and a line on the state of ``.grad``."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Debug"
        self._session: TrainingSession | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="run-note")
        yield Static(id="grad-note")
        yield Static(id="optimizer-state")
        yield TextTable(id="debug-table")

    def on_resize(self) -> None:
        if self._session is not None:  # as many rows as the new height holds
            self.call_after_refresh(self.show, self._session)

    def show(self, session: TrainingSession) -> None:
        """Redraw from the session's history."""
        self._session = session
        config = session.config
        columns = [
            column
            for column in table_columns(config.dtype == "float64")
            if (config.has_bias or not column.bias)
            and (config.plain_sgd or not column.plain_sgd)
            and (session.lr_varies or not column.rate)
            and column.batches in (None, config.batched)
        ]
        gives_way = [(c.gives_way, i) for i, c in enumerate(columns) if c.gives_way is not None]
        table = self.query_one(TextTable)
        rows = table.size.height - 1 if table.size.height > 1 else ROWS
        shown = session.viewed_deltas(rows)  # with mini-batches, a row per update
        # With mini-batches the check is of each update's whole-data gradient.
        checked = session.viewed_checks(rows)
        table.show(
            [column.header for column in columns],
            [
                [column.cell(delta, by_parameter) for column in columns]
                for delta, checks in reversed(list(zip(shown, checked, strict=True)))
                for by_parameter in [{check.parameter: check for check in checks}]
            ],
            [index for _, index in sorted(gives_way)],
        )
        self._say_hidden(table.hidden)
        note = self._grad_note(session, [delta.record for delta in shown])
        failed = next((c for cs in reversed(checked) for c in cs if c.failed), None)
        if failed is not None:
            name = f"full ∇{failed.parameter}" if config.batched else ""
            note = Text("gradient check: ", style="bold red") + Text(
                failed.describe(len(config.dataset), name), style="red"
            )
        elif shown and shown[-1].rounded_away():
            note = _rounding_note(shown[-1])
        _update(self.query_one("#grad-note", Static), note)
        run_note = self.query_one("#run-note", Static)
        diverges = session.state in (RunState.DIVERGING, RunState.DIVERGED)
        run_note.display = diverges and bool(session.hint)
        if run_note.display:
            _update(run_note, _divergence_note(session))
        state = self.query_one("#optimizer-state", Static)
        state.display = bool(session.optimizer_state)
        if session.optimizer_state:
            values = "  ".join(
                f"{name} = {number(value, DIGITS)}"
                for name, value in session.optimizer_state.items()
            )
            _update(state, Text.assemble((f"{session.config.optimizer} state: ", "bold"), values))

    def on_text_table_columns_hidden(self, event: TextTable.ColumnsHidden) -> None:
        self._say_hidden(event.hidden)

    def _say_hidden(self, hidden: list[str]) -> None:
        """Name the columns a narrow pane leaves out, on its border; where the names do not
        fit there whole, how many."""
        names = list(dict.fromkeys(hidden))
        said = f"{', '.join(names)}: wider terminal"
        if len(said) > self.size.width - 4:  # the border's corners and a space each side
            said = f"{len(names)} more columns at a wider terminal"
        self.border_subtitle = said if names else ""

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
            across = "updates" if session.config.batched else "epochs"
            text = Text(f"zero_grad OFF: .grad accumulates across {across}", style="bold yellow")
            growing = [r.grad_w for r in records[-4:] if r.grad_state == GRAD_VALUE]
            if growing:
                text.append("   w.grad: " + " → ".join(number(g, 6) for g in growing))
            return text + _batch_note(session)
        if last is None:
            text = Text("zero_grad on: .grad is cleared after each update", style="dim")
        else:
            how = (
                "set to None by optimizer.zero_grad()" if last.grad_state == GRAD_NONE else "zeroed"
            )
            text = Text(f"zero_grad on: .grad {how} after each update", style="dim")
        return text + _batch_note(session)


def _batch_note(session: TrainingSession) -> Text:
    """With mini-batches, what the rows are and what the full-data gradient beside .grad is
    (and which updates a long run keeps row by row)."""
    config, updates = session.config, session.history.updates
    if not config.batched:
        return Text()
    order = "shuffled" if config.shuffle else "in order"
    formula = " (the tutorial's: N times the true one)" if config.grad_formula == "tutorial" else ""
    text = Text(
        f"\nbatches of {config.batch} ({config.batches} updates an epoch, {order}): w.grad is "
        f"the batch's; full ∇w is all points' gradient at the same w by the run's own "
        f"formula{formula}; numerical, the loss's own",
        style="dim",
    )
    if updates is not None and updates.kept_from:
        text.append(
            f"\nupdates before step {updates.kept_from + 1:,} are summarised: each epoch's "
            f"last is kept, and the latest {updates.window:,} updates",
            style="dim",
        )
    return text


def _divergence_note(session: TrainingSession) -> Text:
    """What to change in a run that diverges, and how to go on while it is only diverging."""
    text = Text(f"{session.state.value}: {session.hint}", style="bold red")
    if session.state is RunState.DIVERGING:
        text.append(". space or n runs on; - halves the rate", style="red")
    return text


def _rounding_note(delta: Delta) -> Text:
    """Why a parameter did not move although lr·grad is not zero."""
    from gdtui.core.run.deltas import float32_spacing  # numpy: after the first frame

    record = delta.record
    parts = []
    for name in delta.rounded_away():
        value = getattr(record, name)
        update = record.update_w if name == "w" else record.update_b
        parts.append(
            f"{name} stayed {exact(value)} at epoch {record.epoch}: lr·{name}.grad = "
            f"{number(update, 3)} is below half of the float32 spacing there "
            f"({number(float32_spacing(value), 3)})"
        )
    return Text("float32 resolution: " + "; ".join(parts), style="yellow")


def _update(line: Static, text: Text) -> None:
    """Update a line of text only if it changed, and lay the screen out again only if its
    height changed with it: a layout pass repaints every widget on the screen, and on every
    frame of a flat-out run (the note names the epoch) that was most of the UI thread's time."""
    if text == line.content:
        return
    width = line.content_region.width
    same = width > 0 and _height(line, line.content, width) == _height(line, text, width)
    line.update(text, layout=not same)


def _height(line: Static, text: VisualType, width: int) -> int:
    """The rows ``text`` takes in ``line`` at ``width`` columns."""
    # As Textual's own Widget.get_content_height does (its styles serve as the rules map).
    styles = cast("RulesMap", line.styles)
    return visualize(line, text, markup=False).get_height(styles, width)
