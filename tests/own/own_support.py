"""Running a program plainly, as ``python FILE`` does, to compare ``gdtui run`` with: the file
executed verbatim by ``runpy`` (seeded as gdtui seeds it), a trace function reading the
named values at the end of each epoch, that is each time the module's code comes back to the
training loop's first line, or leaves the loop."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.cli.cli_support import ROOT, Result, cli_env

PROGRAMS = Path(__file__).resolve().parent / "programs"
GALLERY = ROOT / "gdtui" / "core" / "own" / "gallery"

_PLAIN = r"""
import io, json, random, runpy, sys
path, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
names, epochs = json.loads(sys.argv[4]), int(sys.argv[5])
random.seed(0)
import numpy
numpy.random.seed(0)
if "torch" in open(path).read():
    import torch
    torch.manual_seed(0)
found, entered = [], [False]

class Enough(BaseException):
    pass

def plain(value):
    if hasattr(value, "detach"):
        return value.detach().tolist()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value if value is None or isinstance(value, (int, float)) else repr(value)

def snapshot(frame):
    values = {}
    for name in names:
        try:
            values[name] = plain(eval(name, frame.f_globals))
        except Exception:
            values[name] = "<unreadable>"
    found.append(values)
    if len(found) >= epochs:
        raise Enough

def tracer(frame, event, arg):
    if frame.f_code.co_filename != path or frame.f_code.co_name != "<module>":
        return None
    def local(frame, event, arg):
        if event == "line":
            line = frame.f_lineno
            if line == first:
                if entered[0]:
                    snapshot(frame)
                entered[0] = True
            elif entered[0] and not first <= line <= last:
                snapshot(frame)
                entered[0] = False
        return local
    return local

out = sys.stdout
sys.stdout = io.StringIO()
sys.settrace(tracer)
try:
    runpy.run_path(path, run_name="__main__")
except Enough:
    pass
finally:
    sys.settrace(None)
    sys.stdout = out
print(json.dumps(found))
"""


def plain_epochs(
    path: Path, names: list[str], loop: tuple[int, int], epochs: int
) -> list[dict[str, Any]]:
    """The values of ``names`` (expressions) at the end of each of the first ``epochs``
    epochs of ``path`` run plainly; ``loop`` is the training loop's (first, last) line."""
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            _PLAIN,
            str(path),
            str(loop[0]),
            str(loop[1]),
            json.dumps(names),
            str(epochs),
        ],
        cwd=path.parent,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(completed.stdout.splitlines()[-1])


def gdtui_in(folder: Path, *args: str, timeout: float = 120) -> Result:
    """``python -m gdtui ARGS`` run from ``folder`` (a learner's folder)."""
    env = cli_env({"PYTHONPATH": str(ROOT)})
    completed = subprocess.run(
        [sys.executable, "-m", "gdtui", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    return Result(
        tuple(args),
        completed.returncode,
        completed.stdout.decode("utf-8", errors="replace"),
        completed.stderr.decode("utf-8", errors="replace"),
    )


def loop_lines(path: Path) -> tuple[int, int]:
    """The training loop's first and last line, by gdtui's rule, read with ``ast`` here."""
    import ast
    import re

    tree = ast.parse(path.read_text(encoding="utf-8"))
    steps = re.compile(r"\.backward\(|[-+]=|\b(\w+) = \1 [-+]")
    for node in tree.body:
        if isinstance(node, ast.For | ast.While) and steps.search(ast.unparse(node)):
            return node.lineno, node.end_lineno or node.lineno
    raise AssertionError(f"{path}: no loop")
