"""The gdtui app: a thin shell around the run's screen (:mod:`gdtui.app.screens.main`). It
keeps what belongs to the whole session: quitting, signals and a lost terminal, help, the
command palette, screenshots, and remembering the settings."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.notifications import SeverityLevel
from textual.screen import Screen

from gdtui import exits
from gdtui.app import DEFAULT_FPS, OUTPUT_DIR
from gdtui.app.delivery import delivery_failed, offer_text
from gdtui.app.keys import described
from gdtui.app.lifecycle import QUIT_SIGNALS, Watchdog
from gdtui.app.palette import open_palette
from gdtui.app.screens.main import MainScreen
from gdtui.core.files import numbered, write_new
from gdtui.core.settings import remembered as remembered_settings
from gdtui.core.settings.commands import commands
from gdtui.core.settings.config import RunConfig, acceptable
from gdtui.core.settings.fields import FIELDS
from gdtui.core.text import visible

if TYPE_CHECKING:
    from gdtui.core.lessons.lesson import Lesson
    from gdtui.core.settings.changes import MidRunChange

TEXTUAL_COMMANDS_REPLACED = frozenset({"Quit", "Screenshot"})
"""Textual's palette commands that gdtui's own replace (q quits at once; s saves whole)."""


class GdtuiApp(App[None]):
    """Gradient descent, step by step."""

    CSS_PATH = "gdtui.tcss"
    TITLE = "gdtui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "save_svg", "SVG", tooltip="Save an SVG screenshot"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="Help"),
        Binding(
            "ctrl+z",
            "suspend_process",
            "Suspend",
            show=False,
            tooltip="Suspend to the shell (fg comes back)",
        ),
        Binding("q", "quit", "Quit", tooltip="Quit"),
        # ctrl+c quits, as in any terminal program (Textual's default only says how to quit).
        Binding("ctrl+c", "quit_now", "Quit", show=False, priority=True),
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
        remembered: RunConfig | None = None,
        greeting: str | None = None,
        lesson: Lesson | None = None,
        lesson_step: int = 0,
        record: Path | None = None,
        present: bool = False,
        script: tuple[MidRunChange, ...] = (),
        program: Path | None = None,
        cell: int | None = None,
    ):
        super().__init__(driver_class=_driver_class())
        self._program = program
        self._cell = cell
        self._own_lesson: Lesson | None = None
        self._last_program: tuple[Path, int | None] | None = None
        if lesson is not None and lesson.program is not None:  # the lesson steps a program
            self._own_lesson, lesson = lesson, None
        self._script = script
        self._config = lesson.config if lesson is not None else config
        self._lesson = lesson
        self._lesson_step = lesson_step
        self._record = record
        self._present = present
        self._notice = notice
        self._greeting = greeting
        self._remembered = remembered if remembered is not None else config
        """The settings remembered before this session (or the defaults): what the app
        remembers at exit is these with the changes made in the app, not the command
        line's one-off options."""
        self.files_root = files_root
        """Where CSV files may be loaded from (a served tab), or None: anywhere."""
        self.settings = settings
        self.fps = fps
        self.output_dir = (output_dir or Path(OUTPUT_DIR)).absolute()
        self._main: MainScreen | None = None
        self._quitting = False
        self._watchdog: Watchdog | None = None
        self.settings_problem: str | None = None
        """Why the settings could not be remembered at exit, or None."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A notification, shown as written: gdtui's notices quote what was typed or read
        from files (``[w]``, ``state[w]``), which Textual would otherwise take as markup and
        drop or choke on, and control characters in them are shown, not obeyed. Widgets'
        ``notify`` passes ``markup=True`` for every call, so it is not asked here."""
        super().notify(
            visible(message),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    @property
    def main_exists(self) -> bool:
        """Whether the run's screen was made (not if the app failed before its first frame)."""
        return self._main is not None

    @property
    def main(self) -> MainScreen:
        """The run's screen, at the bottom of the stack."""
        if self._main is None:
            self._main = MainScreen(
                self._config,
                fps=self.fps,
                output_dir=self.output_dir,
                files_root=self.files_root,
                lesson=self._lesson,
                lesson_step=self._lesson_step,
                record=self._record,
                present=self._present,
                script=self._script,
            )
        return self._main

    def get_default_screen(self) -> Screen[Any]:
        return self.main

    def on_mount(self) -> None:
        if self._greeting is not None:
            self.notify(self._greeting, timeout=10)
        if self._notice is not None:
            self.notify(self._notice, severity="warning", timeout=15)
        if self._script:
            listed = "; ".join(change.words() for change in self._script[:3])
            more = f"; and {len(self._script) - 3} more" if len(self._script) > 3 else ""
            self.notify(
                f"The settings file changes settings mid-run, and this run replays them: "
                f"{listed}{more}. A change of your own ends the replay.",
                timeout=12,
            )
        # The widgets, styles and modules made so far live as long as the app: leave them out
        # of the garbage collector's full passes, which otherwise scan them all and stalled
        # a flat-out run's frames for up to 90 ms (measured: benchmarks/app.py).
        self.call_after_refresh(gc.freeze)
        self._catch_signals()
        if self._program is not None:
            self.open_program(self._program, self._cell)

    def open_program(self, path: Path, cell: int | None = None) -> None:
        """Your own loop (a file or a notebook's cell), over the built-in variants' screen
        (with the lesson that steps it, where there is one)."""
        from gdtui.app.screens.own import OwnScreen

        self._last_program = (path, cell)
        self.push_screen(OwnScreen(path, cell, lesson=self._own_lesson))

    def _programs(self) -> list[Any]:
        """The links to learners' programs now open (each in a process of its own)."""
        from gdtui.app.screens.own import OwnScreen

        return [screen.link for screen in self.screen_stack if isinstance(screen, OwnScreen)]

    def _kill_processes(self) -> None:
        """End every process of this session now (from the watchdog, whatever blocks)."""
        self.main.end_training(kill=True)
        for link in self._programs():
            link.kill()

    def _catch_signals(self) -> None:
        """SIGTERM, SIGHUP (an SSH connection dropping) and SIGINT end the session as q does,
        restoring the terminal, with exit status 128 + the signal's number. Plain handlers
        rather than the event loop's: those run only when the loop is free, and a loop blocked
        on a dead terminal would never run them. In tests (headless) the runner keeps its own."""
        if self.is_headless or threading.current_thread() is not threading.main_thread():
            return
        self._watchdog = Watchdog(self._kill_processes)
        for signal_number in QUIT_SIGNALS:
            signal.signal(signal_number, self._on_signal)
        self.app_resume_signal.subscribe(self, self._resumed)

    def _on_signal(self, signal_number: int, _frame: object) -> None:
        self.end_session(exits.by_signal(signal_number))

    def terminal_lost(self) -> None:
        """The terminal went away (called by the driver, on its own thread): end the session
        without waiting on it."""
        self.end_session(exits.TERMINAL_LOST)

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
        self.main.end_training()
        for link in self._programs():
            link.kill()
        self.exit(return_code=status)

    def _resumed(self, _app: object) -> None:
        """Back from ctrl+z (``fg``): the terminal shows a fresh screen, so paint all of it."""
        self.refresh(repaint=True, layout=True)
        self.main.redraw()

    @property
    def quitting(self) -> bool:
        """Whether the session is ending (replies from the training process are ignored)."""
        return self._quitting

    def action_save_svg(self) -> None:
        """Save the screen as an SVG file, whole or not at all, and never over another."""
        stamp = time.strftime("%Y-%m-%dT%H_%M_%S")
        path = self.output_dir / f"gdtui_{stamp}_{time.time_ns() % 10**9:09d}.svg"
        if self.is_web:  # a served tab: the server's folders are out of the browser's reach
            offer_text(
                self, path.name, self.export_screenshot(), "image/svg+xml", "Sent a screenshot"
            )
            return
        try:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            svg = self.export_screenshot()
            for number in range(1, 100):  # never over a file that is there
                try:
                    write_new([(numbered(path, number), svg)])
                except FileExistsError:
                    continue
                path = numbered(path, number)
                break
            else:
                raise FileExistsError(17, "every name tried is taken")
        except OSError as error:
            self.notify(
                f"Could not save the screenshot in {self.output_dir}: {error.strerror or error}",
                severity="error",
            )
            return
        self.notify(f"Saved {path}")

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        delivery_failed(self, event)

    def action_help(self) -> None:
        """Show every key; ``?`` again closes them (never two help screens on each other)."""
        from gdtui.app.screens.help import HelpScreen

        if any(isinstance(screen, HelpScreen) for screen in self.screen_stack):
            if isinstance(self.screen, HelpScreen):
                self.pop_screen()
            return
        from gdtui.app.screens.own import OwnScreen

        own = isinstance(self.screen, OwnScreen)
        keys = described([*(OwnScreen.BINDINGS if own else MainScreen.BINDINGS), *self.BINDINGS])
        rows = [(key, description) for key, _, description in keys]
        intro = None
        if own:
            rows += [("ctrl+s", "Editor: check, save and run"), ("escape", "Editor: leave")]
            intro = (
                "Your own loop, as the file writes it, in a process of its own: . runs a "
                "statement, n an epoch, space runs on. The values each statement changed, the "
                "graph of a backward(), a row per epoch and the program's output are shown; "
                "mistakes are marked at their lines. e edits the file, f its learning rate and "
                "epochs; r starts it again from its first line."
            )
        rows.append(("ctrl+p", "Command palette"))
        self.push_screen(HelpScreen(rows, intro))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette: on the run's screen its keys and every setting (from the
        settings table), then the app's keys and Textual's theme, keys and maximize; your
        own loop again after ``v`` left it."""
        main = self.main
        if screen is main and self._last_program is not None:
            path, cell = self._last_program
            yield SystemCommand(
                f"Your own loop: {path.name}",
                "Open it again, from its first line",
                partial(self.open_program, path, cell),
            )
        if screen is main:
            for keys, action, description in described(MainScreen.BINDINGS):
                yield SystemCommand(description, f"key {keys}", partial(main.run_action, action))
            yield from self._lesson_commands(main)
            yield SystemCommand(
                "Reset settings to defaults",
                "The seeds' setup: torch-autograd on line4, lr 0.01, 100 epochs, zero_grad on",
                main.reset_settings,
            )
            config = main.session.config
            for field in FIELDS:
                applies = field.applies(config)
                for title, help_text, change in commands(field, config):
                    # Where it needs another setting, only if that one can be had here.
                    if applies or change is None or acceptable(change, config):
                        yield SystemCommand(title, help_text, partial(main.edit, field.key, change))
        for keys, action, description in described(self.BINDINGS):
            yield SystemCommand(description, f"key {keys}", partial(self.run_action, action))
        for command in super().get_system_commands(screen):
            if command.title not in TEXTUAL_COMMANDS_REPLACED:
                yield command

    def _lesson_commands(self, main: MainScreen) -> Iterable[SystemCommand]:
        """Every built-in lesson, each teaching topic, and with a lesson played its steps."""
        from gdtui.core.lessons.lesson import builtin_lessons, lesson_number
        from gdtui.core.lessons.topics import TOPICS

        player = main.player
        if player is not None:
            for step in range(len(player.lesson.steps) + 1):
                note = player.lesson.steps[step - 1].note if step else "the lesson's start"
                title = as_written(f"Lesson step {step}: {note}")
                go = partial(main.action_lesson_go, step)
                yield SystemCommand(title, "Played from its start", go)
            back = "Back to your settings from before it, at epoch 0"
            yield SystemCommand("Leave the lesson", back, main.leave_lesson)
        for lesson in builtin_lessons():
            number = lesson_number(lesson.name)
            title = as_written(f"Lesson {number}: {lesson.title} ({lesson.name[4:]})")
            about = as_written(f"{len(lesson.steps)} steps: {lesson.about}")
            yield SystemCommand(title, about, partial(main.open_lesson, lesson))
        for topic in TOPICS:
            words = f"{topic.about}. Lesson {topic.lesson} teaches it"
            yield SystemCommand(topic.title, words, partial(main.change, topic.settings, True))

    def action_command_palette(self) -> None:
        """Open the command palette (see :mod:`gdtui.app.palette`)."""
        open_palette(self)

    def search_themes(self) -> None:
        """The palette's "Change theme": its own palette of themes, as safe as the commands'."""
        from textual.theme import ThemeProvider

        open_palette(self, providers=[ThemeProvider], placeholder="Search for themes…")

    async def action_quit(self) -> None:
        """Stop any run and quit."""
        self.end_session(exits.OK)

    async def action_quit_now(self) -> None:
        """ctrl+c: quit from anywhere, a form field too."""
        self.end_session(exits.OK)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In a form field of the run's screen, the app's single keys (s, ?, q) do not act
        either: they would type, or toggle, or surprise."""
        screen = self.screen
        if action in ("save_svg", "help", "quit") and isinstance(screen, MainScreen):
            return not screen.in_field
        if action in ("save_svg", "help", "quit"):
            from gdtui.app.screens.own_editor import EditorScreen

            return not isinstance(screen, EditorScreen)  # keys type in the editor
        return True

    def on_unmount(self) -> None:
        self._quitting = True
        self.main.end_training()
        for link in self._programs():
            link.kill()
        if self.main.started and self.main.recording is not None:
            self.main.recording.save()
        if self.settings is not None:
            final = self.main.before_lesson or self.main.config
            kept = remembered_settings.to_remember(self._remembered, self._config, final)
            self.settings_problem = remembered_settings.save(self.settings, self.theme, kept)


def as_written(text: str) -> str:
    """A palette entry's words from a file, as written: the palette reads its titles as
    markup (``optim.SGD([w], …)`` lost its ``[w]``; ``[/]`` ends the app)."""
    return escape(visible(text))


def _driver_class() -> type[Any] | None:
    """gdtui's terminal driver (:mod:`gdtui.app.driver`), unless Textual is told to use
    another (``gdtui serve`` runs each tab with the web driver) or there is no termios."""
    if os.environ.get("TEXTUAL_DRIVER") or sys.platform == "win32":
        return None
    from gdtui.app.driver import GdtuiDriver

    return GdtuiDriver
