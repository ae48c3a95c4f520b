"""``gdtui serve PROGRAM``: a program of the user's own that every tab opens runs its code as
the server's user for anyone with the link, so serve refuses one without ``--allow-code``; with
it, a program that is no readable .py file or .ipynb notebook is refused at start (exit 2, one
line naming it), and each tab's command line starts ``PROGRAM [--cell N]``, its path absolute."""

from __future__ import annotations

import getpass
import threading
from pathlib import Path

import pytest

from gdtui import exits
from gdtui.cli.options import UsageError
from gdtui.cli.serve import build_parser
from gdtui.cli.serve_options import Program, parse_program, tab_args
from tests.cli.cli_support import run_gdtui
from tests.cli.test_serve import Served


def serve_once(*args: str) -> tuple[int, list[str], str]:
    result = run_gdtui("serve", "--allow-root", "--variant", "numpy-manual", *args, timeout=60)
    return result.returncode, result.err_lines, result.stdout


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "mine.py").write_text("w = 0.0\nfor epoch in range(3):\n    w -= 0.1\n")
    (tmp_path / "nb.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("w -= 0.1\n")
    (tmp_path / "folder.py").mkdir()
    return tmp_path


def test_a_program_without_allow_code_is_refused_naming_it(files):
    mine = str(files / "mine.py")
    status, errors, printed = serve_once(mine)
    assert status == exits.BAD_INPUT, errors
    assert errors == [
        f"gdtui serve: error: PROGRAM: serving {mine} runs its code as {getpass.getuser()} for "
        "anyone with the link: add --allow-code to allow it"
    ]
    assert "open http" not in printed


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("missing.py", "no such file"),
        ("folder.py", "a folder, not a .py file or a .ipynb notebook"),
        ("notes.txt", "expects a Python file (.py) or a Jupyter notebook (.ipynb)"),
    ],
)
def test_a_program_that_is_no_py_file_or_notebook_is_refused_naming_it(files, name, why):
    program = str(files / name)
    status, errors, printed = serve_once(program, "--allow-code")
    assert status == exits.BAD_INPUT, errors
    assert errors == [f"gdtui serve: error: PROGRAM: {program}: {why}"]
    assert "open http" not in printed


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--cell", "2"], "--cell: picks a cell of a notebook PROGRAM (.ipynb); none is given"),
        (
            ["{mine}", "--allow-code", "--cell", "2"],
            "--cell: picks a cell of a notebook (.ipynb); {mine} is a Python file",
        ),
        (
            ["{nb}", "--allow-code", "--cell", "0"],
            "--cell: expects a whole number from 1 (the first cell), got '0'",
        ),
        (
            ["{mine}", "--allow-code", "--lesson", "1"],
            "--lesson: a tab plays a lesson or opens your program ({mine}): give one or the other",
        ),
    ],
)
def test_cell_without_a_notebook_and_a_lesson_beside_a_program_are_refused(files, args, error):
    names = {"mine": str(files / "mine.py"), "nb": str(files / "nb.ipynb")}
    status, errors, _ = serve_once(*(arg.format(**names) for arg in args))
    assert status == exits.BAD_INPUT, errors
    assert errors == [f"gdtui serve: error: {error.format(**names)}"]


def test_allow_code_without_a_program_is_harmless():
    namespace = build_parser().parse_args(["--allow-code", "--variant", "numpy-manual"])
    assert parse_program(namespace) is None
    assert tab_args(namespace, 30.0, None) == ["--variant", "numpy-manual", "--fps", "30"]


def test_each_tabs_command_line_starts_with_the_program_absolute(files, monkeypatch):
    monkeypatch.chdir(files)
    given = ["nb.ipynb", "--allow-code", "--cell", "3", "--lr", "0.05", "--present"]
    namespace = build_parser().parse_args(given)
    program = parse_program(namespace)
    assert program == Program(files.resolve() / "nb.ipynb", 3)
    assert tab_args(namespace, 12.0, program) == [
        str(files.resolve() / "nb.ipynb"),
        "--cell",
        "3",
        "--lr",
        "0.05",
        "--present",
        "--fps",
        "12",
    ]
    namespace = build_parser().parse_args(["--allow-code", "mine.py"])
    program = parse_program(namespace)
    assert tab_args(namespace, 30.0, program) == [str(files.resolve() / "mine.py"), "--fps", "30"]
    with pytest.raises(UsageError, match="add --allow-code"):
        parse_program(build_parser().parse_args(["mine.py"]))


def read_lines_until(served: Served, text: str, seconds: float = 20.0) -> list[str]:
    """What the server prints after its address, up to the line holding ``text``."""
    lines: list[str] = []

    def read() -> None:
        assert served.process.stdout is not None
        for raw in served.process.stdout:
            lines.append(raw.decode())
            if text in lines[-1]:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(seconds)
    return lines


def test_with_allow_code_it_serves_and_says_that_tabs_run_the_programs_code(files):
    served = Served(files, "mine.py", "--allow-code")
    try:
        path = str((files / "mine.py").resolve())
        lines = read_lines_until(served, path)
        assert lines and path in lines[-1], lines
        assert "runs the code of" in lines[-1] and "--allow-code" in lines[-1]
        assert served.process.poll() is None
    finally:
        served.stop()
