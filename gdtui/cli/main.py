"""The ``gdtui`` command: with a subcommand's name first, that subcommand; otherwise the app.

Each subcommand is a module of this package with a ``main(args) -> int``, imported only when
it runs (``gdtui run`` never imports Textual, the app never imports aiohttp).
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Sequence

from gdtui import exits
from gdtui.cli.options import UsageError
from gdtui.cli.output import OutputError, abandon, claim_standard_streams, flush_or_abandon

COMMANDS: dict[str, str] = {
    "run": "gdtui.cli.run",
    "compare": "gdtui.cli.compare",
    "trace": "gdtui.cli.trace",
    "serve": "gdtui.cli.serve",
    "lessons": "gdtui.cli.lessons",
    "check": "gdtui.cli.check",
    "mistakes": "gdtui.cli.mistakes",
}
"""Each subcommand and its module; with none, ``gdtui`` opens the app (:mod:`gdtui.cli.app`)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gdtui`` console script; returns the exit status."""
    claim_standard_streams()
    args = list(sys.argv[1:] if argv is None else argv)
    name = args[0] if args and args[0] in COMMANDS else None
    command = f"gdtui {name}" if name else "gdtui"
    status: int = exits.OK
    try:
        if name in ("run", "trace") and _names_program(args[1:]):
            from gdtui.cli import own

            status = own.main(name, args[1:])
        else:
            module = importlib.import_module(COMMANDS[name] if name else "gdtui.cli.app")
            status = module.main(args[1:] if name else args)
    except SystemExit as stop:  # argparse's --help, after writing it unchecked
        if stop.code not in (None, exits.OK):
            raise
    except UsageError as error:
        _say(f"{command}: error: {error}")
        status = exits.BAD_INPUT
    except OutputError as error:
        abandon(sys.stdout)
        _say(f"{command}: {error}")
        status = error.status
    except KeyboardInterrupt:
        status = exits.INTERRUPTED
    finally:
        lost = flush_or_abandon()
    if lost is not None and status == exits.OK:  # all went well but what was written is lost
        failure = OutputError(lost)
        _say(f"{command}: {failure}")
        status = failure.status
    return status


def _names_program(args: list[str]) -> bool:
    """Whether ``gdtui run``/``trace`` is given a program (a file first, or a .py or .ipynb)."""
    return bool(args) and (
        not args[0].startswith("-") or any(a.endswith((".py", ".ipynb")) for a in args)
    )


def _say(message: str) -> None:
    """One line on standard error, which may have gone too."""
    with contextlib.suppress(OSError):
        print(message, file=sys.stderr, flush=True)
