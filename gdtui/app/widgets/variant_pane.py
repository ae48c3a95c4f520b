"""The variant pane: the four trainers of the registry, one line of description each."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from gdtui.app.messages import VariantChosen
from gdtui.core.settings.variants import VARIANTS


class VariantPane(OptionList):
    """Lists the variants; Enter or a click chooses one."""

    def __init__(self, current: str, *, id: str | None = None) -> None:
        options = [
            Option(Text.assemble((name, "bold"), "\n", (variant.description, "dim")), id=name)
            for name, variant in VARIANTS.items()
        ]
        super().__init__(*options, id=id)
        self.border_title = "Variant"
        self.show(current)

    def show(self, variant: str) -> None:
        """Highlight ``variant`` without announcing a choice."""
        self.highlighted = list(VARIANTS).index(variant)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id is not None:
            self.post_message(VariantChosen(event.option_id))
