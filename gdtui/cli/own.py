"""``gdtui run FILE`` and ``gdtui trace FILE``: a learner's own training loop (a Python file
or a Jupyter notebook), run in a process of its own.

``gdtui run FILE`` prints one record per epoch (``{"epoch", "loss", "params", "grads"}``);
``gdtui trace FILE`` every statement of the setup and of each epoch with the values it
changed. The rules (what the loop, the parameters and the loss are) are in
:mod:`gdtui.core.own`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gdtui import exits
from gdtui.cli.options import FORMATS, Parser, UsageError, bounded
from gdtui.core.own.launch import run_program
from gdtui.core.settings.parse import parse_float, parse_int


def add_program_options(
    parser: argparse.ArgumentParser, epochs_help: str, many: bool = False
) -> None:
    """What every command on a program takes: the file, the cell, the seed, the epochs,
    the loss's name and the timeout."""
    if many:
        parser.add_argument(
            "files", metavar="FILE", nargs="+", help="Python files, notebooks, or folders of them"
        )
    else:
        parser.add_argument("file", metavar="FILE", help="a Python file or a Jupyter notebook")
    parser.add_argument(
        "--cell",
        metavar="N",
        help="a notebook's code cell whose loop is trained (from 1; default: the last with a "
        "training loop); the cells before it run first",
    )
    parser.add_argument("--seed", metavar="S", default="0", help="seeds random, numpy and torch "
                        "before the program's first line (default 0)")  # fmt: skip
    parser.add_argument("--epochs", metavar="N", help=epochs_help)
    parser.add_argument(
        "--loss",
        metavar="NAME",
        help="the loss's variable in a loop without autograd (default: one named like loss, "
        "l, cost, mse or J)",
    )
    parser.add_argument(
        "--timeout",
        metavar="S",
        default="10",
        help="stop a statement that runs longer than S seconds (default 10)",
    )


def program_request(command: str, namespace: argparse.Namespace) -> dict[str, Any]:
    """The child's request from the parsed options, each validated."""
    request: dict[str, Any] = {
        "command": command,
        "path": namespace.file,
        "seed": bounded("--seed", namespace.seed, 0, 2**32 - 1, parse_int, "a whole number"),
        "timeout": bounded("--timeout", namespace.timeout, 0.1, 86400.0, parse_float, "seconds"),
    }
    if namespace.cell is not None:
        request["cell"] = bounded("--cell", namespace.cell, 1, 10**6, parse_int, "a cell number")
    if namespace.epochs is not None:
        request["epochs"] = bounded(
            "--epochs", namespace.epochs, 1, 10**9, parse_int, "a whole number"
        )
    if namespace.loss is not None:
        if not namespace.loss.isidentifier():
            raise UsageError(f"--loss: expects a variable's name, got {namespace.loss!r}")
        request["loss"] = namespace.loss
    if not Path(namespace.file).suffix and not Path(namespace.file).exists():
        raise UsageError(f"{namespace.file}: no such file")
    return request


def run_parser() -> argparse.ArgumentParser:
    """``gdtui run FILE``'s parser."""
    parser = Parser(
        prog="gdtui run",
        description="Run your own training loop (a Python file or a notebook) and print every "
        "epoch's loss, parameters and gradients.",
    )
    add_program_options(parser, "stop after N epochs (default: the loop's own count)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format; the "
                        "program's own output goes to stderr in jsonl and csv")  # fmt: skip
    parser.add_argument(
        "--log-every", metavar="K", default="10", help="text: print epoch 1, 1+K, … (default 10)"
    )
    return parser


def trace_parser() -> argparse.ArgumentParser:
    """``gdtui trace FILE``'s parser."""
    parser = Parser(
        prog="gdtui trace",
        description="Print your own training loop statement by statement as it runs, each "
        "with the values it changed: the setup, then every statement of each epoch.",
    )
    add_program_options(parser, "trace N epochs (default 2)")
    parser.add_argument("--format", choices=("text", "jsonl"), default="text")
    return parser


def main(command: str, args: list[str]) -> int:
    """``gdtui run|trace FILE [OPTIONS]``; the exit status."""
    if command == "run":
        namespace = run_parser().parse_args(args)
        request = program_request(command, namespace)
        request["log_every"] = bounded(
            "--log-every", namespace.log_every, 1, 10**9, parse_int, "a whole number"
        )
    else:
        namespace = trace_parser().parse_args(args)
        request = program_request(command, namespace)
        request.setdefault("epochs", 2)
    request["format"] = namespace.format
    outcome = run_program(request)
    return report(f"gdtui {command}", outcome)


def report(command: str, outcome: dict[str, Any]) -> int:
    """Say on stderr how the program ended, where it did not end well; the exit status."""
    if "bad" in outcome:
        _say(f"{command}: {outcome['bad']}")
        return exits.BAD_INPUT
    if outcome.get("broken_pipe"):
        return exits.BROKEN_PIPE
    if "output_failed" in outcome:
        _say(f"{command}: cannot write the output: {outcome['output_failed']}")
        return exits.OUTPUT_FAILED
    if "internal" in outcome:
        _say(f"{command}: gdtui failed on this program, a bug to report: {outcome['internal']}")
        return exits.PROGRAM_FAILED
    if "stuck" in outcome:
        _say(
            f"{command}: {outcome['stuck'] or 'the program'}: stopped after "
            f"{outcome['seconds']:g} s: a call that did not come back (--timeout)"
        )
        return exits.PROGRAM_FAILED
    if "ended" in outcome:
        where = f" at {outcome['line']}" if outcome.get("line") else ""
        _say(f"{command}: the program's process ended{where} with status {outcome['ended']}")
        return exits.PROGRAM_FAILED
    stopped = outcome.get("stopped")
    if stopped is None:
        return exits.OK
    if stopped.get("exit") == 0:
        return exits.OK
    kind = f" ({stopped['kind']}: gdtui check says more)" if stopped.get("kind") else ""
    if "did not finish" in stopped["message"]:
        kind = " (--timeout S gives a statement longer)"
    _say(f"{command}: {stopped['place']}: {stopped['message']}{kind}\n    {stopped['code']}")
    return exits.PROGRAM_FAILED


def _say(message: str) -> None:
    sys.stdout.flush()
    print(message, file=sys.stderr, flush=True)
