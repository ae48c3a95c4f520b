"""A small read-only table drawn as one block of text."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.content import Content
from textual.message import Message
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
    """Spaces between columns (1 where that fits every column and 2 does not)."""
    _gap = GAP

    class ColumnsHidden(Message):
        """The columns left out changed (the table was filled or resized)."""

        def __init__(self, table: TextTable, hidden: list[str]) -> None:
            super().__init__()
            self.table = table
            self.hidden = hidden
            """What the hidden columns are called (their titles), left out first first."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.header: list[str] = []
        self.titles: list[str] = []
        self.rows: list[list[Cell]] = []
        self.optional: list[int] = []
        self.hidden: list[str] = []
        """The titles of the columns left out because the table is too narrow for them."""

    def show(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        optional: Sequence[int] = (),
        titles: Sequence[str] | None = None,
    ) -> None:
        """Replace the table's contents (columns are as wide as their widest cell, so no
        number is ever cut). When the table is too narrow for every column, the ``optional``
        ones are left out, in that order, until the rest fit (then the last ones, whole, but
        the first); ``titles`` name the columns
        when their headers alone do not (two columns headed "grad")."""
        self.header = list(header)
        self.titles = list(titles) if titles is not None else self.header
        self.rows = [list(row) for row in rows]
        self.optional = list(optional)
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        contents = [[_content(cell) for cell in row] for row in self.rows]
        widths = [Content(name).cell_length for name in self.header]
        for row in contents:
            for index, cell in enumerate(row):
                widths[index] = max(widths[index], cell.cell_length)
        shown = list(range(len(self.header)))
        optional = list(self.optional)
        # Tighter gaps before any column gives way.
        self._gap = self.GAP if self._width(widths, self.GAP) <= self.size.width else 1
        left_out: list[int] = []
        while (
            len(shown) > 1 and self._width([widths[i] for i in shown], self._gap) > self.size.width
        ):
            # The optional columns first; then, rather than cut a number, the last ones.
            left_out.append(optional.pop(0) if optional else shown[-1])
            shown.remove(left_out[-1])
        hidden = [self.titles[i] for i in left_out]
        if hidden != self.hidden:
            self.hidden = hidden
            self.post_message(self.ColumnsHidden(self, hidden))
        widths = [widths[i] for i in shown]
        header = [Content(self.header[i]) for i in shown]
        lines = [self._line(header, widths).stylize("bold")]
        for index, row in enumerate(contents):
            line = self._line([row[i] for i in shown], widths)
            lines.append(line.stylize("on $boost") if index % 2 else line)
        # The table's size is set by its pane, not its contents: no layout pass per update.
        self.update(Content("\n").join(lines), layout=False)

    @staticmethod
    def _width(widths: list[int], gap: int) -> int:
        return 2 + sum(widths) + gap * (len(widths) - 1)

    def _line(self, cells: list[Content], widths: list[int]) -> Content:
        gap = " " * self._gap
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
