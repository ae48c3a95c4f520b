"""``gdtui lessons`` and ``gdtui --lesson``, as subprocesses."""

from __future__ import annotations

import pytest

from gdtui.core.lessons.lesson import builtin_lessons, load_lesson
from tests.cli.cli_support import run_gdtui
from tests.cli.terminal_support import TerminalApp


def test_gdtui_lessons_lists_every_builtin_lesson_with_how_to_play_it() -> None:
    result = run_gdtui("lessons")
    assert result.returncode == 0, result.stderr
    for lesson in builtin_lessons():
        assert lesson.title in result.stdout
        assert "gdtui --lesson NUMBER" in result.stdout
        assert lesson.name in result.stdout


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


@pytest.mark.parametrize("ending", ["q", "terminal gone"])
def test_a_recording_is_written_however_the_session_ends(tmp_path, ending) -> None:
    path = tmp_path / "demo.toml"
    app = TerminalApp(
        tmp_path, "--defaults", "--variant", "numpy-manual", "--epochs", "9", "--record",
        str(path), controlling=True,
    )  # fmt: skip
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
