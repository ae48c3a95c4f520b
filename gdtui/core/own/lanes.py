"""The gallery in lockstep (``gdtui compare --across mistakes``): the correct loop and each
mistake, every program run as ``gdtui run --format jsonl`` runs it, in a process of its own,
its records read from that process's standard output.

A lane is one program's records (``{"epoch", "loss", "params", "grads"}``, with
``"backward"`` where a backward() ran) and, where the program raised, its error at its line:
a program that raises ends its lane at the last epoch it finished. Lanes run a few at a
time; the order they are given in is the gallery's (``correct`` first).
"""

from __future__ import annotations

import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gdtui.core.own import gallery
from gdtui.core.own.findings import KINDS
from gdtui.core.own.launch import run_program

PARAMETER = "w"
"""The parameter every program of the gallery learns."""
FIELDS = ("lane", "epoch", "loss", "w", "grad_w", "backward_w", "error")
"""A lane's row as jsonl and csv write it: ``grad_w`` w.grad as the epoch left it (the
record's ``grads``), ``backward_w`` as the epoch's last backward() left it (None where none
ran), ``error`` the program's error at its line, on its lane's last row."""
MOST_AT_ONCE = 4
"""Lanes run at once, at most (each process imports torch: a second of a core)."""


def names() -> list[str]:
    """The lanes of the gallery: ``correct``, then each kind of mistake in the gallery's order."""
    return [gallery.CORRECT, *KINDS]


@dataclass
class Lane:
    """One program of the gallery as it ran."""

    name: str
    records: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    """``not-a-leaf.py:28: AttributeError: …``: where and why the program stopped."""
    code: str | None = None
    """The text of the line it stopped at."""
    failed: str | None = None
    """Why gdtui itself could not run it to the end (no fault of the program's)."""

    @property
    def epoch(self) -> int:
        """The last epoch the program finished (0 when none)."""
        return int(self.records[-1]["epoch"]) if self.records else 0

    def loss(self, epoch: int) -> Any:
        """The loss after ``epoch`` (from 1); None where the lane has no such epoch."""
        return self.records[epoch - 1]["loss"] if 0 < epoch <= len(self.records) else None

    def row(self, index: int) -> dict[str, Any]:
        """Its ``index``-th record (from 0) as :data:`FIELDS`; with ``"error"`` on its last
        (or alone, as ``{"lane", "error"}``, where it stopped before finishing an epoch)."""
        row: dict[str, Any] = {"lane": self.name}
        if self.records:
            record = self.records[index]
            row["epoch"] = record["epoch"]
            row["loss"] = record["loss"]
            row["w"] = record["params"].get(PARAMETER)
            row["grad_w"] = record["grads"].get(PARAMETER)
            row["backward_w"] = record.get("backward", {}).get(PARAMETER)
        last = index >= len(self.records) - 1
        if last and (self.error or self.failed):
            row["error"] = self.error or self.failed
        return row

    def rows(self) -> int:
        """How many rows it has: one per epoch, or the error's alone."""
        return len(self.records) or int(bool(self.error or self.failed))


def lockstep(lanes: list[Lane]) -> list[dict[str, Any]]:
    """Every row of every lane, epoch by epoch: epoch 1 of each lane, then epoch 2, …"""
    longest = max((lane.rows() for lane in lanes), default=0)
    return [lane.row(i) for i in range(longest) for lane in lanes if i < lane.rows()]


def run_lanes(
    epochs: int | None = None, seed: int = 0, timeout: float = 10.0, at_once: int | None = None
) -> list[Lane]:
    """Run every program of the gallery for ``epochs`` (None: the loop's own count), each in
    a process of its own, ``at_once`` at a time (default: one per core, up to
    :data:`MOST_AT_ONCE`); the lanes in :func:`names`' order."""
    if at_once is None:
        at_once = max(1, min(MOST_AT_ONCE, _cores()))
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        return list(pool.map(lambda name: run_lane(name, epochs, seed, timeout), names()))


def run_lane(name: str, epochs: int | None, seed: int = 0, timeout: float = 10.0) -> Lane:
    """The gallery's program ``name`` run as ``gdtui run --format jsonl`` runs it."""
    path = gallery.program_path(name)
    request: dict[str, Any] = {
        "command": "run",
        "path": str(path),
        "format": "jsonl",
        "seed": seed,
        "timeout": timeout,
    }
    if epochs is not None:
        request["epochs"] = epochs
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        outcome = run_program(request, out, err)
        out.seek(0)
        records = [json.loads(line) for line in out.read().decode("utf-8").splitlines() if line]
        err.seek(0)
        said = err.read().decode("utf-8", errors="replace").strip().splitlines()
    lane = Lane(name, records)
    _read_outcome(lane, path, outcome, said[-1] if said else "")
    return lane


def _read_outcome(lane: Lane, path: Path, outcome: dict[str, Any], said: str) -> None:
    """Where the program stopped (its error at its line), or why gdtui could not run it."""
    stopped = outcome.get("stopped")
    if stopped is not None:
        if stopped.get("exit") == 0:
            return
        line = str(stopped["place"]).rsplit(":", 1)[-1]
        lane.error = f"{path.name}:{line}: {stopped['message']}"
        lane.code = stopped.get("code")
    elif "stuck" in outcome:
        where = str(outcome["stuck"] or path.name).replace(str(path), path.name)
        lane.error = (
            f"{where}: stopped after {outcome['seconds']:g} s: a call that did not come back"
        )
    elif "bad" in outcome:
        lane.failed = str(outcome["bad"]).replace(str(path), path.name)
    elif "internal" in outcome:
        lane.failed = f"gdtui failed on this program, a bug to report: {outcome['internal']}"
    elif "ended" in outcome:
        lane.failed = f"its process ended with status {outcome['ended']}" + (
            f": {said}" if said else ""
        )
    elif "output_failed" in outcome or outcome.get("broken_pipe"):
        lane.failed = f"its records could not be written: {outcome.get('output_failed', 'pipe')}"


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
