"""What the run's screen starts once its first frame is on screen: the session with its
training process, and the panes drawn from the session (the views, presenter mode's digits).

Imported then, not before: numpy, plotext, Pygments and the engine are most of what a first
frame would otherwise wait for (``benchmarks/first_frame.py``), and it shows none of them.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.widgets import TabbedContent, TabPane

from gdtui.app.recording import Recording
from gdtui.app.training.link import TrainerLink
from gdtui.app.training.supervisor import Supervisor
from gdtui.app.widgets.code_pane import CodePane
from gdtui.app.widgets.data_chart import DataChart
from gdtui.app.widgets.landscape_chart import LandscapeChart
from gdtui.app.widgets.loss_chart import LossChart
from gdtui.app.widgets.presenter import Presenter
from gdtui.core.lessons.player import LessonPlayer
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
assert tuple(VIEW_PANES) == VIEWS


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


async def mount_panes(screen: MainScreen) -> None:
    """Put each view's pane in its tab, and presenter mode's digits before the panes; returns
    once they are mounted."""
    mounted = [
        screen.query_one(f"#{view}", TabPane).mount(pane(id=f"{view}-pane"))
        for view, pane in VIEW_PANES.items()
    ]
    mounted.append(screen.mount(Presenter(id="present"), before="#main"))
    await asyncio.gather(*mounted)


def view_pane(screen: MainScreen, view: str) -> LossChart | DataChart | LandscapeChart | CodePane:
    """The pane that shows ``view``."""
    return screen.query_one(VIEW_PANES[view])
