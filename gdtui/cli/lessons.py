"""``gdtui lessons``: the built-in lessons, to play with ``gdtui --lesson NUMBER``."""

from __future__ import annotations

import sys

from gdtui import exits
from gdtui.cli.options import Parser
from gdtui.cli.output import writing


def main(args: list[str]) -> int:
    """List the built-in lessons; returns the exit status."""
    from gdtui.core.lessons.lesson import builtin_lessons, lesson_number

    Parser(
        prog="gdtui lessons",
        description="The built-in lessons: play one with gdtui --lesson NUMBER.",
    ).parse_args(args)
    lines = []
    for lesson in builtin_lessons():
        number = lesson_number(lesson.name)
        lines.append(f"{number}  {lesson.title}")
        lines.append(f"     {len(lesson.steps)} steps from {lesson.config.variant}: {lesson.name}")
    lines.append("Play one with gdtui --lesson NUMBER (or a lesson .toml file of your own).")
    with writing():
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    return exits.OK
