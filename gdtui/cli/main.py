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
from gdtui.cli.output import OutputError, abandon, flush_or_abandon

COMMANDS: dict[str, str] = {
    "run": "gdtui.cli.run",
    "compare": "gdtui.cli.compare",
    "trace": "gdtui.cli.trace",
    "serve": "gdtui.cli.serve",
    "lessons": "gdtui.cli.lessons",
}
"""Each subcommand and its module; with none, ``gdtui`` opens the app (:mod:`gdtui.cli.app`)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gdtui`` console script; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    name = args[0] if args and args[0] in COMMANDS else None
    command = f"gdtui {name}" if name else "gdtui"
    try:
        module = importlib.import_module(COMMANDS[name] if name else "gdtui.cli.app")
        status: int = module.main(args[1:] if name else args)
        return status
    except UsageError as error:
        print(f"{command}: error: {error}", file=sys.stderr)
        return exits.BAD_INPUT
    except OutputError as error:
        abandon(sys.stdout)
        with contextlib.suppress(OSError):
            print(f"{command}: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        return exits.INTERRUPTED
    finally:
        flush_or_abandon()
