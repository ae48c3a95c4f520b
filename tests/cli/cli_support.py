"""Helpers shared by the command-line tests: run the real CLI in a subprocess, and an
independent float32 reference of plain gradient descent to compare its numbers with.

Every subprocess costs ~0.15 s for ``numpy-manual`` (no torch import) and ~2.5 s for a torch
variant, so the tests prefer ``numpy-manual`` wherever the variant does not matter.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@dataclass(frozen=True, repr=False)
class Result:
    """What one CLI invocation did."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def err_lines(self) -> list[str]:
        return self.stderr.splitlines()

    def jsonl(self) -> list[dict[str, float]]:
        return [json.loads(line) for line in self.lines]

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return (
            f"gdtui {' '.join(self.args)} -> {self.returncode}\n"
            f"--- stdout ---\n{self.stdout[-2000:]}\n--- stderr ---\n{self.stderr[-2000:]}"
        )


def cli_env(changes: dict[str, str | None] | None = None) -> dict[str, str]:
    """The inherited environment with ``changes`` (None removes a variable); numpy's OpenBLAS
    need not start a thread pool per process (~0.1 s of each of these short runs; the CLI
    does no large linear algebra)."""
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    # As a user's shell runs it: no developer's PYTHONUNBUFFERED (which hid a failed flush
    # at exit, status 120 for 129) nor PYTHONDONTWRITEBYTECODE.
    env.pop("PYTHONUNBUFFERED", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # pytest-xdist's workers export COLUMNS=80 and LINES=24, which Textual (through
    # shutil.get_terminal_size) would take over the real size of a test's terminal.
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    for name, value in (changes or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_gdtui(*args: str, python_flags: Sequence[str] = (), timeout: float = 120) -> Result:
    """``python -m gdtui ARGS`` with the repository root as cwd (the package imports from it)."""
    completed = subprocess.run(
        [sys.executable, *python_flags, "-m", "gdtui", *args],
        cwd=ROOT,
        env=cli_env(),
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


def reference_gd(
    lr: float = 0.01,
    epochs: int = 100,
    x: Sequence[float] = (1, 2, 3, 4),
    y: Sequence[float] = (2, 4, 6, 8),
    w0: float = 0.0,
    b0: float | None = None,
    zero_grad: bool = True,
    tutorial: bool = False,
    float64_w: bool = False,
    eps: float = 0.0,
) -> list[dict[str, float]]:
    """Plain full-batch gradient descent on mean squared error, in float32, written from the
    formulas (not from gdtui's code): one dict per epoch with the loss before the update, the
    parameters after it and the gradient it used. Stops after the first non-finite record
    (which is included) or the first loss below ``eps``.

    ``tutorial``: the seeds' ``np.dot(2x, ŷ−y).mean()`` (N times the mean gradient).
    ``float64_w``: the seeds' numpy-1.x arithmetic, where ``w`` is a Python float, so
    ``w -= lr * dw`` runs in float64 and only the forward pass is float32 (seed 003)."""
    xs = np.asarray(x, dtype=np.float32)
    ys = np.asarray(y, dtype=np.float32)
    w: float | np.float32 = float(w0) if float64_w else np.float32(w0)
    b = None if b0 is None else np.float32(b0)
    rate = np.float32(lr)
    acc_w = np.float32(0.0)
    records: list[dict[str, float]] = []
    with np.errstate(all="ignore"):
        for epoch in range(1, epochs + 1):
            w32 = np.float32(w)
            error = w32 * xs - ys if b is None else w32 * xs + b - ys
            loss = np.mean(error * error)
            grad_w = np.dot(2 * xs, error).mean() if tutorial else np.mean(2 * xs * error)
            if not zero_grad:
                acc_w = acc_w + grad_w
                grad_w = acc_w
            w = float(w) - lr * float(grad_w) if float64_w else w - rate * grad_w
            # The full batch: each record is an epoch, its step the epoch, its batch 1.
            record = {"epoch": epoch, "step": epoch, "batch": 1, "loss": float(loss), "w": float(w)}
            if b is not None:
                grad_b = np.mean(2 * error)
                b = b - rate * grad_b
                record["b"] = float(b)
            record["grad_w"] = float(grad_w)
            if b is not None:
                record["grad_b"] = float(grad_b)
            record["lr"], record["zero_grad"] = lr, zero_grad  # the live settings it used
            records.append(record)
            values = [v for k, v in record.items() if k not in ("epoch", "step", "batch", "lr")]
            if not all(np.isfinite(values)):
                break
            if loss < eps:
                break
    return records


def is_finite_record(record: dict[str, float]) -> bool:
    skipped = ("epoch", "step", "batch", "lr", "zero_grad")
    return all(np.isfinite([v for k, v in record.items() if k not in skipped]))


def assert_records_close(
    got: list[dict[str, float]], want: list[dict[str, float]], rel: float, abs: float = 1e-12
) -> None:
    """Same epochs and fields; the numbers equal to within ``rel`` (torch sums in its own order)."""
    import pytest

    assert len(got) == len(want), (len(got), len(want))
    for g, w in zip(got, want, strict=True):
        assert list(g) == list(w), (g, w)
        assert g["epoch"] == w["epoch"], (g, w)
        assert g == pytest.approx(w, rel=rel, abs=abs), (g, w)


def read_until(fd: int, marker: bytes, timeout: float, seen: bytes = b"") -> bytes:
    """Read a pseudo-terminal's output, after ``seen``, until ``marker`` shows or time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and marker not in seen:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                seen += os.read(fd, 1 << 16)
            except OSError:
                break
    return seen
