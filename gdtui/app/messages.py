"""Messages that flow up from workers and widgets to the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from gdtui.core.session import Batch


@dataclass
class EpochsCompleted(Message):
    """A worker stepped some epochs (posted from the worker's thread)."""

    batch: Batch


@dataclass
class TorchLoaded(Message):
    """``import torch`` finished in the background (``error`` is set if it failed)."""

    seconds: float
    error: str = ""


@dataclass
class SettingsEdited(Message):
    """The user edited settings in the form; the app validates them through the core."""

    options: dict[str, Any]


@dataclass
class VariantChosen(Message):
    """The user picked a variant in the variant pane."""

    variant: str
