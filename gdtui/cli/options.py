"""What the subcommands share: a parser whose usage errors are one line, the run's settings as
options (built from the settings table), and how the given options become a validated run."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from gdtui.core.settings.changes import MidRunChange, parse_changes
from gdtui.core.settings.config import ConfigError, RunConfig, config_from_options
from gdtui.core.settings.fields import BY_KEY, FIELDS, OPTION_KEYS, option_name
from gdtui.core.settings.files import merge_options, read_settings
from gdtui.core.settings.parse import ParseError, parse_float

if TYPE_CHECKING:
    from gdtui.core.lessons.lesson import Lesson

FORMATS = ("text", "jsonl", "csv")
"""The formats a command's records print in."""
MIN_FPS, MAX_FPS = 1.0, 60.0
T = TypeVar("T", int, float)


class UsageError(Exception):
    """Bad input on the command line: printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
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


def add_settings(parser: argparse.ArgumentParser) -> None:
    """The run's settings, one option each from the settings table, and ``--config``. Values
    stay strings here: the core validates them, once."""
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
        "options given here override it; its [[changes]] (an export's) change settings "
        "mid-run where the run it replays did",
    )


def given_settings(namespace: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line (those not given are left out)."""
    given = {key: getattr(namespace, key) for key in OPTION_KEYS}
    return {key: value for key, value in given.items() if value is not None}


def parse_config(
    namespace: argparse.Namespace,
    *,
    base: RunConfig | None = None,
    defaults: dict[str, str] | None = None,
    refuses_changes: str | None = None,
) -> RunConfig:
    """The validated run: the options given, over a ``--config`` file, over a command's own
    ``defaults``, over ``base`` (the defaults when None). An option for one optimizer only
    (``--momentum``) is refused when the run's optimizer, base included, is another; so are
    the file's changes mid-run, checked as :func:`parse_run` does, by a command that cannot
    replay them (``refuses_changes``, its name). Raises UsageError."""
    config, script = parse_run(namespace, base=base, defaults=defaults)
    if script and refuses_changes:
        raise UsageError(
            f"--config: {namespace.config} changes settings mid-run ([[changes]]), and "
            f"{refuses_changes} runs one set of settings; gdtui run and gdtui replay them"
        )
    return config


def parse_run(
    namespace: argparse.Namespace,
    *,
    base: RunConfig | None = None,
    defaults: dict[str, str] | None = None,
) -> tuple[RunConfig, tuple[MidRunChange, ...]]:
    """The validated run (see :func:`parse_config`) and the changes its ``--config`` file
    makes mid-run (an export's), checked on top of it. Raises UsageError."""
    given = given_settings(namespace)
    try:
        options, changes = given, None
        if namespace.config is not None:
            from_file, changes = read_settings(namespace.config)
            options = merge_options(from_file, options)
        if defaults:
            options = merge_options(defaults, options)
        config = config_from_options(options, base)
        script = () if changes is None else parse_changes(changes, config)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    default = RunConfig()
    for key in given:
        field = BY_KEY[key]
        unused = field.only and not field.applies(config)
        if unused and getattr(config, key) != getattr(default, key):
            raise UsageError(
                f"{field.flag}: is for {field.only}; this run's optimizer is {config.optimizer}"
            )
    return config, script


def bounded(
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


def add_lesson_option(group: argparse._ArgumentGroup) -> None:
    """``--lesson FILE|NAME`` (the app and serve)."""
    group.add_argument(
        "--lesson",
        metavar="FILE|NAME",
        help="play a lesson: a built-in one by number or name (gdtui lessons lists them) or "
        "a lesson .toml file; enter does its next step, backspace goes back one",
    )
    group.add_argument(
        "--step",
        metavar="N",
        help="with --lesson: start at its step N, played from its start to there "
        "(0-9 go to a step in the app)",
    )


def load_lesson(namespace: argparse.Namespace) -> Lesson | None:
    """The lesson asked for with ``--lesson``, or None; a lesson sets the whole run, so it
    takes no settings beside it (raises UsageError)."""
    if namespace.lesson is None:
        if namespace.step is not None:
            raise UsageError("--step: goes with --lesson, to start at one of its steps")
        return None
    from gdtui.core.lessons.lesson import LessonError
    from gdtui.core.lessons.lesson import load_lesson as load
    from gdtui.core.settings.parse import parse_int

    given = sorted(given_settings(namespace)) + (["config"] if namespace.config else [])
    if given:
        raise UsageError(
            f"--lesson: the lesson sets the run; put {option_name(given[0])} in its "
            "[settings] table, or leave it out"
        )
    try:
        lesson = load(namespace.lesson)
    except LessonError as error:
        raise UsageError(str(error)) from None
    if namespace.step is not None:
        count = len(lesson.steps)
        namespace.step = bounded(
            "--step", namespace.step, 0, count, parse_int, f"a step of {lesson.name}"
        )
    return lesson


def add_display_options(parser: argparse.ArgumentParser) -> None:
    """How the app draws (not part of the run's settings): the app and serve."""
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
    return bounded("--fps", text, MIN_FPS, MAX_FPS, parse_float, "a number")


def app_args(namespace: argparse.Namespace, fps: float) -> list[str]:
    """The command line of an app with the same settings, display and lesson, built from the
    parsed options (never from the raw arguments, which hold the server's own): each tab of
    ``gdtui serve`` runs one."""
    args: list[str] = []
    for key, value in given_settings(namespace).items():
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
