"""What the app and its training process say to each other: typed commands down the pipe,
typed replies back, each a frozen dataclass (pickled across).

A command that asks for an answer carries a ``request`` number, given by the parent when it
sends it (:meth:`~gdtui.core.process.parent.TrainerProcess.ask`), and every answer to it
carries the same number; a reply with request 0 is the run's own (a stretch of the run going
flat out, a replay's progress). Adding a request is a command and its reply here, a ``case``
in :func:`gdtui.core.process.child.serve`, and a ``case`` where the reply is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gdtui.core.engine.runner import ReplayPlan, Stretch

if TYPE_CHECKING:
    from gdtui.core.compare.comparison import Comparison
    from gdtui.core.engine.lines import ExplainedLine
    from gdtui.core.engine.record import EpochRecord
    from gdtui.core.settings.changes import MidRunChange
    from gdtui.core.settings.config import RunConfig

# -- commands (parent → child) ------------------------------------------------------------


@dataclass(frozen=True)
class Reset:
    """Drop the current run and start run ``run_id``; ``changes`` are the settings that differ
    from those the child has (all of them the first time); ``script``, the changes mid-run
    that the run replays (a settings file's)."""

    run_id: int
    changes: dict[str, Any]
    script: tuple[MidRunChange, ...] = ()


@dataclass(frozen=True)
class Apply:
    """Change live settings from the next epoch (``changes`` as for :class:`Reset`)."""

    changes: dict[str, Any]


@dataclass(frozen=True)
class Run:
    """Run flat out, sending a :class:`~gdtui.core.engine.runner.Stretch` every slice, until
    paused or the run ends."""


@dataclass(frozen=True)
class Pause:
    """Stop running flat out after the slice in progress."""


@dataclass(frozen=True)
class RunEpochs:
    """Run exactly ``epochs`` epochs (fewer if the run ends) and answer them as one stretch
    (an empty one if the run has ended); as several, each but the last ``more``, when they
    hold more updates than one may (see :data:`~gdtui.core.engine.runner.MAX_STRETCH_UPDATES`)."""

    epochs: int
    request: int = 0


@dataclass(frozen=True)
class RunLine:
    """Run the next line of the loop; answered by :class:`LineRan`."""

    request: int = 0


@dataclass(frozen=True)
class Restore:
    """Run the current run again to ``plan.epochs`` (a new child carrying on from the history
    the parent kept); answered by :class:`Restoring` as it goes, then :class:`Restored`."""

    plan: ReplayPlan


@dataclass(frozen=True)
class WarmUp:
    """Import torch now and pay its first-step costs; answered by :class:`TorchReady`."""


@dataclass(frozen=True)
class Tour:
    """Run the autograd tour's cells; answered by :class:`TourRan`."""

    request: int = 0


@dataclass(frozen=True)
class Compare:
    """Run ``config``'s lanes across ``across`` (see :mod:`gdtui.core.compare`); answered by
    :class:`CompareProgress` as it goes and :class:`Compared` at the end."""

    config: RunConfig
    across: str
    request: int = 0


@dataclass(frozen=True)
class Cancel:
    """Give up comparison ``request`` (and any before it) at once: read as soon as it arrives,
    while the child is busy with the comparison, which answers None."""

    request: int


@dataclass(frozen=True)
class Quit:
    """End the child."""


Command = Reset | Apply | Run | Pause | RunEpochs | RunLine | Restore | WarmUp | Tour | Compare
"""The commands the child obeys in order (:class:`Cancel` and :class:`Quit` are read apart)."""
Request = RunEpochs | RunLine | Tour | Compare
"""The commands that carry a request number, which their answers carry back."""

# -- replies (child → parent) -------------------------------------------------------------


@dataclass(frozen=True)
class LineRan:
    """What the line asked for did (``line`` None: the run had ended), and its epoch's stretch
    when it was the epoch's last line."""

    run_id: int
    line: ExplainedLine | None
    stretch: Stretch | None
    request: int = 0


@dataclass(frozen=True)
class TorchReady:
    """The child has imported torch and paid its first-step costs."""

    seconds: float
    request: int = 0


@dataclass(frozen=True)
class CompareProgress:
    """How far each lane of a comparison has got: its epochs so far (``total`` once it has
    ended), and its loss so far as the chart draws it, (epochs, losses)."""

    lanes: dict[str, int]
    total: int
    series: dict[str, tuple[Any, Any]]
    request: int = 0


@dataclass(frozen=True)
class Compared:
    """The comparison's result; ``comparison`` is None if it was cancelled."""

    comparison: Comparison | None
    across: str
    request: int = 0


@dataclass(frozen=True)
class TourRan:
    """What each cell of the autograd tour printed."""

    outputs: list[str]
    request: int = 0


@dataclass(frozen=True)
class Failed:
    """Something went wrong in the child; ``message`` says what. It was running run
    ``run_id`` (which is paused), or answering request ``request``; 0 when neither."""

    message: str
    run_id: int = 0
    request: int = 0


@dataclass(frozen=True)
class Restoring:
    """How far a replay has got."""

    run_id: int
    epoch: int
    total: int
    request: int = 0


@dataclass(frozen=True)
class Restored:
    """A new child replayed its run up to ``record``'s epoch and can carry on from there."""

    run_id: int
    record: EpochRecord | None
    optimizer_state: dict[str, float] = field(default_factory=dict)
    request: int = 0


@dataclass(frozen=True)
class Died:
    """The child ended without being asked; ``why`` says how (``killed by SIGKILL``). The
    parent's reader says so; the child cannot."""

    why: str
    pid: int
    request: int = 0


@dataclass(frozen=True)
class Heartbeat:
    """The child is alive (never passed on to the parent's listener)."""


Reply = (
    Stretch
    | LineRan
    | TorchReady
    | CompareProgress
    | Compared
    | TourRan
    | Failed
    | Restoring
    | Restored
    | Died
)
"""What reaches the parent's listener; each carries ``request`` (0: the run's own)."""


def is_final(reply: Reply) -> bool:
    """Whether ``reply`` ends the wait for its request (progress does not, nor a stretch that
    more follow)."""
    if isinstance(reply, Stretch):
        return not reply.more
    return not isinstance(reply, (CompareProgress, Restoring))
