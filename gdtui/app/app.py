"""The gdtui app: panes for the variant, the settings, the loss chart and the debug table,
driven by a training process of their own."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Input, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from gdtui.app import DEFAULT_FPS
from gdtui.app.commands import GdtuiCommands
from gdtui.app.lifecycle import QUIT_SIGNALS, TERMINAL_LOST, Watchdog, signal_status
from gdtui.app.messages import (
    ComparisonProgressed,
    ComparisonReady,
    EpochsCompleted,
    RunRestored,
    RunRestoring,
    SettingsEdited,
    TorchLoaded,
    TourReady,
    TrainerStopped,
    TrainingFailed,
    VariantChosen,
)
from gdtui.app.supervisor import CHECK_SECONDS, Supervisor
from gdtui.app.widgets.data_chart import DataChart
from gdtui.app.widgets.debug_pane import DebugPane
from gdtui.app.widgets.key_bar import KeyBar
from gdtui.app.widgets.landscape_chart import LandscapeChart
from gdtui.app.widgets.loss_chart import LossChart
from gdtui.app.widgets.settings_form import SettingsForm
from gdtui.app.widgets.status_line import StatusLine
from gdtui.app.widgets.variant_pane import VariantPane
from gdtui.core import user_settings
from gdtui.core.config import (
    ConfigError,
    RunConfig,
    config_from_options,
    dataset_from_options,
    scale_lr,
)
from gdtui.core.config_file import config_text
from gdtui.core.data import Dataset
from gdtui.core.export import Cancelled, PartlyWritten, write_all_atomic, write_atomic
from gdtui.core.history import RunHistory
from gdtui.core.landscape import landscape
from gdtui.core.session import RunState, TrainingSession, changed_fields
from gdtui.core.stepper import Batch
from gdtui.core.trainer_process import (
    Compared,
    CompareProgress,
    Died,
    Failed,
    Restored,
    Restoring,
    TorchReady,
    TourRan,
    TrainerProcess,
)
from gdtui.core.trainers.registry import VARIANT_NAMES, VARIANTS

if TYPE_CHECKING:
    from gdtui.app.screens.compare import CompareScreen

MAIN_SCREEN_ACTIONS = frozenset(
    {
        "toggle_run",
        "step",
        "reset",
        "toggle_zero_grad",
        "next_variant",
        "scale_lr",
        "toggle_log",
        "next_view",
        "move_cursor",
        "compare",
        "tour",
        "export",
    }
)
LONG_EXPORT = 100_000
"""Exports of this many epochs or more say that they have started (they take a second)."""
MIN_WIDTH, MIN_HEIGHT = 60, 18
"""Below this the panes cannot fit: a notice replaces them (the keys still work)."""
LR = Binding.Group("lr")
HISTORY = Binding.Group("History", compact=True)
NARROW_WIDTH = 100
"""Below this many columns the settings column slims down so the chart keeps its room."""


class MainScreen(Screen[Any]):
    """The app's main screen; it tells the app when the terminal changes size (the app's own
    Resize event is consumed by Textual)."""

    def on_resize(self) -> None:
        self.app.adapt_layout()  # type: ignore[attr-defined]


class GdtuiApp(App[None]):
    """Gradient descent, step by step."""

    CSS_PATH = "gdtui.tcss"
    TITLE = "gdtui"
    COMMANDS = App.COMMANDS | {GdtuiCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_run", "Run/Pause", id="run"),
        Binding("n", "step", "Epoch", id="step"),
        Binding("r", "reset", "Reset", id="reset"),
        Binding("z", "toggle_zero_grad", "zero_grad", id="zero-grad"),
        Binding("v", "next_variant", "Variant", id="variant"),
        Binding("plus,equals_sign", "scale_lr(2)", "lr×2", key_display="+", id="lr-up", group=LR),
        Binding("minus", "scale_lr(0.5)", "lr÷2", key_display="-", id="lr-down", group=LR),
        Binding("l", "toggle_log", "Log", id="log"),
        Binding("g", "next_view", "View", id="view"),
        Binding("left", "move_cursor(-1)", "Back", key_display="←", id="back", group=HISTORY),
        Binding("right", "move_cursor(1)", "Forward", key_display="→", id="forward", group=HISTORY),
        Binding("c", "compare", "Compare", id="compare"),
        Binding("t", "tour", "Tour", id="tour"),
        Binding("s", "save_svg", "SVG", id="save-svg"),
        Binding("e", "export", "Export", id="export"),
        Binding("question_mark", "help", "Help", key_display="?", id="help"),
        Binding("ctrl+z", "suspend_process", "Suspend", show=False),
        Binding("q", "quit", "Quit", id="quit"),
        # ctrl+c quits, as in any terminal program (Textual's default only says how to quit).
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("escape", "leave_field", "Leave field", show=False),
    ]

    def __init__(
        self,
        config: RunConfig,
        *,
        fps: float = DEFAULT_FPS,
        output_dir: Path | None = None,
        settings: Path | None = None,
        notice: str | None = None,
        files_root: Path | None = None,
    ):
        super().__init__(driver_class=_driver_class())
        self._notice = notice
        self.files_root = files_root
        """Where CSV files may be loaded from (a served tab), or None: anywhere."""
        self.settings = settings
        self.session = TrainingSession(config)
        self.trainer = TrainerProcess(self._from_trainer)
        self.supervisor = Supervisor(self)
        self._quitting = False
        self._watchdog: Watchdog | None = None
        self.settings_problem: str | None = None
        """Why the settings could not be remembered at exit, or None."""
        self.fps = fps
        self.output_dir = output_dir or Path.cwd()
        self.torch_note = "" if not VARIANTS[config.variant].uses_torch else "loading torch…"
        self._dirty = True
        self._speed: float | None = None
        self._speed_mark: tuple[float, int] | None = None

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        config = self.session.config
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield VariantPane(config.variant, id="variants")
                yield SettingsForm(config, id="settings")
            with Vertical(id="right"):
                with TabbedContent(id="views"):
                    with TabPane("Loss", id="tab-loss"):
                        yield LossChart(id="chart")
                    with TabPane("Data", id="tab-data"):
                        yield DataChart(id="data-chart")
                    with TabPane("Landscape", id="tab-landscape"):
                        yield LandscapeChart(id="landscape")
                yield DebugPane(id="debug")
        yield Static(
            f"The terminal is too small for gdtui's panes: make it at least "
            f"{MIN_WIDTH}×{MIN_HEIGHT}. Keys still work; the status line below stays live.",
            id="too-small",
        )
        yield StatusLine(id="status")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The run's keys act on the main screen only: pressing n in compare mode, the tour or
        the help screen must not step the run hidden behind it."""
        return action not in MAIN_SCREEN_ACTIONS or isinstance(self.screen, MainScreen)

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen(id="_default")

    def adapt_layout(self) -> None:
        """Slim the settings column on narrow terminals; on tiny ones, a notice instead."""
        width, height = self.size
        screen = self.screen_stack[0]
        screen.set_class(width < NARROW_WIDTH, "-narrow")
        screen.set_class(width < MIN_WIDTH or height < MIN_HEIGHT, "-too-small")

    def on_mount(self) -> None:
        self.query_one(SettingsForm).show_config(self.session.config)
        self.query_one(VariantPane).focus()
        if self._notice is not None:
            self.notify(self._notice, severity="warning", timeout=15)
        self.adapt_layout()
        self.redraw()
        self.set_interval(1 / self.fps, self._redraw_if_dirty)
        self.set_interval(CHECK_SECONDS, self.supervisor.check)
        # Only once the first frame is on screen: starting the process takes a moment.
        self.call_after_refresh(self.supervisor.ready)
        # The widgets, styles and modules made so far live as long as the app: leave them out
        # of the garbage collector's full passes, which otherwise scan them all and stalled
        # a flat-out run's frames for up to 90 ms (measured: benchmarks/app.py).
        self.call_after_refresh(gc.freeze)
        self._catch_signals()

    def _catch_signals(self) -> None:
        """SIGTERM, SIGHUP (an SSH connection dropping) and SIGINT end the session as q does,
        restoring the terminal, with exit status 128 + the signal's number. Plain handlers
        rather than the event loop's: those run only when the loop is free, and a loop blocked
        on a dead terminal would never run them. In tests (headless) the runner keeps its own."""
        if self.is_headless or threading.current_thread() is not threading.main_thread():
            return
        self._watchdog = Watchdog(self.trainer.kill)
        for signal_number in QUIT_SIGNALS:
            signal.signal(signal_number, self._on_signal)
        self.app_resume_signal.subscribe(self, self._resumed)

    def _on_signal(self, signal_number: int, _frame: object) -> None:
        self.end_session(signal_status(signal_number))

    def terminal_lost(self) -> None:
        """The terminal went away (called by the driver, on its own thread): end the session
        without waiting on it."""
        self.end_session(TERMINAL_LOST)

    def end_session(self, status: int) -> None:
        """Quit with exit status ``status``, within the watchdog's deadline whatever blocks.
        Safe from any thread and from a signal handler."""
        if self._watchdog is not None:
            self._watchdog.arm(status)
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: shutdown is under way
                loop.call_soon_threadsafe(self._quit, status)

    def _quit(self, status: int) -> None:
        self._quitting = True
        self.trainer.close(timeout=0.2)
        self.exit(return_code=status)

    def _resumed(self, _app: object) -> None:
        """Back from ctrl+z (``fg``): the terminal shows a fresh screen, so paint all of it."""
        self.refresh(repaint=True, layout=True)
        self.redraw()

    @property
    def quitting(self) -> bool:
        """Whether the session is ending (replies from the training process are ignored)."""
        return self._quitting

    @property
    def busy(self) -> bool:
        """Whether the app is waiting on the training process (torch loading, a comparison,
        a replay)."""
        return (
            bool(self.torch_note)
            or self.supervisor.replaying is not None
            or bool(getattr(self.screen, "waiting", False))
        )

    def _from_trainer(self, message: object) -> None:
        """Called on the trainer's reader thread: hand the message to the UI thread."""
        if isinstance(message, Batch):
            self.post_message(EpochsCompleted(message))
        elif isinstance(message, TorchReady):
            self.post_message(TorchLoaded(message.seconds))
        elif isinstance(message, TourRan):
            self.post_message(TourReady(message.outputs))
        elif isinstance(message, CompareProgress):
            self.post_message(ComparisonProgressed(message.request, message.epochs, message.total))
        elif isinstance(message, Compared):
            self.post_message(ComparisonReady(message.request, message.comparison, message.across))
        elif isinstance(message, Failed):
            self.post_message(TrainingFailed(message.message, message.run_id))
        elif isinstance(message, Died):
            self.post_message(TrainerStopped(message.why, message.pid))
        elif isinstance(message, Restoring):
            self.post_message(RunRestoring(message.run_id, message.epoch, message.total))
        elif isinstance(message, Restored):
            self.post_message(RunRestored(message))

    def _compare_screen(self) -> CompareScreen | None:
        """The compare screen if it is showing, else None."""
        from gdtui.app.screens.compare import CompareScreen

        return self.screen if isinstance(self.screen, CompareScreen) else None

    @on(ComparisonReady)
    def _comparison_ready(self, event: ComparisonReady) -> None:
        if (screen := self._compare_screen()) is not None:
            screen.show(event.request, event.comparison, event.across)

    @on(ComparisonProgressed)
    def _comparison_progressed(self, event: ComparisonProgressed) -> None:
        if (screen := self._compare_screen()) is not None:
            screen.progress(event.request, event.epochs, event.total)

    @on(TrainerStopped)
    def _trainer_stopped(self, event: TrainerStopped) -> None:
        if self._quitting:
            return
        news = self.supervisor.stopped(event.why, event.pid)
        if news and (screen := self._compare_screen()) is not None:
            screen.failed(f"the training process stopped unexpectedly ({event.why})")

    @on(RunRestoring)
    def _run_restoring(self, event: RunRestoring) -> None:
        self.supervisor.progress(event.run_id, event.epoch, event.total)

    @on(RunRestored)
    def _run_restored(self, event: RunRestored) -> None:
        self.supervisor.restored(event.restored)

    @on(TourReady)
    def _tour_ready(self, event: TourReady) -> None:
        from gdtui.app.screens.tour import TourScreen

        if isinstance(self.screen, TourScreen):
            self.screen.show(event.outputs)

    @on(TorchLoaded)
    def _torch_loaded(self, event: TorchLoaded) -> None:
        self.torch_note = ""
        self._dirty = True

    @on(TrainingFailed)
    def _training_failed(self, event: TrainingFailed) -> None:
        if self._quitting:
            return
        if event.run_id in (0, self.session.run_id) and not self.session.finished:
            self.session.state = RunState.PAUSED
        self.notify(event.message, title="Training stopped", severity="error", timeout=10)
        if (screen := self._compare_screen()) is not None:
            screen.failed("the comparison failed")
        self.redraw()

    def _ensure_trainer(self) -> bool:
        """A usable training process for the key just pressed (see :class:`Supervisor`)."""
        return self.supervisor.ready()

    # -- drawing ----------------------------------------------------------------------------

    def _redraw_if_dirty(self) -> None:
        if self._dirty:
            self.redraw()

    def redraw(self) -> None:
        """Draw every pane from the session (on the UI thread, at most ``fps`` times a second)."""
        self._dirty = False
        session = self.session
        self._measure_speed()
        view = self.query_one(TabbedContent).active
        if view == "tab-loss":
            subtitle = session.message if session.state is RunState.DIVERGED else ""
            self.query_one(LossChart).draw(
                session.history,
                subtitle,
                session.changes,
                session.cursor,
            )
        elif view == "tab-data":
            record = session.viewed_record
            self.query_one(DataChart).draw(
                session.config.dataset, record and record.w, record and record.b
            )
        elif view == "tab-landscape":
            self.query_one(LandscapeChart).draw(
                None
                if session.initial is None
                else landscape(
                    session.config.dataset,
                    session.history,
                    session.initial,
                    session.config.has_bias,
                )
            )
        self.query_one(DebugPane).show(session)
        self.query_one(StatusLine).show(
            session, self._speed, self.torch_note, self.supervisor.alert
        )

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

    # -- training ---------------------------------------------------------------------------

    @on(EpochsCompleted)
    def _epochs_completed(self, event: EpochsCompleted) -> None:
        session = self.session
        if not session.accept(event.batch):
            return  # from a run that has since been reset
        if session.state is RunState.RUNNING:
            self._dirty = True
        else:
            self.redraw()

    def _pause(self) -> None:
        if self.session.state is RunState.RUNNING:
            self.trainer.pause()
            self.session.state = RunState.PAUSED

    # -- actions ----------------------------------------------------------------------------

    def action_toggle_run(self) -> None:
        """Run flat out, or pause."""
        session = self.session
        if session.state is RunState.RUNNING:
            self._pause()
        elif session.finished:
            self.notify(f"{session.message}. Press r to reset, or raise the epochs.")
        elif self._ensure_trainer():
            session.state = RunState.RUNNING
            self.trainer.run()
        self.redraw()

    def action_step(self) -> None:
        """Run exactly one epoch."""
        session = self.session
        if session.finished:
            self.notify(f"{session.message}. Press r to reset, or raise the epochs.")
            return
        if not self._ensure_trainer():
            return
        self._pause()
        session.state = RunState.PAUSED
        self.trainer.step(1)

    def action_reset(self) -> None:
        """Start the run again from epoch 0."""
        self.session.reset()
        self.supervisor.reset()
        self.trainer.reset(self.session.run_id, self.session.config)
        self.redraw()

    def action_toggle_zero_grad(self) -> None:
        """Switch zero_grad on or off from the next epoch."""
        self.apply_settings({"zero_grad": not self.session.config.zero_grad})

    def action_next_variant(self) -> None:
        """Switch to the next variant (resets the run)."""
        index = VARIANT_NAMES.index(self.session.config.variant)
        self.choose_variant(VARIANT_NAMES[(index + 1) % len(VARIANT_NAMES)])

    def action_scale_lr(self, factor: float) -> None:
        """Double or halve the learning rate from the next epoch."""
        try:
            config = scale_lr(self.session.config, factor)
        except ConfigError as error:
            self.notify(str(error), severity="warning")
            return
        self._adopt(config)

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
        tabs = self.query_one(TabbedContent)
        order = ["tab-loss", "tab-data", "tab-landscape"]
        tabs.active = order[(order.index(tabs.active) + 1) % len(order)]

    @on(TabbedContent.TabActivated)
    def _view_changed(self) -> None:
        self.redraw()

    def action_compare(self) -> None:
        """Run the four variants in lockstep on the current settings and compare them."""
        from gdtui.app.screens.compare import CompareScreen

        if self._ensure_trainer():
            self._pause()
            self.push_screen(CompareScreen(self.session.config))

    def action_tour(self) -> None:
        """Step through autograd's basics with live tensors (seed 004's lessons)."""
        from gdtui.app.screens.tour import TourScreen

        if self._ensure_trainer():
            self._pause()
            self.push_screen(TourScreen())

    def action_save_svg(self) -> None:
        """Save the screen as an SVG file, whole or not at all."""
        stamp = time.strftime("%Y-%m-%dT%H_%M_%S")
        path = self.output_dir / f"gdtui_{stamp}_{time.time_ns() % 10**9:09d}.svg"
        try:
            write_atomic(path, self.export_screenshot())
        except OSError as error:
            self.notify(
                f"Could not save the screenshot in {self.output_dir}: {error.strerror or error}",
                severity="error",
            )
            return
        self.notify(f"Saved {path}")

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
        self.run_worker(
            partial(self._export, session.history, epochs, session.config, stem, session.changes),
            thread=True,
            exclusive=True,
            group="export",
        )

    def _export(
        self,
        history: RunHistory,
        epochs: int,
        config: RunConfig,
        stem: Path,
        changes: list[tuple[int, str]],
    ) -> None:
        """Write the first ``epochs`` records (on a worker thread)."""
        worker = get_current_worker()

        def cancelled() -> bool:
            return worker.is_cancelled or self._quitting

        files = [
            (stem.with_suffix(".csv"), history.csv_chunks(epochs)),
            (stem.with_suffix(".jsonl"), history.jsonl_chunks(epochs)),
            (stem.with_suffix(".toml"), config_text(config, ".toml")),
        ]
        try:
            write_all_atomic(files, cancelled)
        except Cancelled:
            return
        except PartlyWritten as error:
            written = ", ".join(path.name for path in error.written)
            self._notify_from_thread(
                f"Could not export all of it ({error.strerror}): only {written} were written",
                severity="error",
            )
            return
        except OSError as error:
            self._notify_from_thread(
                f"Could not export to {stem.parent}: {error.strerror or error}. "
                "Nothing was written.",
                severity="error",
            )
            return
        replay = "gdtui --config replays them"
        if changes:
            # A config file holds one set of settings: the run's mid-run changes are not in it.
            made = ", ".join(f"{label} at {epoch}" for epoch, label in changes[:3])
            more = f" and {len(changes) - 3} more" if len(changes) > 3 else ""
            replay = f"as they are now, without the changes made mid-run: {made}{more}"
        self._notify_from_thread(
            f"Exported {epochs:,} epochs to {stem}.csv and .jsonl; the settings to "
            f"{stem.name}.toml ({replay})"
        )

    def _notify_from_thread(self, message: str, severity: SeverityLevel = "information") -> None:
        if self._quitting:
            return
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self.call_from_thread(self.notify, message, severity=severity)

    def action_help(self) -> None:
        """Show every key."""
        from gdtui.app.screens.help import HelpScreen

        rows = [(key, description) for key, _, description in self.palette_actions()]
        rows += [("ctrl+p", "Command palette"), ("escape", "Leave a field")]
        self.push_screen(HelpScreen(rows))

    def action_leave_field(self) -> None:
        """Leave a text field so that single keys act again."""
        if isinstance(self.focused, Input):
            self.query_one(VariantPane).focus()

    async def action_quit(self) -> None:
        """Stop any run and quit."""
        self.end_session(0)

    def on_unmount(self) -> None:
        self._quitting = True
        self.trainer.close(timeout=0.2)
        if self.settings is not None:
            self.settings_problem = user_settings.save(
                self.settings, self.theme, self.session.config
            )

    def palette_actions(self) -> list[tuple[str, str, str]]:
        """(key, action, description) for every shown binding, for the palette and help."""
        descriptions = {
            "toggle_run": "Run / pause",
            "step": "One epoch",
            "reset": "Reset the run",
            "toggle_zero_grad": "zero_grad on / off",
            "next_variant": "Next variant",
            "scale_lr(2)": "Learning rate × 2",
            "scale_lr(0.5)": "Learning rate ÷ 2",
            "toggle_log": "Log / linear loss axis",
            "next_view": "Chart: loss → data and fit → loss landscape",
            "move_cursor(-1)": "Step back through the history",
            "move_cursor(1)": "Step forward (to the latest: follow it again)",
            "compare": "Compare the variants (o: the optimizers)",
            "tour": "Autograd tour: requires_grad, backward, .grad, no_grad",
            "save_svg": "Save an SVG screenshot",
            "export": "Export the history (CSV, JSONL) and the settings (TOML)",
            "help": "Help",
            "suspend_process": "Suspend to the shell (fg comes back)",
            "quit": "Quit",
        }
        keys: dict[str, list[str]] = {}  # an action's keys, in the order they are bound
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action in descriptions:
                keys.setdefault(binding.action, []).append(binding.key_display or binding.key)
        return [(" / ".join(k), action, descriptions[action]) for action, k in keys.items()]

    # -- settings ---------------------------------------------------------------------------

    def choose_variant(self, variant: str) -> None:
        """Switch to ``variant`` (resets the run)."""
        self.apply_settings({"variant": variant})

    @on(VariantChosen)
    def _variant_chosen(self, event: VariantChosen) -> None:
        if event.variant != self.session.config.variant:
            self.choose_variant(event.variant)

    @on(SettingsEdited)
    def _settings_edited(self, event: SettingsEdited) -> None:
        self.apply_settings(event.options)

    def apply_settings(self, options: dict[str, Any]) -> bool:
        """Validate ``options`` through the core and adopt them; errors show in the form.
        A CSV file to load is read on a thread (see :meth:`_load_data`)."""
        data = options.get("data")
        if isinstance(data, str) and data.strip() and len(options) == 1:
            self._load_data(data.strip())
            return False
        try:
            config = config_from_options(options, base=self.session.config)
        except ConfigError as error:
            self.query_one(SettingsForm).show_errors(error.errors)
            return False
        return self._try(config)

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
            partial(self._read_data, path), thread=True, exclusive=True, group="load-data"
        )

    def _read_data(self, path: str) -> None:
        """On the worker thread: parse the file, then hand the result to the UI thread."""
        try:
            dataset = dataset_from_options({"data": path})
        except ConfigError as error:
            dataset, errors = None, error.errors
        else:
            errors = {}
        if not get_current_worker().is_cancelled and not self._quitting:
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile
                self.call_from_thread(self._data_read, dataset, errors)

    def _data_read(self, dataset: Dataset | None, errors: dict[str, str]) -> None:
        if dataset is None:
            self.query_one(SettingsForm).show_errors(errors)
        else:
            self._try(self.session.config.replace(dataset=dataset))

    def _try(self, config: RunConfig) -> bool:
        """Adopt ``config`` unless the run refuses it (the refusal shows in the form)."""
        refusal = self.session.refusal(config)
        if refusal is not None:
            self.query_one(SettingsForm).show_error(*refusal)
            return False
        self._adopt(config)
        return True

    def _adopt(self, config: RunConfig) -> None:
        session = self.session
        old = session.config
        if config == old:
            return
        if session.apply(config):
            self.supervisor.reset()
            self.trainer.reset(session.run_id, config)
            if VARIANTS[config.variant].uses_torch and self.torch_note:
                self.trainer.warm_up()
            changed = ", ".join(changed_fields(old, config))
            self.notify(f"Run reset: {changed} changed.", title="Reset")
        else:
            self.trainer.apply(config)
            if session.finished:
                self.trainer.pause()  # the new epochs or eps end the run here
        self.query_one(SettingsForm).show_config(config)
        self.query_one(VariantPane).show(config.variant)
        self.redraw()


def _driver_class() -> type[Any] | None:
    """gdtui's terminal driver (:mod:`gdtui.app.driver`), unless Textual is told to use
    another (``gdtui serve`` runs each tab with the web driver) or there is no termios."""
    if os.environ.get("TEXTUAL_DRIVER") or sys.platform == "win32":
        return None
    from gdtui.app.driver import GdtuiDriver

    return GdtuiDriver
