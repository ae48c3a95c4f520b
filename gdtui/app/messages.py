"""Messages from the training process (through :mod:`gdtui.app.training.link`) and from
widgets, to the screens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    import numpy as np

    from gdtui.core.compare.comparison import Comparison
    from gdtui.core.engine.lines import LineStep
    from gdtui.core.engine.runner import Batch
    from gdtui.core.process.parent import Restored


@dataclass
class EpochsCompleted(Message):
    """The training process stepped some epochs (posted from its reader thread)."""

    batch: Batch


@dataclass
class LineStepped(Message):
    """The training process ran one line of the loop (``step`` None: the run had ended);
    ``batch`` is the epoch's, after its last line."""

    run_id: int
    step: LineStep | None
    batch: Batch | None


@dataclass
class TorchLoaded(Message):
    """The training process has imported torch."""

    seconds: float


@dataclass
class ComparisonReady(Message):
    """The training process finished comparison ``request`` (None: it was cancelled)."""

    request: int
    comparison: Comparison | None
    across: str


@dataclass
class ComparisonProgressed(Message):
    """Comparison ``request``'s lanes have got this far: epochs per lane of ``total`` (all
    of them once a lane has ended), and each lane's loss so far, (epochs, losses)."""

    request: int
    lanes: dict[str, int]
    total: int
    series: dict[str, tuple[np.ndarray, np.ndarray]]


@dataclass
class TourReady(Message):
    """The training process ran the autograd tour's lessons (request ``request``)."""

    request: int
    outputs: list[str]


@dataclass
class TrainingFailed(Message):
    """The training process reported an error while stepping run ``run_id`` (0: while
    answering a request)."""

    message: str
    run_id: int


@dataclass
class TrainerStopped(Message):
    """The training process ``pid`` ended without being asked (killed, or crashed), or
    before it answered the screen this is posted to."""

    why: str
    pid: int


@dataclass
class RunRestoring(Message):
    """A new training process is replaying the run: it has reached ``epoch`` of ``total``."""

    run_id: int
    epoch: int
    total: int


@dataclass
class RunRestored(Message):
    """A new training process has replayed the run to where it stood."""

    restored: Restored


@dataclass
class SettingsEdited(Message):
    """The user edited settings in the form; the app validates them through the core."""

    options: dict[str, Any]
    left: bool = False
    """Entered by leaving the field (not with Enter): a value that cannot apply reverts."""


@dataclass
class VariantChosen(Message):
    """The user picked a variant in the variant pane."""

    variant: str
