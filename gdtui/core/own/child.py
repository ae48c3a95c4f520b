"""The process a learner's program runs in: one command (run, trace, check) on one program.

It writes what the command prints itself, in order with the program's own output (on
stdout in ``text``; in ``jsonl`` and ``csv`` the program's output goes to stderr, so stdout
stays parseable), and reports to its parent over a pipe, one JSON object a line: a tick
with the program's line a few times a second, then the outcome. Its input is at end-of-file;
it ends when its parent does.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from gdtui.core.own.checks import Checker
from gdtui.core.own.findings import error_kind, explain_error
from gdtui.core.own.program import OwnProgram, ProgramExited, ProgramStopped
from gdtui.core.own.running import EpochRun, Tracer
from gdtui.core.own.source import ProgramError, read_source
from gdtui.core.own.watchdog import Watchdog


class Reports:
    """The pipe to the parent."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, message: dict[str, Any]) -> None:
        """One JSON object, one line."""
        data = (json.dumps(message) + "\n").encode()
        with contextlib.suppress(OSError):
            while data:
                data = data[os.write(self.fd, data) :]


def main(argv: list[str] | None = None) -> None:
    """``python -c 'from gdtui.core.own.child import main; main()' REQUEST FD``."""
    args = sys.argv[1:] if argv is None else argv
    request: dict[str, Any] = json.loads(args[0])
    reports = Reports(int(args[1]))
    _die_with_parent()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    try:
        outcome = _serve(request, reports)
    except BrokenPipeError:
        outcome = {"broken_pipe": True}
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    except OSError as error:
        outcome = {"output_failed": str(error.strerror or error)}
    except Exception as error:  # a bug of gdtui's: said as one line, not a traceback
        trace = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{Path(trace.filename).name}:{trace.lineno}"
        outcome = {"internal": f"{type(error).__name__}: {error} ({where})"}
    reports.send({"outcome": outcome})
    with contextlib.suppress(OSError):
        sys.stdout.flush()
    os._exit(0)  # nothing of the program's (threads, atexit) keeps the process


def _serve(request: dict[str, Any], reports: Reports) -> dict[str, Any]:
    path = Path(request["path"]).resolve()
    try:
        source = read_source(path, request.get("cell"), request["path"])
        program = OwnProgram(source, request.get("seed", 0))
    except ProgramError as error:
        return {"bad": str(error).replace(str(path), request["path"])}
    _enter(path)
    command = request["command"]
    watchdog = Watchdog(
        program.filename,
        request.get("timeout", 10.0),
        on_tick=lambda line: reports.send({"tick": source.place(line)}),
    )
    fmt = request.get("format", "text")
    out = _records_stream(fmt)
    if command == "check":  # only the findings are printed, by the parent
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
    outcome: dict[str, Any] = {}
    with watchdog.watching():
        try:
            if command == "run":
                _run(program, watchdog, request, out, fmt)
            elif command == "trace":
                _trace(program, watchdog, request, out, fmt)
            else:
                checked = Checker(program, request["epochs"], watchdog, request.get("loss")).run()
                outcome["findings"] = [f.as_json(source) for f in checked.findings]
                outcome["text"] = [f.as_text(source) for f in checked.findings]
                outcome["notes"] = checked.notes
                outcome["epochs"] = checked.epochs
                if checked.stopped is not None:
                    outcome["stopped"] = _stopped(program, checked.stopped)
        except ProgramStopped as stopped:
            outcome["stopped"] = _stopped(program, stopped)
        finally:
            with contextlib.suppress(ValueError):
                sys.stdout.flush()
            out.flush()
    return outcome


def _stopped(program: OwnProgram, stopped: ProgramStopped) -> dict[str, Any]:
    code = program.source.line_text(stopped.line).strip()
    found: dict[str, Any] = {
        "place": program.source.place(stopped.line),
        "message": explain_error(stopped.message, code),
        "code": code,
    }
    kind = error_kind(stopped.message)
    if kind is not None:
        found["kind"] = kind
    if isinstance(stopped, ProgramExited):
        found["exit"] = stopped.status
    return found


def _enter(path: Path) -> None:
    """The program's own folder as the working directory and first import path, its file
    as ``sys.argv[0]``, and a matplotlib that draws to no window."""
    os.chdir(path.parent)
    sys.path.insert(0, str(path.parent))
    sys.argv = [str(path)]
    os.environ.setdefault("MPLBACKEND", "Agg")


def _records_stream(fmt: str) -> TextIO:
    """Where records go: stdout; in jsonl and csv, stdout alone, the program's output
    (fd 1 included) going to stderr."""
    if fmt == "text":
        return sys.stdout
    records = io.TextIOWrapper(io.FileIO(os.dup(1), "w"), encoding="utf-8", line_buffering=False)
    os.dup2(2, 1)
    return records


def _run(
    program: OwnProgram, watchdog: Watchdog, request: dict[str, Any], out: TextIO, fmt: str
) -> None:
    run = EpochRun(program, watchdog, request.get("epochs"), request.get("loss"))
    every = request.get("log_every", 10)
    writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    columns: list[str] | None = None
    encode = json.JSONEncoder(check_circular=False).encode
    logged = 0
    for epoch in run.epochs():
        if epoch == 1:
            _missing_loss(program, request.get("loss"))
        if fmt == "text":
            if (epoch - 1) % every == 0:
                out.write(text_record(run.record()) + "\n")
                logged = epoch
            continue
        record = run.record()
        if writer is None:
            out.write(encode(record) + "\n")
            continue
        flat = flat_record(record)
        if columns is None:
            columns = list(flat)
            writer.writerow(columns)
        writer.writerow([_cell(flat.get(name)) for name in columns])
    if fmt == "text" and program.epoch and logged != program.epoch:
        out.write(text_record(run.record()) + "\n")
    out.flush()
    run.finish()


def _missing_loss(program: OwnProgram, name: str | None) -> None:
    """Say once, on stderr, that ``--loss NAME`` names no variable of the program."""
    if name is not None and name not in program.namespace:
        sys.stdout.flush()
        print(
            f"gdtui run: --loss {name}: the program has no variable {name} after epoch 1, "
            "so the records' loss is null",
            file=sys.__stderr__,
            flush=True,
        )


def _trace(
    program: OwnProgram, watchdog: Watchdog, request: dict[str, Any], out: TextIO, fmt: str
) -> None:
    if fmt != "text":
        for traced in Tracer(program, watchdog, request.get("epochs") or 2).lines():
            out.write(json.dumps(traced.as_json()) + "\n")
            out.flush()
        return
    out.write(f"# gdtui trace: {request['path']}, seeded {program.seed}\n")
    out.write("# each statement, what it printed, then the values it changed\n")
    shown = {"epoch": 0, "indent": ""}

    def before(epoch: int, line: int, code: str, part: str) -> None:
        if epoch != shown["epoch"] and part == "loop":
            shown["epoch"] = epoch
            out.write(f"\n      # epoch {epoch}\n")
        indent = "    " if part == "loop" and line != program.header_line else ""
        shown["indent"] = indent
        for offset, text in enumerate(code.splitlines()):
            out.write(f"{program.source.where(line + offset)[1]:>4}  {indent}{text}\n")
        out.flush()

    for traced in Tracer(program, watchdog, request.get("epochs") or 2, before).lines():
        for name, value in traced.values.items():
            out.write(f"      {shown['indent']}    {name} = {_number_text(value)}\n")
        out.flush()


def text_record(record: dict[str, Any]) -> str:
    """``epoch 1: loss = 30, w = 0.3, w.grad = -30``."""
    parts = [f"loss = {_number_text(record['loss'])}"]
    used = record.get("backward", {})
    for name, value in record["params"].items():
        parts.append(f"{name} = {_number_text(value)}")
        grad = record["grads"].get(name)
        gave = ""
        if name in used and used[name] != grad:
            gave = f" (backward() gave {_number_text(used[name])})"
        parts.append(f"{name}.grad = {_number_text(grad)}{gave}")
    return f"epoch {record['epoch']}: " + ", ".join(parts)


def flat_record(record: dict[str, Any]) -> dict[str, Any]:
    """A record as CSV columns: each element of a tensor its own (``model.weight[0][0]``)."""
    flat: dict[str, Any] = {"epoch": record["epoch"], "loss": record["loss"]}
    for name, value in record["params"].items():
        _flatten(flat, name, value)
        _flatten(flat, f"{name}.grad", record["grads"].get(name))
    return flat


def _flatten(into: dict[str, Any], name: str, value: Any, index: tuple[int, ...] = ()) -> None:
    if isinstance(value, list):
        for i, item in enumerate(value):
            _flatten(into, name, item, (*index, i))
        return
    key = name + "".join(f"[{i}]" for i in index)
    into[key] = value


def _cell(value: Any) -> str:
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)


def _number_text(value: Any) -> str:
    """A value as text: a float as the shortest text that reads back as it (as a float32
    where it is one: 0.3, not 0.29999998211860657), lists of them, None."""
    if isinstance(value, float):
        single = np.float32(value)
        return str(single) if np.isfinite(single) and float(single) == value else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_number_text(v) for v in value) + "]"
    if isinstance(value, dict) and "shape" in value:
        return f"<shape {tuple(value['shape'])}, norm {value['norm']!r}>"
    return str(value)


def _die_with_parent() -> None:
    """Linux: the kernel ends this process when its parent ends (SIGKILL)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
