"""``gdtui FILE`` and ``gdtui --mistake NAME``: a program that cannot be opened is one line
and status 2, before the app takes the terminal."""

from __future__ import annotations

import pytest

from tests.cli.cli_support import run_gdtui


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("nope.py",), "gdtui: error: nope.py: no such file"),
        (("lessns",), "lessns: no such file, and no command of that name (the commands: run,"),
        (("--mistake", "typo"), "--mistake: no mistake 'typo'; the gallery has accumulating-grad"),
        (("--cell", "2"), "--cell: picks a notebook's cell; give the notebook (FILE)"),
        (("--mistake", "diverging", "--lesson", "000"), "--lesson: a lesson plays its own run"),
        (("gdtui/exits.py",), "gdtui/exits.py: no training loop"),
        (("gdtui/core/own/gallery/correct.py", "--cell", "1"), "--cell picks a notebook's cell"),
    ],
)
def test_a_program_that_cannot_be_opened(args: tuple[str, ...], said: str) -> None:
    result = run_gdtui(*args)
    assert result.returncode == 2, result
    assert len(result.err_lines) == 1 and said in result.stderr, result


def test_a_lessons_program_that_cannot_be_opened(tmp_path) -> None:
    lesson = tmp_path / "bug.toml"
    lesson.write_text(
        'title = "t"\n[settings]\nprogram = "gone.py"\n[[steps]]\nnote = "n"\nlines = 1\n',
        encoding="utf-8",
    )
    result = run_gdtui("--lesson", str(lesson))
    assert result.returncode == 2, result
    assert result.stderr.strip().endswith(
        "settings.program: " + str(tmp_path / "gone.py") + ": no such file"
    )
    lesson.write_text(
        'title = "t"\n[settings]\nprogram = "gone.py"\n[[steps]]\nnote = "n"\nset = { lr = 1 }\n',
        encoding="utf-8",
    )
    refused = run_gdtui("--lesson", str(lesson))
    assert refused.returncode == 2 and "step 1: set: unknown key" in refused.stderr, refused
