"""A block's reads on a GPU: each epoch's values read as they come (a sync an epoch) against
read in one transfer at the block's end (deferred, the default on ``cuda``).

    python benchmarks/gpu.py [--epochs 20000] [--block 4096] [--device cuda]

For each torch variant, and torch-autograd in shuffled mini-batches of 2, it runs the same
epochs both ways in blocks of ``--block``, checks that the records are the same to the bit, and
prints epochs/s both ways (the better of 3 runs each, in turn). ``--device cpu`` runs it
without a GPU: the numbers agree there too, and the rates show what deferring costs the CPU.
"""

from __future__ import annotations

import argparse
import sys
import time

from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig

CASES = {
    "torch-autograd": RunConfig(variant="torch-autograd"),
    "torch-optim": RunConfig(variant="torch-optim"),
    "torch-module": RunConfig(variant="torch-module"),
    "torch-autograd, batches of 2": RunConfig(variant="torch-autograd", batch_size=2, shuffle=True),
}


def timed(config: RunConfig, deferred: bool, epochs: int, block: int) -> tuple[float, list]:
    """(epochs/s, records) of ``epochs`` epochs run in blocks of ``block``."""
    trainer = Trainer(config)
    trainer.deferred = deferred
    trainer.run(1, 0.0)  # compiled, and the device warmed
    records = []
    start = time.perf_counter()
    while len(records) < epochs - 1:
        ran, _ = trainer.run(min(block, epochs - 1 - len(records)), 0.0)
        records += ran
    return (epochs - 1) / (time.perf_counter() - start), records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=20_000)
    parser.add_argument("--block", type=int, default=4096)
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("no GPU here (torch.cuda.is_available() is False)")
        return 1
    name = torch.cuda.get_device_name() if args.device == "cuda" else "CPU"
    print(f"{args.epochs:,} epochs in blocks of {args.block:,} on {name}, best of 3")
    print(f"{'variant':<30}{'read each epoch':>17}{'deferred':>12}{'ratio':>8}  same bits")
    differ = 0
    for label, config in CASES.items():
        config = config.replace(device=args.device, epochs=args.epochs)
        rates: dict[bool, list[float]] = {False: [], True: []}
        results = {}
        for _ in range(3):
            for deferred in (False, True):
                rate, results[deferred] = timed(config, deferred, args.epochs, args.block)
                rates[deferred].append(rate)
        each, deferred = max(rates[False]), max(rates[True])
        same = results[False] == results[True]
        differ += not same
        print(f"{label:<30}{each:>17,.0f}{deferred:>12,.0f}{deferred / each:>8.2f}  {same}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
