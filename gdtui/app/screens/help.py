"""The help screen: every key, and what the panes show."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from gdtui.app.widgets.key_bar import KeyBar
from gdtui.core.settings.fields import FIELDS


def about() -> str:
    """What the help screen says first: what gdtui does, and which settings change a run in
    place (read off the settings table)."""
    live = [_named(field.label or field.key) for field in FIELDS if field.live]
    in_place = ", ".join(live[:-1]) + f" and {live[-1]}"
    return (
        "gdtui trains y ≈ w·x (+ b) one epoch at a time. Each epoch: forward pass, loss "
        "(before the update), gradient, update. Turn zero_grad off to watch .grad accumulate "
        f"in the Debug pane. Edit a field and press Enter: {in_place} change the run in "
        "place, from the next epoch; other settings start it again. In a field only its own "
        "keys act: escape leaves it, and an entry that cannot apply goes back to the run's "
        "value."
    )


def _named(label: str) -> str:
    """A field's label as a name in a sentence: quoted where it is more than words
    (``"stop at loss <"``)."""
    return label if label.replace(" ", "").replace("_", "").isalnum() else f'"{label}"'


class HelpScreen(ModalScreen[None]):
    """Lists the app's key bindings; any of escape, q or ? closes it. Its own key bar covers
    the run's, whose keys do not act here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help"),
    ]

    def __init__(self, bindings: list[tuple[str, str]], intro: str | None = None) -> None:
        super().__init__()
        self._rows = bindings
        self._intro = intro

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, description in self._rows:
            table.add_row(key, description)
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys"
            yield Static(Text(self._intro or about()), id="help-about")
            yield Static(table)
            yield Static(Text("escape: close", style="dim"))
        yield KeyBar()
