"""Memory of a mini-batch epoch: `gdtui run` in batches of one, one epoch, at growing n.

    python benchmarks/memory.py [--points 100 15000 100000] [--smoke]

A batch of one makes an update per point, and each update's record carries the whole data's
gradient at its parameters: n gradients over n points. Taken in one array (as before this
benchmark), that was n² numbers a few times over — 1.8 GB per array at 15,000 points, 75 GiB
at 100,000, which failed. Taken in chunks of at most ``model.CHUNK`` numbers, memory is
linear in the points.

The bound (the one ``tests/core/test_memory.py`` checks at 10,000 points): a run's peak
resident memory beyond a 100-point run's is at most 2 KiB a point plus 32 MiB. Also the
landscape's 60 × 60 grid of losses over the whole data, measured in this process
(tracemalloc: what numpy and Python allocated at the peak).

Each run is started from a process of its own, so that its peak is its own (Linux counts the
peak of the process a program was started from).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MEASURE = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""
MiB = 1 << 20


def epoch_in_batches_of_one(points: int) -> tuple[int, float]:
    """(peak resident bytes, seconds) of one epoch of ``points`` points in batches of one."""
    run = ["-m", "gdtui", "run", "--dataset", f"noisy:n={points}", "--batch-size", "1"]
    run += ["--epochs", "1", "--lr", "1e-12"]
    start = time.perf_counter()
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, *run],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    status, kib = measured.stdout.split()
    if status != "0":
        raise SystemExit(f"n={points}: exit status {status}\n{measured.stderr}")
    return int(kib) * 1024, seconds


def landscape_peak(points: int) -> tuple[int, float]:
    """(bytes allocated at the peak, seconds) of the 60 × 60 landscape over ``points``."""
    from gdtui.core.engine.model import losses
    from gdtui.core.settings.data import parse_noisy

    data = parse_noisy(f"noisy:n={points}")
    grid_w, grid_b = np.meshgrid(np.linspace(-3, 3, 60), np.linspace(-2, 2, 60))
    tracemalloc.start()
    start = time.perf_counter()
    losses(data, grid_w, grid_b)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[100, 15_000, 100_000])
    parser.add_argument("--smoke", action="store_true", help="a few seconds: 100 and 2,000")
    args = parser.parse_args()
    sizes = [100, 2_000] if args.smoke else sorted({100, *args.points})
    base = 0
    print(f"{'points':>8} {'peak MB':>8} {'beyond 100':>10} {'bound MB':>9} {'one array':>10} "
          f"{'seconds':>8}")  # fmt: skip
    for points in sizes:
        peak, seconds = epoch_in_batches_of_one(points)
        base = base or peak
        bound = 2048 * points + 32 * MiB
        beyond = peak - base
        one_array = points * points * 8
        verdict = "" if beyond < bound else "  OVER"
        print(
            f"{points:>8,} {peak / 1e6:>8.0f} {beyond / 1e6:>10.1f} {bound / 1e6:>9.1f} "
            f"{one_array / 1e9:>8.2f}GB {seconds:>8.1f}{verdict}"
        )
    points = sizes[-1]
    peak, seconds = landscape_peak(points)
    print(
        f"landscape 60×60 at {points:,} points: {peak / 1e6:.1f} MB at the peak "
        f"(one array: {3600 * points * 8 / 1e6:,.0f} MB), {seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
