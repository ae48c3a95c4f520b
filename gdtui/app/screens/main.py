"""The main screen owns the run: its panes, its keys, its training process and its settings."""

from __future__ import annotations

import contextlib
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from rich.text import Text
from textual import on
from textual._context import active_app
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from gdtui.app.export_worker import export_run
from gdtui.app.messages import (
    EpochsCompleted,
    LineStepped,
    RunRestored,
    RunRestoring,
    SettingsEdited,
    TorchLoaded,
    TrainerStopped,
    TrainingFailed,
    VariantChosen,
)
from gdtui.app.training.link import READER_GROUP, TrainerLink, reader_name
from gdtui.app.training.supervisor import CHECK_SECONDS, Supervisor
from gdtui.app.widgets.code_pane import CodePane
from gdtui.app.widgets.data_chart import DataChart
from gdtui.app.widgets.debug_pane import DebugPane
from gdtui.app.widgets.key_bar import KeyBar
from gdtui.app.widgets.landscape_chart import LandscapeChart
from gdtui.app.widgets.loss_chart import LossChart
from gdtui.app.widgets.presenter import Presenter
from gdtui.app.widgets.settings_form import FIELD_WIDGETS, SettingsForm
from gdtui.app.widgets.status_line import StatusLine
from gdtui.app.widgets.variant_pane import VariantPane
from gdtui.core.process.parent import TrainerProcess
from gdtui.core.run.session import RunState, TrainingSession, describe_changes
from gdtui.core.settings.config import (
    ConfigError,
    RunConfig,
    config_from_options,
    dataset_from_options,
    scale_lr,
)
from gdtui.core.settings.data import Dataset
from gdtui.core.settings.fields import setting_label
from gdtui.core.settings.variants import VARIANT_NAMES, VARIANTS

RECORD_ABOUT = (
    "Recorded with gdtui --record: each key that acted on the run is a step. "
    "Play it with gdtui --lesson {0}, and write your own notes over these."
)

if TYPE_CHECKING:
    from gdtui.app.app import GdtuiApp
    from gdtui.core.lessons.lesson import Lesson, Step
    from gdtui.core.lessons.recorder import Recorder

MIN_WIDTH, MIN_HEIGHT = 60, 18
"""Below this the panes cannot fit: a notice replaces them (the keys still work)."""
NARROW_WIDTH = 100
"""Below this many columns the settings are a drawer, so the chart and the table keep the
room."""
WIDE_WIDTH = 160
"""From this many columns the debug table runs under the settings and the chart, every
column in sight."""
LONG_EXPORT = 100_000
"""Exports of this many epochs or more say that they have started (they take a second)."""
VIEWS: dict[str, type[LossChart | DataChart | LandscapeChart | CodePane]] = {
    "tab-loss": LossChart,
    "tab-data": DataChart,
    "tab-landscape": LandscapeChart,
    "tab-code": CodePane,
}
"""The views, by the tab that shows each; ``g`` goes through them in this order."""
LR = Binding.Group("lr")
HISTORY = Binding.Group("History", compact=True)


class Pane(Protocol):
    """A part of the screen drawn from the session."""

    def show(self, session: TrainingSession) -> None: ...


def _breakpoint_classes(
    horizontal: list[tuple[int, str]], vertical: list[tuple[int, str]]
) -> list[str]:
    """The breakpoint classes Textual gives a screen of the terminal's size on its first
    resize (the widest breakpoint at or under each dimension)."""
    try:
        width, height = active_app.get().size
    except LookupError:  # made outside a running app: the resize says
        return []
    return [
        next(name for start, name in sorted(points, reverse=True) if size >= start)
        for size, points in ((width, horizontal), (height, vertical))
        if any(size >= start for start, _ in points)
    ]


class MainScreen(Screen[Any]):
    """The run: the variant, the settings, the charts and the debug table, stepped by a
    training process of its own. Its keys act here only: another screen on top (compare, the
    tour, help) never steps the run hidden behind it."""

    AUTO_FOCUS = ""
    """Nothing is focused for us: on_mount focuses the variants, unless a lesson or presenter
    mode makes the keys the run's (no field, no drawer, to start in)."""
    # Textual declares these as plain attributes (a ClassVar annotation fails type checks).
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-narrow"),
        (NARROW_WIDTH, "-medium"),
        (WIDE_WIDTH, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "open_settings", "Settings", tooltip="Open the settings (narrow screens)"),
        Binding("tab", "app.focus_next", "Next", show=False),  # when the drawer is open
        Binding("escape", "close_settings", "Close settings", tooltip="Close the settings"),
        Binding("space", "toggle_run", "Run/Pause", tooltip="Run / pause"),
        Binding("n", "step", "Epoch", tooltip="One epoch (the rest of it, mid-epoch)"),
        Binding(
            "full_stop",
            "step_line",
            "Line",
            key_display=".",
            tooltip="Run the next line of the loop",
        ),
        Binding("r", "reset", "Reset", tooltip="Reset the run"),
        Binding("z", "toggle_zero_grad", "zero_grad", tooltip="zero_grad on / off"),
        Binding("v", "next_variant", "Variant", tooltip="Next variant"),
        Binding(
            "plus,equals_sign",
            "scale_lr(2)",
            "lr×2",
            key_display="+",
            group=LR,
            tooltip="Learning rate × 2",
        ),
        Binding(
            "minus", "scale_lr(0.5)", "lr÷2", key_display="-", group=LR, tooltip="Learning rate ÷ 2"
        ),
        Binding("l", "toggle_log", "Log", tooltip="Log / linear loss axis"),
        Binding("g", "next_view", "View", tooltip="Chart: loss → data and fit → loss landscape"),
        Binding(
            "left",
            "move_cursor(-1)",
            "Back",
            key_display="←",
            group=HISTORY,
            tooltip="Step back through the history",
        ),
        Binding(
            "right",
            "move_cursor(1)",
            "Forward",
            key_display="→",
            group=HISTORY,
            tooltip="Step forward (to the latest: follow it again)",
        ),
        Binding("c", "compare", "Compare", tooltip="Compare the variants (o: the optimizers)"),
        Binding(
            "p",
            "toggle_present",
            "Present",
            tooltip="Presenter mode: the numbers in big digits, the chart and code enlarged",
        ),
        Binding(
            "t", "tour", "Tour", tooltip="Autograd tour: requires_grad, backward, .grad, no_grad"
        ),
        Binding(
            "e",
            "export",
            "Export",
            tooltip="Export the history (CSV, JSONL) and the settings (TOML)",
        ),
        Binding("escape", "leave_field", "Leave field", tooltip="Leave a field"),
        Binding(
            "enter",
            "lesson_step(1)",
            "Next step",
            priority=True,
            tooltip="With --lesson: its next step",
        ),
        Binding(
            "backspace",
            "lesson_step(-1)",
            "Step back",
            priority=True,
            tooltip="With --lesson: back one step (played again from the start)",
        ),
    ]

    def __init__(
        self,
        config: RunConfig,
        *,
        fps: float,
        output_dir: Path,
        files_root: Path | None = None,
        lesson: Lesson | None = None,
        record: Path | None = None,
        present: bool = False,
    ) -> None:
        # The classes the first resize and focus give, set now: here they cost nothing, where
        # set once the screen is styled each styles it all again (~50 ms of the first frame).
        classes = _breakpoint_classes(self.HORIZONTAL_BREAKPOINTS, self.VERTICAL_BREAKPOINTS)
        if present:
            classes.append("-present")
        if classes and "-narrow" not in classes and lesson is None and not present:
            classes.append("-open")  # the variants get the focus (in a closed drawer, not)
        super().__init__(id="_default", classes=" ".join(classes))
        self.present = present
        """Presenter mode (``p``, ``--present``): big numbers, the form and table hidden."""
        self.lesson = lesson
        """The lesson being played, or None."""
        self.lesson_at = 0
        """How many of its steps have been done."""
        self.off_script = False
        """Whether keys since the last step changed the run (the next step replays first)."""
        self._playing = False
        """Inside a lesson's own steps (their keys are the script's)."""
        self._shown_waiting = False
        self.record = record
        """Where what the user does is written as a lesson file (--record), or None."""
        self.recorder: Recorder | None = None
        if record is not None:
            from gdtui.core.lessons.recorder import Recorder

            self.recorder = Recorder(config, f"Recorded: {record.stem}")
        self._record_problem: str | None = None
        self.fps = fps
        self.output_dir = output_dir
        self.files_root = files_root
        """Where CSV files may be loaded from (a served tab), or None: anywhere."""
        self.session = TrainingSession(config)
        self.link = TrainerLink(self)
        self.supervisor = Supervisor(self)
        self.torch_note = "loading torch…" if VARIANTS[config.variant].uses_torch else ""
        """What the status line says while the training process imports torch."""
        self._dirty = True
        self._speed: float | None = None
        self._speed_mark: tuple[float, int] | None = None
        self._open_when_left = False
        """Whether the settings drawer was open when another screen went on top."""
        self._resumed = False
        """Back on top, and the focus not yet settled (see on_descendant_focus)."""

    @property
    def trainer(self) -> TrainerProcess:
        """The training process."""
        return self.link.process

    @property
    def busy(self) -> bool:
        """Whether anything waits on the training process: torch loading, a replay, or an
        answer some screen asked for (a comparison, the tour)."""
        replaying = self.supervisor.replaying is not None
        return bool(self.torch_note) or replaying or self.link.waiting

    @property
    def quitting(self) -> bool:
        """Whether the session is ending (replies from the training process are ignored)."""
        return cast("GdtuiApp", self.app).quitting

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        config = self.session.config
        # A grid, laid out by the screen's breakpoints (see gdtui.tcss): the settings beside
        # the chart and the debug table; on a wide screen the table runs under both; on a
        # narrow one the settings are a drawer that opens while they have the focus.
        yield Presenter(id="present")
        with Container(id="main"):
            with Vertical(id="left"):
                yield VariantPane(config.variant, id="variants")
                yield SettingsForm(config, id="settings")
            with TabbedContent(id="views"):
                with TabPane("Loss", id="tab-loss"):
                    yield LossChart(id="chart")
                with TabPane("Data", id="tab-data"):
                    yield DataChart(id="data-chart")
                with TabPane("Landscape", id="tab-landscape"):
                    yield LandscapeChart(id="landscape")
                with TabPane("Code", id="tab-code"):
                    yield CodePane(id="code")
            yield DebugPane(id="debug")
        yield Static(
            f"The terminal is too small for gdtui's panes: make it at least "
            f"{MIN_WIDTH}×{MIN_HEIGHT}. Keys still work; the status line below stays live.",
            id="too-small",
        )
        if self.lesson is not None:
            with Vertical(id="lesson-banner"):
                yield Static(id="lesson-head")
                yield Static(id="lesson-note")
        yield StatusLine(id="status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(SettingsForm).show_config(self.session.config)
        if self.lesson is None and not self.present:
            self.query_one(VariantPane).focus()
        else:  # enter and backspace are the lesson's, not a pane's
            self._show_lesson()
        self.adapt_layout()
        self.redraw()
        self.set_interval(1 / self.fps, self._redraw_if_dirty)
        self.set_interval(CHECK_SECONDS, self.supervisor.check)
        # Only once the first frame is on screen: starting the process takes a moment.
        self.call_after_refresh(self.supervisor.ready)

    def on_resize(self) -> None:
        self.adapt_layout()
        self.refresh_bindings()  # the drawer's keys come and go with the breakpoints

    def adapt_layout(self) -> None:
        """On a terminal too small for the panes, a notice instead (the breakpoints do the
        rest)."""
        width, height = self.app.size
        self.set_class(width < MIN_WIDTH or height < MIN_HEIGHT, "-too-small")

    @property
    def drawer(self) -> bool:
        """Whether the settings are a drawer (a narrow screen, or presenter mode), open or
        not."""
        return self.has_class("-narrow") or self.present

    def on_screen_suspend(self) -> None:
        self._open_when_left = self.has_class("-open")

    def on_screen_resume(self) -> None:
        self._resumed = True

    def on_descendant_focus(self) -> None:
        if self._resumed:
            # Back from compare, the tour or help with nothing focused, Textual focuses the
            # first focusable widget, which is in the closed drawer: keep it as it was left.
            self._resumed = False
            back = self._open_when_left or self.has_class("-open")
            if self.drawer and self._focus_in_settings() and not back:
                self.set_focus(None)
                return
        self._follow_focus()

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self._follow_focus)

    def _follow_focus(self) -> None:
        """The drawer is open exactly while the settings have the focus."""
        inside = self._focus_in_settings()
        if self.has_class("-open") != inside:
            self.set_class(inside, "-open")
            self.refresh_bindings()

    def _focus_in_settings(self) -> bool:
        focused = self.focused
        return focused is not None and self.query_one("#left") in focused.ancestors_with_self

    def action_open_settings(self) -> None:
        """Open the settings drawer and go to the variants."""
        self.set_class(True, "-open")
        self.call_after_refresh(self.query_one(VariantPane).focus)

    def action_close_settings(self) -> None:
        """Close the settings drawer: the keys act on the run, the chart has the room."""
        self.set_focus(None)
        self.set_class(False, "-open")
        self.refresh_bindings()

    # -- drawing ----------------------------------------------------------------------------

    def _redraw_if_dirty(self) -> None:
        if self._dirty:
            self.redraw()

    def redraw(self) -> None:
        """Draw every pane from the session (on the UI thread, at most ``fps`` times a second):
        the chart in view, the debug table and the status line."""
        self._dirty = False
        self._measure_speed()
        status = self.query_one(StatusLine)
        status.speed, status.note = self._speed, self.torch_note
        status.alert = self.supervisor.alert
        chart = self.query_one(VIEWS[self.query_one(TabbedContent).active])
        numbers: Pane = self.query_one(Presenter) if self.present else self.query_one(DebugPane)
        panes: tuple[Pane, ...] = (chart, numbers, status)
        for pane in panes:
            pane.show(self.session)
        if self.lesson is not None and self.link.waiting != self._shown_waiting:
            self._show_lesson()  # "running…" while a step's numbers are on their way

    def _measure_speed(self) -> None:
        now, epoch = time.perf_counter(), self.session.epoch
        if self.session.state is not RunState.RUNNING or self.supervisor.replaying is not None:
            self._speed_mark, self._speed = None, None
            return
        if self._speed_mark is None:
            self._speed_mark = (now, epoch)
        elif now - self._speed_mark[0] >= 0.5:
            self._speed = (epoch - self._speed_mark[1]) / (now - self._speed_mark[0])
            self._speed_mark = (now, epoch)

    # -- the training process's replies ------------------------------------------------------

    @on(EpochsCompleted)
    def _epochs_completed(self, event: EpochsCompleted) -> None:
        session, batch = self.session, event.batch
        if not session.accept(batch):
            return  # from a run that has since been reset
        if self.recorder is not None and not batch.request:
            self.recorder.ran(batch.after, len(batch.records) + (batch.diverged is not None))
            if batch.stop is not None:
                self.save_recording()
        if session.state is RunState.RUNNING:
            self._dirty = True
        else:
            self.redraw()

    @on(LineStepped)
    def _line_stepped(self, event: LineStepped) -> None:
        if event.step is None:
            return  # the run had ended: action_step_line said so
        if self.session.accept_line(event.run_id, event.step, event.batch):
            self.redraw()

    @on(TorchLoaded)
    def _torch_loaded(self) -> None:
        self.torch_note = ""
        self._dirty = True

    @on(TrainerStopped)
    def _trainer_stopped(self, event: TrainerStopped) -> None:
        if not self.quitting:
            self.supervisor.stopped(event.why, event.pid)

    @on(RunRestoring)
    def _run_restoring(self, event: RunRestoring) -> None:
        self.supervisor.progress(event.run_id, event.epoch, event.total)

    @on(RunRestored)
    def _run_restored(self, event: RunRestored) -> None:
        self.supervisor.restored(event.restored)

    @on(TrainingFailed)
    def _training_failed(self, event: TrainingFailed) -> None:
        if self.quitting:
            return
        if event.run_id in (0, self.session.run_id) and not self.session.finished:
            self.session.state = RunState.PAUSED
        self.notify(event.message, title="Training stopped", severity="error", timeout=10)
        self.redraw()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """A reader that fails is a lost training process: the supervisor tells and replaces
        it. An export or a file read that fails says so."""
        worker = event.worker
        if event.state is not WorkerState.ERROR or self.quitting:
            return
        if worker.group == READER_GROUP:
            pid = self.trainer.pid
            if pid is not None and worker.name == reader_name(pid):  # not an older process's
                self.trainer.kill()
                self.supervisor.stopped(f"its reader failed: {worker.error!r}", pid)
        else:
            self.notify(f"{worker.name} failed: {worker.error!r}", severity="error", timeout=10)

    # -- the run's keys ---------------------------------------------------------------------

    def _pause(self) -> None:
        if self.session.state is RunState.RUNNING:
            self.trainer.pause()
            self.session.state = RunState.PAUSED

    def action_toggle_run(self) -> None:
        """Run flat out, or pause."""
        session = self.session
        if session.state is RunState.RUNNING:
            self._pause()
        elif session.finished:
            self.notify(f"{session.message}. Press r to reset, or raise the epochs.")
        elif self.supervisor.ready():
            session.state = RunState.RUNNING
            self.trainer.run()
            self._left_script()
        self.redraw()

    def _paused_to_step(self) -> bool:
        """Pause for a step of ``n`` or ``.``; False (saying why, if the run has ended) when
        there is nothing to step or the training process is not ready."""
        session = self.session
        if session.finished:
            self.notify(f"{session.message}. Press r to reset, or raise the epochs.")
            return False
        if not self.supervisor.ready():
            return False
        self._pause()
        session.state = RunState.PAUSED
        return True

    def action_step(self) -> None:
        """Run exactly one epoch."""
        if self._paused_to_step():
            self.link.step(1)
            self._left_script()
            if self.recorder is not None:
                self.recorder.epochs(1, self.trainer.sent)
                self.save_recording()

    def action_step_line(self) -> None:
        """Run the next line of the loop, shown in the Code view."""
        if self._paused_to_step():
            self.link.step_line()
            self._left_script()
            if self.recorder is not None:
                self.recorder.lines(self.trainer.sent)
                self.save_recording()
            self.query_one(TabbedContent).active = "tab-code"

    def action_reset(self) -> None:
        """Start the run again from epoch 0."""
        self._restart(self.session.config)
        self._left_script()
        if self.recorder is not None:
            self.recorder.reset(self.trainer.sent)
            self.save_recording()

    def action_toggle_zero_grad(self) -> None:
        """Switch zero_grad on or off from the next epoch."""
        self.apply_settings({"zero_grad": not self.session.config.zero_grad})

    def action_next_variant(self) -> None:
        """Switch to the next variant (resets the run)."""
        index = VARIANT_NAMES.index(self.session.config.variant)
        self.apply_settings({"variant": VARIANT_NAMES[(index + 1) % len(VARIANT_NAMES)]})

    def action_scale_lr(self, factor: float) -> None:
        """Double or halve the learning rate from the next epoch."""
        try:
            config = scale_lr(self.session.config, factor)
        except ConfigError as error:
            self.notify(str(error), severity="warning")
            return
        self._adopt(config)

    # -- a lesson ---------------------------------------------------------------------------

    def action_lesson_step(self, direction: int) -> None:
        """Do the lesson's next step, or go back one: play it again from the start to the
        step before, so every number is the one playing forward gives."""
        lesson = self.lesson
        if lesson is None:
            return
        if direction > 0:
            if self.lesson_at == len(lesson.steps):
                self.notify("That was the lesson's last step: backspace goes back one.")
                return
            self._playing = True
            if self.off_script:  # back to where the script stands, so the note's numbers hold
                self._replay(self.lesson_at)
            self._do_step(lesson.steps[self.lesson_at])
            self._playing = False
            self.lesson_at += 1
        else:
            if self.lesson_at == 0:
                self.notify("This is the lesson's start: enter does its first step.")
                return
            self.lesson_at -= 1
            self._playing = True
            self._replay(self.lesson_at)
            self._playing = False
        self.off_script = False
        self._show_lesson()

    def _replay(self, count: int) -> None:
        """The lesson played again from its start to its first ``count`` steps."""
        lesson = self.lesson
        assert lesson is not None
        self._restart(lesson.config)
        for step in lesson.steps[:count]:
            self._do_step(step)
        self.query_one(TabbedContent).active = f"tab-{lesson.view_at(count)}"

    def _left_script(self) -> None:
        """A key of the user's own changed the run between a lesson's steps: say so."""
        if self.lesson is not None and not self._playing and not self.off_script:
            self.off_script = True
            self._show_lesson()

    def _do_step(self, step: Step) -> None:
        """A step's actions, in the lesson file's order: reset, settings, view, epochs,
        lines. The training process answers them in the order they are sent."""
        if step.reset:
            self._restart(self.session.config)
        if step.set:  # the note says what changed: a notice would only cover it
            self.apply_settings(dict(step.set), announce=False)
        if step.view:
            self.query_one(TabbedContent).active = f"tab-{step.view}"
        if step.epochs and self._paused_to_step():
            self.link.step(step.epochs)
        if step.lines and self._paused_to_step():
            for _ in range(step.lines):
                self.link.step_line()

    def _restart(self, config: RunConfig) -> None:
        """The run from epoch 0 with ``config`` (the training process stops running at the
        reset); the form and the variant pane show it if it is new."""
        session = self.session
        changed = config != session.config
        session.reset(config)
        self.supervisor.reset()
        self.trainer.reset(session.run_id, config)
        if changed:
            self.query_one(SettingsForm).show_config(config)
            self.query_one(VariantPane).show(config.variant)
        self.redraw()

    def _show_lesson(self) -> None:
        lesson = self.lesson
        if lesson is None:
            return
        at, count = self.lesson_at, len(lesson.steps)
        keys = "enter: next · backspace: back" if at < count else "the end · backspace: back"
        self._shown_waiting = waiting = self.link.waiting
        marks: list[tuple[str, str]] = []
        if self.off_script:
            marks.append((" off script: enter replays to here first ", "bold black on yellow"))
        elif waiting:
            marks.append((" running… ", "bold"))
        head = Text.assemble(
            (f" step {at}/{count} ", "bold reverse"),
            *marks,
            f"  {keys}  ",
            (lesson.title, "dim"),
        )
        head.no_wrap, head.overflow = True, "ellipsis"
        note = lesson.steps[at - 1].note if at else (lesson.about or "Press enter to begin.")
        self.query_one("#lesson-head", Static).update(head)
        self.query_one("#lesson-note", Static).update(note)

    def action_toggle_present(self) -> None:
        """Presenter mode on or off: the numbers that matter in big digits, high contrast,
        the settings and the table hidden so the chart and the code have the room."""
        self.present = not self.present
        self.set_class(self.present, "-present")
        if self.present and self._focus_in_settings():
            self.action_close_settings()  # the room is the chart's now; tab brings them back
        self.redraw()

    def action_toggle_log(self) -> None:
        """Plot the loss on a log10 or a linear axis."""
        chart = self.query_one(LossChart)
        chart.log_scale = not chart.log_scale

    def action_move_cursor(self, step: int) -> None:
        """Step back or forward through the run's history (pauses a running run)."""
        self._pause()
        self.session.move_cursor(step)
        self.redraw()

    def action_next_view(self) -> None:
        """Show the next chart: loss, data and fit, loss landscape."""
        tabs, views = self.query_one(TabbedContent), list(VIEWS)
        tabs.active = views[(views.index(tabs.active) + 1) % len(views)]

    @on(TabbedContent.TabActivated)
    def _view_changed(self) -> None:
        active = self.query_one(TabbedContent).active
        self.set_class(active == "tab-code", "-code")
        if self.recorder is not None:
            self.recorder.view(active.removeprefix("tab-"), self.trainer.sent)
        self.redraw()

    def action_compare(self) -> None:
        """Run the four variants in lockstep on the current settings and compare them."""
        from gdtui.app.screens.compare import CompareScreen

        if self.supervisor.ready():
            self._pause()
            self.app.push_screen(CompareScreen(self.link, self.session.config))

    def action_tour(self) -> None:
        """Step through autograd's basics with live tensors (seed 004's lessons)."""
        from gdtui.app.screens.tour import TourScreen

        if self.supervisor.ready():
            self._pause()
            self.app.push_screen(TourScreen(self.link))

    def action_export(self) -> None:
        """Write the history as CSV and JSON lines, and the run's settings as TOML."""
        session = self.session
        if not len(session.history):
            self.notify("Nothing to export yet: step at least one epoch.", severity="warning")
            return
        epochs = session.epoch
        stem = self.output_dir / f"gdtui-{session.config.variant}-{epochs}-epochs"
        if epochs >= LONG_EXPORT:
            self.notify(f"Exporting {epochs:,} epochs…", timeout=3)
        # A million epochs take seconds to write: on a thread, so keys and the run go on.
        # The files hold the epochs up to now; a newer export replaces an unfinished one.
        work = partial(
            export_run,
            session.history,
            epochs,
            session.config,
            stem,
            list(session.changes),
            self._notify_from_thread,
            lambda: get_current_worker().is_cancelled or self.quitting,
        )
        self.run_worker(
            work, name="export", thread=True, exclusive=True, group="export", exit_on_error=False
        )

    def _notify_from_thread(self, message: str, severity: Any = "information") -> None:
        if self.quitting:
            return
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self.app.call_from_thread(self.notify, message, severity=severity)

    @property
    def in_field(self) -> bool:
        """Whether a form field has the focus (a text field, a choice, a switch, or a
        choice's open menu): the run's single keys do not act there."""
        focused = self.focused
        if focused is None:
            return False
        return any(isinstance(node, FIELD_WIDGETS) for node in focused.ancestors_with_self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In a form field only leaving it acts (and the field's own keys): the key bar shows
        no key that would type, or do nothing. The drawer's keys act on a narrow screen."""
        if action == "leave_field":
            return self.in_field
        if action == "lesson_step":
            return self.lesson is not None and not self.in_field
        if action == "open_settings":
            return self.drawer and not self.has_class("-open")
        if action == "close_settings":
            return self.drawer and self.has_class("-open") and not self.in_field
        return not self.in_field

    def action_leave_field(self) -> None:
        """Leave the field (an invalid entry goes back to the run's value), so that single
        keys act again."""
        if self.in_field:
            self.query_one(VariantPane).focus()

    # -- settings ---------------------------------------------------------------------------

    @on(VariantChosen)
    def _variant_chosen(self, event: VariantChosen) -> None:
        if event.variant != self.session.config.variant:
            self.apply_settings({"variant": event.variant})

    @on(SettingsEdited)
    def _settings_edited(self, event: SettingsEdited) -> None:
        applied = self.apply_settings(event.options)
        if not applied and event.left and "data" not in event.options:
            (name,) = event.options
            self.query_one(SettingsForm).revert(name)

    def edit(self, key: str, change: dict[str, Any] | None) -> None:
        """A setting from the command palette: make ``change``, or (None) go to its field.
        An error shows in the form and, since the palette was where the user looked, in a
        notice too."""
        if change is None:
            if self.drawer:  # the palette goes to a field: open the drawer first
                self.set_class(True, "-open")
            self.query_one(f"#field-{key}", Widget).focus()
        else:
            self.apply_settings(change, notify=True)

    def reset_settings(self) -> None:
        """Every setting back to its default (the seeds' setup), starting the run again."""
        if self.session.config == RunConfig():
            self.notify("The settings are the defaults already.")
        else:
            self._try(RunConfig())

    def apply_settings(
        self, options: dict[str, Any], notify: bool = False, announce: bool = True
    ) -> bool:
        """Validate ``options`` through the core and adopt them; errors show in the form (and,
        with ``notify``, in a notice). A CSV file to load is read on a thread (see
        :meth:`_load_data`)."""
        data = options.get("data")
        if isinstance(data, str) and data.strip() and len(options) == 1:
            self._load_data(data.strip())
            return False
        try:
            config = config_from_options(options, base=self.session.config)
        except ConfigError as error:
            self.query_one(SettingsForm).show_errors(error.errors)
            if notify:  # in the form's words: the palette is no command line
                words = f"{setting_label(error.field)}: {error.errors[error.field]}"
                self.notify(words, severity="warning")
            return False
        return self._try(config, announce)

    def _load_data(self, path: str) -> None:
        """Read a CSV file on a thread: a large one takes a moment, and the keys, the screen
        and the run go on meanwhile. A newer file given replaces one still being read."""
        form = self.query_one(SettingsForm)
        form.show_error("data", "")  # the last file's error is old news
        if self.files_root is not None:
            resolved = (self.files_root / path).resolve()
            if not resolved.is_relative_to(self.files_root.resolve()):
                form.show_error(
                    "data", f"this served session loads files from {self.files_root} only"
                )
                return
            path = str(resolved)
        self.run_worker(
            partial(self._read_data, path),
            name="reading the file",
            thread=True,
            exclusive=True,
            group="load-data",
            exit_on_error=False,
        )

    def _read_data(self, path: str) -> None:
        """On the worker thread: parse the file, then hand the result to the UI thread."""
        try:
            dataset = dataset_from_options({"data": path})
        except ConfigError as error:
            dataset, errors = None, error.errors
        else:
            errors = {}
        if not get_current_worker().is_cancelled and not self.quitting:
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile
                self.app.call_from_thread(self._data_read, dataset, errors)

    def _data_read(self, dataset: Dataset | None, errors: dict[str, str]) -> None:
        if dataset is None:
            self.query_one(SettingsForm).show_errors(errors)
        else:
            self._try(self.session.config.replace(dataset=dataset))

    def _try(self, config: RunConfig, announce: bool = True) -> bool:
        """Adopt ``config`` unless the run refuses it (the refusal shows in the form)."""
        refusal = self.session.refusal(config)
        if refusal is not None:
            self.query_one(SettingsForm).show_error(*refusal)
            return False
        self._adopt(config, announce)
        return True

    def _adopt(self, config: RunConfig, announce: bool = True) -> None:
        session = self.session
        old = session.config
        if config == old:
            return
        if session.apply(config):
            self.supervisor.reset()
            self.trainer.reset(session.run_id, config)
            if VARIANTS[config.variant].uses_torch and self.torch_note:
                self.trainer.warm_up()
            changed = "; ".join(describe_changes(old, config))
            if announce:
                self.notify(f"Started again from epoch 0: {changed}.", title="Run reset")
        else:
            self.trainer.apply(config)
            if session.finished:
                self.trainer.pause()  # the new epochs or eps end the run here
        self._left_script()
        if self.recorder is not None:
            self.recorder.set(old, config, self.trainer.sent)
            self.save_recording()
        self.query_one(SettingsForm).show_config(config)
        self.query_one(VariantPane).show(config.variant)
        self.redraw()

    # -- recording (--record) ----------------------------------------------------------------

    def save_recording(self) -> None:
        """Write what was done so far as a lesson file (atomically); a failure is said once,
        and the next save tries again."""
        if self.recorder is None or self.record is None:
            return
        from gdtui.core.files import write_atomic
        from gdtui.core.lessons.lesson import LessonError

        try:
            write_atomic(self.record, self.recorder.text(RECORD_ABOUT.format(self.record.name)))
        except (OSError, LessonError) as error:
            why = error.strerror if isinstance(error, OSError) else None
            problem = f"Could not write the recording {self.record}: {why or error}"
            if problem != self._record_problem and not self.quitting:
                self.notify(problem, severity="error", timeout=10)
            self._record_problem = problem
        else:
            self._record_problem = None
