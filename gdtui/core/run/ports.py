"""What a :class:`~gdtui.core.run.session.TrainingSession` talks to: the port to its training
process, which it tells what to do, and the listeners it tells what was done to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from gdtui.core.engine.runner import Stretch
    from gdtui.core.run.session import Change
    from gdtui.core.settings.config import RunConfig


class TrainerPort(Protocol):
    """What a session asks of its training process. The asks that need a process answer
    False when none can be had (the port has said why)."""

    @property
    def sent(self) -> int:
        """How many commands the process has been sent that it counts as it obeys them."""
        ...

    def reset(self, run_id: int, config: RunConfig) -> None: ...

    def apply(self, config: RunConfig) -> None: ...

    def pause(self) -> None: ...

    def run(self) -> bool: ...

    def run_epochs(self, epochs: int) -> bool: ...

    def run_line(self) -> bool: ...


class Unattached:
    """The port of a session with no training process (the core's own tests, a run whose
    stretches come from elsewhere): it is told everything and does nothing."""

    sent = 0

    def reset(self, run_id: int, config: RunConfig) -> None:
        """Nothing to reset."""

    def apply(self, config: RunConfig) -> None:
        """Nothing to tell."""

    def pause(self) -> None:
        """Nothing runs."""

    def run(self) -> bool:
        """Nothing will run."""
        return True

    def run_epochs(self, epochs: int) -> bool:
        """Nothing will run."""
        return True

    def run_line(self) -> bool:
        """Nothing will run."""
        return True


class Listener:
    """Hears what is done to a session, each act with ``at``: how many commands its training
    process had been sent once the act was done (so that a stretch run flat out, which says
    how many it had obeyed, can be placed among them). Every method does nothing here."""

    def restarted(self, at: int) -> None:
        """The run was started again from epoch 0 (``r``), its settings as they stand."""

    def changed(self, change: Change, at: int) -> None:
        """Settings were changed (and applied)."""

    def ran_epochs(self, epochs: int, at: int) -> None:
        """``epochs`` epochs were asked for (``n``; a partial epoch's rest counts as one)."""

    def ran_line(self, at: int) -> None:
        """The next line of the loop was asked for (``.``)."""

    def ran_on(self, at: int) -> None:
        """The run was set going flat out (``space``)."""

    def viewed(self, view: str, at: int) -> None:
        """Another view came into sight."""

    def landed(self, stretch: Stretch) -> None:
        """A stretch of the run going flat out arrived."""
