"""The hyperparameter form: every setting a line of one widget (:class:`SettingLines`), one
editor typed in over the row being edited, and a list opened on demand for a choice. Every
value goes through the core's validation; an error shows under its row and never reaches the
run. A CSV file to load is read on a thread."""

from __future__ import annotations

import contextlib
from functools import partial
from pathlib import Path
from typing import Any

from textual import on
from textual.widgets import Input
from textual.worker import Worker, WorkerState, get_current_worker

from gdtui.app.messages import SettingsEdited
from gdtui.app.widgets.settings_focus import SettingsFocus
from gdtui.app.widgets.settings_rows import SWITCH_STATES, chosen, field_text, fill_rows, form_rows
from gdtui.core.settings.config import (
    ConfigError,
    RunConfig,
    config_from_options,
    dataset_from_options,
)
from gdtui.core.settings.data import Dataset
from gdtui.core.settings.fields import BY_KEY

__all__ = ["FIELD_WIDGETS", "SWITCH_STATES", "SettingsForm"]


class SettingsForm(SettingsFocus):
    """Edits the run's settings; tells the app with :class:`SettingsEdited`. The keyboard goes
    through them as :class:`SettingsFocus` says."""

    def __init__(
        self, config: RunConfig, *, files_root: Path | None = None, id: str | None = None
    ) -> None:
        rows = form_rows()
        fill_rows(rows, config)
        super().__init__(rows, id=id)
        self.border_title = "Hyperparameters"
        self._config = config
        self.files_root = files_root
        """Where CSV files may be loaded from (a served tab), or None: anywhere."""

    # -- what the form shows ----------------------------------------------------------------

    def show_config(self, config: RunConfig) -> None:
        """Show ``config``'s values (after a key press or a reset) without re-announcing them."""
        self._config = config
        fill_rows(self.rows, config, self.editor.setting if self.has(self.editor) else None)
        self.close_choices()  # its options may be others now
        self.redraw_rows()

    def show_error(self, name: str, message: str) -> None:
        """Show (or clear, with "") the error under field ``name``."""
        row = self.rows.get(name)
        if row is not None and row.error != message:
            row.error = message
            self.redraw_rows()

    def error(self, name: str) -> str:
        """The error shown under field ``name`` ("" when none)."""
        return self.rows[name].error

    def revert(self, name: str) -> None:
        """Put back the run's value of a field left with one that could not apply, and say
        what was not applied and why (the error shown under the field until now)."""
        field, row = BY_KEY[name], self.rows[name]
        why, typed = row.error, row.text
        row.text = field_text(self._config, field)
        if self.editor.setting == name and self.editor.display:
            with self.prevent(Input.Changed):
                self.editor.value = row.text
        row.error = ""
        self.redraw_rows()
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

    def _apply(self, *, left: bool) -> None:
        """What the editor holds, to the run: on Enter, or on leaving its row (``left``)."""
        key, value = self.editor.setting, self.editor.value
        if key is None:
            return
        if key == "data":
            if not left and value.strip():
                self._load(value.strip())  # on Enter only
            return
        if value != field_text(self._config, BY_KEY[key]):
            self.post_message(SettingsEdited({key: value}, left=left))
        elif not left:  # Enter on the run's own value: nothing to change, the field is done
            self.post_message(SettingsEdited({}))

    def choose(self, key: str, value: str) -> None:
        """Choose ``value`` for the choice ``key``, as picking it from its list does."""
        if value != chosen(BY_KEY[key], self._config):
            self.post_message(SettingsEdited({key: value}))

    def toggle(self, key: str) -> None:
        """Switch ``key`` on or off, as space on it does."""
        self.post_message(SettingsEdited({key: not self.rows[key].on}))

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
