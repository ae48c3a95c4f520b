"""``gdtui mistakes [NAME]``: the gallery of classic mistakes, one a line, or one's program.

Each is the seeds' own loop with exactly that one mistake; ``gdtui check`` on it finds its
own kind and no other; ``gdtui --mistake NAME`` opens it in the app.
"""

from __future__ import annotations

import sys

from gdtui import exits
from gdtui.cli.options import Parser, UsageError
from gdtui.cli.output import writing
from gdtui.core.own import gallery


def main(args: list[str]) -> int:
    """List the mistakes, or print one's program; the exit status."""
    parser = Parser(
        prog="gdtui mistakes",
        description="The classic mistakes of a training loop, each the seeds' loop with that "
        "one mistake: NAME prints its program (gdtui check NAME.py names it at its line).",
    )
    parser.add_argument("name", metavar="NAME", nargs="?", help="the mistake to print")
    name = parser.parse_args(args).name
    if name is None:
        width = max(len(n) for n in gallery.names())
        text = "".join(f"{n:<{width}}  {gallery.summary(n)}\n" for n in gallery.names())
        text += "\ngdtui mistakes NAME prints one; gdtui check FILE names them in yours.\n"
    else:
        try:
            text = gallery.program_path(name).read_text(encoding="utf-8")
        except KeyError:
            choices = ", ".join(gallery.names())
            raise UsageError(f"NAME: no mistake {name!r}; the gallery has {choices}") from None
    with writing():
        sys.stdout.write(text)
        sys.stdout.flush()
    return exits.OK
