"""Headless speed: `gdtui run` against the plain tutorial loop of each variant.

    python benchmarks/headless.py [--epochs 20000] [--repeats 9] [--processes] [--only TEXT]
                                  [--smoke]

The plain loops are the seeds' loops, reading loss, w and grad as Python floats each epoch
(each update, in the mini-batch rows, which read the whole data's loss after each epoch).
With a CUDA GPU the torch variants are measured again with ``--device cuda``; without one the
script says so.
`gdtui run` logs every 1,000 epochs (to /dev/null). Each is timed as an N-epoch run minus a
1-epoch run, so that what a run does once (setting up; with ``--processes``, starting
Python and importing) is left out: epochs/s is (N - 1) over the difference. By default both
run in this process; with ``--processes`` each run is a whole process (``python -m gdtui
run …`` against ``python -c`` with the plain loop's source). Each pair runs back to back,
each first in turn, and the table shows medians of the repeats: epochs/s and of gdtui's ratio
to the plain loop pair by pair.
"""

from __future__ import annotations

import argparse
import inspect
import io
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from gdtui.cli.run import run_headless
from gdtui.core.settings.config import RunConfig

X = [1.0, 2.0, 3.0, 4.0]
Y = [2.0, 4.0, 6.0, 8.0]
LR = 0.01


def plain_numpy(epochs: int, device: str = "cpu") -> None:
    x, y = np.array(X, dtype=np.float32), np.array(Y, dtype=np.float32)
    w = np.float32(0.0)
    for _ in range(epochs):
        y_pred = w * x
        loss = ((y_pred - y) ** 2).mean()
        dw = (2 * x * (y_pred - y)).mean()
        w -= LR * dw
        float(loss), float(w), float(dw)


def plain_autograd(epochs: int, device: str = "cpu") -> None:
    import torch

    x, y = torch.tensor(X, device=device), torch.tensor(Y, device=device)
    w = torch.tensor(0.0, requires_grad=True, device=device)
    for _ in range(epochs):
        loss = ((w * x - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= LR * w.grad
        loss.item(), w.item(), w.grad.item()
        w.grad.zero_()


def plain_optim(epochs: int, device: str = "cpu") -> None:
    import torch

    x, y = torch.tensor(X, device=device), torch.tensor(Y, device=device)
    w = torch.tensor(0.0, requires_grad=True, device=device)
    mse, optimizer = torch.nn.MSELoss(), torch.optim.SGD([w], lr=LR)
    for _ in range(epochs):
        loss = mse(w * x, y)
        loss.backward()
        optimizer.step()
        loss.item(), w.item(), w.grad.item()
        optimizer.zero_grad()


def plain_module(epochs: int, device: str = "cpu") -> None:
    import torch

    x = torch.tensor(X, device=device).reshape(-1, 1)
    y = torch.tensor(Y, device=device).reshape(-1, 1)
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1).to(device)
    mse, optimizer = torch.nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=LR)
    for _ in range(epochs):
        loss = mse(model(x), y)
        loss.backward()
        optimizer.step()
        weight, bias = model.weight, model.bias
        loss.item(), weight.item(), weight.grad.item(), bias.item(), bias.grad.item()
        optimizer.zero_grad()


def plain_numpy_batches(epochs: int, device: str = "cpu") -> None:
    """Shuffled mini-batches of 2, and the whole data's loss after each epoch."""
    x, y = np.array(X, dtype=np.float32), np.array(Y, dtype=np.float32)
    w = np.float32(0.0)
    rng = np.random.default_rng(0)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for i in range(0, len(x), BATCH):
            xb, yb = x[order[i : i + BATCH]], y[order[i : i + BATCH]]
            y_pred = w * xb
            loss = ((y_pred - yb) ** 2).mean()
            dw = (2 * xb * (y_pred - yb)).mean()
            w -= LR * dw
            float(loss), float(w), float(dw)
        float(((w * x - y) ** 2).mean())


def plain_autograd_batches(epochs: int, device: str = "cpu") -> None:
    """Shuffled mini-batches of 2, and the whole data's loss after each epoch."""
    import torch

    x, y = torch.tensor(X, device=device), torch.tensor(Y, device=device)
    w = torch.tensor(0.0, requires_grad=True, device=device)
    rng = np.random.default_rng(0)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for i in range(0, len(x), BATCH):
            xb, yb = x[order[i : i + BATCH]], y[order[i : i + BATCH]]
            loss = ((w * xb - yb) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                w -= LR * w.grad
            loss.item(), w.item(), w.grad.item()
            w.grad.zero_()
        with torch.no_grad():
            ((w * x - y) ** 2).mean().item()


PLAIN: dict[str, Callable[[int, str], None]] = {
    "numpy-manual": plain_numpy,
    "torch-autograd": plain_autograd,
    "torch-optim": plain_optim,
    "torch-module": plain_module,
    "numpy-manual, batches": plain_numpy_batches,
    "torch-autograd, batches": plain_autograd_batches,
}
BATCH = 2
"""The mini-batch rows: batches of 2, shuffled (2 updates an epoch)."""


def gdtui_run(name: str, epochs: int, device: str = "cpu") -> None:
    variant, _, batches = name.partition(", ")
    config = RunConfig(variant=variant, epochs=epochs, device=device)
    if batches:
        config = config.replace(batch_size=BATCH, shuffle=True)
    run_headless(config, "text", 1000, out=io.StringIO())


ROOT = Path(__file__).resolve().parents[1]


def plain_process(name: str, epochs: int, device: str = "cpu") -> None:
    """The plain loop in a process of its own: its source, as written here."""
    source = "\n".join(
        [
            "import numpy as np",
            f"X, Y, LR, BATCH = {X!r}, {Y!r}, {LR!r}, {BATCH!r}",
            inspect.getsource(PLAIN[name]),
            f"{PLAIN[name].__name__}({epochs}, {device!r})",
        ]
    )
    _process([sys.executable, "-c", source])


def gdtui_process(name: str, epochs: int, device: str = "cpu") -> None:
    """``gdtui run`` in a process of its own, its output to /dev/null."""
    variant, _, batches = name.partition(", ")
    command = [sys.executable, "-m", "gdtui", "run", "--variant", variant]
    command += ["--epochs", str(epochs), "--device", device, "--log-every", "1000"]
    if batches:
        command += ["--batch-size", str(BATCH), "--shuffle"]
    _process(command)


def _process(command: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED",)}
    env["PYTHONPATH"] = str(ROOT)
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)


def rate(work: Callable[[int, str], None], epochs: int, device: str) -> float:
    """Epochs/s of ``work``: (N - 1) epochs over an N-epoch run's time less a 1-epoch run's."""
    start = time.perf_counter()
    work(epochs, device)
    middle = time.perf_counter()
    work(1, device)
    return (epochs - 1) / ((middle - start) - (time.perf_counter() - middle))


def compare(variants: list[str], epochs: int, repeats: int, device: str, processes: bool) -> None:
    """Print a row per variant: the plain loop's and gdtui's epochs/s, medians of
    ``repeats`` alternating runs, and the median of the pairs' ratios (a pair runs back to
    back, so the machine's drift touches both alike)."""
    print(f"{'variant':<26}{'plain ep/s':>12}{'gdtui ep/s':>12}{'ratio':>8}")
    for variant in variants:
        if processes:
            plain = partial(plain_process, variant)
            ours = partial(gdtui_process, variant)
        else:
            plain, ours = PLAIN[variant], partial(gdtui_run, variant)
            plain(100, device)
            ours(100, device)  # warm up: imports, first-step costs
        plain_rates, gdtui_rates, ratios = [], [], []
        for turn in range(repeats):
            # Each goes first in turn: whichever runs second may find the caches warmer.
            first, second = (plain, ours)[:: 1 if turn % 2 else -1]
            a, b = rate(first, epochs, device), rate(second, epochs, device)
            p, g = (a, b) if turn % 2 else (b, a)
            plain_rates.append(p)
            gdtui_rates.append(g)
            ratios.append(g / p)
        p, g = statistics.median(plain_rates), statistics.median(gdtui_rates)
        print(f"{variant:<26}{p:>12,.0f}{g:>12,.0f}{statistics.median(ratios):>8.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument(
        "--processes", action="store_true", help="each run a whole process (N minus 1 epochs)"
    )
    parser.add_argument(
        "--only", metavar="TEXT", help="the rows whose name holds TEXT (numpy, batches, …)"
    )
    parser.add_argument("--smoke", action="store_true", help="a few hundred epochs, once")
    args = parser.parse_args()
    epochs, repeats = (300, 1) if args.smoke else (args.epochs, args.repeats)
    rows = [name for name in PLAIN if args.only is None or args.only in name]
    where = "whole processes" if args.processes else "in this process"
    print(f"CPU, {where}: {epochs:,} epochs minus 1, {repeats} pairs")
    compare(rows, epochs, repeats, "cpu", args.processes)
    import torch

    if not torch.cuda.is_available():
        print("\nCUDA: no GPU here (torch.cuda.is_available() is False), so no CUDA figures.")
        return 0
    # On a GPU the plain loop syncs three times an epoch (loss, w and grad each .item());
    # gdtui reads them back in one transfer.
    print(f"\nCUDA: {torch.cuda.get_device_name()}")
    torch_variants = [v for v in rows if not v.startswith("numpy")]
    compare(torch_variants, epochs, repeats, "cuda", args.processes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
