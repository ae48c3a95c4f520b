"""``gdtui lessons`` and ``gdtui --lesson``, as subprocesses."""

from __future__ import annotations

import pytest

from gdtui.core.lessons.lesson import builtin_lessons, load_lesson
from tests.cli.cli_support import run_gdtui
from tests.cli.terminal_support import TerminalApp


def test_gdtui_lessons_lists_every_builtin_lesson_with_how_to_play_it() -> None:
    result = run_gdtui("lessons")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for lesson in builtin_lessons():
        number = lesson.name[:3]
        title = lines.index(f"{number}  {lesson.title}")
        # Under each title: how many steps, its variant, and the command that plays it.
        assert lines[title + 1].split() == [
            str(len(lesson.steps)),
            "steps,",
            "starting",
            "on",
            f"{lesson.config.variant}:",
            "gdtui",
            "--lesson",
            number,
        ]
        assert load_lesson(number).name == lesson.name  # the number given plays it
    assert "--step N" in result.stdout


def test_step_goes_with_a_lesson_and_one_of_its_steps() -> None:
    result = run_gdtui("--step", "2")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "gdtui: error: --step: goes with --lesson, to start at one of its steps"
    )
    result = run_gdtui("--lesson", "003", "--step", "5")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "gdtui: error: --step: expects a step of 003-tutorial-gradient from 0 to 4, got '5'"
    )


def test_a_bad_lesson_is_one_line_naming_the_step_and_key(tmp_path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('title = "t"\n[[steps]]\nnote = "n"\nepochs = "x"\n')
    result = run_gdtui("--lesson", str(path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"gdtui: error: {path}: step 1: epochs: expects a whole number from 1 to 1,000,000, got 'x'"
    ]
    result = run_gdtui("--lesson", "004", "--lr", "0.1")
    assert result.returncode == 2 and "put --lr in its [settings] table" in result.stderr
    result = run_gdtui("--lesson", "nine")
    assert result.returncode == 2 and "gdtui lessons" in result.stderr


def test_record_refuses_what_would_lose_work_before_the_app_opens(tmp_path) -> None:
    kept = tmp_path / "prepared.toml"
    kept.write_text("title = 'mine'\n")
    cases = {
        (str(kept),): "exists; give a new file name",
        (str(tmp_path / "demo.json"),): "expects a .toml file",
        (str(tmp_path / "no" / "demo.toml"),): "a folder that exists",
        (str(tmp_path / "demo.toml"), "--lesson", "004"): "does not go with --lesson",
    }
    for args, words in cases.items():
        result = run_gdtui("--record", *args)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("gdtui: error: --record: "), lines
        assert words in lines[0]
    assert kept.read_text() == "title = 'mine'\n"


def _recording(tmp_path, path) -> TerminalApp:
    """The app on a pty, recording a 9-epoch numpy run to ``path``."""
    return TerminalApp(
        tmp_path, "--defaults", "--variant", "numpy-manual", "--epochs", "9", "--record",
        str(path), controlling=True,
    )  # fmt: skip


@pytest.mark.parametrize("ending", ["q", "terminal gone"])
def test_a_recording_is_written_however_the_session_ends(tmp_path, ending) -> None:
    path = tmp_path / "demo.toml"
    app = _recording(tmp_path, path)
    try:
        app.started()
        app.press(b"n")
        assert app.wait_for_text("epoch 1/9")
        app.press(b"+n")
        assert app.wait_for_text("epoch 2/9")
        if ending == "q":
            app.press(b"q")
        else:
            app.close_terminal()
        assert app.wait(5) is not None
    finally:
        app.cleanup()
    lesson = load_lesson(str(path))
    assert [(s.epochs, dict(s.set)) for s in lesson.steps] == [(1, {}), (0, {"lr": 0.02}), (1, {})]
    assert lesson.config.variant == "numpy-manual" and lesson.config.epochs == 9
    if ending == "q":  # said on the terminal once the app has gone
        assert f"gdtui:recorded{path};playitwithgdtui--lesson{path}" in app.text()


def test_at_exit_the_recording_is_named_where_it_went(tmp_path) -> None:
    """A file put in the recording's place while it runs is left alone: the recording goes on
    under a new name, and that is the name said at exit."""
    path = tmp_path / "demo.toml"
    app = _recording(tmp_path, path)
    try:
        app.started()
        app.press(b"n")
        assert app.wait_for_text("epoch 1/9")
        path.unlink()
        path.write_text("title = 'not yours'\n")
        app.press(b"n")
        assert app.wait_for_text("epoch 2/9")
        app.press(b"q")
        assert app.wait(5) is not None
    finally:
        app.cleanup()
    assert path.read_text() == "title = 'not yours'\n"
    (moved,) = [p for p in tmp_path.glob("demo*.toml") if p != path]
    assert load_lesson(str(moved)).config.epochs == 9
    assert f"gdtui:recorded{moved};playitwithgdtui--lesson{moved}" in app.text()
