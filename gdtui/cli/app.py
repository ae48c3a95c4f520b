"""``gdtui [OPTIONS]``: the app, started from the user's remembered settings with the options
on top, or from a lesson, or as a tab of ``gdtui serve``.

The rule for settings: **what a person chooses in the app is remembered; an option on the
command line is for that session only**. ``--config FILE`` runs the file as it is, and
``--defaults`` starts from the defaults.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gdtui import __version__, exits
from gdtui.cli.options import (
    Parser,
    UsageError,
    add_display_options,
    add_lesson_option,
    add_settings,
    bounded,
    load_lesson,
    parse_fps,
    parse_run,
)
from gdtui.core.settings import remembered as remembered_settings
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.parse import parse_int

if TYPE_CHECKING:
    from gdtui.core.lessons.lesson import Lesson
    from gdtui.core.settings.changes import MidRunChange

SERVE_ROOT_VARIABLE = "GDTUI_SERVE_ROOT"
"""Set by ``gdtui serve`` for each tab's app: its files stay inside this folder, and it
neither reads nor writes the user's remembered settings (each tab is someone else's)."""
COMMANDS = "run, trace, check, compare, serve, lessons, mistakes"


def build_parser() -> argparse.ArgumentParser:
    """The ``gdtui`` parser: the settings, how the app draws, and its files."""
    from gdtui.app import OUTPUT_DIR

    parser = Parser(
        prog="gdtui",
        description="Gradient descent, step by step, in the terminal. "
        "With no command, opens the app preset with the options. "
        "Commands: run (train headless), compare (variants or optimizers side by side), "
        "trace (the loop's code line by line, with its values), "
        "serve (the app in a browser), lessons (the built-in lessons, for --lesson), "
        "check (name the mistakes in your own loop), mistakes (the gallery of them). "
        "gdtui FILE opens the app on your own loop.",
    )
    parser.add_argument("--version", action="version", version=f"gdtui {__version__}")
    add_settings(parser)
    add_display_options(parser)
    files = parser.add_argument_group("files")
    files.add_argument(
        "--defaults",
        action="store_true",
        help="start from the defaults, not from the settings remembered from last time "
        "(which the app otherwise restores, with these options on top for this time only)",
    )
    add_lesson_option(files)
    own = parser.add_argument_group("your own loop")
    own.add_argument(
        "program",
        metavar="FILE",
        nargs="?",
        help="open the app on your own training loop: a Python file or a Jupyter notebook "
        "(the rules of gdtui run FILE)",
    )
    own.add_argument("--cell", metavar="N", help="a notebook's code cell to train (from 1)")
    own.add_argument(
        "--mistake",
        metavar="NAME",
        help="open one of the gallery's classic mistakes (gdtui mistakes lists them)",
    )
    files.add_argument(
        "--record",
        metavar="FILE",
        help="write what you do (settings, steps, runs, views) as a lesson .toml file that "
        "replays to the same numbers with --lesson FILE; written after each key and at exit",
    )
    files.add_argument(
        "--output-dir",
        metavar="DIR",
        help=f"where s (screenshot) and e (export) write, made on first use "
        f"(default ./{OUTPUT_DIR})",
    )
    return parser


def parse_output_dir(text: str | None) -> Path | None:
    """The ``--output-dir`` folder, absolute (raises UsageError if it names a file)."""
    if text is None:
        return None
    path = Path(text).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise UsageError(f"--output-dir: expects a folder (made if missing), got {text!r}: a file")
    return path


def parse_record(text: str | None, lesson: str | None) -> Path | None:
    """The ``--record`` file, absolute (raises UsageError: it must be a new .toml file in a
    folder that exists, so a lesson prepared earlier is never written over)."""
    if text is None:
        return None
    if lesson is not None:
        raise UsageError("--record: records a session of your own; it does not go with --lesson")
    path = Path(text).expanduser().absolute()
    if path.suffix.lower() != ".toml":
        raise UsageError(f"--record: expects a .toml file (a lesson file), got {text!r}")
    if path.exists():
        raise UsageError(
            f"--record: {text} exists; give a new file name (a recording never writes over one)"
        )
    if not path.parent.is_dir():
        raise UsageError(f"--record: expects a file in a folder that exists, got {text!r}")
    if not os.access(path.parent, os.W_OK):
        raise UsageError(f"--record: cannot write in {path.parent}")
    return path


@dataclass(frozen=True)
class Start:
    """How the app starts: its run, what it remembers, and what it says first (each field
    is one of :func:`gdtui.app.make_app`'s arguments)."""

    config: RunConfig
    lesson: Lesson | None = None
    lesson_step: int = 0
    """With ``lesson``: the step to start at (``--step``)."""
    settings: Path | None = None
    """Where the settings are remembered at exit; None: nothing is (a lesson, a served tab)."""
    remembered: RunConfig | None = None
    """What was remembered before (or the defaults): at exit, these with the changes made in
    the app are remembered, not the command line's one-off options."""
    theme: str | None = None
    greeting: str | None = None
    """What was restored, said once the app is on screen."""
    notice: str | None = None
    """Why the remembered settings were not used, said as a warning."""
    files_root: Path | None = None
    """A served tab's folder: it loads and writes files inside it only."""
    output_dir: Path | None = None
    script: tuple[MidRunChange, ...] = ()
    """The changes the ``--config`` file makes mid-run (an export's), which the run replays."""
    program: Path | None = None
    """A learner's own loop to open over the built-in variants (``gdtui FILE``)."""
    cell: int | None = None


def start_up(namespace: argparse.Namespace, served: str | None, settings: Path) -> Start:
    """The start-up policy: a lesson's own run (its settings are not the user's to
    remember); a served tab's run as its options say; else the settings remembered in
    ``settings`` with the options on top, for this session only (a ``--config`` file is a
    whole run: an export replays as it was written). Raises UsageError."""
    lesson = load_lesson(namespace)
    output_dir = parse_output_dir(namespace.output_dir)
    root = Path(served) if served else None
    if lesson is not None:
        theme = None if root else remembered_settings.load(settings).theme
        return Start(
            lesson.config,
            lesson,
            namespace.step or 0,
            theme=theme,
            files_root=root,
            output_dir=root or output_dir,
        )
    if root is not None:
        config, script = parse_run(namespace)
        return Start(config, files_root=root, output_dir=root, script=script)
    remembered = remembered_settings.load(settings)
    base = remembered.config if remembered.config and not namespace.defaults else None
    carried = base if namespace.config is None else None
    config, script = parse_run(namespace, base=carried)
    greeting = None if carried is None else remembered_settings.restored_notice(carried, config)
    notice = None
    if remembered.problem is not None:
        kept = ""
        if remembered.unusable:
            kept = f" It will be kept as {remembered_settings.set_aside(settings).name}."
        notice = f"Settings in {settings} not used: {remembered.problem}.{kept}"
    return Start(
        config,
        settings=settings,
        remembered=base or RunConfig(),
        theme=remembered.theme,
        greeting=greeting,
        notice=notice,
        output_dir=output_dir,
        script=script,
    )


def parse_program(namespace: argparse.Namespace) -> tuple[Path | None, int | None]:
    """The program to open (``FILE`` or ``--mistake NAME``) and its cell, checked here so
    that a bad one is one line and status 2, before the app takes the terminal."""
    if namespace.program is not None and namespace.mistake is not None:
        raise UsageError("--mistake: opens a program of the gallery; FILE one of yours: give one")
    if namespace.mistake is not None:
        from gdtui.core.own import gallery

        try:
            path = gallery.program_path(namespace.mistake)
        except KeyError:
            names = ", ".join(gallery.names())
            raise UsageError(
                f"--mistake: no mistake {namespace.mistake!r}; the gallery has {names}"
            ) from None
    elif namespace.program is not None:
        path = Path(namespace.program)
        if not path.exists() and path.suffix not in (".py", ".ipynb"):
            raise UsageError(
                f"{namespace.program}: no such file, and no command of that name "
                f"(the commands: {COMMANDS})"
            )
    else:
        if namespace.cell is not None:
            raise UsageError("--cell: picks a notebook's cell; give the notebook (FILE)")
        return None, None
    if namespace.lesson is not None:
        raise UsageError("--lesson: a lesson plays its own run; FILE opens yours: give one")
    cell = None
    if namespace.cell is not None:
        cell = bounded("--cell", namespace.cell, 1, 10**6, parse_int, "a cell number from 1")
    checked_program(path, cell)
    return path.resolve(), cell


def checked_program(path: Path, cell: int | None, where: str = "") -> None:
    """Raise UsageError, one line, where ``path`` cannot be opened as a program."""
    from gdtui.core.own.source import ProgramError, read_source

    try:
        read_source(path.resolve(), cell, str(path))
    except ProgramError as error:
        said = str(error).replace(str(path.resolve()), str(path))
        raise UsageError(f"{where}: {said}" if where else said) from None


def plotext_problem() -> str | None:
    """Why the installed plotext cannot draw the app's charts, or None if it can.

    Reads the version from the name of plotext's ``.dist-info`` folder beside it: importing
    plotext (~20 ms) waits until the charts are drawn, after the first frame, and
    ``importlib.metadata`` would add ~50 ms before it. Where there is no such folder, asks
    plotext itself.
    """
    import importlib.util

    spec = importlib.util.find_spec("plotext")
    if spec is None or spec.origin is None:
        return "plotext is not installed: pip install 'plotext>=5.2,<6'"
    installed = Path(spec.origin).parent.parent
    found = [path.name for path in installed.glob("plotext-*.dist-info")]
    if len(found) == 1:
        version = found[0].removeprefix("plotext-").removesuffix(".dist-info")
    else:
        import plotext

        version = str(getattr(plotext, "__version__", "unknown"))
    major = version.split(".", 1)[0]
    if not major.isdigit() or int(major) != 5:
        return (
            f"plotext {version} is installed, but textual-plotext draws with plotext 5.x only: "
            "pip install 'plotext>=5.2,<6'"
        )
    return None


def terminal_problem() -> str | None:
    """Why the app cannot draw here (no terminal to read keys from and draw on), or None.

    ``gdtui serve`` runs each tab's app with Textual's web driver, which needs none.
    """
    if os.environ.get("TEXTUAL_DRIVER"):
        return None
    if not _is_terminal(0):
        return "standard input is not a terminal"
    if not (_is_terminal(1) or _is_terminal(2)):
        return "neither standard output nor standard error is a terminal"
    term = os.environ.get("TERM", "")
    if term in ("", "dumb", "unknown"):
        return f"TERM={term} cannot draw the app" if term else "TERM is not set"
    return None


def _is_terminal(descriptor: int) -> bool:
    try:
        return os.isatty(descriptor)
    except OSError:
        return False


def main(args: list[str]) -> int:
    """``gdtui [OPTIONS]``: open the app; returns its exit status."""
    namespace = build_parser().parse_args(args)
    start = start_up(
        namespace, os.environ.get(SERVE_ROOT_VARIABLE), remembered_settings.settings_path()
    )
    program, cell = parse_program(namespace)
    if program is not None:
        start = dataclasses.replace(start, program=program, cell=cell)
    elif start.lesson is not None and start.lesson.program is not None:
        lesson = start.lesson
        assert lesson.program is not None
        checked_program(lesson.program, lesson.cell, f"{lesson.name}: settings.program")
        start = dataclasses.replace(start, program=lesson.program, cell=lesson.cell)
    fps = parse_fps(namespace.fps)
    record = parse_record(namespace.record, namespace.lesson)
    if record is not None and start.script:
        raise UsageError(
            "--record: records a run of your own; --config replays one, changes mid-run and "
            "all: leave one out"
        )
    problem = plotext_problem()
    if problem is not None:
        print(f"gdtui: {problem}", file=sys.stderr)
        return exits.ENVIRONMENT
    problem = terminal_problem()
    if problem is not None:
        print(
            f"gdtui needs a terminal: use `gdtui run` for headless training ({problem})",
            file=sys.stderr,
        )
        return exits.BAD_INPUT
    from gdtui.app import make_app

    app = make_app(**vars(start), fps=fps, record=record, present=namespace.present)
    app.run()
    if app.settings_problem is not None:
        with contextlib.suppress(OSError):  # the terminal may have gone with the session
            print(f"gdtui: {app.settings_problem}", file=sys.stderr)
    recording = app.main.recording if app.main_exists else None
    if recording is not None and recording.problem is not None:
        with contextlib.suppress(OSError):
            print(f"gdtui: {recording.problem}", file=sys.stderr)
    elif recording is not None and recording.path.exists():  # (a new name if the asked was taken)
        with contextlib.suppress(OSError):
            path = recording.path
            print(f"gdtui: recorded {path}; play it with gdtui --lesson {path}")
    return app.return_code or exits.OK
