"""Keeps the training process fit for the run: notices when it dies or stops answering, says
so once, and replaces it when the user carries on, replaying the run in the new process so
that the history on screen carries on too (nothing recorded is thrown away)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gdtui.core.run.session import RunState
from gdtui.core.settings.variants import VARIANTS

if TYPE_CHECKING:
    from gdtui.app.screens.main import MainScreen
    from gdtui.core.process.parent import Restored

CHECK_SECONDS = 0.5
"""How often the app asks whether the training process still answers."""


class Supervisor:
    """The run screen's watch over its :class:`~gdtui.core.process.parent.TrainerProcess`."""

    def __init__(self, run: MainScreen) -> None:
        self.run = run
        self.trouble: str | None = None
        """Why the training process cannot be used ("killed by SIGKILL", "not responding"), or
        None."""
        self.replaying: tuple[int, int] | None = None
        """(epoch reached, epochs to replay) while a new process replays the run."""
        self.mismatch: str | None = None
        """Set when a replay did not reproduce the run: it cannot carry on until reset."""

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

    def ready(self) -> bool:
        """Make sure a usable training process is there before a key uses it: start one if a
        key came before it; replace a dead or silent one, replaying the run so far. False
        (with a notice) only when the run cannot carry on."""
        run, trainer, session = self.run, self.run.trainer, self.run.session
        if self.mismatch is not None:
            run.notify(self.mismatch, severity="error", timeout=10)
            return False
        if not trainer.started:
            trainer.start(session.config, session.run_id)
            return True
        if trainer.alive and trainer.responding and self.trouble is None:
            return True
        trainer.close(timeout=0)
        self.trouble = None
        trainer.start(session.config, session.run_id)
        if VARIANTS[session.config.variant].uses_torch:
            run.torch_note = "loading torch…"
        if session.epoch:
            self.replaying = (0, session.epoch)
            trainer.restore(session.replay_plan())
        run.redraw()
        return True

    def stopped(self, why: str, pid: int) -> None:
        """The training process ``pid`` ended without being asked: say so, once (not again
        for another process, or when told already)."""
        run = self.run
        if run.trainer.pid != pid or self.trouble is not None:
            return
        self._in_trouble(why)
        run.notify(
            f"It stopped unexpectedly ({why}).{self._kept()}",
            title="Training process stopped",
            severity="error",
            timeout=15,
        )

    def check(self) -> None:
        """Notice a training process that has stopped answering, or answers again."""
        run = self.run
        trainer = run.trainer
        if run.quitting or not trainer.started:
            return
        if not trainer.responding and self.trouble is None:
            trainer.pause()  # should it wake up, it must not run on unseen
            self._in_trouble("not responding")
            run.notify(
                f"pid {trainer.pid} is silent (stopped or hung).{self._kept()} q quits at once.",
                title="Training process not responding",
                severity="error",
                timeout=15,
            )
        elif trainer.responding and self.trouble == "not responding" and trainer.alive:
            self.trouble = None
            run.notify("The training process is responding again.")
            run.redraw()

    def _in_trouble(self, trouble: str) -> None:
        session = self.run.session
        self.trouble = trouble
        self.replaying = None
        if session.state is RunState.RUNNING:
            session.state = RunState.PAUSED
        self.run.redraw()

    def _kept(self) -> str:
        epochs = self.run.session.epoch
        if not epochs:
            return " n or space starts a new one."
        kept = "1 epoch is" if epochs == 1 else f"{epochs:,} epochs are"
        return f" {kept} kept (e exports them); n or space replays them in a new one."

    def progress(self, run_id: int, epoch: int, total: int) -> None:
        """A replay has reached ``epoch``."""
        if run_id == self.run.session.run_id and self.replaying is not None:
            self.replaying = (epoch, total)
            self.run.redraw()

    def restored(self, restored: Restored) -> None:
        """A replay has finished: carry on if it reached the same numbers."""
        run, session = self.run, self.run.session
        if restored.run_id != session.run_id:
            return
        self.replaying = None
        expected = session.last_record
        if restored.record == expected:
            session.optimizer_state = restored.optimizer_state
            run.notify(
                f"Replayed {session.epoch:,} epochs: the same numbers; the run carries on.",
                title="Training process replaced",
            )
        else:
            run.trainer.pause()
            session.state = RunState.PAUSED
            self.mismatch = (
                f"A new training process replayed the run but did not reach the same epoch "
                f"{session.epoch:,} (it got {restored.record}, the history has {expected}). "
                "The history is kept (e exports it); r starts the run again."
            )
            run.notify(self.mismatch, severity="error", timeout=15)
        run.redraw()

    def reset(self) -> None:
        """The run starts again: nothing is left to replay or to reconcile."""
        self.mismatch = None
        self.replaying = None
