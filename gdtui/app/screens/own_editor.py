"""The editor of a learner's program (``e`` on their loop): the file in a ``TextArea``;
ctrl+s checks it compiles and writes it (atomically), then the program starts again;
escape leaves it unsaved. A syntax error is shown at its line, and the last good program
stays loaded."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

from gdtui.core.own.knobs import editable_text, write_program
from gdtui.core.text import visible


class EditorScreen(ModalScreen[bool]):
    """Edits ``path``; dismissed with True when it was saved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save and run", priority=True),
        Binding("escape", "cancel", "Leave unsaved", priority=True),
    ]

    DEFAULT_CSS = """
    EditorScreen { align: center middle; }
    EditorScreen #editor { height: 1fr; border: round $primary; }
    EditorScreen #editor-problem { height: auto; color: $error; }
    """

    def __init__(self, path: Path, cell: int | None = None) -> None:
        super().__init__()
        self.path = path
        self.cell = cell
        """The notebook's code cell being edited (its trained cell); None for a file."""
        self.original = ""

    def compose(self) -> ComposeResult:
        yield TextArea(id="editor", show_line_numbers=True, tab_behavior="indent")
        yield Static(id="editor-problem")
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one("#editor", TextArea)
        try:
            self.original = editable_text(self.path, self.cell)
        except (OSError, ValueError) as error:
            self.notify(f"{self.path.name} cannot be read ({error})", severity="error")
            self.dismiss(False)
            return
        area.text = self.original
        if "python" in area.available_languages:
            area.language = "python"
        what = self.path.name if self.cell is None else f"{self.path.name}, cell {self.cell}"
        area.border_title = visible(f"{what}: ctrl+s saves and runs, escape leaves")
        area.focus()

    def action_save(self) -> None:
        """Check it compiles; write it; run it again."""
        text = self.query_one("#editor", TextArea).text
        problem = self.query_one("#editor-problem", Static)
        try:
            ast.parse(text, filename=self.path.name)
        except SyntaxError as error:
            line = error.lineno or 1
            problem.update(
                visible(f"line {line}: syntax error: {error.msg}; not saved (the last good "
                        "program stays loaded)")
            )  # fmt: skip
            area = self.query_one("#editor", TextArea)
            area.cursor_location = (max(line - 1, 0), max((error.offset or 1) - 1, 0))
            return
        try:
            write_program(self.path, text, self.cell)
        except (OSError, ValueError) as error:
            why = getattr(error, "strerror", None) or error
            problem.update(visible(f"{self.path.name} not saved: {why}"))
            return
        self.dismiss(text != self.original)

    def action_cancel(self) -> None:
        """Leave; the file stays as it was."""
        self.dismiss(False)
