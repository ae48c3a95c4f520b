"""Bad input and bad programs: a file that cannot be used exits 2 with one line naming it;
a program that raises, hangs, reads input or exits is reported at its line, never with a
traceback of gdtui's; the program's process never outlives gdtui."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.cli_support import ROOT, cli_env
from tests.own.own_support import GALLERY, PROGRAMS, gdtui_in

LOOP = "w = 0.0\nfor epoch in range(3):\n    w -= 0.1 * (w - 1)\n"


@pytest.mark.parametrize(
    ("name", "text", "args", "said"),
    [
        ("nope.py", None, (), "nope.py: no such file"),
        ("folder", "", (), "folder: is a folder: give a Python file or a Jupyter notebook"),
        (
            "broken.py",
            "w = 0\nfor epoch in range(3)\n    w -= 1\n",
            (),
            "broken.py:2: syntax error",
        ),
        ("idle.py", "x = 1\nfor i in range(3):\n    print(i)\n", (), "idle.py: no training loop"),
        ("fake.ipynb", "{not json", (), "fake.ipynb: not a Jupyter notebook"),
        ("mine.py", LOOP, ("--cell", "2"), "mine.py: --cell picks a notebook's cell"),
        ("mine.py", LOOP, ("--epochs", "0"), "--epochs"),
        ("mine.py", LOOP, ("--timeout", "soon"), "--timeout"),
        ("mine.py", LOOP, ("--loss", "a-b"), "--loss: expects a variable's name"),
    ],
)
@pytest.mark.parametrize("command", ["run", "trace", "check"])
def test_a_file_that_cannot_be_used_exits_2_with_one_line(
    tmp_path: Path, command: str, name: str, text: str | None, args: tuple[str, ...], said: str
) -> None:
    if text is not None:
        if name == "folder":
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).write_text(text, encoding="utf-8")
    if command == "check" and name == "folder":  # check takes a folder of programs
        said = "folder: a folder with no .py or .ipynb file in it"
    result = gdtui_in(tmp_path, command, name, *args)
    assert result.returncode == 2, result
    assert len(result.err_lines) == 1 and said in result.stderr, result
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_cell_out_of_range_names_the_cells(tmp_path: Path) -> None:
    result = gdtui_in(PROGRAMS / "seeds", "run", "001.ipynb", "--cell", "99")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "gdtui run: 001.ipynb: --cell 99: the notebook has code cells 1 to 13"
    )
    empty = gdtui_in(PROGRAMS / "seeds", "run", "001.ipynb", "--cell", "1")
    assert empty.stderr.strip() == "gdtui run: 001.ipynb: --cell 1: that cell has no training loop"


def _program(tmp_path: Path, body: str, before: str = "") -> str:
    (tmp_path / "mine.py").write_text(
        f"import time\n{before}w = 0.0\nfor epoch in range(5):\n    w -= 0.1 * (w - 1)\n{body}",
        encoding="utf-8",
    )
    return "mine.py"


@pytest.mark.parametrize(
    ("body", "before", "said"),
    [
        (
            "    while True:\n        pass\n",
            "",
            "mine.py:5: stopped after 1 s: this line did not finish",
        ),
        ("    nap()\n", "def nap():\n    time.sleep(60)\n", "mine.py:3: stopped after 1 s"),
        (
            "    x = input('lr? ')\n",
            "",
            "mine.py:5: EOFError: EOF when reading a line: input() reads from a keyboard",
        ),
        ("    raise SystemExit(3)\n", "", "mine.py:5: the program exited with status 3"),
        ("    1 / 0\n", "", "mine.py:5: ZeroDivisionError: division by zero"),
    ],
)
def test_a_program_that_stops_is_reported_at_its_line(
    tmp_path: Path, body: str, before: str, said: str
) -> None:
    name = _program(tmp_path, body, before)
    began = time.monotonic()
    result = gdtui_in(tmp_path, "run", name, "--timeout", "1")
    assert time.monotonic() - began < 20
    assert result.returncode == 1, result
    assert said in result.stderr and "Traceback" not in result.stderr, result
    checked = gdtui_in(tmp_path, "check", name, "--timeout", "1", "--format", "jsonl")
    assert checked.returncode == 5, checked
    assert [f["kind"] for f in checked.jsonl()] == ["error"]


def test_exit_0_and_a_killed_process(tmp_path: Path) -> None:
    name = _program(tmp_path, "    raise SystemExit(0)\n")
    assert gdtui_in(tmp_path, "run", name).returncode == 0
    name = _program(tmp_path, "    import os; os._exit(7)\n")
    result = gdtui_in(tmp_path, "run", name)
    assert result.returncode == 1
    assert (
        "the program's process ended at mine.py:" in result.stderr
        or "with status 7" in result.stderr
    )


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            stat = Path(f"/proc/{pid}/stat").read_text()
            if stat.split(") ")[1].startswith("Z"):
                return True  # ended; only its parent's reaping is left
        except (ProcessLookupError, FileNotFoundError):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT, signal.SIGHUP])
def test_the_program_never_outlives_gdtui(tmp_path: Path, how: signal.Signals) -> None:
    (tmp_path / "slow.py").write_text(
        "import time\nw = 0.0\nwhile True:\n    w -= 0.0 * w\n    time.sleep(0.01)\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "gdtui", "run", "slow.py"],
        cwd=tmp_path,
        env=cli_env({"PYTHONPATH": str(ROOT)}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not _children(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    (child,) = _children(process.pid)
    time.sleep(1.0)  # the program is in its loop
    process.send_signal(how)
    assert _gone(process.pid, 5)
    assert _gone(child, 2), "the program's process outlived gdtui"
    process.wait(5)


def test_the_gallery_raises_nothing_of_gdtuis() -> None:
    result = gdtui_in(GALLERY, "run", "in-place-on-leaf.py")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "gdtui run: in-place-on-leaf.py:26: RuntimeError: a leaf Variable that requires grad"
    )
    assert "(in-place-on-leaf: gdtui check says more)" in result.stderr


def test_an_error_in_the_loops_header_is_named_at_it(tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text(
        "w = 0.0\nitems = [(1, 2), (3,)]\nfor a, b in items:\n    w -= 0.1 * (w - a)\n",
        encoding="utf-8",
    )
    result = gdtui_in(tmp_path, "run", "mine.py")
    assert result.returncode == 1, result
    assert "mine.py:3: ValueError: not enough values to unpack" in result.stderr
