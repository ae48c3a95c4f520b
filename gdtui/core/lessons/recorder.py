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

from dataclasses import dataclass, field
from typing import Any

from gdtui.core.engine.runner import Stretch
from gdtui.core.lessons.lesson import Lesson, LessonStep, lesson_toml, parse_lesson
from gdtui.core.run.session import VIEWS, Change, Listener
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.files import config_options, parse_settings_text


@dataclass
class _Entry:
    at: int
    """How many commands had been sent once this key had acted."""
    step: LessonStep


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def changed_options(old: RunConfig, new: RunConfig) -> dict[str, Any]:
    """The settings, as a lesson's ``set`` table, that take ``old`` to ``new`` (a setting
    cleared, such as w0 back to seeded, is written as ``""``, which the settings read as
    unset)."""
    before, after = config_options(old), config_options(new)
    changes = {key: value for key, value in after.items() if before.get(key) != value}
    changes.update({key: "" for key in before if key not in after})
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
        self._file(at, LessonStep("r: started again from epoch 0.", reset=True))

    def changed(self, change: Change, at: int) -> None:
        """Settings changed (a key, the form, the palette)."""
        again = " The run starts again from epoch 0." if change.restarted else ""
        options = changed_options(change.old, change.new)
        self._file(at, LessonStep(f"Changed {change.words}.{again}", set=options))

    def viewed(self, view: str, at: int) -> None:
        """Another view in sight (``g``, a tab, ``.``'s code view)."""
        if view != self._view:
            self._view = view
            self._file(at, LessonStep(f"The {view} view.", view=view))

    def ran_epochs(self, epochs: int, at: int) -> None:
        """``n``: the rest of the epoch, or ``epochs`` epochs."""
        self._file(at, LessonStep(f"n: {_plural(epochs, 'epoch')}.", epochs=epochs))

    def ran_line(self, at: int) -> None:
        """``.``: the next line of the loop."""
        self._file(at, LessonStep(".: the next line of the loop.", lines=1))

    def landed(self, stretch: Stretch) -> None:
        """A stretch run flat out landed: its epochs (a diverged one counted), run once the
        training process had obeyed ``stretch.after`` commands."""
        diverged = stretch.stop is not None and stretch.stop.record is not None
        epochs = len(stretch.records) + diverged
        if epochs:
            self._runs.append((stretch.after, epochs))

    def _file(self, at: int, step: LessonStep) -> None:
        self._entries.append(_Entry(at, step))

    def steps(self) -> list[LessonStep]:
        """Every step so far, the runs between keys merged into one step each."""
        steps: list[LessonStep] = []
        runs = iter(self._runs)
        pending = next(runs, None)
        for entry in [*self._entries, None]:
            total = 0
            while pending is not None and (entry is None or pending[0] < entry.at):
                total += pending[1]
                pending = next(runs, None)
            if total:
                steps.append(LessonStep(f"space: ran {_plural(total, 'epoch')}.", epochs=total))
            if entry is not None:
                steps.append(entry.step)
        return steps

    def lesson(self, about: str = "") -> Lesson:
        """What was done, as a lesson (a session with no steps yet gets one note)."""
        steps = self.steps() or [LessonStep("The run before any step.")]
        settings = config_options(self.start)
        return Lesson(self.title, about, self.start, tuple(steps), settings)

    def text(self, about: str = "") -> str:
        """The lesson file's text, checked: it reads back as a lesson (raises LessonError if
        what was done cannot be replayed, which would be a bug)."""
        text = lesson_toml(self.lesson(about))
        parse_lesson(parse_settings_text(text, "TOML"))
        return text
