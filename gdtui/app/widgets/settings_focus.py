"""How the keyboard goes through the settings form: a cursor on one setting at a time, edited
by the one editor put over a text setting's row, by the lines themselves for a switch, or by a
list opened under a choice's row (as htop's setup screen does). Tab, shift+tab, up and down go
from setting to setting; tab and shift+tab then on to the next pane. What a value means is the
form's (:class:`~gdtui.app.widgets.settings_form.SettingsForm`)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.dom import NoScreen
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from gdtui.app.widgets.settings_lines import LABEL_WIDTH, SettingLines
from gdtui.app.widgets.settings_rows import Row


class FieldEditor(Input):
    """The one text field, put over the row of the text setting being edited; its key bar
    says what Enter does."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "submit", "Apply")]

    setting: str | None = None
    """The setting it edits."""


class ChoiceList(OptionList):
    """A choice's options, opened under its row. Typed letters do nothing (they never change a
    setting unseen); Enter chooses, escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Choose"),
        Binding("escape", "close", "Close"),
    ]

    setting: str | None = None
    """The setting it offers the options of."""

    class Closed(Message):
        """Escape: closed with nothing chosen."""

    def action_close(self) -> None:
        self.post_message(self.Closed())


class SettingsFocus(Vertical):
    """The rows of settings (:class:`SettingLines`), their cursor, and what edits the row the
    cursor is on. Each setting is a stop of tab and shift+tab (then on to the next pane), and
    of up and down. Three widgets in all until a choice is first opened."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "move(1, True)", "Next setting", show=False),
        Binding("shift+tab", "move(-1, True)", "Previous setting", show=False),
        Binding("down", "move(1)", "Next setting", show=False),
        Binding("up", "move(-1)", "Previous setting", show=False),
    ]

    def __init__(self, rows: dict[str, Row], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = rows
        """Each setting's row as the form shows it, in the form's order."""
        self.lines = SettingLines(rows)
        self.editor = FieldEditor(compact=True)
        self.editor.display = False
        self._choices: ChoiceList | None = None
        self._arriving = False
        """The row to be on was set before the focus came (the palette, a click)."""

    def compose(self) -> ComposeResult:
        yield self.lines
        yield self.editor

    def on_mount(self) -> None:
        self.watch(self.screen, "focused", self._focus_moved, init=False)
        self.watch(self.lines, "scroll_y", self._place, init=False)

    def on_resize(self) -> None:
        self.call_after_refresh(self._place)

    def redraw_rows(self) -> None:
        """Lay the rows out and draw them again after a change in them (a setting hidden or
        disabled under the cursor: the cursor goes to the nearest other)."""
        self.lines.update_rows()
        if not self.rows[self.lines.cursor].stop:
            self._go(self._nearest_stop(self.lines.cursor))
        self._place()

    # -- what the form says a value means -----------------------------------------------------

    def _apply(self, *, left: bool) -> None:
        """The editor's text to the run: on Enter, or on leaving its row (``left``)."""

    def toggle(self, key: str) -> None:
        """Switch ``key`` on or off, as space on it does."""

    def choose(self, key: str, value: str) -> None:
        """Choose ``value`` for the choice ``key``, as picking it from its list does."""

    # -- where the focus is -----------------------------------------------------------------

    def has(self, widget: Widget) -> bool:
        """Whether ``widget`` has the focus now (its own ``has_focus`` follows a moment
        later, once its Focus or Blur event is handled)."""
        try:
            return self.screen.focused is widget
        except NoScreen:
            return False

    @property
    def focused_field(self) -> str | None:
        """The setting being edited, while the focus is on the form; else None."""
        return self.lines.cursor if self.has_focus_within else None

    def focus_field(self, key: str) -> None:
        """Go to setting ``key`` and give it the focus (the palette's "Edit …")."""
        self._go(key, arriving=True)

    def _focus_moved(self, old: Widget | None, new: Widget | None) -> None:
        """Tab and shift+tab into the form stop at its first and its last setting."""
        inside = new is not None and self in new.ancestors
        was_inside = old is not None and self in old.ancestors
        if not (inside or was_inside):
            return
        if inside and not was_inside and not self._arriving:
            chain = self.screen.focus_chain
            back = old in chain and new in chain and chain.index(old) > chain.index(new)
            stops = [key for key, row in self.rows.items() if row.stop]
            if stops:
                self.lines.cursor = stops[-1 if back else 0]
                self.lines.show_cursor()
        if inside:
            self._arriving = False
            self._settle()  # the editor has the focus before another key comes
        else:
            self.close_choices()
        self.lines.refresh()
        self.lines.refresh_bindings()

    def _go(self, key: str, *, arriving: bool = False) -> None:
        """Put the cursor on ``key`` (its row in sight) and, with the focus here or
        ``arriving``, edit it."""
        self.lines.cursor = key
        self.lines.show_cursor()
        self.lines.refresh()
        self.lines.refresh_bindings()  # enter chooses, or toggles, or the editor applies
        if self.has_focus_within:
            self._settle()
        elif arriving:
            self._arriving = True  # the row is chosen: tab's first or last row is not
            self._settle(arriving=True)

    def _settle(self, *, arriving: bool = False) -> None:
        """The focus where the cursor's row is edited: the editor over a text setting's row,
        the lines for a choice or a switch."""
        if not (arriving or self.has_focus_within) or self._choices_open():
            return
        row = self.rows[self.lines.cursor]
        editor = self.editor
        if row.kind != "input":
            self._focus(self.lines)  # the editor's blur applies what it holds
            return
        editing = self.has(editor)
        if editor.setting != row.key or not editing:
            if editing:  # from one text setting to the next: the last one is left
                self._apply(left=True)
            editor.setting = row.key
            with self.prevent(Input.Changed):
                editor.value = row.text
            editor.placeholder = row.placeholder
            if editing:
                editor.select_all()  # as a field just focused
        editor.display = True
        self._place()
        if not editing:
            self._focus(editor)

    def _focus(self, widget: Widget) -> None:
        """Give ``widget`` the focus now, before the next key is handled: ``widget.focus()``
        waits its turn behind the keys already typed, which then went to the lines and were
        lost (tab and a value typed at once, as at start, while the app was busy)."""
        self.screen.set_focus(widget, scroll_visible=False)

    def _place(self) -> None:
        """Put the editor over its row's value (and the list under a choice's)."""
        lines = self.lines
        for widget, below in ((self.editor, 0), (self._choices, 1)):
            if widget is None or not widget.display or widget.setting is None:
                continue
            y = lines.line_of(widget.setting) - round(lines.scroll_y) + below
            widget.styles.offset = (LABEL_WIDTH, y)
            widget.styles.width = max(1, lines.scrollable_content_region.width - LABEL_WIDTH)

    def _nearest_stop(self, key: str) -> str:
        keys = list(self.rows)
        index = keys.index(key)
        for distance in range(len(keys)):
            for near in (index + distance, index - distance):
                if 0 <= near < len(keys) and self.rows[keys[near]].stop:
                    return keys[near]
        return key

    def action_move(self, step: int, leave: bool = False) -> None:
        """Go to the next or the previous setting; ``leave``: from the last or the first, on
        to the next or the previous pane."""
        stops = [key for key, row in self.rows.items() if row.stop]
        cursor = self._nearest_stop(self.lines.cursor)
        index = stops.index(cursor) + step if cursor in stops else 0
        if 0 <= index < len(stops):
            self.close_choices()
            self._go(stops[index])
        elif leave:
            self._leave(step)

    def _leave(self, step: int) -> None:
        chain = self.screen.focus_chain
        mine = [index for index, widget in enumerate(chain) if self in widget.ancestors]
        if not mine or len(mine) == len(chain):
            return
        index = (mine[-1] + 1) % len(chain) if step > 0 else (mine[0] - 1) % len(chain)
        chain[index].focus()

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        event.stop()
        self._apply(left=True)
        if not self.has(self.editor):
            self.editor.display = False

    @on(SettingLines.Activated)
    async def _activated(self, event: SettingLines.Activated) -> None:
        event.stop()
        row = self.rows[event.key]
        if row.kind == "switch":
            self.toggle(row.key)
        elif row.kind == "select" and row.stop:
            await self._open_choices(row)

    @on(SettingLines.Clicked)
    async def _clicked(self, event: SettingLines.Clicked) -> None:
        event.stop()
        row = self.rows[event.key]
        if not row.stop:
            return
        self.close_choices()
        self._go(row.key, arriving=True)
        if event.on_value and row.kind != "input":
            self.post_message(SettingLines.Activated(row.key))

    # -- a choice's list --------------------------------------------------------------------

    def _choices_open(self) -> bool:
        return self._choices is not None and self._choices.display

    async def _open_choices(self, row: Row) -> None:
        if self._choices is None:  # made on first use: most runs never open one
            self._choices = ChoiceList()
            self._choices.display = False
            await self.mount(self._choices)
        choices = self._choices
        choices.setting = row.key
        choices.set_options([Option(name, id=name) for name in row.choices])
        choices.highlighted = row.choices.index(row.text) if row.text in row.choices else 0
        choices.display = True
        self.lines.expanded = row.key
        self.lines.refresh()
        self._place()
        self._focus(choices)

    def close_choices(self) -> None:
        """Close a choice's list, if open (the focus back on the lines, if it had it)."""
        choices = self._choices
        if choices is None or not choices.display:
            return
        refocus = self.has(choices)
        choices.display = False
        self.lines.expanded = None
        self.lines.refresh()
        if refocus:
            self._focus(self.lines)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = self._choices.setting if self._choices is not None else None
        self.close_choices()
        if key is not None and event.option.id is not None:
            self.choose(key, event.option.id)

    @on(ChoiceList.Closed)
    def _list_closed(self, event: ChoiceList.Closed) -> None:
        event.stop()
        self.close_choices()

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
