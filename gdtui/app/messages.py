"""Messages that flow up from workers and widgets to the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from gdtui.core.compare import Comparison
    from gdtui.core.stepper import Batch


@dataclass
class EpochsCompleted(Message):
    """The training process stepped some epochs (posted from its reader thread)."""

    batch: Batch


@dataclass
class TorchLoaded(Message):
    """The training process has imported torch."""

    seconds: float


@dataclass
class ComparisonReady(Message):
    """The training process finished a comparison."""

    comparison: Comparison
    across: str


@dataclass
class TourReady(Message):
    """The training process ran the autograd tour's lessons."""

    outputs: list[str]


@dataclass
class TrainingFailed(Message):
    """The training process reported an error, or stopped."""

    message: str
    run_id: int


@dataclass
class SettingsEdited(Message):
    """The user edited settings in the form; the app validates them through the core."""

    options: dict[str, Any]


@dataclass
class VariantChosen(Message):
    """The user picked a variant in the variant pane."""

    variant: str
