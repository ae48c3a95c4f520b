"""What the screen of a learner's own loop draws, from what the program said: the code
with its marks, the values after a line, a row per epoch, the line's place in a notebook.
Plain functions of plain data (the program's replies), no widgets."""

from __future__ import annotations

from typing import Any

from rich.syntax import Syntax
from rich.text import Text

from gdtui.core.numbers import shown


def line_in_cell(cells: list[dict[str, Any]], line: int) -> str:
    """A line of the program's joined text as the learner numbers it: ``12`` in a file,
    ``3 (cell 4)`` in a notebook."""
    for cell in reversed(cells):
        if line >= cell["first_line"]:
            if cell["number"] is None:
                return str(line)
            return f"{line - cell['first_line'] + 1} (cell {cell['number']})"
    return str(line)


def listing(
    source: str, cells: list[dict[str, Any]], state: dict[str, Any], last_line: int | None
) -> Text:
    """The code, highlighted, with the file's own line numbers (a notebook's cells headed):
    ``▶`` the line just run, ``›`` the next, ``!`` a mistake's line (named at its end),
    ``✗`` where the program stopped."""
    lines = source.splitlines()
    marked = {f["at"]: f["kind"] for f in state.get("findings", [])}
    stopped = (state.get("stopped") or {}).get("line")
    upcoming = state.get("next_line")
    rows = (
        Syntax(source, "python", theme="ansi_dark").highlight(source).split("\n", allow_blank=True)
    )
    width = len(str(len(lines)))
    text = Text(no_wrap=True)
    starts = {c["first_line"]: c["number"] for c in cells if c["number"] is not None}
    for number, row in enumerate(rows[: len(lines)], start=1):
        if number in starts:
            text.append(f"# cell {starts[number]}\n", style="dim italic")
        if number == stopped:
            gutter, style = "✗ ", "bold red"
        elif number in marked:
            gutter, style = "! ", "bold yellow"
        elif number == last_line:
            gutter, style = "▶ ", "bold"
        elif number == upcoming:
            gutter, style = "› ", "dim"
        else:
            gutter, style = "  ", ""
        text.append(gutter, style=style)
        text.append(f"{line_in_cell(cells, number).split()[0]:>{width}} ", style="dim")
        if number == last_line:
            row.stylize("reverse")
        text.append_text(row)
        if number in marked:
            text.append(f"  ← {marked[number]}", style="bold yellow")
        if number == stopped:
            text.append("  ← stopped here", style="bold red")
        text.append("\n")
    text.rstrip()
    return text


def epoch_table(
    records: list[dict[str, Any]], gradients: dict[str, str] | None = None
) -> tuple[list[str], list[list[str]], list[int]]:
    """(header, rows, optional columns) of a row per epoch: its loss, then each parameter
    after it, the gradient its backward() gave (or its hand-derived one), the update it
    applied (Δ) and the finite-difference gradient at the epoch's start; the numerical and
    the update columns give way first on a narrow pane. ``gradients`` names each
    parameter's gradient as the program does (``w.grad``, ``dw``)."""
    names = list(records[0]["params"]) if records else []
    header = ["epoch", "loss"]
    for name in names:
        gradient = (gradients or {}).get(name, f"{name}.grad")
        header += [name, gradient, f"Δ{name}", "numerical"]
    rows = []
    for record in records:
        row = [str(record["epoch"]), short(record["loss"])]
        gave = record.get("backward", {})
        for name in names:
            grad = gave[name] if name in gave else record["grads"].get(name)
            row += [
                short(record["params"].get(name)),
                short(grad),
                short(record.get("update", {}).get(name)),
                short(record.get("numerical", {}).get(name)),
            ]
        rows.append(row)
    optional = [i for i in range(2, len(header)) if header[i] == "numerical"]
    optional += [i for i in range(2, len(header)) if header[i].startswith("Δ")]
    return header, rows, optional


def values_text(
    values: dict[str, Any], graph: list[str] | None, record: dict[str, Any] | None
) -> Text:
    """The values the last line changed, the graph its backward() went down, and an
    epoch's record."""
    text = Text()
    if values:
        text.append("after the line:\n", style="dim")
        for name, value in values.items():
            text.append(f"{name} = ", style="bold")
            text.append(f"{short(value)}\n")
    if graph:
        text.append(
            "the graph backward() went down (← the gradient that reached each node):\n",
            style="dim",
        )
        text.append("\n".join(graph) + "\n")
    if record is not None:
        text.append(f"epoch {record['epoch']}'s record:\n", style="dim")
        text.append(f"loss = {short(record['loss'])}\n")
        for name, value in record["params"].items():
            text.append(f"{name} = {short(value)}\n")
            text.append(f"{name}.grad = {short(record['grads'].get(name))}\n")
    if not text:
        text.append(". runs a line, n an epoch, space runs on", style="dim")
    return text


def short(value: Any) -> str:
    """A value in a line: a number's shortest digits, a small list, else a shape."""
    if isinstance(value, dict) and "shape" in value:
        return f"shape {tuple(value['shape'])}, norm {shown(value['norm'])}"
    return shown(value)
