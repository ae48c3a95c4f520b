"""The command palette (ctrl+p): the app's actions and the variants."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from gdtui.core.trainers.registry import VARIANTS

if TYPE_CHECKING:
    from gdtui.app.app import GdtuiApp


class GdtuiCommands(Provider):
    """Offers every key's action, and switching to each variant."""

    def _commands(self) -> list[tuple[str, str, object]]:
        app: GdtuiApp = self.app  # type: ignore[assignment]
        commands: list[tuple[str, str, object]] = [
            (description, f"key {key}", partial(app.run_action, action))
            for key, action, description in app.palette_actions()
        ]
        for name, variant in VARIANTS.items():
            choose = partial(app.choose_variant, name)
            commands.append((f"Variant: {name}", variant.description, choose))
        return commands

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)  # type: ignore[arg-type]
