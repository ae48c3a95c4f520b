"""Lessons: a run's settings and a sequence of steps, each a few actions and a note, that a
teacher prepares once and plays in front of a room (``gdtui --lesson FILE|NAME``).

A lesson file is TOML::

    title = "zero_grad off: .grad accumulates"
    about = "One or two sentences shown before the first step."

    [settings]            # any settings, as in a config file
    variant = "torch-autograd"

    [[steps]]
    note = "What to look at while this step is current."
    reset = true                  # in this order: start the run again from epoch 0,
    set = { zero_grad = false }   #   change settings,
    view = "code"                 #   loss, data, landscape or code
    epochs = 1                    #   whole epochs (a partial one is finished first)
    lines = 2                     #   lines of the loop, as the . key runs them

A step may hold several actions (done in the order above) or none (a note to talk over).
``gdtui --record FILE`` writes what a user did as such a file (see
:mod:`gdtui.core.lessons.recorder`).
Going back a step plays the lesson again from the start to the step before, so every number
is the one the lesson gives played forward.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from gdtui.core.engine.program import build_program
from gdtui.core.files import Unreadable, read_text
from gdtui.core.run.session import VIEWS, needs_reset
from gdtui.core.settings.config import ConfigError, RunConfig, config_from_options
from gdtui.core.settings.files import parse_settings_text, toml_value

LESSON_KEYS: tuple[str, ...] = ("title", "about", "settings", "steps")
STEP_KEYS: tuple[str, ...] = ("note", "reset", "set", "view", "epochs", "lines")
MAX_NOTE = 400
"""A note is read from the back of a room while the step is current: a sentence or two."""
BUILTIN = resources.files("gdtui.core.lessons") / "builtin"
"""The built-in lessons' folder, inside the package."""
MAX_COUNT = 10**6
"""The most epochs or lines one step may run."""
MAX_TITLE = 80
"""A lesson's title is a line."""


class LessonError(ValueError):
    """A lesson that cannot be played: the message names the step and the key at fault."""


@dataclass(frozen=True)
class LessonStep:
    """One step: its note and its actions (see the module docstring)."""

    note: str
    set: Mapping[str, Any] = field(default_factory=dict)
    view: str | None = None
    epochs: int = 0
    lines: int = 0
    reset: bool = False
    """Start the run again from epoch 0 (with the settings as they stand) first."""


@dataclass(frozen=True)
class Lesson:
    """A lesson, checked: ``config`` is the run it starts from, ``settings`` the options it
    was given (kept to write it back out)."""

    title: str
    about: str
    config: RunConfig
    steps: tuple[LessonStep, ...]
    settings: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""
    """The built-in lesson's name, or the file it was read from."""
    program: Path | None = None
    """A learner's own loop the lesson steps (``program = "mine.py"`` in its settings,
    beside the lesson's file), instead of a built-in variant."""
    cell: int | None = None
    """With a notebook ``program``: the code cell to train."""

    def view_at(self, count: int) -> str:
        """The view in sight after the first ``count`` steps."""
        views = [step.view for step in self.steps[:count] if step.view]
        return views[-1] if views else "loss"


def _where(step: int | None, key: str) -> str:
    return f"{key}" if step is None else f"step {step}: {key}"


def _close(key: str, keys: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, keys, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _unknown(table: Mapping[str, Any], keys: tuple[str, ...], step: int | None) -> None:
    for key in table:
        if key not in keys:
            raise LessonError(
                f"{_where(step, str(key))}: unknown key{_close(str(key), keys)}; "
                f"a {'step' if step else 'lesson'} has {', '.join(keys)}"
            )


def _text(value: object, where: str, limit: int) -> str:
    if value is None:
        raise LessonError(f"{where}: missing; expects text (a sentence or two)")
    if not isinstance(value, str) or not value.strip():
        raise LessonError(f"{where}: expects text (a sentence or two), got {value!r}")
    text = " ".join(value.split())
    if len(text) > limit:
        raise LessonError(f"{where}: expects at most {limit} characters, got {len(text)}")
    return text


def _count(value: object, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_COUNT:
        return value
    raise LessonError(f"{where}: expects a whole number from 1 to {MAX_COUNT:,}, got {value!r}")


def _settings(value: object, where: str, base: RunConfig) -> RunConfig:
    if not isinstance(value, Mapping):
        raise LessonError(f"{where}: expects a table of settings, like {{ lr = 0.1 }}")
    try:
        return config_from_options(value, base=base)
    except ConfigError as error:
        raise LessonError(f"{where}.{error.field}: {error.errors[error.field]}") from None


PROGRAM_KEYS: tuple[str, ...] = ("program", "cell")
"""The settings of a lesson on a learner's own loop (its other settings are the file's own)."""
PROGRAM_VIEWS: tuple[str, ...] = ("loss", "landscape")


def _program_lesson(data: Mapping[str, Any], name: str, base: Path | None) -> Lesson:
    """A lesson that steps a learner's program: its steps run lines and epochs of it and
    show the loss or the landscape; settings other than the program's are the file's."""
    settings = data.get("settings", {})
    _unknown(settings, PROGRAM_KEYS, None)
    program = settings["program"]
    if not isinstance(program, str) or not program.strip():
        raise LessonError('settings.program: expects a file\'s path, like "mine.py"')
    path = Path(program)
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    cell = settings.get("cell")
    if cell is not None:
        cell = _count(cell, "settings.cell")
    title = _text(data.get("title"), "title", MAX_TITLE)
    about = _text(data["about"], "about", MAX_NOTE) if "about" in data else ""
    raw = data.get("steps")
    if not isinstance(raw, list) or not raw:
        raise LessonError("steps: expects one [[steps]] table or more, each with a note")
    steps: list[LessonStep] = []
    for number, table in enumerate(raw, start=1):
        if not isinstance(table, Mapping):
            raise LessonError(f"step {number}: expects a table, like {{ note = '…', epochs = 1 }}")
        _unknown(table, ("note", "reset", "view", "epochs", "lines"), number)
        note = _text(table.get("note"), f"step {number}: note", MAX_NOTE)
        reset = table.get("reset", False)
        if not isinstance(reset, bool):
            raise LessonError(f"step {number}: reset: expects true or false, got {reset!r}")
        view = table.get("view")
        if view is not None and view not in PROGRAM_VIEWS:
            raise LessonError(
                f"step {number}: view: a program's lesson shows {' or '.join(PROGRAM_VIEWS)}, "
                f"got {view!r}"
            )
        epochs = _count(table["epochs"], f"step {number}: epochs") if "epochs" in table else 0
        lines = _count(table["lines"], f"step {number}: lines") if "lines" in table else 0
        steps.append(LessonStep(note, {}, view, epochs, lines, reset))
    return Lesson(title, about, RunConfig(), tuple(steps), dict(settings), name, path, cell)


def parse_lesson(data: object, name: str = "", base: Path | None = None) -> Lesson:
    """A lesson from a TOML document's values. Raises LessonError naming the step and key:
    unknown keys, wrong types, bad settings, and a step that would go beyond the run's
    epochs (judged as the app plays it: a setting that starts the run again starts the
    count again)."""
    if not isinstance(data, Mapping):
        raise LessonError("a lesson is a table: title, about, [settings] and [[steps]]")
    _unknown(data, LESSON_KEYS, None)
    settings_given = data.get("settings", {})
    if isinstance(settings_given, Mapping) and "program" in settings_given:
        return _program_lesson(data, name, base)
    title = _text(data.get("title"), "title", MAX_TITLE)
    about = _text(data["about"], "about", MAX_NOTE) if "about" in data else ""
    settings = data.get("settings", {})
    start = config = _settings(settings, "settings", RunConfig())
    raw = data.get("steps")
    if not isinstance(raw, list) or not raw:
        raise LessonError("steps: expects one [[steps]] table or more, each with a note")
    steps: list[LessonStep] = []
    epoch, position = 0, 0  # epochs done, lines into the next one
    loops: dict[RunConfig, int] = {}
    for number, table in enumerate(raw, start=1):
        if not isinstance(table, Mapping):
            raise LessonError(f"step {number}: expects a table, like {{ note = '…', epochs = 1 }}")
        _unknown(table, STEP_KEYS, number)
        if "note" not in table:
            raise LessonError(f"step {number}: note: missing; every step says what to look at")
        note = _text(table["note"], f"step {number}: note", MAX_NOTE)
        reset = table.get("reset", False)
        if not isinstance(reset, bool):
            raise LessonError(f"step {number}: reset: expects true or false, got {reset!r}")
        if reset:
            epoch, position = 0, 0
        changes: Mapping[str, Any] = {}
        if "set" in table:
            changes = table["set"]
            if isinstance(changes, Mapping) and not changes:
                raise LessonError(f"step {number}: set: expects at least one setting")
            before, config = config, _settings(changes, f"step {number}: set", config)
            if needs_reset(before, config):
                epoch, position = 0, 0
            elif config.epochs < epoch:
                raise LessonError(
                    f"step {number}: set.epochs: the run is at epoch {epoch} by then; "
                    f"give {epoch} or more"
                )
        view = table.get("view")
        if view is not None and view not in VIEWS:
            raise LessonError(
                f"step {number}: view: expects one of {', '.join(VIEWS)}, got {view!r}"
            )
        epochs = _count(table["epochs"], f"step {number}: epochs") if "epochs" in table else 0
        lines = _count(table["lines"], f"step {number}: lines") if "lines" in table else 0
        if epochs:
            epoch, position = epoch + epochs, 0
        if lines:
            if config not in loops:  # one program per settings, not one per step
                loops[config] = build_program(config).epoch_lines(config.batches)
            loop = loops[config]
            epoch, position = epoch + (position + lines) // loop, (position + lines) % loop
        if epoch > config.epochs or (epoch == config.epochs and position):
            what = "epochs" if epochs and not lines else "lines"
            raise LessonError(
                f"step {number}: {what}: goes beyond the run's {config.epochs} epochs; "
                "raise epochs in [settings] (or with set) or step less"
            )
        steps.append(LessonStep(note, dict(changes), view, epochs, lines, reset))
    return Lesson(title, about, start, tuple(steps), dict(settings), name)


# -- files and the built-in lessons ----------------------------------------------------------


def lesson_number(name: str) -> str:
    """A built-in lesson's number, the start of its name (``004``)."""
    return name.split("-", 1)[0]


def builtin_names() -> list[str]:
    """The built-in lessons' names, in order (``000-numpy-then-autograd``, …)."""
    return sorted(
        entry.name[: -len(".toml")] for entry in BUILTIN.iterdir() if entry.name.endswith(".toml")
    )


def _builtin_text(name: str) -> str:
    return (BUILTIN / f"{name}.toml").read_text(encoding="utf-8")


def read_lesson(text: str, name: str, base: Path | None = None) -> Lesson:
    """A lesson from TOML text (a program it names is beside ``base``). Raises LessonError
    (invalid TOML too), prefixed by ``name``."""
    try:
        data = parse_settings_text(text, "TOML")
    except ValueError as error:
        raise LessonError(f"{name}: not valid TOML: {error}") from None
    try:
        return parse_lesson(data, name, base)
    except LessonError as error:
        raise LessonError(f"{name}: {error}") from None


def load_lesson(source: str) -> Lesson:
    """A built-in lesson by name (or its number, ``004``), or a lesson file's path. Raises
    LessonError."""
    names = builtin_names()
    matches = [name for name in names if source in (name, lesson_number(name))]
    if matches:
        return read_lesson(_builtin_text(matches[0]), matches[0])
    path = Path(source)
    if path.suffix.lower() != ".toml":
        raise LessonError(
            f"--lesson: expects a built-in lesson ({', '.join(map(lesson_number, names))}, "
            f"see gdtui lessons) or a .toml file, got {source!r}"
        )
    try:
        text = read_text(path, "a lesson file")
    except Unreadable as error:
        raise LessonError(f"--lesson: {error}") from None
    return read_lesson(text, str(path), path.resolve().parent)


def builtin_lessons() -> list[Lesson]:
    """Every built-in lesson, checked."""
    return list(_builtin_lessons())


@functools.cache
def _builtin_lessons() -> tuple[Lesson, ...]:
    # Read once: the command palette lists them on each key typed into its search.
    return tuple(read_lesson(_builtin_text(name), name) for name in builtin_names())


# -- writing one (gdtui --record) -----------------------------------------------------------


def _inline(table: Mapping[str, Any]) -> str:
    return "{ " + ", ".join(f"{key} = {toml_value(value)}" for key, value in table.items()) + " }"


def lesson_toml(lesson: Lesson) -> str:
    """``lesson`` as a lesson file that reads back to the same lesson."""
    out = [f"title = {toml_value(lesson.title)}"]
    if lesson.about:
        out.append(f"about = {toml_value(lesson.about)}")
    out += ["", "[settings]"]
    out += [f"{key} = {toml_value(value)}" for key, value in lesson.settings.items()]
    for step in lesson.steps:
        out += ["", "[[steps]]", f"note = {toml_value(step.note)}"]
        if step.reset:
            out.append("reset = true")
        if step.set:
            out.append(f"set = {_inline(step.set)}")
        for key in ("view", "epochs", "lines"):
            if value := getattr(step, key):
                out.append(f"{key} = {toml_value(value)}")
    return "\n".join(out) + "\n"
