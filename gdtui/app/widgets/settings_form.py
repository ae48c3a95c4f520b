"""The hyperparameter form. Every value goes through the core's validation; an error shows
next to its field and never reaches the run."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch

from gdtui.app.messages import SettingsEdited
from gdtui.core.config import DEVICES, ConfigError, RunConfig, config_from_options
from gdtui.core.data import PRESETS
from gdtui.core.schedule import SCHEDULES
from gdtui.core.trainers.registry import GRAD_FORMULAS, OPTIMIZERS, VARIANTS

INPUT_FIELDS = ("lr", "epochs", "w0", "b0", "eps", "seed", "data")
LABELS = {
    "lr": "learning rate",
    "epochs": "epochs",
    "w0": "w0",
    "b0": "b0",
    "eps": "stop at loss <",
    "seed": "seed",
    "dataset": "data",
    "data": "load CSV",
    "optimizer": "optimizer",
    "grad_formula": "gradient",
    "schedule": "lr schedule",
    "device": "device",
    "zero_grad": "zero_grad",
}
PLACEHOLDERS = {"w0": "seeded init", "b0": "seeded init", "data": "path/to/file.csv"}
ORDER = (
    "lr",
    "epochs",
    "w0",
    "b0",
    "dataset",
    "data",
    "zero_grad",
    "optimizer",
    "schedule",
    "grad_formula",
    "eps",
    "seed",
    "device",
)


def _text(config: RunConfig, name: str) -> str:
    if name == "data":
        return ""  # a path to load, not a setting to show
    value = getattr(config, name)
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


class SettingsForm(VerticalScroll):
    """Edits the run's settings; tells the app with :class:`SettingsEdited`."""

    def __init__(self, config: RunConfig, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Hyperparameters"
        self._config = config

    def compose(self) -> ComposeResult:
        config = self._config
        for name in ORDER:
            widget: Widget
            if name in INPUT_FIELDS:
                widget = Input(
                    _text(config, name), placeholder=PLACEHOLDERS.get(name, ""), compact=True
                )
            elif name == "zero_grad":
                widget = Switch(config.zero_grad, animate=False)
            else:
                widget = Select(
                    self._choices(name, config),
                    value=self._choice(name, config),
                    allow_blank=False,
                    compact=True,
                )
            widget.id = f"field-{name}"
            with Horizontal(classes="field", id=f"row-{name}"):
                yield Label(LABELS[name], classes="field-label")
                yield widget
                if name == "zero_grad":
                    yield Label(_on_off(config.zero_grad), id="zero-grad-state")

    @staticmethod
    def _choices(name: str, config: RunConfig) -> list[tuple[str, str]]:
        if name == "dataset":
            names = [*PRESETS, "noisy"]
            if config.dataset.name not in names:
                names.append(config.dataset.name)
            return [(n, n) for n in names]
        options = {
            "optimizer": OPTIMIZERS,
            "grad_formula": GRAD_FORMULAS,
            "device": DEVICES,
            "schedule": SCHEDULES,
        }
        return [(n, n) for n in options[name]]

    @staticmethod
    def _choice(name: str, config: RunConfig) -> str:
        if name == "dataset":
            return "noisy" if config.dataset.name.startswith("noisy") else config.dataset.name
        return str(getattr(config, name))

    def show_config(self, config: RunConfig) -> None:
        """Show ``config``'s values (after a key press or a reset) without re-announcing them."""
        self._config = config
        variant = VARIANTS[config.variant]
        with self.prevent(Input.Changed, Select.Changed, Switch.Changed):
            for name in INPUT_FIELDS:
                field = self.query_one(f"#field-{name}", Input)
                if not field.has_focus:
                    field.value = _text(config, name)
            dataset = self.query_one("#field-dataset", Select)
            dataset.set_options(self._choices("dataset", config))
            dataset.value = self._choice("dataset", config)
            for name in ("optimizer", "grad_formula", "device", "schedule"):
                self.query_one(f"#field-{name}", Select).value = self._choice(name, config)
            self.query_one("#field-zero_grad", Switch).value = config.zero_grad
        self.query_one("#zero-grad-state", Label).update(_on_off(config.zero_grad))
        self.query_one("#field-w0", Input).placeholder = "seeded init" if config.has_bias else "0"
        self.query_one("#row-b0").display = config.has_bias
        self.query_one("#row-grad_formula").display = len(variant.grad_formulas) > 1
        self.query_one("#field-optimizer", Select).disabled = len(variant.optimizers) == 1
        for name in ORDER:
            self.show_error(name, "")

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
            error = Static(classes="field-error", id=f"error-{name}")
            self.mount(error, after=row)
        error.update(message)
        error.display = bool(message)

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
        if _name(event.input) != "data":  # a file is checked when it is loaded, not per key
            self.check(_name(event.input), event.value)

    @on(Input.Submitted)
    @on(Input.Blurred)
    def _entered(self, event: Input.Submitted | Input.Blurred) -> None:
        event.stop()
        name = _name(event.input)
        if name == "data" and (isinstance(event, Input.Blurred) or not event.value.strip()):
            return  # load a file on Enter only
        if event.value != _text(self._config, name):
            self.post_message(SettingsEdited({name: event.value}))

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        event.stop()
        name = _name(event.select)
        if event.value != self._choice(name, self._config):
            self.post_message(SettingsEdited({name: event.value}))

    @on(Switch.Changed)
    def _switched(self, event: Switch.Changed) -> None:
        event.stop()
        self.post_message(SettingsEdited({"zero_grad": event.value}))


def _on_off(on: bool) -> str:
    return " on" if on else " OFF: accumulates"


def _name(widget: Widget) -> str:
    assert widget.id is not None
    return widget.id.removeprefix("field-")


def _field_for(name: str) -> str:
    """The form field that shows an error about ``name`` (data errors show on the data row)."""
    return "dataset" if name in ("x", "y") else name
