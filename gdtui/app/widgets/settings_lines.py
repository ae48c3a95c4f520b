"""The settings drawn as lines: one widget draws every row of the form (Textual's Line API), as
htop's setup screen does; the form puts its one editor over the row being typed in."""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBarRender
from textual.strip import Strip
from textual.widget import Widget

from gdtui.app.widgets.settings_rows import Row

LABEL_WIDTH = 16
"""The column of the settings' names; the values start after it."""
ERROR_INDENT = 2
"""An error's lines are indented under its row by this many columns."""
SWITCH_WIDTH = 4
"""A switch's slider, as Textual's ``Switch`` draws it."""
CHOICE_LOOKS = {
    "value": ("value", "arrow", "value"),
    "cursor": ("value-cursor", "arrow-cursor", "value-cursor"),
    "disabled": ("disabled", "disabled-arrow", "disabled-edge"),
}
"""A choice's name, arrow and last column: as it stands, with the focus on it, and with one
option."""


class SettingLines(ScrollView, can_focus=True, inherit_bindings=False):
    """Every shown setting as a line (label, then value), with an error's lines under its row.
    It holds the focus on a choice or a switch; on a text setting the form's editor does."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "settings--label",
        "settings--label-cursor",
        "settings--label-invalid",
        "settings--value",
        "settings--value-cursor",
        "settings--placeholder",
        "settings--arrow",
        "settings--arrow-cursor",
        "settings--disabled",
        "settings--disabled-arrow",
        "settings--disabled-edge",
        "settings--slider",
        "settings--slider-on",
        "settings--state",
        "settings--error",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "choose", "Choose"),
        Binding("space,enter", "toggle_switch", "Toggle", key_display="space"),
    ]

    class Activated(Message):
        """Enter or space on a choice (open its list) or a switch (toggle it)."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class Clicked(Message):
        """A click on a row; ``on_value`` when on its value (a switch toggles, a list opens)."""

        def __init__(self, key: str, on_value: bool) -> None:
            super().__init__()
            self.key = key
            self.on_value = on_value

    def __init__(self, rows: dict[str, Row], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = rows
        self.cursor = next(iter(rows))
        """The setting the form is on (drawn so while the form has the focus)."""
        self.expanded: str | None = None
        """The choice whose list is open, or None."""
        self._lines: list[tuple[str, int]] = []
        """Each line: its row's key and -1 for the row, or the line of its error."""
        self._errors: dict[str, list[Content]] = {}

    # -- the model --------------------------------------------------------------------------

    def update_rows(self) -> None:
        """Lay the rows out again after a change in them, and draw them."""
        width = self.scrollable_content_region.width or self.size.width
        self._lines, self._errors = [], {}
        for key, row in self.rows.items():
            if not row.shown:
                continue
            self._lines.append((key, -1))
            if row.error:
                wrapped = Content(row.error).wrap(max(1, width - ERROR_INDENT))
                self._errors[key] = wrapped
                self._lines.extend((key, index) for index in range(len(wrapped)))
        self.virtual_size = Size(0, len(self._lines))
        self.refresh()

    def line_of(self, key: str) -> int:
        """The line a setting's row is drawn on (-1 if hidden)."""
        return next((y for y, line in enumerate(self._lines) if line == (key, -1)), -1)

    def lines_under(self, key: str) -> int:
        """How many lines a row takes, its error included."""
        return 1 + len(self._errors.get(key, ()))

    def key_at(self, y: int) -> str | None:
        """The setting drawn on line ``y`` (its row or its error), or None."""
        return self._lines[y][0] if 0 <= y < len(self._lines) else None

    def show_cursor(self) -> None:
        """Scroll the cursor's row and its error into sight."""
        top, height = self.line_of(self.cursor), self.lines_under(self.cursor)
        window = self.scrollable_content_region.height
        if top < 0 or not window:
            return
        scroll = round(self.scroll_y)
        if top < scroll:
            self.scroll_to(y=top, animate=False, immediate=True)
        elif top + min(height, window) > scroll + window:
            self.scroll_to(y=top + min(height, window) - window, animate=False, immediate=True)

    # -- keys and the mouse -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter and space choose on a choice and toggle a switch: the key bar shows the one
        the row has."""
        row = self.rows[self.cursor]
        if action == "choose":
            return row.kind == "select" and row.stop
        if action == "toggle_switch":
            return row.kind == "switch" and row.stop
        return True

    def action_choose(self) -> None:
        self.post_message(self.Activated(self.cursor))

    def action_toggle_switch(self) -> None:
        self.post_message(self.Activated(self.cursor))

    def focus_on_click(self) -> bool:
        return False  # the click says which row: the form moves there, then focuses

    def on_click(self, event: events.Click) -> None:
        event.stop()
        offset = event.get_content_offset(self)
        if offset is None:
            return
        key = self.key_at(offset.y + round(self.scroll_y))
        if key is not None:
            self.post_message(self.Clicked(key, offset.x >= LABEL_WIDTH))

    def on_focus(self) -> None:
        self._refresh_row(self.cursor)

    def on_blur(self) -> None:
        self._refresh_row(self.cursor)

    def _refresh_row(self, key: str) -> None:
        y = self.line_of(key)
        if y >= 0:
            self.refresh_line(y)

    def on_resize(self) -> None:
        self.update_rows()
        if self.has_focus_within_form:  # the drawer just opened, or the screen changed size
            self.show_cursor()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()

    # -- drawing ----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = y + round(self.scroll_y)
        if not 0 <= index < len(self._lines):
            return Strip.blank(width, self.rich_style)
        key, part = self._lines[index]
        if part >= 0:
            return self._error_line(self._errors[key][part], width)
        return self._row_line(self.rows[key], width)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name)

    def _error_line(self, line: Content, width: int) -> Strip:
        style = self._style("settings--error")
        # The indent in the widget's own style, as padding is: SVG renderers such as librsvg
        # drop a text run's leading spaces.
        segments = [Segment(" " * ERROR_INDENT, self.rich_style), Segment(line.plain, style)]
        return Strip(segments).adjust_cell_length(width, self.rich_style)

    def _row_line(self, row: Row, width: int) -> Strip:
        current = row.key == self.cursor and self.has_focus_within_form
        label = "settings--label-invalid" if row.error else "settings--label"
        if current and not row.error:
            label = "settings--label-cursor"
        name = row.field.label or row.key
        segments = [Segment(name, self._style(label))]
        head = Strip(segments).adjust_cell_length(LABEL_WIDTH, self.rich_style)
        room = max(0, width - LABEL_WIDTH)
        value = self._value(row, room, current)
        return Strip.join([head, value]).adjust_cell_length(width, self.rich_style)

    @property
    def has_focus_within_form(self) -> bool:
        """Whether the focus is on the form (here or in its editor or list)."""
        parent = self.parent
        return self.has_focus or (isinstance(parent, Widget) and parent.has_focus_within)

    def _value(self, row: Row, room: int, current: bool) -> Strip:
        if row.kind == "switch":
            return self._switch(row)
        if row.kind == "select":
            return self._choice(row, room, current)
        if row.text:
            style = self._style("settings--value")
            return Strip([Segment(row.text, style)]).adjust_cell_length(room, style)
        style = self._style("settings--value")
        placeholder = self._style("settings--placeholder")
        return Strip([Segment(row.placeholder, placeholder)]).adjust_cell_length(room, style)

    def _choice(self, row: Row, room: int, current: bool) -> Strip:
        look = "disabled" if row.disabled else "cursor" if current else "value"
        value, arrow, edge = (self._style(f"settings--{name}") for name in CHOICE_LOOKS[look])
        # As Textual's compact Select: the name, the arrow a column from the right; the space
        # around them is the background alone, as Select's padding is.
        pad = Style(bgcolor=value.bgcolor)
        name = Strip([Segment(row.text, value)]).adjust_cell_length(max(0, room - 3), pad)
        glyph = "▲" if row.key == self.expanded else "▼"
        tail = Strip([Segment(" ", pad), Segment(glyph, arrow), Segment(" ", edge)])
        return Strip.join([name, tail]).crop(0, room)

    def _switch(self, row: Row) -> Strip:
        slider = self._style("settings--slider-on" if row.on else "settings--slider")
        bar = ScrollBarRender.render_bar(
            size=SWITCH_WIDTH,
            virtual_size=100,
            window_size=50,
            position=50 if row.on else 0,
            vertical=False,
            back_color=slider.bgcolor,  # type: ignore[arg-type]  # Rich's colours, as Switch's
            bar_color=slider.color,  # type: ignore[arg-type]
        )
        segments = [
            Segment(text, Style(color=s.color, bgcolor=s.bgcolor, reverse=s.reverse))
            for text, s, _ in bar.segments
            if text != "\n" and s is not None
        ]
        segments.append(Segment(row.state_words, self._style("settings--state")))
        return Strip(segments)
