"""``gdtui compare``: the final epoch of each run side by side, and how far they drifted;
``--across mistakes``: the gallery's correct loop beside each mistake
(:mod:`gdtui.core.own.lanes`)."""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import textwrap
from collections.abc import Iterator
from typing import TextIO

from gdtui import exits
from gdtui.cli.options import FORMATS, Parser, UsageError, add_settings, bounded, parse_config
from gdtui.cli.output import writing
from gdtui.core.compare.comparison import ACROSS, COMPARED, IGNORED, Comparison, compare, describe
from gdtui.core.engine.record import EpochRecord
from gdtui.core.numbers import exact, number
from gdtui.core.own.lanes import FIELDS as LANE_FIELDS
from gdtui.core.own.lanes import Lane, lockstep, run_lanes
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.fields import OPTION_KEYS, option_name
from gdtui.core.settings.parse import parse_int

COMPARED_FIELDS = ("epoch", "loss", "w", "grad_w", "lr")
"""A record's fields as jsonl and csv write them (every lane has no bias)."""
MISTAKES = "mistakes"
"""``--across mistakes``: the gallery's programs, each run as ``gdtui run`` runs it."""
WIDTH = 80
"""The text's width, at most (a row whose numbers are unusually long aside)."""


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
        choices=(*ACROSS, MISTAKES),
        default="variants",
        help="compare the four variants (no bias, same w0), torch-optim's optimizers, the run "
        "with zero_grad on and off, numpy-manual's gradient formulas (mean, tutorial), or the "
        "gallery's correct loop beside each mistake (gdtui mistakes; only --epochs applies)",
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
    if namespace.across == MISTAKES:
        return compare_mistakes(namespace)
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


def compare_mistakes(namespace: argparse.Namespace) -> int:
    """``gdtui compare --across mistakes [--epochs N] [--format F]``: every program of the
    gallery, each as ``gdtui run`` runs it; exit status 0 (a lane that raises is what this
    shows), 1 where gdtui could not run one of them."""
    for key in (*OPTION_KEYS, "config"):
        given = getattr(namespace, key)
        if given is not None and key != "epochs":
            name = (
                option_name(key).replace("--", "--no-", 1) if given is False else option_name(key)
            )
            raise UsageError(
                f"{name}: compare --across {MISTAKES} runs the gallery's programs as "
                "written (their own data, learning rate and loop); only --epochs applies"
            )
    epochs = None
    if namespace.epochs is not None:
        epochs = bounded("--epochs", namespace.epochs, 1, 10**9, parse_int, "a whole number")
    lanes = run_lanes(epochs)
    with writing():
        out = sys.stdout
        if namespace.format == "text":
            out.write(format_lanes(lanes, epochs))
        else:
            write_lane_rows(lanes, namespace.format, out)
        out.flush()
    failed = [lane for lane in lanes if lane.failed]
    for lane in failed:
        print(f"gdtui compare: {lane.name}: {lane.failed}", file=sys.stderr, flush=True)
    return exits.PROGRAM_FAILED if failed else exits.OK


def write_lane_rows(lanes: list[Lane], fmt: str, out: TextIO) -> None:
    """jsonl: one object per lane per epoch, in lockstep (only the fields it has); csv: the
    same rows under :data:`gdtui.core.own.lanes.FIELDS`, empty where a row has no value."""
    writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writerow(LANE_FIELDS)
    for row in lockstep(lanes):
        if writer is None:
            out.write(json.dumps(row) + "\n")
        else:
            writer.writerow([_cell(row.get(name)) for name in LANE_FIELDS])


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return value if isinstance(value, str) else json.dumps(value)


def format_lanes(lanes: list[Lane], epochs: int | None) -> str:
    """The table: one row per lane at its last epoch (an error under its row, at its line);
    then each lane's loss against correct's at the same epoch."""
    ran = max((lane.epoch for lane in lanes), default=0)
    count = f"{ran} epochs" + (" (the loops' own count)" if epochs is None or epochs > ran else "")
    lines = [
        f"{MISTAKES} in lockstep: the gallery's correct loop beside each mistake",
        f"{count}, each program seeded 0 in a process of its own",
        "",
        f"{'lane':<19}{'epoch':>6}{'loss':>14}{'w':>14}{'w.grad':>14}",
    ]
    marked = False
    for lane in lanes:
        lines.append(_lane_row(lane))
        marked = marked or lines[-1].endswith("backward()")
        if lane.error or lane.failed:
            text = lane.error or f"gdtui: {lane.failed}"
            lines += textwrap.wrap(
                text, WIDTH, initial_indent="    ", subsequent_indent="    ", max_lines=2,
                placeholder=" …",
            )  # fmt: skip
            if lane.code:
                code = f"        {lane.code}"
                lines.append(code if len(code) <= WIDTH else code[: WIDTH - 2] + " …")
    if marked:
        lines.append(
            "backward(): the w.grad backward() gave, which the loop then cleared or changed"
        )
    lines += ["", *_against_correct(lanes)]
    return "\n".join(lines) + "\n"


def _lane_row(lane: Lane) -> str:
    """``name  epoch  loss  w  w.grad`` at the lane's last epoch; its w.grad as backward()
    gave it (marked so) where the epoch then changed it."""
    if not lane.records:
        return f"{lane.name:<19}{0:>6}" + f" {'—':>13}" * 3
    row = lane.row(len(lane.records) - 1)
    grad, mark = row["grad_w"], ""
    if row["backward_w"] is not None and row["backward_w"] != grad:
        grad, mark = row["backward_w"], "  backward()"
    cells = "".join(f" {_value(row[name]):>13}" for name in ("loss", "w"))
    return f"{lane.name:<19}{row['epoch']:>6}{cells} {_value(grad):>13}{mark}"


def _value(value: object) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return exact(float(value))
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict) and "shape" in value:
        return f"<shape {tuple(value['shape'])}>"
    return number(None) if value is None else str(value)


def _against_correct(lanes: list[Lane]) -> list[str]:
    """A line per lane whose loss at its last epoch differs from correct's at that epoch,
    by how much; then the lanes whose loss is the same."""
    correct, others = lanes[0], lanes[1:]
    lines = ["each lane's loss at its last epoch against correct's at the same epoch:"]
    same = []
    for lane in others:
        epoch = lane.epoch
        mine, theirs = lane.loss(epoch), correct.loss(epoch)
        if not isinstance(mine, float | int) or not isinstance(theirs, float | int):
            continue
        if mine == theirs:
            same.append(lane.name)
            continue
        difference = mine - theirs
        by = f"{difference:+.4g}" if math.isfinite(difference) else f"the loss is {number(mine)}"
        if math.isfinite(difference) and theirs and mine / theirs > 0:
            by += f" (× {mine / theirs:.3g})"
        lines.append(f"  {lane.name:<20}{by} at epoch {epoch}")
    if same:
        lines.append(f"  the same as correct's: {', '.join(same)}")
    missing = [lane.name for lane in others if not lane.records]
    if missing:
        lines.append(f"  none (no epoch finished): {', '.join(missing)}")
    return lines
