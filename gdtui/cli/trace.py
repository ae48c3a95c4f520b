"""``gdtui trace``: the training loop's lines as they run, as a handout or as jsonl."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any, TextIO

from gdtui.cli.output import writing
from gdtui.core.engine.program import build_program
from gdtui.core.engine.trace import TracedLine, accumulated, same_value, trace
from gdtui.core.numbers import shown
from gdtui.core.settings.config import RunConfig

SKIPPED = "← skipped: zero_grad is off"


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


def handout(config: RunConfig) -> str:
    """The whole trace as readable text."""
    program = build_program(config)
    zero = "on" if config.zero_grad else "off"
    lines = [
        f"# gdtui trace: {config.variant}, lr = {config.lr!r}, data {config.dataset.name}, "
        f"{config.epochs} epochs, zero_grad {zero}",
        "# np, torch and nn are imported; after each line, the values it changed.",
        "",
    ]
    before: dict[str, Any] = {}
    epoch = 0
    for traced in trace(config):
        if traced.epoch != epoch:
            if epoch == 0:
                lines += ["", f"{program.header_number:>4}  {program.header}"]
            epoch = traced.epoch
            lines += ["", f"      # epoch {epoch}"]
        if traced.runs is not None:  # the batch loop's header: which batch it takes
            traced = dataclasses.replace(traced, code=f"{traced.code}   # batch {traced.batch}")
        indent = "    " * (bool(traced.epoch) + (traced.batch > 0 and traced.runs is None))
        lines += handout_line(traced, before, indent)
        before = traced.values
    return "\n".join(lines) + "\n"


def run_trace(config: RunConfig, fmt: str = "text", out: TextIO | None = None) -> int:
    """Trace ``config``'s run and print it as ``fmt`` (``text`` or ``jsonl``); status 0."""
    out = out or sys.stdout
    with writing():
        if fmt == "text":
            out.write(handout(config))
        else:
            for traced in trace(config):
                out.write(json.dumps(traced.as_json()) + "\n")
        out.flush()
    return 0
