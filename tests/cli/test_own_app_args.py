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
