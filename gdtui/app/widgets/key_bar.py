"""The key bar: the screen's keys on one line of text."""

from __future__ import annotations

from typing import Any, NamedTuple

from rich.cells import cell_len
from textual.binding import Binding
from textual.content import Content
from textual.markup import escape
from textual.screen import Screen
from textual.widget import Widget

GAP = "  "
MORE = "…"


class Key(NamedTuple):
    """One entry of the bar: its keys (as shown, and as pressed on a click) and what they do."""

    keys: tuple[tuple[str, str], ...]
    description: str
    pinned: bool
    compact: bool = False

    @property
    def shown(self) -> str:
        return ("" if self.compact else " ").join(shown for shown, _ in self.keys)

    @property
    def width(self) -> int:
        return cell_len(self.shown) + 1 + cell_len(self.description)

    def content(self) -> Content:
        """The keys, bold and clickable, then the description."""
        last = len(self.keys) - 1
        # The space before the description belongs to the last key: SVG renderers such as
        # librsvg drop a text run's leading space, which would glue "space" to "Run/Pause".
        keys = [
            Content.from_markup(
                f"[@click=app.simulate_key({pressed!r})]{escape(shown)}"
                f"{' ' if index == last else ''}[/]"
            )
            for index, (shown, pressed) in enumerate(self.keys)
        ]
        return Content.assemble(Content("" if self.compact else " ").join(keys), self.description)


class KeyBar(Widget):
    """The active keys in binding order, as one line of text.

    Textual's ``Footer`` mounts a widget per key and recomposes itself each time the bindings
    change: at start-up that cost three recompositions and arrived about 200 ms after the rest of
    the first frame. This bar is one widget drawn from the bindings, so it is in the first frame.
    When the line is too narrow for every key, the last ones give way to "…" and the pinned keys
    (help and quit) stay at the right, so a user can always find the rest. Keys stay clickable.
    """

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
        link-color: $footer-key-foreground;
        link-background: $footer-background;
        link-style: bold;
        link-color-hover: $footer-key-foreground;
        link-background-hover: $block-hover-background;
        link-style-hover: bold;
    }
    """

    PINNED = frozenset({"help", "quit"})
    """Actions that stay visible however narrow the bar."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.keys: list[Key] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if screen is self.screen:
            keys = self.collect()
            if keys != self.keys:
                self.keys = keys
                self.refresh()

    def collect(self) -> list[Key]:
        """The keys to show: bindings with a description, those of one group merged."""
        keys: list[Key] = []
        grouped: dict[Binding.Group, int] = {}
        seen: set[str] = set()
        for _, binding, enabled, _ in self.screen.active_bindings.values():
            if not (binding.show and enabled) or binding.action in seen:
                continue
            seen.add(binding.action)
            pair = (self.app.get_key_display(binding), binding.key.split(",")[0])
            group = binding.group
            if group is None:
                keys.append(Key((pair,), binding.description, binding.action in self.PINNED))
            elif group in grouped:
                index = grouped[group]
                keys[index] = keys[index]._replace(keys=(*keys[index].keys, pair))
            else:
                grouped[group] = len(keys)
                keys.append(Key((pair,), group.description, False, group.compact))
        palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if self.app.ENABLE_COMMAND_PALETTE and palette is not None and palette.enabled:
            shown = self.app.get_key_display(palette.binding)
            keys.append(Key(((shown, palette.binding.key),), "Palette", False))
        return keys

    def fitted(self, width: int) -> list[Key | None]:
        """The keys that fit on a line of ``width`` cells (with its leading space); None marks
        where some were left out."""
        pinned = [key for key in self.keys if key.pinned]
        rest = [key for key in self.keys if not key.pinned]

        def line_width(keys: list[Key | None]) -> int:
            widths = [len(MORE) if key is None else key.width for key in keys]
            return 1 + sum(widths) + len(GAP) * (len(widths) - 1)

        if line_width([*rest, *pinned]) <= width:
            return [*rest, *pinned]
        shown: list[Key | None] = list(rest)
        while shown and line_width([*shown, None, *pinned]) > width:
            shown.pop()
        return [*shown, None, *pinned]

    def render(self) -> Content:
        parts = [
            Content(MORE) if key is None else key.content() for key in self.fitted(self.size.width)
        ]
        return Content.assemble(" ", Content(GAP).join(parts))
