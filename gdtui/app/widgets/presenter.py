"""Presenter mode's numbers: the epoch, the loss, the parameters, the gradient and the update,
in digits three rows high for the back of a room, each under a label with its exact value
for the front row (the big digits are rounded to what a cell holds)."""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Digits, Static

from gdtui.core.engine.program import ZERO
from gdtui.core.numbers import exact, number, single
from gdtui.core.run.gradcheck import GradCheck
from gdtui.core.run.session import TrainingSession

BIG_DIGITS = 5
"""Significant digits in the big font: "-1.2345" is 19 columns, so three cells fit in 80."""
SMALL, LARGE = 0.01, 1e6
"""Outside these magnitudes a figure is written with an exponent, four digits before it."""


class Figure(NamedTuple):
    """One cell's content: what the big digits say and the label over them."""

    big: str
    label: Text
    wrong: bool = False
    """A gradient the check finds wrong: drawn in red."""


def big_number(value: float | None) -> str:
    """``value`` as text the Digits font draws (digits, ``.``, ``-``, ``E``): rounded to
    :data:`BIG_DIGITS` significant digits; empty when there is no finite value."""
    if value is None or not math.isfinite(value):
        return ""
    if value == 0:
        return "0"
    text = f"{value:.{BIG_DIGITS}g}"
    if SMALL <= abs(value) < LARGE and "e" not in text:  # (99999.99 rounds to 1e+05)
        return text
    # 0.00090506 would take 28 columns: 9.051E-4 takes 22 (the font has E; the exponent's
    # zeros would only take room).
    mantissa, exponent = f"{value:.{BIG_DIGITS - 2}e}".split("e")
    return f"{mantissa}E{int(exponent)}"


def _label(name: str, value: float | None, big: str, double: bool = False) -> Text:
    """``w = 0.29999998``: the name, and the exact value when the digits are rounded."""
    if value is None:
        return Text.assemble((name, "bold"), "  —")
    words = exact(value, double)
    return Text.assemble((name, "bold"), f"  = {words}" if words != big else "")


LIVE: dict[str, tuple[str, ...]] = {
    "loss": ("l",),
    "w": ("w", "model.weight"),
    "b": ("b", "model.bias"),
}
"""Where each figure is among a line's values (the names differ between the variants)."""
GRADIENTS = ("dw", "grad", "w.grad", "model.weight.grad")
"""The names the variants' code gives the gradient of w: numpy's ``dw`` (this epoch's) and
``grad`` (what its update uses), torch's ``.grad``."""


def _cell(name: str, value: float | None, double: bool = False) -> Figure:
    big = big_number(value)
    return Figure(big, _label(name, value, big, double))


def _checked(figure: Figure, check: GradCheck | None, shown: float | None) -> Figure:
    """``figure`` (a gradient) with the numerical gradient under its label when there is
    one: in red, with the digits, when the two disagree beyond rounding. ``shown``: the
    gradient's value as the figure shows it."""
    if check is None:
        return figure
    wrong = check.failed
    label = figure.label.copy()
    label.append(f"\nnumerical {number(check.numerical, 7)}", "bold red" if wrong else "dim")
    if wrong and check.ratio is not None:
        label.append(f": {check.ratio:.4g}×", "bold red")
    elif shown is not None and shown != check.used:  # zero_grad off: .grad holds more
        label.append(" (own)", "dim")  # this epoch's part of the sum
    return Figure(figure.big, label, wrong)


def _next_rate(figure: Figure, ran: float, session: TrainingSession) -> Figure:
    """The rate ``figure`` (the one the epoch in view ran with), saying the one the next
    epoch takes when a key has just changed it (``+``) and no epoch has run with it yet."""
    if (
        session.cursor is not None
        or session.config.lr == ran
        or session.config.schedule != "constant"
    ):
        return figure
    label = figure.label.copy()
    label.append(f"\nnext epoch: {exact(session.config.lr)}", "bold")
    return Figure(figure.big, label)


def _at_line(session: TrainingSession, seen: dict[str, object]) -> list[Figure] | None:
    """While the Code view stands after a line (``.``), the values the code shows there,
    under the code's own names (numpy's ``dw`` once computed, then ``grad``; ``.grad`` None,
    added to or zeroed). ``seen`` keeps what earlier lines of the epoch left: its loss, the
    gradient named last."""
    line = session.line
    if line is None or session.cursor is not None:
        return None
    config = session.config
    cell = partial(_cell, double=config.dtype == "float64")
    epoch = session.epoch + (line.record is None)
    if seen.get("epoch") != (session.run_id, epoch):
        seen.clear()
        seen["epoch"] = (session.run_id, epoch)
    if seen.get("line") is not line:  # each line once, however often it is drawn
        seen["line"] = line
        seen.update({key: line.values[key] for key in LIVE["loss"] if key in line.values})
        changed = [key for key in GRADIENTS if key in line.changed]
        held = cast("dict[str, object]", seen.setdefault("held", {}))
        if changed:
            zeroed = line.role == ZERO
            seen["gradient"] = changed[0]
            seen["zeroed"] = held.get(changed[0]) if zeroed else None
        held.update({key: single(line.values[key]) for key in GRADIENTS if key in line.values})
    out = [Figure(str(epoch), Text.assemble(("epoch", "bold"), f"  after line {line.number}"))]
    values = {**seen, **line.values}

    def found(keys: tuple[str, ...]) -> tuple[str, float | None] | None:
        key = next((key for key in keys if key in values), None)
        return None if key is None else (key, single(values[key]))

    def figure(name: str, keys: tuple[str, ...]) -> Figure:
        at = found(keys)
        if at is None:
            return Figure("", Text.assemble((name, "bold"), "  —"))
        key, value = at
        if value is None:
            return Figure("", Text.assemble((key, "bold"), "  = None"))
        return cell(key if name == "w.grad" else name, value)

    out += [figure("loss", LIVE["loss"]), figure("w", LIVE["w"])]
    gradient = (str(seen.get("gradient", "")), *GRADIENTS)
    at = found(gradient)
    shown = at[1] if at is not None else None
    if "zeroed" in seen and seen["zeroed"] is not None:  # what the update used is gone
        grad = figure("w.grad", gradient)
        label = grad.label.copy()
        label.append(f"\ncleared; was {exact(cast(float, seen['zeroed']))}", "dim")
        out.append(Figure(grad.big, label))
    else:
        out.append(_checked(figure("w.grad", gradient), session.line_check, shown))
    out.append(cell("update Δw", session.line_step))
    out.append(figure("b", LIVE["b"]) if config.has_bias else figure("lr", ("lr",)))
    return out


def figures(session: TrainingSession, seen: dict[str, object] | None = None) -> list[Figure]:
    """The cells for the epoch the panes show: epoch, loss, w, w.grad (with the numerical
    gradient when the check has one), the update Δw (the step the optimizer took), then b
    with a bias, or else the learning rate. After a line of the loop (the Code view), what
    the code shows there."""
    inside = _at_line(session, {} if seen is None else seen)
    if inside is not None:
        return inside
    epoch, config = session.viewed_epoch, session.config
    cell = partial(_cell, double=config.dtype == "float64")
    shown = session.viewed_deltas(1)
    step = shown[-1] if shown else None
    epoch_label = Text.assemble(("epoch", "bold"), f"  of {config.epochs:,}")
    out = [Figure(str(epoch), epoch_label)]
    if step is None:  # before the first epoch: the parameters as they start
        w0, b0 = session.initial or (config.w0, config.b0)
        out += [cell("loss", None), cell("w", w0), cell("w.grad", None)]
        out += [cell("update Δw", None)]
        out.append(cell("b", b0) if config.has_bias else cell("lr", config.lr))
        return out
    record = step.record
    if record.full_loss is None:
        out.append(cell("loss", record.loss))
    else:  # mini-batches: the whole data's loss at the epoch's end
        out.append(cell("full loss", record.full_loss))
    checks = session.viewed_checks(1) if not config.batched else []
    check = next((c for c in (checks[-1] if checks else []) if c.parameter == "w"), None)
    out += [cell("w", record.w), _checked(cell("w.grad", record.grad_w), check, record.grad_w)]
    out.append(cell("update Δw", step.dw))
    if config.has_bias:
        out.append(cell("b", record.b))
    else:
        out.append(_next_rate(cell("lr", record.lr), record.lr, session))
    return out


class Presenter(Grid):
    """The big numbers, three cells a row (six on a wide screen)."""

    CELLS = 6
    EXTRA = (0, 4, 5)
    """The cells a short screen leaves out: the epoch, the update, b or the rate."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: dict[int, Figure] = {}
        self._seen: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        for index in range(self.CELLS):
            # On a short screen only loss, w and w.grad (what the lessons' notes quote): the
            # epoch and the rate are in the status line, and the chart keeps its rows.
            extra = " -extra" if index in self.EXTRA else ""
            with Vertical(classes="present-cell" + extra):
                yield Static(id=f"present-label-{index}", classes="present-label", markup=False)
                yield Digits(id=f"present-{index}", classes="present-digits")

    def show(self, session: TrainingSession) -> None:
        """Redraw from the session; a cell is updated only when its figure changed."""
        for index, figure in enumerate(figures(session, self._seen)):
            if self._shown.get(index) == figure:
                continue
            self._shown[index] = figure
            digits = self.query_one(f"#present-{index}", Digits)
            digits.update(figure.big)
            digits.set_class(figure.wrong, "-wrong")
            self.query_one(f"#present-label-{index}", Static).update(figure.label)
