"""The run behind the main screen, started once its first frame is on screen (a part of
:class:`~gdtui.app.screens.main.MainScreen`): the first frame is drawn from the settings
alone; the run's modules (numpy, plotext, the engine) are then imported on a thread, and the
run, its training process and the panes drawn from it start (:mod:`.main_run`). A key that
needs the run before then starts it itself. This module imports none of them."""

from __future__ import annotations

import contextlib
import gc
import threading
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual.screen import Screen
from textual.widgets import TabbedContent

if TYPE_CHECKING:
    from gdtui.app.recording import Recording
    from gdtui.app.screens.main import MainScreen
    from gdtui.app.screens.main_run import RunParts
    from gdtui.app.training.link import TrainerLink
    from gdtui.app.training.supervisor import Supervisor
    from gdtui.core.lessons.lesson import Lesson
    from gdtui.core.lessons.player import LessonPlayer
    from gdtui.core.process.parent import TrainerProcess
    from gdtui.core.run.session import TrainingSession
    from gdtui.core.settings.changes import MidRunChange
    from gdtui.core.settings.config import RunConfig


class RunStart(Screen[None]):
    """Starts the run after the first frame; its parts, once started."""

    _run: RunParts | None = None
    _panes_mounted = False

    if TYPE_CHECKING:  # the screen's own (the lesson's player: LessonKeys')
        fps: float
        player: LessonPlayer | None

        @property
        def quitting(self) -> bool: ...

        def show_settings(self) -> None: ...

        def redraw(self) -> None: ...

        def _redraw_if_dirty(self) -> None: ...

        def action_lesson_go(self, step: int) -> None: ...

    def start_later(
        self,
        config: RunConfig,
        *,
        lesson: Lesson | None,
        lesson_step: int,
        record: Path | None,
        script: tuple[MidRunChange, ...],
    ) -> None:
        """What the run will start from: ``config``, and a lesson to play (from its step
        ``lesson_step``), a file to record into, a settings file's changes to replay."""
        self._config = config
        self._lesson = lesson
        self._lesson_step = lesson_step
        self._record = record
        self._script = script

    def _parts(self) -> RunParts:
        """The run, started on first use: right after the first frame, or by a key that came
        before it. Its modules (numpy, the engine) are imported here, not with the screen's."""
        if self._run is None:
            from gdtui.app.screens.main_run import RunParts

            self._run = RunParts(
                cast("MainScreen", self),
                self._config,
                lesson=self._lesson,
                record=self._record,
                script=self._script,
            )
            self.player = self._run.player
        return self._run

    @property
    def session(self) -> TrainingSession:
        """The run being watched."""
        return self._parts().session

    @property
    def link(self) -> TrainerLink:
        """The link to the training process: what is asked of it, what it replies."""
        return self._parts().link

    @property
    def supervisor(self) -> Supervisor:
        """What keeps the training process usable."""
        return self._parts().supervisor

    @property
    def recording(self) -> Recording | None:
        """Where what the user does is written as a lesson file (``--record``), or None."""
        return self._parts().recording

    @property
    def trainer(self) -> TrainerProcess:
        """The training process."""
        return self.link.process

    @property
    def config(self) -> RunConfig:
        """The run's settings now (those it starts with, before it has started)."""
        return self._config if self._run is None else self._run.session.config

    @property
    def started(self) -> bool:
        """Whether the run has started (see :meth:`_parts`)."""
        return self._run is not None

    @property
    def panes_ready(self) -> bool:
        """Whether the panes drawn from the run are in, and drawn (see :meth:`_start`)."""
        return self._panes_mounted

    def end_training(self, *, kill: bool = False) -> None:
        """Close the training process, if the run started one; ``kill``: at once (safe from
        any thread)."""
        if self._run is not None:
            process = self._run.link.process
            process.kill() if kill else process.close(timeout=0)

    @property
    def busy(self) -> bool:
        """Whether anything waits on the training process: torch loading, a replay, or an
        answer some screen asked for (a comparison, the tour)."""
        return self.supervisor.busy

    def _load_run(self) -> None:
        """Import the run's modules (numpy, plotext, the engine: a quarter of a second) on a
        thread, then start it: meanwhile the keys are handled as they come. Keys that waited
        for the UI thread all went to the widget focused before the first of them, so a tab
        and a value typed at once lost the value."""
        app = self.app

        def load() -> None:
            with contextlib.suppress(Exception):  # an error is raised again by _start
                import gdtui.app.screens.main_run  # noqa: F401
            with contextlib.suppress(RuntimeError):  # the app has closed meanwhile
                app.call_from_thread(self.call_later, self._start)

        threading.Thread(target=load, name="gdtui: loading the run", daemon=True).start()

    async def _start(self) -> None:
        """Start the run (unless a key did), and put in the panes drawn from it."""
        from gdtui.app.screens.main_run import mount_panes
        from gdtui.app.training.supervisor import CHECK_SECONDS

        if not await mount_panes(cast("MainScreen", self)):
            return  # the session is ending (q came first)
        supervisor = self.supervisor
        self._panes_mounted = True
        self.query_one(TabbedContent).active = self.session.view  # a key's, before the panes
        self.show_settings()
        self.redraw()
        self.set_interval(1 / self.fps, self._redraw_if_dirty)
        self.set_interval(CHECK_SECONDS, supervisor.check)
        # Only once the panes are on screen: starting the process takes a moment.
        self.call_after_refresh(supervisor.ready)
        if self.player is not None and self._lesson_step:  # --step N
            self.call_after_refresh(self.action_lesson_go, self._lesson_step)
        # What the run made lives as long as the screen: out of the collector's full passes.
        self.call_after_refresh(gc.freeze)
