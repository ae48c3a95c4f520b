"""Running a program plainly, as ``python FILE`` does, to compare ``gdtui run`` with: the file
executed verbatim by ``runpy`` (seeded as gdtui seeds it), a trace function reading the
named values at the end of each epoch, that is each time the module's code comes back to the
training loop's first line, or leaves the loop."""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gdtui.core.own.checks import Checker, CheckResult
from gdtui.core.own.findings import Finding
from gdtui.core.own.program import OwnProgram
from gdtui.core.own.running import EpochRun
from gdtui.core.own.source import read_source
from gdtui.core.own.watchdog import Watchdog
from tests.cli.cli_support import ROOT, Result, cli_env

PROGRAMS = Path(__file__).resolve().parent / "programs"
GALLERY = ROOT / "gdtui" / "core" / "own" / "gallery"


class _Enough(BaseException):
    """Enough epochs read: the plain run stops here."""


def _plain(value: Any) -> Any:
    if hasattr(value, "detach"):
        return value.detach().tolist()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value if value is None or isinstance(value, int | float) else repr(value)


def plain_epochs(
    path: Path, names: list[str], loop: tuple[int, int], epochs: int
) -> list[dict[str, Any]]:
    """The values of ``names`` (expressions) at the end of each of the first ``epochs``
    epochs of ``path`` run plainly by ``runpy`` (seeded as gdtui seeds it); ``loop`` is the
    training loop's (first, last) line. An epoch ends when the module's code comes back to
    the loop's first line, or leaves the loop."""
    import random

    import numpy
    import torch

    first, last = loop
    found: list[dict[str, Any]] = []
    entered = [False]
    filename = str(path)

    def snapshot(frame: Any) -> None:
        values = {}
        for name in names:
            try:
                values[name] = _plain(eval(name, frame.f_globals))
            except Exception:
                values[name] = "<unreadable>"
        found.append(values)
        if len(found) >= epochs:
            raise _Enough

    def local(frame: Any, event: str, arg: Any) -> Any:
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

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename == filename and frame.f_code.co_name == "<module>":
            return local
        return None

    random.seed(0)
    numpy.random.seed(0)
    torch.manual_seed(0)
    with as_the_child(path):
        sys.settrace(tracer)
        try:
            runpy.run_path(filename, run_name="__main__")
        except _Enough:
            pass
        finally:
            sys.settrace(None)
    return found


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


@contextlib.contextmanager
def as_the_child(path: Path) -> Iterator[None]:
    """In this process, as the program's own process runs it: from its folder, its output
    held back, torch's global modes put back afterwards."""
    import torch

    saved = (os.getcwd(), list(sys.path), list(sys.argv), torch.get_default_dtype())
    grad = torch.is_grad_enabled()
    os.chdir(path.parent)
    sys.path.insert(0, str(path.parent))
    sys.argv = [str(path)]
    try:
        with (
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        os.chdir(saved[0])
        sys.path[:] = saved[1]
        sys.argv = saved[2]
        torch.set_default_dtype(saved[3])
        torch.set_grad_enabled(grad)


def check_here(path: Path, epochs: int = 20) -> tuple[list[Finding], CheckResult]:
    """``gdtui check``'s findings on ``path``, in this process (no interpreter to start)."""
    source = read_source(path, label=path.name)
    program = OwnProgram(source)
    with as_the_child(path):
        result = Checker(program, epochs, Watchdog(program.filename, 60.0)).run()
    return result.findings, result


def records_here(path: Path, epochs: int) -> list[dict[str, Any]]:
    """``gdtui run --format jsonl``'s records of ``path``, in this process."""
    program = OwnProgram(read_source(path, label=path.name))
    run = EpochRun(program, Watchdog(program.filename, 60.0), epochs, None)
    with as_the_child(path):
        found = [json.loads(json.dumps(run.record())) for _ in run.epochs()]
    return found
