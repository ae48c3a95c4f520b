"""Compare mode's speed: the four variants' lanes, in one process and in one process per core,
against the same lanes run alone headless.

    python benchmarks/compare.py [--epochs 100000] [--smoke]

The reference is the sum of the lanes' solo times (each lane as ``gdtui run`` would run it, one
after another, in this process): a comparison in one process should take no longer than
that (epochs/s ≥ 0.9× the solo rate), and with its lanes in worker processes about that
divided by the cores. The worker figure includes starting the workers (each imports torch).
"""

from __future__ import annotations

import argparse
import io
import time

from gdtui.cli.run import run_headless
from gdtui.core.compare.comparison import compare, cores, lanes
from gdtui.core.settings.config import RunConfig


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=100_000)
    parser.add_argument("--smoke", action="store_true", help="1,000 epochs")
    args = parser.parse_args()
    epochs = 1_000 if args.smoke else args.epochs
    config = RunConfig(epochs=epochs)
    configs = lanes(config)
    compare(config.replace(epochs=100), workers=1)  # warm up: torch, first steps

    solo = 0.0
    print(f"{len(configs)} lanes × {epochs:,} epochs, {cores()} cores")
    for name, lane in configs.items():
        start = time.perf_counter()
        run_headless(lane, "text", 1000, out=io.StringIO())
        seconds = time.perf_counter() - start
        solo += seconds
        print(f"  {name:<16} alone {seconds:6.1f} s")
    total = epochs * len(configs)
    print(f"{'lanes alone, one after another':<34}{solo:7.1f} s{total / solo:>10,.0f} ep/s")
    for workers, label in ((1, "compare, one process"), (min(len(configs), cores()), None)):
        if label is None:
            if workers == 1:
                break  # one core: no workers to measure
            label = f"compare, {workers} worker processes"
        start = time.perf_counter()
        compare(config, workers=workers)
        seconds = time.perf_counter() - start
        print(
            f"{label:<34}{seconds:7.1f} s{total / seconds:>10,.0f} ep/s"
            f"{solo / seconds:>7.2f}× the lanes alone"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
