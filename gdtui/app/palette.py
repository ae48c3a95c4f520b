"""The command palette, safe against keys that arrive faster than it closes.

Textual's palette closes with ``dismiss()``, which pops whatever screen is on top: a second
``enter`` (or ``escape``) already queued when the first one closed it popped the screen under
it, the run's own (``ScreenStackError``, the app gone) or the one the chosen command had just
opened. Here a palette that is no longer on top ignores them, its search finishing after it
closed touches no widget that is gone, and the app never opens a second palette while one is
still in the stack (``DuplicateIds``)."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.command import CommandList, CommandPalette
from textual.widgets import Button, Input


class Palette(CommandPalette):
    """Textual's command palette, acting only while it is the screen on top."""

    def _select_or_command(self, event: Input.Submitted | Button.Pressed | None = None) -> None:
        if not self.is_current:  # closed already: a key that came in behind the one that did
            if event is not None:
                event.stop()
            return
        super()._select_or_command(event)

    def _action_escape(self) -> None:
        if self.is_current:
            super()._action_escape()

    def _watch__list_visible(self) -> None:
        # The search runs on a worker that may finish after the palette has closed and its
        # widgets are gone (NoMatches, the app gone).
        if self.query(CommandList):
            super()._watch__list_visible()


def open_palette(app: App[Any]) -> None:
    """Open the palette, unless one is open already (on top, or under a screen it opened)."""
    if app.use_command_palette and not any(
        isinstance(screen, CommandPalette) for screen in app.screen_stack
    ):
        app.push_screen(Palette(id="--command-palette"))
