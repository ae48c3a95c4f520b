"""Your own loop's speed: ``gdtui run FILE`` against ``python FILE``, whole processes.

    python benchmarks/own_loop.py [--epochs 40000] [--pairs 5] [--smoke]

FILE is the gallery's correct loop (the seeds' autograd loop, y = 2x on 1..4) with its epoch
count set to ``--epochs`` and printing every 10,000 epochs. Each pair runs ``python FILE``,
``gdtui run FILE`` (text: a record every 10 epochs) and ``gdtui run FILE --format jsonl``
(a record every epoch) back to back, in turn first; the table shows the medians of the
pairs: seconds, and gdtui's speed as a fraction of ``python FILE``'s (its time over
gdtui's), the target being at least 0.8.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORRECT = ROOT / "gdtui" / "core" / "own" / "gallery" / "correct.py"


def program(epochs: int) -> str:
    """The gallery's correct loop, ``epochs`` epochs long, printing every 10,000."""
    text = CORRECT.read_text(encoding="utf-8")
    text = text.replace("n_iters = 20\n", f"n_iters = {epochs}\n")
    return text.replace("if epoch % 5 == 0:", "if epoch % 10000 == 0:")


def timed(command: list[str], folder: str) -> float:
    """Seconds ``command`` took, its output thrown away (a failure stops the benchmark)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED",)}
    env["PYTHONPATH"] = str(ROOT)
    began = time.perf_counter()
    subprocess.run(
        command, cwd=folder, env=env, check=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40_000)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="one short pair (CI)")
    options = parser.parse_args()
    epochs, pairs = (200, 1) if options.smoke else (options.epochs, options.pairs)
    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "loop.py").write_text(program(epochs), encoding="utf-8")
        commands = {
            "python FILE": [python, "loop.py"],
            "gdtui run FILE": [python, "-m", "gdtui", "run", "loop.py"],
            "gdtui run FILE --format jsonl": [
                python, "-m", "gdtui", "run", "loop.py", "--format", "jsonl",
            ],
        }  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in commands}
        names = list(commands)
        for turn in range(pairs):
            for name in names[turn % len(names) :] + names[: turn % len(names)]:
                times[name].append(timed(commands[name], folder))
    plain = times["python FILE"]
    print(f"{epochs} epochs, median of {pairs} runs each, interleaved")
    print(f"{'command':<32}{'seconds':>9}{'speed / python FILE':>22}")
    for name, seconds in times.items():
        ratio = statistics.median(p / s for p, s in zip(plain, seconds, strict=True))
        print(f"{name:<32}{statistics.median(seconds):>9.2f}{ratio:>22.2f}")


if __name__ == "__main__":
    main()
