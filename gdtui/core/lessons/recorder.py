"""Recording what a user does as a lesson (``gdtui --record FILE``) that replays to the same
numbers: each key that acts on the run becomes a step, and the epochs run flat out between
keys become ``epochs`` steps, counted exactly.

Exactly, because the training process obeys its commands in order and says, in each stretch
it runs on its own (``space``), how many commands it had obeyed by then (``Stretch.after``). A
key is filed with the number of commands sent once it has acted, so a stretch belongs after
every key whose number it has reached, and before the rest: a setting changed mid-run splits the
run at the epoch where the change took effect, not where the key was pressed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from gdtui.core.engine.runner import Stretch
from gdtui.core.files import MAX_FILE_BYTES
from gdtui.core.lessons.lesson import (
    MAX_COUNT,
    MAX_NOTE,
    MAX_TITLE,
    Lesson,
    LessonError,
    LessonStep,
    lesson_toml,
    parse_lesson,
)
from gdtui.core.run.session import VIEWS, Change, Listener
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.fields import DATA_OPTIONS
from gdtui.core.settings.files import config_options, parse_settings_text


@dataclass
class _Entry:
    at: int
    """How many commands had been sent once this key had acted."""
    steps: list[LessonStep]


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _words(text: str, limit: int) -> str:
    """``text`` fit for a note or a title: on one line, without control characters (it is
    drawn on screen; a file name may hold anything), at most ``limit`` characters."""
    text = " ".join(text.split())
    text = "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _note(text: str) -> str:
    return _words(text, MAX_NOTE)


def epoch_steps(what: str, epochs: int) -> list[LessonStep]:
    """``epochs`` epochs as steps, noted ``what`` (``space: ran``): one, or as many as a
    step's limit (:data:`~gdtui.core.lessons.lesson.MAX_COUNT`) takes, each saying which
    part of the run it is."""
    run = f"{what} {_plural(epochs, 'epoch')}"
    if epochs <= MAX_COUNT:
        return [LessonStep(f"{run}.", epochs=epochs)]
    parts = -(-epochs // MAX_COUNT)
    sizes = [MAX_COUNT] * (parts - 1) + [epochs - MAX_COUNT * (parts - 1)]
    return [
        LessonStep(f"{run}: part {part} of {parts}, {_plural(size, 'epoch')}.", epochs=size)
        for part, size in enumerate(sizes, start=1)
    ]


def changed_options(old: RunConfig, new: RunConfig) -> dict[str, Any]:
    """The settings, as a lesson's ``set`` table, that take ``old`` to ``new`` (a setting
    cleared, such as w0 back to seeded, is written as ``""``, which the settings read as
    unset). Data is written whole when it changed (a preset by name, or x and y), and the
    other form of data is not cleared: a step's data replaces the run's, and the settings
    refuse a preset and points given together."""
    before, after = config_options(old), config_options(new)
    changes = {key: value for key, value in after.items() if before.get(key) != value}
    changes.update({key: "" for key in before if key not in after})
    if any(key in DATA_OPTIONS for key in changes):
        changes = {key: value for key, value in changes.items() if key not in DATA_OPTIONS}
        changes.update({key: value for key, value in after.items() if key in DATA_OPTIONS})
    return changes


@dataclass
class Recorder(Listener):
    """What a user did to one run, from ``start``, as lesson steps (see the module
    docstring): it listens to the run's session, which tells it each act as it is done and
    each stretch run flat out as it lands."""

    start: RunConfig
    title: str = "A recorded session"
    _entries: list[_Entry] = field(default_factory=list)
    _runs: list[tuple[int, int]] = field(default_factory=list)
    """(Stretch.after, epochs) of each stretch run flat out, in the order they landed."""
    _view: str = VIEWS[0]

    def restarted(self, at: int) -> None:
        """``r``: the run again from epoch 0."""
        self._file(at, [LessonStep("r: started again from epoch 0.", reset=True)])

    def changed(self, change: Change, at: int) -> None:
        """Settings changed (a key, the form, the palette)."""
        again = " The run starts again from epoch 0." if change.restarted else ""
        options = changed_options(change.old, change.new)
        self._file(at, [LessonStep(_note(f"Changed {change.words}.{again}"), set=options)])

    def viewed(self, view: str, at: int) -> None:
        """Another view in sight (``g``, a tab, ``.``'s code view)."""
        if view != self._view:
            self._view = view
            self._file(at, [LessonStep(f"The {view} view.", view=view)])

    def ran_epochs(self, epochs: int, at: int) -> None:
        """``n``: the rest of the epoch, or ``epochs`` epochs."""
        self._file(at, epoch_steps("n:", epochs))

    def ran_line(self, at: int) -> None:
        """``.``: the next line of the loop."""
        self._file(at, [LessonStep(".: the next line of the loop.", lines=1)])

    def landed(self, stretch: Stretch) -> None:
        """A stretch run flat out landed: its epochs (a diverged one counted), run once the
        training process had obeyed ``stretch.after`` commands."""
        diverged = stretch.stop is not None and stretch.stop.record is not None
        epochs = len(stretch.records) + diverged
        if epochs:
            self._runs.append((stretch.after, epochs))

    def _file(self, at: int, steps: list[LessonStep]) -> None:
        self._entries.append(_Entry(at, steps))

    def steps(self) -> list[LessonStep]:
        """Every step so far, the runs between keys merged into one step each (or into as
        many as a step's limit takes)."""
        steps: list[LessonStep] = []
        runs = iter(self._runs)
        pending = next(runs, None)
        for entry in [*self._entries, None]:
            total = 0
            while pending is not None and (entry is None or pending[0] < entry.at):
                total += pending[1]
                pending = next(runs, None)
            if total:
                steps += epoch_steps("space: ran", total)
            if entry is not None:
                steps += entry.steps
        return steps

    def lesson(self, about: str = "") -> Lesson:
        """What was done, as a lesson (a session with no steps yet gets one note)."""
        steps = self.steps() or [LessonStep("The run before any step.")]
        settings = config_options(self.start)
        title = _words(self.title, MAX_TITLE)
        return Lesson(title, _note(about), self.start, tuple(steps), settings)

    def text(self, about: str = "") -> str:
        """The lesson file's text, checked: it reads back as a lesson (raises LessonError if
        what was done cannot be replayed, which would be a bug, or if it has grown past what
        a lesson file may hold)."""
        text = lesson_toml(self.lesson(about))
        if len(text.encode(errors="replace")) > MAX_FILE_BYTES:
            raise LessonError(
                f"the recording has grown past {MAX_FILE_BYTES // 1_000_000} MB, the most a "
                "lesson file may hold; the file keeps what fitted"
            )
        try:
            data = parse_settings_text(text, "TOML")
        except ValueError as error:
            raise LessonError(f"the recording would not read back as TOML: {error}") from None
        parse_lesson(data)
        return text
