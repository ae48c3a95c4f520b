"""``gdtui run`` of a numpy program is a numpy process: torch (over a second to import, and
more at exit) and the app's Textual stay out of it, whatever the epochs run through."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import contextlib, io, json, sys
from gdtui.cli.main import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    status = main(sys.argv[1:])
names = ("torch", "textual", "plotext")
print(json.dumps([status, out.getvalue().splitlines()[-1], [n for n in names if n in sys.modules]]))
"""


def _imported(*args: str) -> tuple[int, str, list[str]]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.stderr == ""
    status, last, modules = json.loads(completed.stdout)
    return status, last, modules


def test_a_numpy_run_imports_no_torch_full_batch_or_in_mini_batches() -> None:
    for extra in ((), ("--batch-size", "2", "--shuffle"), ("--format", "jsonl")):
        status, last, modules = _imported("--variant", "numpy-manual", "--epochs", "3000", *extra)
        assert (status, modules) == (0, [])
        assert last.startswith(("Prediction after training", '{"epoch": 3000'))
