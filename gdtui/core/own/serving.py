"""The process a learner's program runs in for the app: commands in, one reply each.

Commands (tuples): ``("open", path, cell, seed, timeout)``, ``("step",)``, ``("epoch",)``,
``("run", seconds)``, ``("restart",)``, ``("quit",)``. Each reply is a dict with ``kind``
(``opened``, ``bad``, ``stepped``, ``records``, ``failed``), the program's ``state``
(:class:`~gdtui.core.own.session.State` as a dict) and its ``output`` since the last reply.
The program's output is caught here, never written to the terminal the app draws on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import struct
import sys
import traceback
from pathlib import Path
from typing import Any

from gdtui.core import spawn
from gdtui.core.own.knobs import find_knobs
from gdtui.core.own.session import OwnSession
from gdtui.core.own.source import ProgramError, read_source

OUTPUT_LIMIT = 64_000
"""Characters of the program's output one reply carries at most (the last of them)."""
COMMAND = "from gdtui.core.own.serving import main; main()"


class Output(io.TextIOBase):
    """The program's stdout and stderr: kept until the next reply takes them."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.parts.append(text)
        self.size += len(text)
        if self.size > 4 * OUTPUT_LIMIT:
            self.parts = ["".join(self.parts)[-OUTPUT_LIMIT:]]
            self.size = OUTPUT_LIMIT
        return len(text)

    def take(self) -> str:
        """What was written since the last take (its last :data:`OUTPUT_LIMIT` characters)."""
        text = "".join(self.parts)[-OUTPUT_LIMIT:]
        self.parts, self.size = [], 0
        return text


def main() -> None:
    """The child's loop: a reply for every command, until ``quit`` or the parent goes."""
    ticks = int(sys.argv[1]) if len(sys.argv) > 1 else None
    commands, replies = spawn.attach()
    output = Output()
    sys.stdout = sys.stderr = output
    sys.stdin = io.StringIO("")  # input() meets end-of-file, as under gdtui run
    session: OwnSession | None = None
    while True:
        try:
            command = commands.recv()
        except (EOFError, OSError):
            break
        if command[0] == "quit":
            break
        try:
            reply, session = _obey(command, session, ticks)
        except Exception as error:  # gdtui's own failure: said, and the process goes on
            where = traceback.extract_tb(error.__traceback__)[-1]
            reply = {"kind": "failed", "message": f"{type(error).__name__}: {error} "
                     f"({Path(where.filename).name}:{where.lineno})"}  # fmt: skip
        if session is not None and "state" not in reply:
            reply["state"] = dataclasses.asdict(session.state())
        reply["output"] = output.take()
        try:
            replies.send(reply)
        except OSError:
            break
    os._exit(0)


def _tick(fd: int | None) -> Any:
    """What the watchdog does at each look: the program's line, four bytes, to the app
    (dropped when the pipe is full: the app reads the latest)."""
    if fd is None:
        return None
    os.set_blocking(fd, False)

    def tell(line: int) -> None:
        with contextlib.suppress(OSError):
            os.write(fd, struct.pack("<I", line))

    return tell


def _obey(
    command: tuple[Any, ...], session: OwnSession | None, ticks: int | None = None
) -> tuple[dict[str, Any], OwnSession | None]:
    name = command[0]
    if name == "open":
        _, path, cell, seed, timeout = command
        try:
            source = read_source(Path(path), cell, Path(path).name)
        except ProgramError as error:
            return {"kind": "bad", "message": str(error)}, session
        if session is not None:
            session.close()
        os.chdir(Path(path).parent)
        if str(Path(path).parent) not in sys.path:
            sys.path.insert(0, str(Path(path).parent))
        sys.argv = [str(path)]
        os.environ.setdefault("MPLBACKEND", "Agg")
        session = OwnSession(source, seed, timeout, on_tick=_tick(ticks))
        session.restart()
        return _opened(session), session
    if session is None:
        return {"kind": "failed", "message": "no program is open"}, session
    if name == "restart":
        session.restart()
        return _opened(session), session
    if name == "step":
        step = session.step()
        return {
            "kind": "stepped",
            "step": None if step is None else dataclasses.asdict(step),
        }, session
    if name == "epoch":
        record = session.epoch()
        return {"kind": "records", "records": [] if record is None else [record]}, session
    if name == "landscape":
        return {"kind": "landscape", **session.landscape()}, session
    if name == "run":
        return {"kind": "records", "records": session.run(float(command[1]))}, session
    return {"kind": "failed", "message": f"unknown command {name!r}"}, session


def _opened(session: OwnSession) -> dict[str, Any]:
    """What the app needs to draw the program: its text, cells, loop and parameters."""
    source = session.source
    program = session.program
    return {
        "kind": "opened",
        "name": source.name,
        "text": source.text,
        "cells": [dataclasses.asdict(cell) for cell in source.cells],
        "loop": [program.loop.lineno, program.loop.end_lineno or program.loop.lineno],
        "parameters": session.parameters,
        "gradients": {
            p.name: p.gradient
            if p.gradient not in (None, "?")
            else f"{p.name}.grad"
            if p.gradient is None
            else "the update's gradient"
            for p in session.checker.parameters
        },
        "knobs": [[k.kind, k.name, k.line, k.text] for k in find_knobs(source)],
    }
