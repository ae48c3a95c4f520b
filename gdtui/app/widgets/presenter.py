"""Presenter mode's numbers: the epoch, the loss, the parameters, the gradient and the update,
in digits three rows high for the back of a room, each under a label with its exact value
for the front row (the big digits are rounded to what a cell holds)."""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Digits, Static

from gdtui.core.numbers import exact
from gdtui.core.run.session import TrainingSession

BIG_DIGITS = 5
"""Significant digits in the big font: "-1.2345" is 19 columns, so three cells fit in 80."""
SMALL, LARGE = 0.01, 1e6
"""Outside these magnitudes a figure is written with an exponent, four digits before it."""


class Figure(NamedTuple):
    """One cell's content: what the big digits say and the label over them."""

    big: str
    label: Text


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
    "w.grad": ("w.grad", "grad", "model.weight.grad"),
    "b": ("b", "model.bias"),
}
"""Where each figure is among a line's values (the names differ between the variants; numpy's
``grad`` is what its update uses, ``dw`` only this epoch's part)."""


def _scalar(value: object) -> object:
    while isinstance(value, list) and len(value) == 1:  # model.weight is [[w]]
        value = value[0]
    return value


def _cell(name: str, value: float | None, double: bool = False) -> Figure:
    big = big_number(value)
    return Figure(big, _label(name, value, big, double))


def _mid_epoch(session: TrainingSession, seen: dict[str, object]) -> list[Figure] | None:
    """While the loop stands inside an epoch (``.``), its values after the line just run:
    ``w.grad`` may be None there, or already added to. A line's values hold what it changed
    and the parameters: ``seen`` keeps the epoch's loss from its line on."""
    line = session.line
    if line is None or line.record is not None or session.cursor is not None:
        return None
    config = session.config
    cell = partial(_cell, double=config.dtype == "float64")
    epoch = session.epoch + 1
    if seen.get("epoch") != (session.run_id, epoch):
        seen.clear()
        seen["epoch"] = (session.run_id, epoch)
    seen.update({key: line.values[key] for key in LIVE["loss"] if key in line.values})
    out = [Figure(str(epoch), Text.assemble(("epoch", "bold"), f"  after line {line.number}"))]
    values = {**seen, **line.values}
    for name in ("loss", "w", "w.grad", "update Δw", "b" if config.has_bias else "lr"):
        keys = [key for key in LIVE.get(name, (name,)) if key in values]
        if not keys:
            out.append(Figure("", Text.assemble((name, "bold"), "  —")))
            continue
        value = _scalar(values[keys[0]])
        if value is None:
            out.append(Figure("", Text.assemble((name, "bold"), "  = None")))
        else:
            out.append(cell(name, float(value)))  # type: ignore[arg-type]
    return out


def figures(session: TrainingSession, seen: dict[str, object] | None = None) -> list[Figure]:
    """The cells for the epoch the panes show: epoch, loss, w, w.grad, the update Δw (the
    step the optimizer took), then b with a bias, or else the learning rate. Inside an
    epoch, the values after the line just run."""
    inside = _mid_epoch(session, {} if seen is None else seen)
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
    out += [cell("w", record.w), cell("w.grad", record.grad_w)]
    out.append(cell("update Δw", step.dw))
    out.append(cell("b", record.b) if config.has_bias else cell("lr", record.lr))
    return out


class Presenter(Grid):
    """The big numbers, three cells a row (six on a wide screen)."""

    CELLS = 6

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: dict[int, Figure] = {}
        self._seen: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        for index in range(self.CELLS):
            with Vertical(classes="present-cell"):
                yield Static(id=f"present-label-{index}", classes="present-label", markup=False)
                yield Digits(id=f"present-{index}", classes="present-digits")

    def show(self, session: TrainingSession) -> None:
        """Redraw from the session; a cell is updated only when its figure changed."""
        for index, figure in enumerate(figures(session, self._seen)):
            if self._shown.get(index) == figure:
                continue
            self._shown[index] = figure
            self.query_one(f"#present-{index}", Digits).update(figure.big)
            self.query_one(f"#present-label-{index}", Static).update(figure.label)
