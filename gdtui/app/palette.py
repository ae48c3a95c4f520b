"""The command palette, safe against keys that arrive faster than it closes.

Textual's palette closes with ``dismiss()``, which pops whatever screen is on top: a second
``enter`` (or ``escape``) already queued when the first one closed it popped the screen under
it, the run's own (``ScreenStackError``, the app gone) or the one the chosen command had just
opened. Here a palette that is no longer on top ignores them, its search finishing after it
closed touches no widget that is gone, and the app never opens a second palette while one is
still in the stack (``DuplicateIds``)."""

from __future__ import annotations

import contextlib
from typing import Any, cast

from textual import work
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.command import CommandList, CommandPalette
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Button, Input, OptionList

CHOOSING = (Input.Submitted, Button.Pressed, OptionList.OptionSelected)
"""What chooses a command in the palette."""


class Palette(CommandPalette):
    """Textual's command palette, acting only while it is the screen on top."""

    @property
    def on_top(self) -> bool:
        """Whether this palette is the screen on top (``is_current`` is also true of one just
        closed while the screens behind the top one are still counted as shown)."""
        stack = self.app.screen_stack
        return bool(stack) and stack[-1] is self

    async def _on_message(self, message: Message) -> None:
        # Textual's handlers for these are registered with @on, so an override of them would
        # not be called: the messages are stopped here instead.
        if isinstance(message, CHOOSING) and not self.on_top:
            message.stop()  # closed already: a key that came in behind the one that did
            return
        await super()._on_message(message)

    def _select_or_command(self, event: Input.Submitted | Button.Pressed | None = None) -> None:
        if self.on_top:  # (called directly once an option is selected)
            super()._select_or_command(event)

    def _action_escape(self) -> None:
        if self.on_top:
            super()._action_escape()

    def dismiss(self, result: None = None) -> AwaitComplete:
        """Close the palette, if it is still the screen on top (``dismiss`` pops whatever is
        on top)."""
        if not self.on_top:
            return cast(AwaitComplete, AwaitComplete.nothing())  # type: ignore[no-untyped-call]
        return super().dismiss(result)

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP, exit_on_error=False)
    async def _gather_commands(self, search_value: str) -> None:
        # Textual's search, on a worker that may start or finish after the palette has
        # closed and its widgets are gone: then it has nothing to do, and is no error.
        if self.query(CommandList):
            gather = CommandPalette._gather_commands.__wrapped__  # type: ignore[attr-defined]
            with contextlib.suppress(NoMatches):
                await gather(self, search_value)

    def _watch__list_visible(self) -> None:
        # The search runs on a worker that may finish after the palette has closed and its
        # widgets are gone (NoMatches, the app gone).
        if self.query(CommandList):
            super()._watch__list_visible()


def open_palette(app: App[Any], **options: Any) -> None:
    """Open a palette (the commands, or with ``options`` another, such as the themes'),
    unless one is open already (on top, or under a screen it opened)."""
    if app.use_command_palette and not any(
        isinstance(screen, CommandPalette) for screen in app.screen_stack
    ):
        app.push_screen(Palette(**options))  # no id: one closing may still be in the DOM
