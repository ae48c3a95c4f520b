"""write_atomic: a file is whole or absent, whatever stops the write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gdtui.core.files import Cancelled, write_atomic


def test_pieces_are_written_whole_and_renamed_into_place(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    write_atomic(target, (f"{i}\n" for i in range(1000)))
    assert target.read_text() == "".join(f"{i}\n" for i in range(1000))
    write_atomic(target, "replaced\n")
    assert target.read_text() == "replaced\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_files_get_the_usual_mode_not_a_temporary_files(tmp_path: Path) -> None:
    # tempfile.mkstemp makes 0600 files: an export must not turn out private to its owner.
    fresh = tmp_path / "fresh.csv"
    write_atomic(fresh, "a\n")
    (tmp_path / "plain.csv").write_text("a\n")  # as open() makes it, under the same umask
    assert fresh.stat().st_mode & 0o777 == (tmp_path / "plain.csv").stat().st_mode & 0o777
    kept = tmp_path / "kept.csv"
    kept.write_text("old\n")
    kept.chmod(0o640)
    write_atomic(kept, "new\n")
    assert kept.stat().st_mode & 0o777 == 0o640


def test_a_cancelled_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    written: list[int] = []

    def pieces() -> Iterator[str]:
        for i in range(100):
            written.append(i)
            yield f"{i}\n"

    with pytest.raises(Cancelled):
        write_atomic(target, pieces(), cancelled=lambda: len(written) >= 10)
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_an_error_mid_write_leaves_no_file(tmp_path: Path) -> None:
    def pieces() -> Iterator[str]:
        yield "a,b\n"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(tmp_path / "out.csv", pieces())
    assert list(tmp_path.iterdir()) == []


def test_a_process_killed_mid_write_leaves_the_target_absent(tmp_path: Path) -> None:
    # SIGKILL gives no chance to clean up: the target must still be absent (a temporary file
    # may remain, hidden, beside it), never a truncated file under the real name.
    target = tmp_path / "big.csv"
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from gdtui.core.files import write_atomic\n"
        "def pieces():\n"
        "    for i in range(10**6):\n"
        "        if i == 100: print('writing', flush=True)\n"
        "        time.sleep(0.001)\n"
        "        yield 'x' * 1000 + '\\n'\n"
        "write_atomic(Path(sys.argv[1]), pieces())\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(target)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "writing"
    time.sleep(0.1)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert not target.exists()
    leftovers = list(tmp_path.iterdir())
    assert all(p.name.startswith(".big.csv.") and p.name.endswith(".tmp") for p in leftovers)
