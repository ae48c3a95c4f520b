"""The main screen: the run's panes and keys. The run itself is its session's
(:class:`~gdtui.core.run.session.TrainingSession`): a key asks the session, the session tells
the training process (through the supervisor) and its listeners, and the panes are drawn
from it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Container, Vertical
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from gdtui.app.keys import RUN_KEYS
from gdtui.app.messages import SettingsEdited, TrainerReplied, VariantChosen
from gdtui.app.screens.lesson_keys import LessonKeys
from gdtui.app.screens.run_layout import MIN_HEIGHT, MIN_WIDTH, RunLayout
from gdtui.app.screens.run_start import RunStart
from gdtui.app.widgets.debug_pane import DebugPane
from gdtui.app.widgets.key_bar import KeyBar
from gdtui.app.widgets.lesson_banner import LessonBanner
from gdtui.app.widgets.settings_form import SettingsForm
from gdtui.app.widgets.status_line import StatusLine
from gdtui.app.widgets.variant_pane import VariantPane
from gdtui.core.engine.stops import RunState
from gdtui.core.settings.config import ConfigError, RunConfig, scale_lr
from gdtui.core.settings.fields import setting_label
from gdtui.core.settings.variants import VARIANT_NAMES

if TYPE_CHECKING:
    from gdtui.app.app import GdtuiApp
    from gdtui.core.lessons.lesson import Lesson
    from gdtui.core.run.session import TrainingSession
    from gdtui.core.settings.changes import MidRunChange

VIEW_TITLES = {"loss": "Loss", "data": "Data", "landscape": "Landscape", "code": "Code"}
"""Each of the session's views (:data:`~gdtui.core.run.session.VIEWS`, in their order) and
its tab's title. The tab's id is the view's name."""


class Pane(Protocol):
    """A part of the screen drawn from the session."""

    def show(self, session: TrainingSession) -> None: ...


class MainScreen(RunLayout, LessonKeys, RunStart):
    """The run: the variant, the settings, the charts and the debug table, run by a training
    process of its own. Its keys act here only: another screen on top (compare, the tour,
    help) never steps the run hidden behind it."""

    BINDINGS: ClassVar[list[BindingType]] = RUN_KEYS

    def __init__(
        self,
        config: RunConfig,
        *,
        fps: float,
        output_dir: Path,
        files_root: Path | None = None,
        lesson: Lesson | None = None,
        lesson_step: int = 0,
        record: Path | None = None,
        present: bool = False,
        script: tuple[MidRunChange, ...] = (),
    ) -> None:
        super().__init__(present=present, playing=lesson is not None)
        self.fps = fps
        self.output_dir = output_dir
        self.files_root = files_root
        """Where CSV files may be loaded from (a served tab), or None: anywhere."""
        self.start_later(
            config, lesson=lesson, lesson_step=lesson_step, record=record, script=script
        )
        self._dirty = True
        self._export_when_answered = False
        """``e`` came while epochs asked for were on their way: it exports once they land."""
        self._shown_config: RunConfig | None = None

    @property
    def quitting(self) -> bool:
        """Whether the session is ending (replies from the training process are ignored)."""
        return cast("GdtuiApp", self.app).quitting

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        config = self._config
        # A grid, laid out by the screen's breakpoints (see gdtui.tcss): the settings beside
        # the chart and the debug table; on a wide screen the table runs under both; on a
        # narrow one the settings are a drawer that opens while they have the focus. The
        # views' panes and presenter mode's digits come once the run starts (main_run).
        with Container(id="main"):
            with Vertical(id="left"):
                yield VariantPane(config.variant, id="variants")
                yield SettingsForm(config, files_root=self.files_root, id="settings")
            with TabbedContent(id="views"):
                for view, title in VIEW_TITLES.items():
                    yield TabPane(title, id=view)
            yield DebugPane(id="debug")
        yield Static(
            f"The terminal is too small for gdtui's panes: make it at least "
            f"{MIN_WIDTH}×{MIN_HEIGHT}. Keys still work; the status line below stays live.",
            id="too-small",
        )
        banner = LessonBanner(id="lesson-banner")
        banner.display = self._lesson is not None
        yield banner
        yield StatusLine(id="status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.show_settings()
        if self._lesson is None and not self.present:
            self.query_one(VariantPane).focus()
        self.adapt_layout()
        # The first frame shows the panes, the settings and the keys; the run comes next.
        self.call_after_refresh(self._load_run)

    # -- drawing ----------------------------------------------------------------------------

    def _redraw_if_dirty(self) -> None:
        if self._dirty:
            self.redraw()

    def redraw(self) -> None:
        """Draw every pane from the session (on the UI thread, at most ``fps`` times a second):
        the view in sight, the debug table (or presenter mode's digits) and the status line.
        Nothing before the panes are in (see :meth:`_start`)."""
        from gdtui.app.screens.main_run import view_pane

        if not self._panes_mounted:
            return
        self._dirty = False
        session = self.session
        chart = view_pane(self, session.view)
        numbers = (
            cast(Pane, self.query_one("#present")) if self.present else self.query_one(DebugPane)
        )
        panes: tuple[Pane, ...] = (chart, numbers)
        for pane in panes:
            pane.show(session)
        self.redraw_status()
        self.show_lesson()

    def redraw_status(self) -> None:
        """Draw the status line alone: the one line a key such as space changes at once."""
        session, supervisor = self.session, self.supervisor
        status = self.query_one(StatusLine)
        status.measure(session, supervisor.replaying is not None)
        status.note, status.alert = supervisor.note, supervisor.alert
        status.show(session)

    def show_settings(self) -> None:
        """The form and the variant pane show the run's settings (those it starts from, before
        it has started), if they are new to them."""
        config = self.config
        if config != self._shown_config:
            self._shown_config = config
            self.query_one(SettingsForm).show_config(config)
            self.query_one(VariantPane).show(config.variant)

    # -- the training process's replies ------------------------------------------------------

    @on(TrainerReplied)
    def _replied(self, event: TrainerReplied) -> None:
        from gdtui.app.export_worker import start_export
        from gdtui.app.screens.main_run import take_reply

        redraw = take_reply(self, event.reply)
        if redraw is not None:
            self._dirty = True
            if redraw:
                self.redraw()
        if self._export_when_answered and not self.link.waiting:
            self._export_when_answered = False
            start_export(self, self.session, self.output_dir)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """A reader that fails is a lost training process: the supervisor tells and replaces
        it. An export or a file read that fails says so."""
        from gdtui.app.screens.main_run import worker_failed

        if event.state is WorkerState.ERROR and not self.quitting:
            worker_failed(self, event.worker)

    # -- the run's keys ---------------------------------------------------------------------

    def _ended(self) -> bool:
        """Whether the run has ended (and the person is told how to go on)."""
        if self.session.finished:
            self.notify(self.session.ended_words)
        return self.session.finished

    def action_toggle_run(self) -> None:
        """Run flat out, or pause. The status line says so in the next frame, alone: a frame
        that also redrew the chart and the table took twice as long to reach the screen
        (benchmarks/app.py); they follow at the next redraw."""
        if self.session.state is RunState.RUNNING:
            self.session.pause()
        elif not self._ended():
            self.session.run()
        if self._panes_mounted:
            self.redraw_status()
        self._dirty = True

    def action_run_epoch(self) -> None:
        """Run exactly one epoch."""
        if not self._ended():
            self.session.run_epochs(1)

    def action_run_line(self) -> None:
        """Run the next line of the loop, shown in the Code view."""
        if not self._ended():
            self.session.show("code")
            self.session.run_line()

    def action_reset(self) -> None:
        """Start the run again from epoch 0."""
        self.session.restart()
        self.redraw()

    def action_toggle_zero_grad(self) -> None:
        """Switch zero_grad on or off from the next epoch."""
        self.change({"zero_grad": not self.session.config.zero_grad})

    def action_next_variant(self) -> None:
        """Switch to the next variant (resets the run)."""
        index = VARIANT_NAMES.index(self.session.config.variant)
        self.change({"variant": VARIANT_NAMES[(index + 1) % len(VARIANT_NAMES)]})

    def action_scale_lr(self, factor: float) -> None:
        """Double or halve the learning rate from the next epoch."""
        try:
            config = scale_lr(self.session.config, factor)
        except ConfigError as error:
            self.notify(str(error), severity="warning")
            return
        self.change(config)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A lesson's keys act only while one is played (and not in a field)."""
        if action in ("lesson_step", "lesson_go"):
            playing = self.player is not None or (self._run is None and self._lesson is not None)
            return playing and not self.in_field
        allowed: bool | None = super().check_action(action, parameters)
        return allowed

    def action_lesson_step(self, direction: int) -> None:
        self._parts()  # a key before the run started: the lesson's player comes with it
        super().action_lesson_step(direction)

    def action_lesson_go(self, step: int) -> None:
        self._parts()
        super().action_lesson_go(step)

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
        from gdtui.app.widgets.loss_chart import LossChart

        chart = self.query_one(LossChart)
        chart.log_scale = not chart.log_scale

    def action_move_cursor(self, step: int) -> None:
        """Step back or forward through the run's history (pauses a running run)."""
        self.session.pause()
        self.session.move_cursor(step)
        self.redraw()

    def action_next_view(self) -> None:
        """Show the next view: loss, data and fit, loss landscape, code."""
        views = tuple(VIEW_TITLES)
        self.session.show(views[(views.index(self.session.view) + 1) % len(views)])

    @on(TabbedContent.TabActivated)
    def _view_changed(self) -> None:
        view = self.query_one(TabbedContent).active
        self.set_class(view == "code", "-code")
        if self._run is not None:  # not the tabs' first activation, before the run starts
            self.session.show(view)  # a tab clicked; or the session's own view, in sight
            self.redraw()

    def action_compare(self) -> None:
        """Run the four variants in lockstep on the current settings and compare them."""
        from gdtui.app.screens.compare import CompareScreen

        if self.supervisor.ready():
            self.session.pause()
            self.app.push_screen(CompareScreen(self.link, self.session.config))

    def action_tour(self) -> None:
        """Step through autograd's basics with live tensors (seed 004's cells)."""
        from gdtui.app.screens.tour import TourScreen

        if self.supervisor.ready():
            self.session.pause()
            self.app.push_screen(TourScreen(self.link))

    def action_export(self) -> None:
        """Write the history as CSV and JSON lines, and the run's settings as TOML; after the
        epochs or lines asked for just before (``n e`` typed together) have landed."""
        from gdtui.app.export_worker import start_export

        if self.link.waiting:
            self._export_when_answered = True
        else:
            start_export(self, self.session, self.output_dir)

    def tell_error(self, message: str) -> None:
        """Say what went wrong (unless the session is ending)."""
        if not self.quitting:
            self.notify(message, severity="error", timeout=10)

    # -- settings ---------------------------------------------------------------------------

    def change(self, options: dict[str, Any] | RunConfig, notify: bool = False) -> bool:
        """Change the run's settings through its session: a refusal shows in the form (and,
        with ``notify``, in a notice), a restart is said. True if they applied."""
        change = self.session.change(options)
        if not change.applied:
            self.query_one(SettingsForm).show_errors(dict(change.errors))
            if notify:  # in the form's words: the palette is no command line
                field, why = next(iter(change.errors.items()))
                self.notify(f"{setting_label(field)}: {why}", severity="warning")
            return False
        if change.dropped:
            first = change.dropped[0].words()
            self.notify(
                f"Your change ends the replay of the settings file's changes: "
                f"{len(change.dropped)} still to come are not made (the next: {first}).",
                severity="warning",
                timeout=10,
            )
        if change.restarted:
            self.notify(f"Started again from epoch 0: {change.words}.", title="Run reset")
        elif change.words and self.session.epoch:  # nothing on screen says it until then
            self.notify(f"From epoch {self.session.epoch + 1:,}: {change.words}.", timeout=4)
        self.redraw()
        return True

    @on(VariantChosen)
    def _variant_chosen(self, event: VariantChosen) -> None:
        if event.variant != self.session.config.variant:
            self.change({"variant": event.variant})

    @on(SettingsEdited)
    def _settings_edited(self, event: SettingsEdited) -> None:
        applied = self.change(event.options) if event.options else True
        if not applied and event.left:
            (name,) = event.options
            self.query_one(SettingsForm).revert(name)
        elif applied and not event.left:
            self.action_leave_field()

    def edit(self, key: str, change: dict[str, Any] | None) -> None:
        """A setting from the command palette: make ``change``, or (None) go to its field.
        An error shows in the form and, since the palette was where the user looked, in a
        notice too."""
        if change is None:
            if self.drawer:  # the palette goes to a field: open the drawer first
                self.set_class(True, "-open")
            self.query_one(SettingsForm).focus_field(key)
        else:
            self.change(change, notify=True)

    def reset_settings(self) -> None:
        """Every setting back to its default (the seeds' setup), starting the run again."""
        if self.session.config == RunConfig():
            self.notify("The settings are the defaults already.")
        else:
            self.change(RunConfig())
