"""Messages to the screens: the training process's replies (through
:mod:`gdtui.app.training.link`), and what the widgets report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from gdtui.core.process.protocol import Reply


@dataclass
class TrainerReplied(Message):
    """The training process replied (posted from its reader thread) to the screen that
    asked: ``reply`` is one of :data:`gdtui.core.process.protocol.Reply`."""

    reply: Reply


@dataclass
class SettingsEdited(Message):
    """The user edited settings in the form; the run's session validates them. Entered with
    Enter (not ``left``), a field that applies is done with: single keys act again."""

    options: dict[str, Any]
    left: bool = False
    """Entered by leaving the field (not with Enter): a value that cannot apply reverts."""


@dataclass
class VariantChosen(Message):
    """The user picked a variant in the variant pane."""

    variant: str
