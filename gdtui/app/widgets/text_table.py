"""A small read-only table drawn as one block of text."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.content import Content
from textual.widgets import Static

Cell = str | Text | Content


class TextTable(Static):
    """Rows of cells in aligned columns under a bold header, every other row shaded.

    A ``DataTable`` renders cell by cell and caches by row: refilled 15 times a second with
    all-new rows (the debug pane while a run goes flat out), it took a quarter of the UI
    thread's time. This table is one text update per refresh and costs a fraction of that.
    """

    DEFAULT_CSS = """
    TextTable {
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    GAP = 2
    """Spaces between columns."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.header: list[str] = []
        self.rows: list[list[Cell]] = []

    def show(self, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        """Replace the table's contents (columns are as wide as their widest cell)."""
        self.header = list(header)
        self.rows = [list(row) for row in rows]
        contents = [[_content(cell) for cell in row] for row in self.rows]
        widths = [Content(name).cell_length for name in header]
        for row in contents:
            for index, cell in enumerate(row):
                widths[index] = max(widths[index], cell.cell_length)
        lines = [self._line([Content(name) for name in header], widths).stylize("bold")]
        for index, row in enumerate(contents):
            line = self._line(row, widths)
            lines.append(line.stylize("on $boost") if index % 2 else line)
        # The table's size is set by its pane, not its contents: no layout pass per update.
        self.update(Content("\n").join(lines), layout=False)

    def cell_text(self, row: int, column: int) -> str:
        """The plain text of one cell."""
        return _content(self.rows[row][column]).plain

    def _line(self, cells: list[Content], widths: list[int]) -> Content:
        gap = " " * self.GAP
        padded = [
            cell.pad_right(width - cell.cell_length)
            for cell, width in zip(cells, widths, strict=True)
        ]
        return Content.assemble(" ", Content(gap).join(padded), " ")


def _content(cell: Cell) -> Content:
    if isinstance(cell, Content):
        return cell
    if isinstance(cell, Text):
        return Content.from_rich_text(cell)
    return Content(cell)
