"""The hyperparameter form. Every value goes through the core's validation; an error shows
next to its field and never reaches the run. A CSV file to load is read on a thread."""

from __future__ import annotations

import contextlib
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch
from textual.worker import Worker, WorkerState, get_current_worker

from gdtui.app.messages import SettingsEdited
from gdtui.core.settings.config import (
    ConfigError,
    RunConfig,
    config_from_options,
    dataset_from_options,
)
from gdtui.core.settings.data import Dataset
from gdtui.core.settings.fields import BY_KEY, FORM_FIELDS, Field
from gdtui.core.settings.variants import VARIANTS

SWITCH_STATES = {"zero_grad": (" on", " OFF: accumulates")}
"""What the label beside a switch says when on and when off (default: on / off)."""


def _text(config: RunConfig, field: Field) -> str:
    if field.data:
        return ""  # a path to load, not a setting to show
    value = field.value(config)
    if isinstance(value, tuple):  # Adam's betas, as they are typed: 0.9,0.999
        return ",".join(f"{item:g}" for item in value)
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


class FieldInput(Input):
    """A text field whose key bar says what Enter does."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "submit", "Apply")]


class FieldSelect(Select[str]):
    """A choice: Enter or space opens it; typed letters do nothing (they never change a
    setting unseen)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space,down,up", "show_overlay", "Choose")
    ]


class FieldSwitch(Switch):
    """An on/off setting whose key bar says what space does."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,enter", "toggle_switch", "Toggle", key_display="space")
    ]


FIELD_WIDGETS = (Input, Select, Switch)
"""What a form field is: while one has the focus, the run's single keys do not act."""


class SettingsForm(VerticalScroll):
    """Edits the run's settings; tells the app with :class:`SettingsEdited`."""

    can_focus = False  # its fields take the focus (and scroll it); it would be a stop of none

    def __init__(
        self, config: RunConfig, *, files_root: Path | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.border_title = "Hyperparameters"
        self._config = config
        self.files_root = files_root
        """Where CSV files may be loaded from (a served tab), or None: anywhere."""

    def compose(self) -> ComposeResult:
        config = self._config
        for field in FORM_FIELDS:
            widget: Widget
            if field.widget == "input":
                widget = FieldInput(
                    _text(config, field), placeholder=field.placeholder, compact=True
                )
            elif field.widget == "switch":
                widget = FieldSwitch(getattr(config, field.key), animate=False)
            else:
                widget = FieldSelect(
                    self._choices(field, config),
                    value=self._choice(field, config),
                    allow_blank=False,
                    compact=True,
                    type_to_search=False,
                )
            widget.id = f"field-{field.key}"
            with Horizontal(classes="field", id=f"row-{field.key}"):
                yield Label(field.label or field.key, classes="field-label")
                yield widget
                if field.widget == "switch":
                    yield Label(classes="switch-state", id=f"state-{field.key}")

    @staticmethod
    def _choices(field: Field, config: RunConfig) -> list[tuple[str, str]]:
        names = list(field.choices)
        if field.key == "dataset" and config.dataset.name not in names:
            names.append(config.dataset.name)  # data from a file or lists: shown by its name
        return [(n, n) for n in names]

    @staticmethod
    def _choice(field: Field, config: RunConfig) -> str:
        if field.key == "dataset":
            return "noisy" if config.dataset.name.startswith("noisy") else config.dataset.name
        return str(getattr(config, field.key))

    def show_config(self, config: RunConfig) -> None:
        """Show ``config``'s values (after a key press or a reset) without re-announcing them."""
        self._config = config
        with self.prevent(Input.Changed, Select.Changed, Switch.Changed):
            for field in FORM_FIELDS:
                widget = self.query_one(f"#field-{field.key}")
                if isinstance(widget, Input):
                    if not widget.has_focus:
                        widget.value = _text(config, field)
                elif isinstance(widget, Switch):
                    widget.value = field.value(config)
                elif isinstance(widget, Select):
                    if field.key == "dataset":
                        widget.set_options(self._choices(field, config))
                    widget.value = self._choice(field, config)
        for field in FORM_FIELDS:
            self.query_one(f"#row-{field.key}").display = field.applies(config)
            if field.widget == "switch":
                on, off = SWITCH_STATES.get(field.key, (" on", " off"))
                self.query_one(f"#state-{field.key}", Label).update(
                    on if field.value(config) else off
                )
            self.show_error(field.key, "")
        seeded = VARIANTS[config.variant].seeded_init  # nn.Linear draws its own start
        self.query_one("#field-w0", Input).placeholder = "seeded init" if seeded else "0"
        self.query_one("#field-b0", Input).placeholder = "seeded init" if seeded else "0"
        variant = VARIANTS[config.variant]
        self.query_one("#field-optimizer", Select).disabled = len(variant.optimizers) == 1

    def show_error(self, name: str, message: str) -> None:
        """Show (or clear, with "") the error under field ``name``."""
        try:
            row = self.query_one(f"#row-{name}")
        except NoMatches:
            return
        row.set_class(bool(message), "-invalid")
        errors = self.query(f"#error-{name}").results(Static)
        error = next(errors, None)
        if error is None:
            if not message:
                return
            # Made on first use: thirteen hidden lines would cost the first frame ~10 ms.
            error = Static(classes="field-error", id=f"error-{name}", markup=False)
            self.mount(error, after=row)
        error.update(message)
        error.display = bool(message)

    def revert(self, name: str) -> None:
        """Put back the run's value of a field left with one that could not apply, and say
        what was not applied and why (the error shown under the field until now)."""
        field = BY_KEY[name]
        widget = self.query_one(f"#field-{name}", Input)
        error = next(self.query(f"#error-{name}").results(Static), None)
        why = str(error.content) if error is not None and error.display else ""
        typed, widget.value = widget.value, _text(self._config, field)
        self.show_error(name, "")
        back = widget.value or "its default"
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

    @on(Input.Changed)
    def _typing(self, event: Input.Changed) -> None:
        event.stop()
        if not BY_KEY[_name(event.input)].data:  # a file is checked when loaded, not per key
            self.check(_name(event.input), event.value)

    @on(Input.Submitted)
    @on(Input.Blurred)
    def _entered(self, event: Input.Submitted | Input.Blurred) -> None:
        event.stop()
        name = _name(event.input)
        if name == "data":
            if isinstance(event, Input.Submitted) and event.value.strip():
                self._load(event.value.strip())  # on Enter only
            return
        left = isinstance(event, Input.Blurred)
        if event.value != _text(self._config, BY_KEY[name]):
            self.post_message(SettingsEdited({name: event.value}, left=left))
        elif not left:  # Enter on the run's own value: nothing to change, the field is done
            self.post_message(SettingsEdited({}))

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

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        event.stop()
        name = _name(event.select)
        if event.value != self._choice(BY_KEY[name], self._config):
            self.post_message(SettingsEdited({name: event.value}))

    @on(Switch.Changed)
    def _switched(self, event: Switch.Changed) -> None:
        event.stop()
        self.post_message(SettingsEdited({_name(event.switch): event.value}))


def _name(widget: Widget) -> str:
    assert widget.id is not None
    return widget.id.removeprefix("field-")


def _field_for(name: str) -> str:
    """The form field that shows an error about ``name`` (data errors show on the data row)."""
    return "dataset" if name in ("x", "y") else name
