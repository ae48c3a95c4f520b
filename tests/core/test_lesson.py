"""Lesson files: the built-in ones read and write back unchanged, and every kind of mistake in
a lesson file gets one message naming the step and the key."""

from __future__ import annotations

import pytest

from gdtui.core.lessons.lesson import (
    LessonError,
    builtin_lessons,
    builtin_names,
    lesson_toml,
    load_lesson,
    read_lesson,
)
from gdtui.core.settings.config import RunConfig

GOOD = """
title = "t"
[settings]
variant = "numpy-manual"
epochs = 3
[[steps]]
note = "one"
epochs = 1
"""


def test_the_builtin_lessons_are_the_five_seed_stories_and_write_back_unchanged() -> None:
    lessons = builtin_lessons()
    assert [name.split("-")[0] for name in builtin_names()] == ["000", "001", "002", "003", "004"]
    for lesson in lessons:
        assert lesson.steps and all(step.note for step in lesson.steps)
        assert read_lesson(lesson_toml(lesson), lesson.name) == lesson
    assert load_lesson("004") == lessons[4]
    assert load_lesson(builtin_names()[2]) == lessons[2]


def test_a_good_lesson_file_reads_with_its_settings(tmp_path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD)
    lesson = load_lesson(str(path))
    assert lesson.config == RunConfig(variant="numpy-manual", epochs=3)
    assert lesson.steps[0].epochs == 1 and lesson.name == str(path)


STEP = '[[steps]]\nnote = "n"\n'
BAD = {
    "not TOML": ("title = ", "not valid TOML"),
    "not a lesson key": (
        'title = "t"\ntitel = 1\n' + STEP,
        "titel: unknown key (did you mean title?)",
    ),
    "no title": ("[settings]\n" + STEP, "title: missing"),
    "title not text": ("title = 3\n" + STEP, "title: expects text"),
    "title too long": (f'title = "{"x" * 81}"\n' + STEP, "title: expects at most 80 characters"),
    "about not text": ('title = "t"\nabout = []\n' + STEP, "about: expects text"),
    "no steps": ('title = "t"\n', "steps: expects one [[steps]] table or more"),
    "steps not tables": ('title = "t"\nsteps = [1]\n', "step 1: expects a table"),
    "settings not a table": ('title = "t"\nsettings = 3\n' + STEP, "settings: expects a table"),
    "a bad setting": ('title = "t"\n[settings]\nlr = -1\n' + STEP, "settings.lr: expects"),
    "an unknown setting": (
        'title = "t"\n[settings]\nrate = 1\n' + STEP,
        "settings.rate: unknown setting",
    ),
    "a step key unknown": ('title = "t"\n' + STEP + "epoch = 1\n", "step 1: epoch: unknown key"),
    "no note": ('title = "t"\n[[steps]]\nepochs = 1\n', "step 1: note: missing"),
    "an empty note": ('title = "t"\n[[steps]]\nnote = " "\n', "step 1: note: expects text"),
    "a note too long": (
        f'title = "t"\n[[steps]]\nnote = "{"x" * 401}"\n',
        "step 1: note: expects at most 400",
    ),
    "epochs not whole": (
        'title = "t"\n' + STEP + "epochs = 1.5\n",
        "step 1: epochs: expects a whole",
    ),
    "epochs zero": ('title = "t"\n' + STEP + "epochs = 0\n", "step 1: epochs: expects a whole"),
    "epochs a bool": (
        'title = "t"\n' + STEP + "epochs = true\n",
        "step 1: epochs: expects a whole",
    ),
    "lines as text": ('title = "t"\n' + STEP + 'lines = "2"\n', "step 1: lines: expects a whole"),
    "reset as text": ('title = "t"\n' + STEP + 'reset = "yes"\n', "step 1: reset: expects true"),
    "a view unknown": ('title = "t"\n' + STEP + 'view = "chart"\n', "step 1: view: expects one of"),
    "set not a table": ('title = "t"\n' + STEP + "set = 1\n", "step 1: set: expects a table"),
    "set empty": ('title = "t"\n' + STEP + "set = {}\n", "step 1: set: expects at least one"),
    "set a bad value": (
        'title = "t"\n' + STEP + 'set = { optimizer = "fast" }\n',
        "step 1: set.optimizer: expects",
    ),
    "set against the variant": (
        'title = "t"\n[settings]\nvariant = "numpy-manual"\n'
        + STEP
        + 'set = { optimizer = "adam" }\n',
        "step 1: set.optimizer: numpy-manual is plain gradient descent",
    ),
    "epochs beyond the run": (
        'title = "t"\n[settings]\nepochs = 3\n' + STEP + "epochs = 2\n" + STEP + "epochs = 2\n",
        "step 2: epochs: goes beyond the run's 3 epochs",
    ),
    "lines beyond the run": (
        'title = "t"\n[settings]\nepochs = 1\n' + STEP + "lines = 7\n",
        "step 1: lines: goes beyond the run's 1 epochs",
    ),
    "fewer epochs than done": (
        'title = "t"\n' + STEP + "epochs = 5\n" + STEP + "set = { epochs = 4 }\n",
        "step 2: set.epochs: the run is at epoch 5 by then",
    ),
}


@pytest.mark.parametrize("text, message", list(BAD.values()), ids=list(BAD))
def test_a_bad_lesson_gets_one_message_naming_the_step_and_key(text: str, message: str) -> None:
    with pytest.raises(LessonError) as caught:
        read_lesson(text, "mine.toml")
    said = str(caught.value)
    assert said.startswith("mine.toml: ") and message in said, said
    assert "\n" not in said


def test_a_reset_starts_the_count_again_and_a_lines_step_wraps_into_epochs() -> None:
    base = 'title = "t"\n[settings]\nvariant = "numpy-manual"\nepochs = 2\n'
    # 7 lines are numpy-manual's whole loop: 14 lines are the run's 2 epochs.
    read_lesson(base + STEP + "lines = 14\n", "ok")
    # A new variant starts the run again, so its 2 epochs are there again.
    read_lesson(
        base + STEP + "epochs = 2\n" + STEP + 'set = { variant = "torch-autograd" }\nepochs = 2\n',
        "ok",
    )
    with pytest.raises(LessonError, match="step 2: epochs: goes beyond"):
        read_lesson(base + STEP + "epochs = 2\n" + STEP + "set = { lr = 0.02 }\nepochs = 1\n", "x")
    # reset = true starts it again with the settings as they stand.
    read_lesson(base + STEP + "epochs = 2\n" + STEP + "reset = true\nepochs = 2\n", "ok")


def test_a_lesson_that_is_not_there_or_not_toml_is_named(tmp_path) -> None:
    with pytest.raises(LessonError, match=r"expects a built-in lesson .* or a .toml file"):
        load_lesson("999")
    with pytest.raises(LessonError, match="--lesson: "):
        load_lesson(str(tmp_path / "missing.toml"))


def test_the_readmes_lesson_example_is_a_lesson_that_reads() -> None:
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", readme, flags=re.S)
    lessons = [block for block in blocks if "[[steps]]" in block]
    assert lessons
    for block in lessons:
        lesson = read_lesson(block, "README", Path("/somewhere"))
        if lesson.program is not None:  # the lesson on your own loop
            assert lesson.program == Path("/somewhere/mine.py")
            assert [(s.lines, s.epochs) for s in lesson.steps] == [(4, 0), (0, 2)]
            continue
        assert lesson.config.variant == "torch-autograd" and lesson.steps[1].lines == 4
