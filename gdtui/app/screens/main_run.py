"""What the run's screen starts once its first frame is on screen: the session with its
training process, and the panes drawn from the session (the views, presenter mode's digits).

Imported then, not before: numpy, plotext, Pygments and the engine are most of what a first
frame would otherwise wait for (``benchmarks/first_frame.py``), and it shows none of them.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.widget import MountError
from textual.widgets import TabbedContent, TabPane
from textual.worker import Worker

from gdtui.app.recording import Recording
from gdtui.app.screens.main import VIEW_TITLES
from gdtui.app.training.link import READER_GROUP, TrainerLink, reader_name
from gdtui.app.training.supervisor import Supervisor
from gdtui.app.widgets.code_pane import CodePane
from gdtui.app.widgets.data_chart import DataChart
from gdtui.app.widgets.landscape_chart import LandscapeChart
from gdtui.app.widgets.loss_chart import LossChart
from gdtui.app.widgets.presenter import Presenter
from gdtui.core.engine.runner import Stretch
from gdtui.core.engine.stops import RunState
from gdtui.core.lessons.player import LessonPlayer
from gdtui.core.process.protocol import (
    Died,
    Failed,
    LineRan,
    Reply,
    Restored,
    Restoring,
    TorchReady,
)
from gdtui.core.run.session import VIEWS, Change, Listener, TrainingSession

if TYPE_CHECKING:
    from pathlib import Path

    from gdtui.app.screens.main import MainScreen
    from gdtui.core.lessons.lesson import Lesson
    from gdtui.core.settings.changes import MidRunChange
    from gdtui.core.settings.config import RunConfig

VIEW_PANES: dict[str, type[LossChart | DataChart | LandscapeChart | CodePane]] = {
    "loss": LossChart,
    "data": DataChart,
    "landscape": LandscapeChart,
    "code": CodePane,
}
"""The pane each of the session's views (:data:`~gdtui.core.run.session.VIEWS`) shows, in its
tab (whose id is the view's name)."""
assert tuple(VIEW_PANES) == VIEWS == tuple(VIEW_TITLES)


class _Panes(Listener):
    """The screen's widgets follow the session: the form and the variant pane its settings,
    the tabs its view."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def restarted(self, at: int) -> None:
        self.screen.show_settings()

    def changed(self, change: Change, at: int) -> None:
        self.screen.show_settings()

    def viewed(self, view: str, at: int) -> None:
        if self.screen.panes_ready:  # until then the tabs may not be in: _start shows it
            self.screen.query_one(TabbedContent).active = view


class RunParts:
    """The run behind ``screen``: its session, the link to its training process and the
    supervisor that keeps one usable, the lesson being played and the recording, if any."""

    def __init__(
        self,
        screen: MainScreen,
        config: RunConfig,
        *,
        lesson: Lesson | None,
        record: Path | None,
        script: tuple[MidRunChange, ...],
    ) -> None:
        self.link = TrainerLink(screen)
        self.session = TrainingSession(config, script=script)
        self.supervisor = Supervisor(self.link, self.session, screen)
        self.session.trainer = self.supervisor
        self.session.listeners.append(_Panes(screen))
        self.player = LessonPlayer(lesson, self.session) if lesson is not None else None
        self.recording: Recording | None = None
        """Where what the user does is written as a lesson file (``--record``), or None."""
        if record is not None:
            self.recording = Recording(record, config, screen.tell_error)
            self.session.listeners.append(self.recording)


async def mount_panes(screen: MainScreen) -> bool:
    """Put each view's pane in its tab, and presenter mode's digits before the panes; returns
    once they are mounted, or False where the session is ending (q came first)."""
    if screen.quitting or not screen.is_running:
        return False
    try:
        mounted = [
            screen.query_one(f"#{view}", TabPane).mount(pane(id=f"{view}-pane"))
            for view, pane in VIEW_PANES.items()
        ]
        mounted.append(screen.mount(Presenter(id="present"), before="#main"))
        await asyncio.gather(*mounted)
    except MountError:  # the screen went while the panes were on their way
        return False
    return not screen.quitting and screen.is_running


def view_pane(screen: MainScreen, view: str) -> LossChart | DataChart | LandscapeChart | CodePane:
    """The pane that shows ``view``."""
    return screen.query_one(VIEW_PANES[view])


def take_reply(screen: MainScreen, reply: Reply) -> bool | None:
    """Hand a reply of the training process to the run's session or supervisor. Returns
    whether to redraw now (True), at the next frame (False: a stretch while running flat
    out), or not at all (None)."""
    session, supervisor = screen.session, screen.supervisor
    match reply:
        case Stretch() as stretch:
            if session.accept(stretch):
                return session.state is not RunState.RUNNING
        case LineRan(run_id, line, stretch):
            if line is not None and session.accept_line(run_id, line, stretch):
                return True
        case TorchReady():
            supervisor.torch_loaded()
            return False
        case Restoring(run_id, epoch, total):
            supervisor.progress(run_id, epoch, total)
        case Restored() as restored:
            supervisor.restored(restored)
        case Died(why, pid):
            supervisor.stopped(why, pid)
        case Failed(message, run_id) if not screen.quitting:
            if run_id in (0, session.run_id) and not session.finished:
                session.state = RunState.PAUSED
            screen.notify(message, title="Training stopped", severity="error", timeout=10)
            return True
    return None


def worker_failed(screen: MainScreen, worker: Worker[object]) -> None:
    """A reader that fails is a lost training process: the supervisor tells and replaces it.
    An export or a file read that fails says so."""
    if worker.group == READER_GROUP:
        process = screen.supervisor.process
        pid = process.pid
        if pid is not None and worker.name == reader_name(pid):  # not an older process's
            process.kill()
            screen.supervisor.stopped(f"its reader failed: {worker.error!r}", pid)
    else:
        screen.notify(f"{worker.name} failed: {worker.error!r}", severity="error", timeout=10)
