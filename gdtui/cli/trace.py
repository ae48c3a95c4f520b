"""``gdtui trace``: the training loop's lines as they run, as a handout or as jsonl."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from gdtui import exits
from gdtui.cli.options import Parser, add_settings, parse_config
from gdtui.cli.output import writing
from gdtui.core.engine.program import build_program
from gdtui.core.engine.trace import TracedLine, accumulated, same_value, trace
from gdtui.core.numbers import shown
from gdtui.core.settings.config import RunConfig

SKIPPED = "← skipped: zero_grad is off"
TRACE_EPOCHS = "2"
"""``gdtui trace`` traces this many epochs unless --epochs says otherwise."""


def build_parser() -> argparse.ArgumentParser:
    """The ``gdtui trace`` parser: the settings (``--epochs`` defaults to 2) and a format."""
    parser = Parser(
        prog="gdtui trace",
        description="Print the training loop's code line by line as it runs, each line with "
        "the values right after it: the setup, then every line of every epoch. jsonl has one "
        "object per line of code; executing their code in order reproduces every value.",
    )
    add_settings(parser)
    parser.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        help="text: a handout (each line, then the values it changed); jsonl: epoch, line, "
        "code, skipped and values of every line",
    )
    return parser


def main(args: list[str]) -> int:
    """``gdtui trace [OPTIONS]``: print the loop's lines as they run; the exit status."""
    namespace = build_parser().parse_args(args)
    config = parse_config(
        namespace, defaults={"epochs": TRACE_EPOCHS}, refuses_changes="gdtui trace"
    )
    return run_trace(config, namespace.format)


def handout_line(traced: TracedLine, before: dict[str, Any], indent: str) -> list[str]:
    """The code line, numbered, then each value it assigned or changed."""
    code = f"{indent}{traced.code}"
    if traced.skipped:
        code = f"{code}   {SKIPPED}"
    lines = [f"{traced.line:>4}  {code}"]
    for key, value in traced.values.items():
        if key in before and same_value(before[key], value):
            continue
        note = ""
        if (old := accumulated(traced.role, key, before)) is not None:
            note = f"   (accumulated: it was {shown(old)})"
        lines.append(f"{'':>4}  {indent}    {key} = {shown(value)}{note}")
    return lines


def handout(config: RunConfig) -> Iterator[str]:
    """The whole trace as readable text, line by line as the run makes them (a billion
    epochs start printing at once, in memory that does not grow)."""
    program = build_program(config)
    zero = "on" if config.zero_grad else "off"
    yield (
        f"# gdtui trace: {config.variant}, lr = {config.lr!r}, data {config.dataset.name}, "
        f"{config.epochs} epochs, zero_grad {zero}"
    )
    yield "# np, torch and nn are imported; after each line, the values it changed."
    yield ""
    before: dict[str, Any] = {}
    epoch = 0
    for traced in trace(config):
        if traced.epoch != epoch:
            if epoch == 0:
                yield from ("", f"{program.header_number:>4}  {program.header}")
            epoch = traced.epoch
            yield from ("", f"      # epoch {epoch}")
        if traced.runs is not None:  # the batch loop's header: which batch it takes
            traced = dataclasses.replace(traced, code=f"{traced.code}   # batch {traced.batch}")
        indent = "    " * (bool(traced.epoch) + (traced.batch > 0 and traced.runs is None))
        yield from handout_line(traced, before, indent)
        before = traced.values


def run_trace(config: RunConfig, fmt: str = "text", out: TextIO | None = None) -> int:
    """Trace ``config``'s run and print it as ``fmt`` (``text`` or ``jsonl``); status 0.
    Each line goes out as it is made, so that ``| head`` shows the first at once and ends
    the trace when it has read enough."""
    out = out or sys.stdout
    lines = handout(config) if fmt == "text" else _jsonl(config)
    with writing():
        for line in lines:
            out.write(line + "\n")
            out.flush()
    return exits.OK


def _jsonl(config: RunConfig) -> Iterator[str]:
    for traced in trace(config):
        yield json.dumps(traced.as_json())
