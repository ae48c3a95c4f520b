"""``gdtui compare``: the final epoch of each run side by side, and how far they drifted."""

from __future__ import annotations

import sys
from typing import TextIO

from gdtui.core.compare import COMPARED, Comparison, compare
from gdtui.core.config import RunConfig
from gdtui.output import writing


def format_comparison(comparison: Comparison, config: RunConfig, across: str) -> str:
    """A plain-text table: one row per run at its last epoch, then the largest differences."""
    lines = [
        f"{across} in lockstep: lr = {config.lr:g}, {config.epochs} epochs, "
        f"data {config.dataset.name}, zero_grad {'on' if config.zero_grad else 'off'}",
        "",
        f"{'run':<16}{'epoch':>8}{'loss':>18}{'w':>18}{'grad_w':>18}  end",
    ]
    for name, history in comparison.histories.items():
        stop = comparison.stops[name]
        end = stop.value if stop is not None else "—"
        if not len(history):
            lines.append(f"{name:<16}{0:>8}{'':>18}{'':>18}{'':>18}  {end}")
            continue
        last = history.record(-1)
        lines.append(
            f"{name:<16}{last.epoch:>8}{last.loss:>18.10g}{last.w:>18.10g}{last.grad_w:>18.10g}"
            f"  {end}"
        )
    lines.append("")
    lines.append(f"largest difference between {across} over {comparison.epochs} common epochs:")
    for name in COMPARED:
        value, epoch = comparison.largest_difference(name)
        lines.append(f"  {name:<7} {value:.3g} (epoch {epoch})")
    return "\n".join(lines) + "\n"


def run_compare(config: RunConfig, across: str, out: TextIO | None = None) -> int:
    """Compare, print the table; exit status 0."""
    out = out or sys.stdout
    comparison = compare(config, across)
    with writing():
        out.write(format_comparison(comparison, config, across))
        out.flush()
    return 0
