"""``gdtui lessons`` and ``gdtui --lesson``, as subprocesses."""

from __future__ import annotations

from cli_support import run_gdtui

from gdtui.core.lesson import builtin_lessons


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
