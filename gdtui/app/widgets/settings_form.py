"""The hyperparameter form: every setting a line of one widget (:class:`SettingLines`), one
editor typed in over the row being edited, and a list opened on demand for a choice. Every
value goes through the core's validation; an error shows under its row and never reaches the
run. A CSV file to load is read on a thread."""

from __future__ import annotations

import contextlib
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from gdtui.app.messages import SettingsEdited
from gdtui.app.widgets.settings_lines import LABEL_WIDTH, SWITCH_STATES, Row, SettingLines
from gdtui.core.settings.config import (
    ConfigError,
    RunConfig,
    config_from_options,
    dataset_from_options,
)
from gdtui.core.settings.data import Dataset
from gdtui.core.settings.fields import BY_KEY, FORM_FIELDS, Field
from gdtui.core.settings.variants import VARIANTS

__all__ = ["FIELD_WIDGETS", "SWITCH_STATES", "SettingsForm"]


def _text(config: RunConfig, field: Field) -> str:
    if field.data:
        return ""  # a path to load, not a setting to show
    value = field.value(config)
    if isinstance(value, tuple):  # Adam's betas, as they are typed: 0.9,0.999
        return ",".join(f"{item:g}" for item in value)
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _choices(field: Field, config: RunConfig) -> tuple[str, ...]:
    if field.key == "dataset" and config.dataset.name not in field.choices:
        return (*field.choices, config.dataset.name)  # data from a file or lists: by its name
    return field.choices


def _choice(field: Field, config: RunConfig) -> str:
    if field.key == "dataset":
        return "noisy" if config.dataset.name.startswith("noisy") else config.dataset.name
    return str(getattr(config, field.key))


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


class SettingsForm(Vertical):
    """Edits the run's settings; tells the app with :class:`SettingsEdited`. Each setting is a
    stop of tab and shift+tab (then on to the next pane), and of up and down."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "move(1, True)", "Next setting", show=False),
        Binding("shift+tab", "move(-1, True)", "Previous setting", show=False),
        Binding("down", "move(1)", "Next setting", show=False),
        Binding("up", "move(-1)", "Previous setting", show=False),
    ]

    def __init__(
        self, config: RunConfig, *, files_root: Path | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.border_title = "Hyperparameters"
        self._config = config
        self.files_root = files_root
        """Where CSV files may be loaded from (a served tab), or None: anywhere."""
        self.editor = FieldEditor(compact=True)
        self.editor.display = False
        self.rows = {field.key: Row(field) for field in FORM_FIELDS}
        """Each setting's row as the form shows it, in the form's order."""
        self._fill(config)
        self.lines = SettingLines(self.rows)
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

    # -- what the form shows ----------------------------------------------------------------

    def _fill(self, config: RunConfig) -> None:
        seeded = VARIANTS[config.variant].seeded_init  # nn.Linear draws its own start
        editing = self.editor.setting if self.editor.has_focus else None
        for field in FORM_FIELDS:
            row = self.rows[field.key]
            if field.widget == "input" and field.key != editing:
                row.text = _text(config, field)
            elif field.widget == "switch":
                row.on = bool(field.value(config))
            elif field.widget == "select":
                row.choices, row.text = _choices(field, config), _choice(field, config)
            row.shown, row.error, row.placeholder = field.applies(config), "", field.placeholder
        self.rows["w0"].placeholder = self.rows["b0"].placeholder = "seeded init" if seeded else "0"
        self.rows["optimizer"].disabled = len(VARIANTS[config.variant].optimizers) == 1

    def show_config(self, config: RunConfig) -> None:
        """Show ``config``'s values (after a key press or a reset) without re-announcing them."""
        self._config = config
        self._fill(config)
        self._changed()
        row = self.rows[self.lines.cursor]
        if not row.stop:
            self._go(self._nearest_stop(self.lines.cursor))
        if self._choices is not None and self._choices.display:
            self._close_choices()

    def show_error(self, name: str, message: str) -> None:
        """Show (or clear, with "") the error under field ``name``."""
        row = self.rows.get(name)
        if row is not None and row.error != message:
            row.error = message
            self._changed()

    def error(self, name: str) -> str:
        """The error shown under field ``name`` ("" when none)."""
        return self.rows[name].error

    def revert(self, name: str) -> None:
        """Put back the run's value of a field left with one that could not apply, and say
        what was not applied and why (the error shown under the field until now)."""
        field, row = BY_KEY[name], self.rows[name]
        why, typed = row.error, row.text
        row.text = _text(self._config, field)
        if self.editor.setting == name and self.editor.display:
            with self.prevent(Input.Changed):
                self.editor.value = row.text
        row.error = ""
        self._changed()
        back = row.text or "its default"
        self.notify(
            f"{field.label}: {typed!r} not applied{f' ({why})' if why else ''}; back to {back}.",
            severity="warning",
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show the core's errors, each next to its field."""
        for name, message in errors.items():
            self.show_error(_field_for(name), message)

    def check(self, name: str, value: Any) -> bool:
        """Validate one field against the current settings; show the result; True if valid."""
        try:
            config_from_options({name: value}, base=self._config)
        except ConfigError as error:
            self.show_errors(error.errors)
            return False
        self.show_error(name, "")
        return True

    def _changed(self) -> None:
        self.lines.update_rows()
        self._place()

    # -- where the focus is -----------------------------------------------------------------

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
        if inside and (old is None or self not in old.ancestors) and not self._arriving:
            chain = self.screen.focus_chain
            back = old in chain and new in chain and chain.index(old) > chain.index(new)
            stops = [key for key, row in self.rows.items() if row.stop]
            if stops:
                self.lines.cursor = stops[-1 if back else 0]
                self.lines.show_cursor()
        if inside:
            self._arriving = False
            self.call_later(self._settle)
        else:
            self._close_choices()
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
            self.lines.focus(scroll_visible=False)  # the editor's blur applies what it holds
            return
        if editor.setting != row.key or not editor.has_focus:
            if editor.has_focus:  # from one text setting to the next: the last one is left
                self._apply(left=True)
            editor.setting = row.key
            with self.prevent(Input.Changed):
                editor.value = row.text
            editor.placeholder = row.placeholder
            if editor.has_focus:
                editor.select_all()  # as a field just focused
        self.lines.editing = row.key
        editor.display = True
        self._place()
        if not editor.has_focus:
            editor.focus(scroll_visible=False)

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
            self._close_choices()
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

    # -- editing ----------------------------------------------------------------------------

    @on(Input.Changed)
    def _typing(self, event: Input.Changed) -> None:
        event.stop()
        key = self.editor.setting
        if key is None:
            return
        self.rows[key].text = event.value
        if not BY_KEY[key].data:  # a file is checked when loaded, not per key
            self.check(key, event.value)
        self.lines.refresh()

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self._apply(left=False)

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        event.stop()
        self._apply(left=True)
        if not self.editor.has_focus:
            self.editor.display = False
            self.lines.editing = None
            self.lines.refresh()

    def _apply(self, *, left: bool) -> None:
        """What the editor holds, to the run: on Enter, or on leaving its row (``left``)."""
        key, value = self.editor.setting, self.editor.value
        if key is None:
            return
        if key == "data":
            if not left and value.strip():
                self._load(value.strip())  # on Enter only
            return
        if value != _text(self._config, BY_KEY[key]):
            self.post_message(SettingsEdited({key: value}, left=left))
        elif not left:  # Enter on the run's own value: nothing to change, the field is done
            self.post_message(SettingsEdited({}))

    @on(SettingLines.Activated)
    async def _activated(self, event: SettingLines.Activated) -> None:
        event.stop()
        row = self.rows[event.key]
        if row.kind == "switch":
            self.post_message(SettingsEdited({row.key: not row.on}))
        elif row.kind == "select" and row.stop:
            await self._open_choices(row)

    @on(SettingLines.Clicked)
    async def _clicked(self, event: SettingLines.Clicked) -> None:
        event.stop()
        row = self.rows[event.key]
        if not row.stop:
            return
        self._close_choices()
        self._go(row.key, arriving=True)
        if event.on_value and row.kind != "input":
            self.post_message(SettingLines.Activated(row.key))

    def choose(self, key: str, value: str) -> None:
        """Choose ``value`` for the choice ``key``, as picking it from its list does."""
        if value != _choice(BY_KEY[key], self._config):
            self.post_message(SettingsEdited({key: value}))

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
        choices.focus(scroll_visible=False)

    def _close_choices(self) -> None:
        choices = self._choices
        if choices is None or not choices.display:
            return
        refocus = choices.has_focus
        choices.display = False
        self.lines.expanded = None
        self.lines.refresh()
        if refocus:
            self.lines.focus(scroll_visible=False)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = self._choices.setting if self._choices is not None else None
        self._close_choices()
        if key is not None and event.option.id is not None:
            self.choose(key, event.option.id)

    @on(ChoiceList.Closed)
    def _list_closed(self, event: ChoiceList.Closed) -> None:
        event.stop()
        self._close_choices()

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()

    # -- a CSV file -------------------------------------------------------------------------

    def _load(self, path: str) -> None:
        """Read a CSV file on a thread: a large one takes a moment, and the keys, the screen
        and the run go on meanwhile. A newer file given replaces one still being read."""
        self.show_error("data", "")  # the last file's error is old news
        if self.files_root is not None:
            resolved = (self.files_root / path).resolve()
            if not resolved.is_relative_to(self.files_root.resolve()):
                why = f"this served session loads files from {self.files_root} only"
                self.show_error("data", why)
                return
            path = str(resolved)
        self.run_worker(
            partial(self._read, path),
            name="reading the file",
            thread=True,
            exclusive=True,
            group="load-data",
            exit_on_error=False,
        )

    def _read(self, path: str) -> None:
        """On the worker's thread: parse the file, then hand the result to the UI thread."""
        try:
            dataset, errors = dataset_from_options({"data": path}), {}
        except ConfigError as error:
            dataset, errors = None, error.errors
        # Not once the session ends: the answer would wait for an event loop that has gone.
        if not get_current_worker().is_cancelled and not getattr(self.app, "quitting", True):
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile
                self.app.call_from_thread(self._read_done, dataset, errors)

    @on(Worker.StateChanged)
    def _read_failed(self, event: Worker.StateChanged) -> None:
        """Reading went wrong in a way no file should make it: say so (the screen hears only
        of its own workers)."""
        if event.state is WorkerState.ERROR and not getattr(self.app, "quitting", True):
            why = f"{event.worker.name} failed: {event.worker.error!r}"
            self.notify(why, severity="error", timeout=10)

    def _read_done(self, dataset: Dataset | None, errors: dict[str, str]) -> None:
        if dataset is None:
            self.show_errors(errors)
        else:
            self.post_message(SettingsEdited({"dataset": dataset}))


FIELD_WIDGETS = (SettingsForm,)
"""What holds the form's fields: while the focus is in it, the run's single keys do not act."""


def _field_for(name: str) -> str:
    """The form field that shows an error about ``name`` (data errors show on the data row)."""
    return "dataset" if name in ("x", "y") else name
