"""The two settings of a learner's program that the app shows as fields: its learning rate
and its epoch count, each the program's own assignment of a number; a change edits that
number in the file (or the notebook's cell) and nothing else.

- The **learning rate**: the number assigned to the rate an update multiplies by (``lr``
  in ``w -= lr * dw``), or given as ``lr=`` to an optimizer (directly, or through a name).
- The **epoch count**: the number in the loop's ``range(N)`` (its last argument), directly
  or through a name (``n_iters = 100``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdtui.core.files import write_atomic
from gdtui.core.own.source import Source, top_level, training_loop
from gdtui.core.own.statements import loop_facts

LEARNING_RATE = "learning rate"
EPOCHS = "epochs"


@dataclass(frozen=True)
class Knob:
    """A number the program assigns, where it stands in the program's joined text."""

    kind: str
    """:data:`LEARNING_RATE` or :data:`EPOCHS`."""
    name: str
    """How the program names it (``learning_rate``, ``range(…)``)."""
    line: int
    start: int
    end: int
    """Its columns on that line (as ``ast`` counts them: UTF-8 bytes)."""
    text: str


class KnobError(ValueError):
    """A value a knob cannot take: the message names the knob and what it accepts."""


def find_knobs(source: Source) -> list[Knob]:
    """The program's learning rate and epoch count, where each is a number it assigns."""
    loop = training_loop(source)
    facts = loop_facts(source.tree, loop)
    found: list[Knob] = []
    rates = [u.rate for u in facts.updates if u.rate]
    for call in ast.walk(source.tree):
        if isinstance(call, ast.Call):
            for keyword in call.keywords:
                if keyword.arg == "lr":
                    if isinstance(keyword.value, ast.Name):
                        rates.append(keyword.value.id)
                    elif _number(keyword.value):
                        found.append(_knob(source, LEARNING_RATE, "lr", keyword.value))
    if not found:
        for name in rates:
            constant = _assigned_number(source, name, before=loop.lineno)
            if constant is not None:
                found.append(_knob(source, LEARNING_RATE, name, constant))
                break
    count = _epochs(source, loop)
    if count is not None:
        found.append(count)
    return found


def set_knob(path: Path, source: Source, knob: Knob, value: str) -> None:
    """Set ``knob`` to ``value`` in the file (in a notebook, in its cell), checked first: a
    learning rate is a number > 0, an epoch count a whole number ≥ 1. Raises KnobError,
    or OSError when the file cannot be written."""
    value = value.strip()
    try:
        number = float(value) if knob.kind == LEARNING_RATE else int(value)
    except ValueError:
        raise KnobError(_accepts(knob, value)) from None
    if not number > 0 or number != number or number == float("inf"):
        raise KnobError(_accepts(knob, value))
    cell, line = source.where(knob.line)
    lines = editable_text(path, cell).split("\n")
    raw = lines[line - 1].encode()
    lines[line - 1] = (raw[: knob.start] + value.encode() + raw[knob.end :]).decode()
    write_program(path, "\n".join(lines), cell)


def editable_text(path: Path, cell: int | None) -> str:
    """The program's own text: a file's, or a notebook's code cell ``cell`` as written (its
    magics included). Raises OSError or ValueError."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    return str(_code_cells(path)[1][(cell or 1) - 1].source)


def write_program(path: Path, text: str, cell: int | None = None) -> None:
    """Write the program (a notebook's code cell ``cell``: its source, in the notebook)."""
    if path.suffix != ".ipynb":
        write_atomic(path, text)
        return
    import nbformat

    notebook, codes = _code_cells(path)
    codes[(cell or len(codes)) - 1].source = text
    write_atomic(path, nbformat.writes(notebook))  # type: ignore[no-untyped-call]


def _code_cells(path: Path) -> tuple[Any, list[Any]]:
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)  # type: ignore[no-untyped-call]
    return notebook, [c for c in notebook.cells if c.cell_type == "code"]


def _accepts(knob: Knob, value: str) -> str:
    wants = "a number above 0" if knob.kind == LEARNING_RATE else "a whole number from 1"
    return f"{knob.name}: expects {wants}, got {value!r}"


def _number(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, int | float)


def _knob(source: Source, kind: str, name: str, node: ast.expr) -> Knob:
    line = node.lineno
    raw = source.text.split("\n")[line - 1].encode()
    start, end = node.col_offset, node.end_col_offset or node.col_offset
    return Knob(kind, name, line, start, end, raw[start:end].decode())


def _assigned_number(source: Source, name: str, before: int) -> ast.expr | None:
    """The number of the program's last top-level ``name = <number>`` before line ``before``."""
    found = None
    for node in top_level(source.tree):
        if node.lineno >= before:
            break
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name
            and _number(node.value)
        ):
            found = node.value
    return found


def _epochs(source: Source, loop: ast.For | ast.While) -> Knob | None:
    if not isinstance(loop, ast.For):
        return None
    call = loop.iter
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
        return None
    if call.func.id != "range" or not call.args or call.keywords:
        return None
    last = call.args[-1]
    if _number(last):
        return _knob(source, EPOCHS, "range(…)", last)
    if isinstance(last, ast.Name):
        constant = _assigned_number(source, last.id, before=loop.lineno)
        if constant is not None:
            return _knob(source, EPOCHS, last.id, constant)
    return None
