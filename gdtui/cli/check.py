"""``gdtui check FILE…``: run each learner's program a few epochs and name its mistakes at
their lines; exit status 0 when there is none, 5 when there is one, 2 when a file cannot be
used. A course can run it over every student's submission."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gdtui import exits
from gdtui.cli.options import Parser, UsageError
from gdtui.cli.output import writing
from gdtui.cli.own import add_program_options, program_request, report
from gdtui.core.own.checks import CHECK_EPOCHS, CHECK_SECONDS
from gdtui.core.own.findings import KINDS
from gdtui.core.own.launch import run_program


def build_parser() -> argparse.ArgumentParser:
    """``gdtui check``'s parser."""
    kinds = "; ".join(f"{kind}: {meaning}" for kind, meaning in KINDS.items())
    parser = Parser(
        prog="gdtui check",
        description="Run each program a few epochs and name its mistakes at their lines, "
        f"with the numbers that show them and the fix. The kinds: {kinds}. Exit status 0: "
        "none found; 5: at least one; 2: a file cannot be used.",
    )
    add_program_options(
        parser,
        f"check N epochs (default {CHECK_EPOCHS}, at most {CHECK_SECONDS:g} s of them)",
        many=True,
    )
    parser.add_argument("--format", choices=("text", "jsonl"), default="text")
    return parser


def main(args: list[str]) -> int:
    """``gdtui check FILE… [OPTIONS]``; the exit status."""
    namespace = build_parser().parse_args(args)
    files = [str(path) for given in namespace.files for path in _programs(given)]
    statuses: list[int] = []
    found = 0
    with writing():
        for path in files:
            namespace.file = path
            request = program_request("check", namespace)
            request.setdefault("epochs", CHECK_EPOCHS)
            outcome = run_program(request)
            status, count = _print(path, outcome, namespace.format)
            statuses.append(status)
            found += count
        sys.stdout.flush()
    if namespace.format == "text" and len(files) > 1:
        clean, unusable = statuses.count(exits.OK), statuses.count(exits.BAD_INPUT)
        with_findings = len(files) - clean - unusable
        print(
            f"gdtui check: {found} finding{'s' * (found != 1)} in {len(files)} files: "
            f"{with_findings} with findings, {clean} clean"
            + (f", {unusable} that could not be used" if unusable else ""),
            file=sys.stderr,
        )
    for status in (exits.BAD_INPUT, exits.FINDINGS):
        if status in statuses:
            return status
    return exits.OK


def _programs(given: str) -> list[Path]:
    """A file as given; a folder as its Python files and notebooks, by name."""
    path = Path(given)
    if not path.is_dir():
        return [path]
    found = sorted(p for p in path.iterdir() if p.suffix in (".py", ".ipynb") and p.is_file())
    if not found:
        raise UsageError(f"{given}: a folder with no .py or .ipynb file in it")
    return found


def _print(path: str, outcome: dict[str, Any], fmt: str) -> tuple[int, int]:
    """Print one program's findings; (its status, how many)."""
    if "findings" not in outcome:
        status = report("gdtui check", outcome)
        if status == exits.PROGRAM_FAILED:  # it ended in a way that is itself a finding
            return exits.FINDINGS, 1
        return status, 0
    findings = outcome["findings"]
    for index, finding in enumerate(findings):
        if fmt == "jsonl":
            print(json.dumps(finding))
        else:
            print(outcome["text"][index])
    for note in outcome.get("notes", []):
        print(f"{path}: note: {note}", file=sys.stderr)
    stopped = outcome.get("stopped")
    if stopped is not None and stopped.get("exit") is not None and not findings:
        print(f"{stopped['place']}: {stopped['message']}", file=sys.stderr)
    return (exits.FINDINGS if findings else exits.OK), len(findings)
