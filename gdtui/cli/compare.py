"""``gdtui compare``: the final epoch of each run side by side, and how far they drifted."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from typing import TextIO

from gdtui import exits
from gdtui.cli.options import FORMATS, Parser, UsageError, add_settings, parse_config
from gdtui.cli.output import writing
from gdtui.core.compare.comparison import ACROSS, COMPARED, IGNORED, Comparison, compare, describe
from gdtui.core.engine.record import EpochRecord
from gdtui.core.numbers import exact
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.fields import option_name

COMPARED_FIELDS = ("epoch", "loss", "w", "grad_w", "lr")
"""A record's fields as jsonl and csv write them (every lane has no bias)."""


def build_parser() -> argparse.ArgumentParser:
    """The ``gdtui compare`` parser: the settings, and what to compare across."""
    parser = Parser(
        prog="gdtui compare",
        description="Run the four variants (or the optimizers, zero_grad on and off, the "
        "gradient formulas) in lockstep on the same data and settings; print each one's final "
        "epoch and the largest difference between them.",
    )
    add_settings(parser)
    parser.add_argument(
        "--across",
        choices=ACROSS,
        default="variants",
        help="compare the four variants (no bias, same w0), torch-optim's optimizers, the run "
        "with zero_grad on and off, or numpy-manual's gradient formulas (mean, tutorial)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text: each run's last epoch and the largest differences; jsonl, csv: every "
        "epoch of every run, in lockstep (epoch by epoch), full precision",
    )
    return parser


def main(args: list[str]) -> int:
    """``gdtui compare [OPTIONS]``: compare and print; returns the exit status."""
    namespace = build_parser().parse_args(args)
    for key, why in IGNORED[namespace.across].items():
        given = getattr(namespace, key)
        if given is not None and not (key == "bias" and given is False):  # --no-bias agrees
            raise UsageError(
                f"{option_name(key)}: compare --across {namespace.across} sets it itself "
                f"({why}); leave it out"
            )
    return run_compare(
        parse_config(namespace, refuses_changes="gdtui compare"), namespace.across, namespace.format
    )


def format_comparison(comparison: Comparison, config: RunConfig, across: str) -> str:
    """A plain-text table: one row per run at its last epoch, then the largest differences."""
    lines = [
        f"{across} in lockstep: {describe(config, across)}",
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
        loss, w, grad = (exact(v) for v in (last.epoch_loss, last.w, last.grad_w))
        lines.append(f"{name:<16}{last.epoch:>8}{loss:>18}{w:>18}{grad:>18}  {end}")
    lines.append("")
    lines.append(f"largest difference between {across} over {comparison.epochs} common epochs:")
    for name in COMPARED:
        value, epoch = comparison.largest_difference(name)
        lines.append(f"  {name:<7} {value:.3g} (epoch {epoch})")
    return "\n".join(lines) + "\n"


def comparison_rows(comparison: Comparison) -> Iterator[tuple[str, EpochRecord]]:
    """Every epoch of every run, in lockstep: epoch 1 of each run, then epoch 2, …"""
    histories = comparison.histories
    longest = max((len(h) for h in histories.values()), default=0)
    for index in range(longest):
        for name, history in histories.items():
            if index < len(history):
                yield name, history.record(index)


def run_compare(
    config: RunConfig, across: str, fmt: str = "text", out: TextIO | None = None
) -> int:
    """Compare, and print as ``fmt``: ``text`` the table, ``jsonl`` or ``csv`` the records
    with a ``run`` field; exit status 0."""
    out = out or sys.stdout
    comparison = compare(config, across)
    with writing():
        if fmt == "text":
            out.write(format_comparison(comparison, config, across))
        else:
            fields = ("run", *COMPARED_FIELDS)
            writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
            if writer is not None:
                writer.writerow(fields)
            for name, record in comparison_rows(comparison):
                values = (name, *(getattr(record, f) for f in COMPARED_FIELDS))
                if writer is not None:
                    writer.writerow([values[0], *map(repr, values[1:])])
                else:
                    out.write(json.dumps(dict(zip(fields, values, strict=True))) + "\n")
        out.flush()
    return exits.OK
