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
        steps, variant = len(lesson.steps), lesson.config.variant
        lines.append(f"     {steps} steps, starting on {variant}: gdtui --lesson {number}")
    lines += [
        "",
        "--step N starts at step N; in the app, 0-9 go to a step, and the command palette",
        "(ctrl+p, 'lesson') opens any of them. A lesson of your own: gdtui --lesson FILE.toml",
        "(gdtui --record FILE.toml writes one as you go).",
    ]
    with writing():
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    return exits.OK
