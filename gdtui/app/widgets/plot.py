"""A plotext chart that reaches the screen without a detour through Rich text."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from plotext import _utility as plotext_utility
from rich.color import Color
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual_plotext import PlotextPlot

if TYPE_CHECKING:
    from typing_extensions import Self

# plotext drops repeated ticks and points through a set (``no_duplicates``), so their order,
# and with it which of two ticks that share a row keeps its label, changed with each process's
# string hashing: the same run drew different axes from one launch to the next. Its own
# order-keeping alternative, in its source beside it, makes a chart the same every time.
plotext_utility.no_duplicates = lambda data: list(dict.fromkeys(data))

_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_CONSOLE = Console(color_system="truecolor", width=1_000)


class Plot(PlotextPlot):
    """``PlotextPlot``, drawn line by line (Textual's line API) from plotext's ANSI output.

    ``PlotextPlot.render`` hands plotext's output to ``Text.from_ansi``, which Textual then
    turns into lines again: for a chart redrawn 15 times a second that was half the cost of
    each frame, the other half being plotext itself. plotext writes only a few kinds of
    escape codes, so they are turned into styled segments here directly, once per redraw.

    Labels and markers should be ASCII: characters such as → · • are "ambiguous width", two
    cells wide in terminals set up for East Asian text, and would shift the rest of a line.
    """

    _lines: tuple[Size, list[Strip]] | None = None

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        self._lines = None  # drawn again, from the plot as it is now
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def render_line(self, y: int) -> Strip:
        size = self.size
        if self._lines is None or self._lines[0] != size:
            self._lines = (size, self._build(*size))
        lines = self._lines[1]
        return lines[y] if 0 <= y < len(lines) else Strip.blank(size.width)

    def _build(self, width: int, height: int) -> list[Strip]:
        plot = self.plt
        # As PlotextPlot.render does: the size twice (see textual-plotext issue 5), the theme.
        plot.plotsize(width, height)
        plot._set_size(width, height)
        plot.theme(self._get_plotext_theme_name(self.app.theme))
        return ansi_lines(plot.build(), width, height)


def ansi_lines(text: str, width: int, height: int) -> list[Strip]:
    """``height`` strips of ``width`` cells from text with SGR escape codes."""
    lines: list[Strip] = []
    for line in text.split("\n")[:height]:
        try:
            segments = _segments(line)
        except ValueError:  # a code this parser does not know: Rich's decoder knows them all
            segments = list(Text.from_ansi(line).render(_CONSOLE))
        lines.append(Strip(segments).adjust_cell_length(width))
    lines += [Strip.blank(width)] * (height - len(lines))
    return lines


def _segments(line: str) -> list[Segment]:
    segments = []
    style = Style.null()
    position = 0
    for match in _SGR.finditer(line):
        if match.start() > position:
            segments.append(Segment(line[position : match.start()], style))
        style = _apply(style, match.group(1))
        position = match.end()
    if position < len(line):
        segments.append(Segment(line[position:], style))
    return segments


@lru_cache(maxsize=1024)
def _apply(style: Style, codes: str) -> Style:
    """``style`` after one SGR sequence: resets, bold, and 256-colour or RGB colours."""
    parts = [int(part) if part else 0 for part in codes.split(";")]
    index = 0
    while index < len(parts):
        code = parts[index]
        if code == 0:
            style = Style.null()
        elif code == 1:
            style += Style(bold=True)
        elif code in (38, 48) and index + 2 < len(parts) and parts[index + 1] == 5:
            color = Color.from_ansi(parts[index + 2])
            style += Style(color=color) if code == 38 else Style(bgcolor=color)
            index += 2
        elif code in (38, 48) and index + 4 < len(parts) and parts[index + 1] == 2:
            color = Color.from_rgb(*parts[index + 2 : index + 5])
            style += Style(color=color) if code == 38 else Style(bgcolor=color)
            index += 4
        else:
            raise ValueError(f"SGR code {codes!r}")
        index += 1
    return style
