"""Command line: ``gdtui [OPTIONS]`` opens the app; ``gdtui run [OPTIONS]`` trains headless."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from gdtui import __version__
from gdtui.cli.output import OutputError, abandon, flush_or_abandon, writing
from gdtui.core.settings.config import ConfigError, RunConfig, config_from_options
from gdtui.core.settings.fields import BY_KEY, FIELDS, OPTION_KEYS, option_name
from gdtui.core.settings.files import load_options, merge_options
from gdtui.core.settings.parse import ParseError, parse_float, parse_int

if TYPE_CHECKING:
    from gdtui.core.lessons.lesson import Lesson

SERVE_ROOT_VARIABLE = "GDTUI_SERVE_ROOT"
"""Set by ``gdtui serve`` for each tab's app: its files stay inside this folder, and it
neither reads nor writes the user's remembered settings (each tab is someone else's)."""
EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 4
FORMATS = ("text", "jsonl", "csv")
MIN_FPS, MAX_FPS = 1.0, 60.0
T = TypeVar("T", int, float)


class UsageError(Exception):
    """Bad input on the command line: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and never a traceback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No abbreviations: ``--po 9000`` would pass here and mean nothing to the app.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        # argparse takes only ``-1`` and ``-.5`` for values; ``--w0 -1e-3`` and
        # ``--y -2,-4`` would read as unknown options. No option here looks like a number.
        self._negative_number_matcher = re.compile(r"^-\.?[0-9][0-9.eE+\-,\s]*$")

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    """The run's settings, one option each from the settings table. Values stay strings
    here: the core validates them, once."""
    group = parser.add_argument_group("training settings")
    for field in FIELDS:
        if field.metavar is None:  # on/off: --bias / --no-bias
            group.add_argument(
                field.flag,
                dest=field.key,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=field.help,
            )
        else:
            group.add_argument(field.flag, dest=field.key, metavar=field.metavar, help=field.help)
    group.add_argument(
        "--config",
        metavar="FILE",
        help="settings from a .toml or .json file (keys as these options, with _ for -); "
        "options given here override it",
    )


def _config_options(namespace: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line (those not given are left out)."""
    given = {key: getattr(namespace, key) for key in OPTION_KEYS}
    return {key: value for key, value in given.items() if value is not None}


def build_parser() -> argparse.ArgumentParser:
    """The ``gdtui`` parser (the app) with its ``run`` subcommand."""
    parser = _Parser(
        prog="gdtui",
        description="Gradient descent, step by step, in the terminal. "
        "With no command, opens the app preset with the options. "
        "Commands: run (train headless), compare (variants or optimizers side by side), "
        "trace (the loop's code line by line, with its values), "
        "lessons (the built-in lessons, for --lesson).",
    )
    parser.add_argument("--version", action="version", version=f"gdtui {__version__}")
    _add_config_options(parser)
    _add_display_options(parser)
    from gdtui.app import OUTPUT_DIR

    files = parser.add_argument_group("files")
    files.add_argument(
        "--defaults",
        action="store_true",
        help="start from the defaults, not from the settings remembered from last time "
        "(which the app otherwise restores, with these options on top for this time only)",
    )
    _add_lesson_option(files)
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


def _add_lesson_option(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--lesson",
        metavar="FILE|NAME",
        help="play a lesson: a built-in one by number or name (gdtui lessons lists them) or "
        "a lesson .toml file; enter does its next step, backspace goes back one",
    )


def _add_display_options(parser: argparse.ArgumentParser) -> None:
    """How the app draws (not part of the run's settings)."""
    from gdtui.app import DEFAULT_FPS  # the app's own default; only the app and serve need it

    display = parser.add_argument_group("display")
    display.add_argument(
        "--fps",
        metavar="F",
        default=str(DEFAULT_FPS),
        help=f"redraws per second while a run goes flat out, {MIN_FPS:g} to {MAX_FPS:g} "
        f"(default {DEFAULT_FPS:g}); lower it to send fewer bytes over a slow SSH link",
    )
    display.add_argument(
        "--present",
        action="store_true",
        help="start in presenter mode (p): the numbers in big digits, the chart and the code "
        "enlarged, for a projector",
    )


def parse_fps(text: str) -> float:
    """The ``--fps`` value (raises UsageError)."""
    return _bounded("--fps", text, MIN_FPS, MAX_FPS, parse_float, "a number")


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


def _bounded(
    option: str,
    text: str,
    low: float,
    high: float,
    parse: Callable[[str], T],
    kind: str,
) -> T:
    """``text`` parsed by ``parse`` and within [low, high], or a UsageError naming the option."""
    low_text, high_text = (f"{n:,}" if isinstance(n, int) else f"{n:g}" for n in (low, high))
    accepts = f"{option}: expects {kind} from {low_text} to {high_text}, got {text!r}"
    try:
        value = parse(text)
    except ParseError as error:
        raise UsageError(f"{accepts}: {error}") from None
    if not low <= value <= high:
        raise UsageError(accepts)
    return value


def build_run_parser() -> argparse.ArgumentParser:
    """The ``gdtui run`` parser: the settings plus output options."""
    parser = _Parser(prog="gdtui run", description="Train headless and print every epoch's record.")
    _add_config_options(parser)
    output = parser.add_argument_group("output")
    output.add_argument(
        "--log-every",
        metavar="K",
        default="10",
        help="text: print epoch 1, 1+K, 1+2K, … (default 10)",
    )
    output.add_argument("--format", choices=FORMATS, default="text", help="output format")
    output.add_argument(
        "--check-grad",
        action="store_true",
        help="add num_grad_w (num_grad_b): central differences at the pre-update parameters; "
        "warn on stderr and exit with status 5 when the gradient disagrees",
    )
    output.add_argument(
        "--keep-going",
        action="store_true",
        help="run on when the loss grows geometrically (by default the run stops there, "
        "diverging, with status 3), to the last epoch or to inf",
    )
    return parser


def parse_config(
    namespace: argparse.Namespace, defaults: dict[str, str] | None = None
) -> RunConfig:
    """The validated configuration from parsed options, over a --config file, over a
    command's own ``defaults`` (raises UsageError)."""
    try:
        options = _config_options(namespace)
        if namespace.config is not None:
            options = merge_options(load_options(namespace.config), options)
        if defaults:
            options = merge_options(defaults, options)
        config = config_from_options(options)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    default = RunConfig()
    for key in _config_options(namespace):
        field = BY_KEY[key]
        unused = field.only and not field.applies(config)
        if unused and getattr(config, key) != getattr(default, key):
            raise UsageError(
                f"{field.flag}: is for {field.only}; this run's optimizer is {config.optimizer}"
            )
    return config


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gdtui`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = "gdtui"
    try:
        if args and args[0] == "run":
            command = "gdtui run"
            return _run(args[1:])
        if args and args[0] == "compare":
            command = "gdtui compare"
            return _compare(args[1:])
        if args and args[0] == "trace":
            command = "gdtui trace"
            return _trace(args[1:])
        if args and args[0] == "serve":
            command = "gdtui serve"
            return _serve(args[1:])
        if args and args[0] == "lessons":
            command = "gdtui lessons"
            return _lessons(args[1:])
        return _app(args)
    except UsageError as error:
        print(f"{command}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OutputError as error:
        abandon(sys.stdout)
        with contextlib.suppress(OSError):
            print(f"{command}: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        return 130
    finally:
        flush_or_abandon()


def _run(args: list[str]) -> int:
    from gdtui.cli.run import run_headless

    namespace = build_run_parser().parse_args(args)
    log_every = _bounded("--log-every", namespace.log_every, 1, 10**9, parse_int, "a whole number")
    config = parse_config(namespace)
    if namespace.check_grad and config.batched:
        raise UsageError(
            "--check-grad: checks the full batch's gradient; leave out --batch-size and --shuffle"
        )
    return run_headless(
        config,
        namespace.format,
        log_every,
        check_grad=namespace.check_grad,
        keep_going=namespace.keep_going,
    )


def build_compare_parser() -> argparse.ArgumentParser:
    """The ``gdtui compare`` parser: the settings, and what to compare across."""
    from gdtui.core.compare.comparison import ACROSS

    parser = _Parser(
        prog="gdtui compare",
        description="Run the four variants (or the optimizers, zero_grad on and off, the "
        "gradient formulas) in lockstep on the same data and settings; print each one's final "
        "epoch and the largest difference between them.",
    )
    _add_config_options(parser)
    parser.add_argument(
        "--across",
        choices=ACROSS,
        default="variants",
        help="compare the four variants (no bias, same w0), torch-optim's optimizers, the run "
        "with zero_grad on and off, or numpy-manual's gradient formulas (mean, tutorial)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text: each run's last epoch and the largest differences; jsonl, csv: every "
        "epoch of every run, in lockstep (epoch by epoch), full precision",
    )
    return parser


def _compare(args: list[str]) -> int:
    from gdtui.cli.compare import run_compare
    from gdtui.core.compare.comparison import IGNORED

    namespace = build_compare_parser().parse_args(args)
    for key, why in IGNORED[namespace.across].items():
        given = getattr(namespace, key)
        if given is not None and not (key == "bias" and given is False):  # --no-bias agrees
            raise UsageError(
                f"{option_name(key)}: compare --across {namespace.across} sets it itself "
                f"({why}); leave it out"
            )
    return run_compare(parse_config(namespace), namespace.across, namespace.format)


TRACE_EPOCHS = "2"
"""``gdtui trace`` traces this many epochs unless --epochs says otherwise."""


def build_trace_parser() -> argparse.ArgumentParser:
    """The ``gdtui trace`` parser: the settings (``--epochs`` defaults to 2) and a format."""
    parser = _Parser(
        prog="gdtui trace",
        description="Print the training loop's code line by line as it runs, each line with "
        "the values right after it: the setup, then every line of every epoch. jsonl has one "
        "object per line of code; executing their code in order reproduces every value.",
    )
    _add_config_options(parser)
    parser.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        help="text: a handout (each line, then the values it changed); jsonl: epoch, line, "
        "code, skipped and values of every line",
    )
    return parser


def _trace(args: list[str]) -> int:
    from gdtui.cli.trace import run_trace

    namespace = build_trace_parser().parse_args(args)
    config = parse_config(namespace, defaults={"epochs": TRACE_EPOCHS})
    return run_trace(config, namespace.format)


def build_serve_parser() -> argparse.ArgumentParser:
    """The ``gdtui serve`` parser: where to listen, whom to let in, and the app's settings."""
    parser = _Parser(
        prog="gdtui serve",
        description="Serve the app to a browser (each tab runs its own gdtui with these "
        "settings), behind a token. For a remote machine, tunnel the port over SSH rather "
        "than listening widely; for a classroom, see --host and --allow-host.",
    )
    server = parser.add_argument_group("server")
    server.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    server.add_argument("--port", metavar="N", default="8000", help="port (default 8000)")
    server.add_argument(
        "--allow-host",
        metavar="NAME",
        action="append",
        default=[],
        help="a host name or address browsers may use besides the loopback (repeatable): "
        "the Host header must be one of them",
    )
    server.add_argument(
        "--no-token",
        action="store_true",
        help="serve without a token (only on a loopback --host)",
    )
    server.add_argument(
        "--max-sessions",
        metavar="N",
        default="10",
        help="browser tabs served at once, 1 to 1000 (default 10; about 360 MB each)",
    )
    server.add_argument(
        "--idle-timeout",
        metavar="MIN",
        default="30",
        help="end a session after this many minutes without input (default 30; 0: never)",
    )
    server.add_argument(
        "--root",
        metavar="DIR",
        help="the folder a session may load CSV files from and exports into "
        "(default: the working directory)",
    )
    server.add_argument(
        "--public-url",
        metavar="URL",
        help="the address to print, when browsers reach the server under another one",
    )
    server.add_argument("--allow-root", action="store_true", help="serve even when running as root")
    _add_lesson_option(server)
    _add_config_options(parser)
    _add_display_options(parser)
    return parser


def _serve(args: list[str]) -> int:
    from gdtui.cli.serve import ServeOptions, is_loopback, serve

    namespace = build_serve_parser().parse_args(args)
    port = _bounded("--port", namespace.port, 1, 65535, parse_int, "a whole number")
    sessions = _bounded(
        "--max-sessions", namespace.max_sessions, 1, 1000, parse_int, "a whole number"
    )
    idle = _bounded(
        "--idle-timeout", namespace.idle_timeout, 0, 7 * 24 * 60, parse_float, "minutes"
    )
    fps = parse_fps(namespace.fps)
    if _lesson(namespace) is None:  # bad settings or lessons are reported now, not in a tab
        parse_config(namespace)
    if namespace.no_token and not is_loopback(namespace.host):
        raise UsageError(
            f"--no-token: only on a loopback --host (127.0.0.1, ::1), not {namespace.host!r}; "
            "anyone who reaches the port would drive the app"
        )
    if hasattr(os, "geteuid") and os.geteuid() == 0 and not namespace.allow_root:
        raise UsageError(
            "--allow-root: gdtui serve is running as root, and every browser tab would run "
            "as root too; run it as another user, or give --allow-root"
        )
    root = Path(namespace.root or os.getcwd())
    if not root.is_dir():
        raise UsageError(f"--root: expects a folder, got {namespace.root!r}")
    options = ServeOptions(
        host=namespace.host,
        port=port,
        allowed_hosts=frozenset(name.strip().lower() for name in namespace.allow_host),
        max_sessions=sessions,
        idle_timeout=idle * 60 if idle else None,
        root=root.resolve(),
        public_url=namespace.public_url,
        **({"token": None} if namespace.no_token else {}),
    )
    return serve(app_args(namespace, fps), options)


def _lessons(args: list[str]) -> int:
    from gdtui.core.lessons.lesson import builtin_lessons, lesson_number

    _Parser(
        prog="gdtui lessons",
        description="The built-in lessons: play one with gdtui --lesson NUMBER.",
    ).parse_args(args)
    lines = []
    for lesson in builtin_lessons():
        number = lesson_number(lesson.name)
        lines.append(f"{number}  {lesson.title}")
        lines.append(f"     {len(lesson.steps)} steps from {lesson.config.variant}: {lesson.name}")
    lines.append("Play one with gdtui --lesson NUMBER (or a lesson .toml file of your own).")
    with writing():
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    return EXIT_OK


def _lesson(namespace: argparse.Namespace) -> Lesson | None:
    """The lesson asked for with --lesson, or None (raises UsageError)."""
    if namespace.lesson is None:
        return None
    from gdtui.core.lessons.lesson import LessonError, load_lesson

    given = sorted(_config_options(namespace)) + (["config"] if namespace.config else [])
    if given:
        raise UsageError(
            f"--lesson: the lesson sets the run; put {option_name(given[0])} in its "
            "[settings] table, or leave it out"
        )
    try:
        return load_lesson(namespace.lesson)
    except LessonError as error:
        raise UsageError(str(error)) from None


def app_args(namespace: argparse.Namespace, fps: float) -> list[str]:
    """The command line of each served tab's app, built from the parsed options (never
    from the raw arguments, which hold the server's own)."""
    args: list[str] = []
    for key, value in _config_options(namespace).items():
        flag = option_name(key)
        if isinstance(value, bool):
            args.append(flag if value else f"--no-{flag[2:]}")
        elif key == "data":
            args += [flag, str(Path(value).resolve())]
        else:
            args += [flag, str(value)]
    if namespace.config is not None:
        args += ["--config", str(Path(namespace.config).resolve())]
    if namespace.lesson is not None:
        lesson = Path(namespace.lesson)
        args += ["--lesson", str(lesson.resolve()) if lesson.suffix else namespace.lesson]
    if namespace.present:
        args.append("--present")
    return [*args, "--fps", f"{fps:g}"]


def plotext_problem() -> str | None:
    """Why the installed plotext cannot draw the app's charts, or None if it can.

    Reads plotext's own ``__version__``: the app imports plotext anyway, while
    ``importlib.metadata`` would add ~50 ms before the first frame.
    """
    try:
        import plotext
    except ImportError:
        return "plotext is not installed: pip install 'plotext>=5.2,<6'"
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


def _app(args: list[str]) -> int:
    from gdtui.core.settings import remembered as remembered_settings

    namespace = build_parser().parse_args(args)
    lesson = _lesson(namespace)
    config = parse_config(namespace) if lesson is None else lesson.config
    fps = parse_fps(namespace.fps)
    output_dir = parse_output_dir(namespace.output_dir)
    record = parse_record(namespace.record, namespace.lesson)
    problem = plotext_problem()
    if problem is not None:
        print(f"gdtui: {problem}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    problem = terminal_problem()
    if problem is not None:
        print(
            f"gdtui needs a terminal: use `gdtui run` for headless training ({problem})",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    from gdtui.app import make_app

    served = os.environ.get(SERVE_ROOT_VARIABLE)
    if lesson is not None:  # a lesson's settings are not the user's to remember
        root = Path(served) if served else None
        theme = None if root else remembered_settings.load(remembered_settings.settings_path()).theme
        app = make_app(
            config,
            fps=fps,
            output_dir=root or output_dir,
            files_root=root,
            theme=theme,
            lesson=lesson,
            present=namespace.present,
        )
    elif served:
        root = Path(served)
        app = make_app(config, fps=fps, output_dir=root, files_root=root, present=namespace.present)
    else:
        path = remembered_settings.settings_path()
        remembered = remembered_settings.load(path)
        base = remembered.config if remembered.config and not namespace.defaults else None
        fresh = base is None
        base = base or RunConfig()
        greeting = None
        # Carry on from last time, the command line's options on top for this time only; a
        # --config file is a whole run (an export replays as it was written).
        if namespace.config is None and not fresh:
            try:
                config = config_from_options(_config_options(namespace), base)
            except ConfigError as error:
                raise UsageError(str(error)) from None
            greeting = remembered_settings.restored_notice(base, config)
        notice = None
        if remembered.problem is not None:
            kept = (
                f" It will be kept as {remembered_settings.set_aside(path).name}."
                if remembered.unusable
                else ""
            )
            notice = f"Settings in {path} not used: {remembered.problem}.{kept}"
        app = make_app(
            config,
            fps=fps,
            output_dir=output_dir,
            settings=path,
            theme=remembered.theme,
            notice=notice,
            remembered=base,
            greeting=greeting,
            record=record,
            present=namespace.present,
        )
    app.run()
    if app.settings_problem is not None:
        with contextlib.suppress(OSError):  # the terminal may have gone with the session
            print(f"gdtui: {app.settings_problem}", file=sys.stderr)
    if record is not None and record.exists():
        with contextlib.suppress(OSError):
            print(f"gdtui: recorded {record}; play it with gdtui --lesson {record}")
    return app.return_code or EXIT_OK
