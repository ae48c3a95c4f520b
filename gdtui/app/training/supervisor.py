"""Keeps the training process fit for the run: notices when it dies or stops answering, says
so once, and replaces it when the user carries on, replaying the run in the new process so
that the history on screen carries on too (nothing recorded is thrown away).

It is the session's :class:`~gdtui.core.run.session.TrainerPort`: what the session asks of
its training process goes through here, which makes sure there is a usable one first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from textual.notifications import SeverityLevel

from gdtui.core.engine.record import GRAD_STATE_NAMES, EpochRecord
from gdtui.core.engine.stops import RunState
from gdtui.core.process.protocol import Pause, Restore, Run, RunEpochs, RunLine, WarmUp
from gdtui.core.settings.variants import VARIANTS

if TYPE_CHECKING:
    from gdtui.app.training.link import TrainerLink
    from gdtui.core.process.parent import TrainerProcess
    from gdtui.core.process.protocol import Restored
    from gdtui.core.run.session import TrainingSession
    from gdtui.core.settings.config import RunConfig

CHECK_SECONDS = 0.5
"""How often the app asks whether the training process still answers."""


class Watcher(Protocol):
    """Whom the supervisor tells: the run's screen."""

    @property
    def quitting(self) -> bool:
        """Whether the session is ending (nothing is to be started or said then)."""
        ...

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
    ) -> None: ...

    def redraw(self) -> None: ...


class Supervisor:
    """The run's watch over its training process (through ``link``)."""

    def __init__(self, link: TrainerLink, session: TrainingSession, watcher: Watcher) -> None:
        self.link = link
        self.session = session
        self.watcher = watcher
        self.loading_torch = VARIANTS[session.config.variant].uses_torch
        """Whether the training process is importing torch (the status line says so)."""
        self.trouble: str | None = None
        """Why the training process cannot be used ("killed by SIGKILL", "not responding"), or
        None."""
        self.replaying: tuple[int, int] | None = None
        """(epoch reached, epochs to replay) while a new process replays the run."""
        self.mismatch: str | None = None
        """Set when a replay did not reproduce the run: it cannot carry on until reset."""

    @property
    def process(self) -> TrainerProcess:
        """The training process."""
        return self.link.process

    @property
    def busy(self) -> bool:
        """Whether anything waits on the training process: torch loading, a replay, or an
        answer some screen asked for (a comparison, the tour)."""
        return self.loading_torch or self.replaying is not None or self.link.waiting

    @property
    def alert(self) -> tuple[str, str]:
        """A few words for the status line and their style, or ("", "") (short: they share
        the line at 80 columns)."""
        if self.mismatch is not None:
            return "replay differs: r resets", "bold red"
        if self.trouble is not None:
            return f"trainer {self.trouble}: n restarts it", "bold red"
        if self.replaying is not None:
            epoch, total = self.replaying
            done = f"{epoch:,}/{total:,}" if epoch else f"{total:,} epochs…"
            return f"replaying {done}", "bold"
        return "", ""

    @property
    def note(self) -> str:
        """What the status line says last: that torch is loading."""
        return "loading torch…" if self.loading_torch else ""

    # -- the session's port -------------------------------------------------------------------

    @property
    def sent(self) -> int:
        """How many commands the process has been sent that it counts as it obeys them."""
        return self.process.sent

    def reset(self, run_id: int, config: RunConfig) -> None:
        """The run starts again: nothing is left to replay or to reconcile."""
        self.mismatch = None
        self.replaying = None
        self.process.reset(run_id, config, self.session.script)
        if VARIANTS[config.variant].uses_torch and self.loading_torch:
            self.process.send(WarmUp())

    def apply(self, config: RunConfig) -> None:
        """Live settings change from the next epoch."""
        self.process.apply(config)

    def pause(self) -> None:
        """Stop running after the slice in progress."""
        self.process.send(Pause())

    def run(self) -> bool:
        """Run flat out (a usable process first)."""
        if not self.ready():
            return False
        self.process.send(Run())
        return True

    def run_epochs(self, epochs: int) -> bool:
        """Run exactly ``epochs`` epochs (a usable process first)."""
        if not self.ready():
            return False
        self.link.ask(RunEpochs(epochs))
        return True

    def run_line(self) -> bool:
        """Run the next line of the loop (a usable process first)."""
        if not self.ready():
            return False
        self.link.ask(RunLine())
        return True

    # -- keeping a usable process -------------------------------------------------------------

    def ready(self) -> bool:
        """Make sure a usable training process is there before a key uses it: start one if a
        key came before it; replace a dead or silent one, replaying the run so far. False
        (with a notice) only when the run cannot carry on."""
        process, session = self.process, self.session
        if self.mismatch is not None:
            self.watcher.notify(self.mismatch, severity="error", timeout=10)
            return False
        if not process.started:
            process.start(session.config, session.run_id, session.script)
            return True
        if process.alive and process.responding and self.trouble is None:
            return True
        process.close(timeout=0)
        self.trouble = None
        process.start(session.config, session.run_id, session.script)
        if VARIANTS[session.config.variant].uses_torch:
            self.loading_torch = True
        if session.epoch:
            self.replaying = (0, session.epoch)

            process.send(Restore(session.replay_plan()))
        self.watcher.redraw()
        return True

    def torch_loaded(self) -> None:
        """The training process has imported torch."""
        self.loading_torch = False

    def stopped(self, why: str, pid: int) -> None:
        """The training process ``pid`` ended without being asked: say so, once (not again
        for another process, or when told already)."""
        if self.process.pid != pid or self.trouble is not None or self.watcher.quitting:
            return
        self._in_trouble(why)
        self.watcher.notify(
            f"It stopped unexpectedly ({why}).{self._kept()}",
            title="Training process stopped",
            severity="error",
            timeout=15,
        )

    def check(self) -> None:
        """Notice a training process that has stopped answering, or answers again."""
        process = self.process
        if self.watcher.quitting or not process.started:
            return
        if not process.responding and self.trouble is None:
            process.send(Pause())  # should it wake up, it must not run on unseen
            self._in_trouble("not responding")
            self.watcher.notify(
                f"pid {process.pid} is silent (stopped or hung).{self._kept()} q quits at once.",
                title="Training process not responding",
                severity="error",
                timeout=15,
            )
        elif process.responding and self.trouble == "not responding" and process.alive:
            self.trouble = None
            self.watcher.notify("The training process is responding again.")
            self.watcher.redraw()

    def _in_trouble(self, trouble: str) -> None:
        self.trouble = trouble
        self.replaying = None
        if self.session.state is RunState.RUNNING:
            self.session.state = RunState.PAUSED
        self.watcher.redraw()

    def _kept(self) -> str:
        epochs = self.session.epoch
        if not epochs:
            return " n or space starts a new one."
        kept = "1 epoch is" if epochs == 1 else f"{epochs:,} epochs are"
        return f" {kept} kept (e exports them); n or space replays them in a new one."

    def progress(self, run_id: int, epoch: int, total: int) -> None:
        """A replay has reached ``epoch``."""
        if run_id == self.session.run_id and self.replaying is not None:
            self.replaying = (epoch, total)
            self.watcher.redraw()

    def restored(self, restored: Restored) -> None:
        """A replay has finished: carry on if it reached the same numbers."""
        session = self.session
        if restored.run_id != session.run_id:
            return
        self.replaying = None
        expected = session.last_record
        difference = replay_difference(restored.record, expected)
        if difference is None:
            session.optimizer_state = restored.optimizer_state
            self.watcher.notify(
                f"Replayed {session.epoch:,} epochs: the same numbers; the run carries on.",
                title="Training process replaced",
            )
        else:
            self.process.send(Pause())
            session.state = RunState.PAUSED
            self.mismatch = (
                f"A new training process replayed the run but did not reach the same numbers: "
                f"{difference}. The history is kept (e exports it); r starts the run again."
            )
            self.watcher.notify(self.mismatch, severity="error", timeout=15)
        self.watcher.redraw()


FIELD_WORDS = {
    "epoch": "epoch",
    "loss": "loss",
    "w": "w",
    "grad_w": "w.grad",
    "b": "b",
    "grad_b": "b.grad",
    "lr": "learning rate",
    "grad_state": ".grad after the update",
    "step": "update count",
    "batch": "batch",
    "full_loss": "whole data's loss",
    "full_grad_w": "whole data's gradient of w",
    "full_grad_b": "whole data's gradient of b",
}
"""What each of an epoch's numbers is called when a replay differs."""


def replay_difference(got: EpochRecord | None, expected: EpochRecord | None) -> str | None:
    """How a replay's last epoch differs from the history's, in words (the first two numbers
    that differ), or None when they are the same (nan where the history has nan)."""
    if got is None or expected is None:
        if got is None and expected is None:
            return None
        reached = "no epoch" if got is None else f"epoch {got.epoch:,}"
        kept = "none" if expected is None else f"epoch {expected.epoch:,}"
        return f"it reached {reached} where the history has {kept}"
    if got.epoch != expected.epoch:
        return f"it reached epoch {got.epoch:,} where the history has epoch {expected.epoch:,}"
    differing = [
        f"{FIELD_WORDS[name]} {_shown(name, mine)} where the history has {_shown(name, kept)}"
        for name, mine, kept in zip(EpochRecord._fields, got, expected, strict=True)
        if not (mine == kept or (mine != mine and kept != kept))  # nan is nan here
    ]
    if not differing:
        return None
    return f"at epoch {got.epoch:,} it got " + "; ".join(differing[:2])


def _shown(name: str, value: object) -> str:
    if name == "grad_state" and isinstance(value, int):
        return GRAD_STATE_NAMES.get(value, str(value))
    return "none" if value is None else str(value)
