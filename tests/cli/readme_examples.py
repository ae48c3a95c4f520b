"""The README's examples are what the program prints: each ``$ gdtui …`` line of a console
block is run, and the lines under it must be its output. A ``…`` line stands for the lines
it leaves out: those above it are the output's first lines, those below it its last.

``python tests/cli/readme_examples.py --write`` runs every example and writes its output
into the README, keeping each one's ``…`` where it is.

The examples are run with the math libraries on the paths every x86-64 machine takes alike
(see :data:`tests.showcase.SAME_ON_EVERY_MACHINE`), as the screenshots are.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.showcase import SAME_ON_EVERY_MACHINE

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
ELLIPSIS = "…"
_BLOCK = re.compile(r"^```console\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Example:
    """One ``$ gdtui …`` line of the README and the lines shown under it."""

    command: str
    shown: tuple[str, ...]

    @property
    def head(self) -> int:
        """How many of the output's first lines are shown (all when there is no ``…``)."""
        return self.shown.index(ELLIPSIS) if ELLIPSIS in self.shown else len(self.shown)

    @property
    def tail(self) -> int:
        """How many of its last lines are shown after the ``…``."""
        return len(self.shown) - self.head - 1 if ELLIPSIS in self.shown else 0

    def expected(self, output: list[str]) -> tuple[str, ...]:
        """What this example should show of ``output``, cut where its ``…`` is."""
        if ELLIPSIS not in self.shown:
            return tuple(output)
        return (*output[: self.head], ELLIPSIS, *output[len(output) - self.tail :])

    def run(self, environment: dict[str, str] | None = None) -> list[str]:
        """The command's standard output, run from the checkout."""
        words = shlex.split(self.command)
        assert words[0] == "gdtui", self.command
        env = {**os.environ, **SAME_ON_EVERY_MACHINE, **(environment or {})}
        env["PYTHONPATH"] = str(ROOT)
        result = subprocess.run(
            [sys.executable, "-m", "gdtui", *words[1:]],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
        return result.stdout.splitlines()


def _examples(block: str) -> list[Example]:
    found: list[Example] = []
    command, shown = None, []
    for line in block.splitlines():
        if line.startswith("$ "):
            if command is not None:
                found.append(Example(command, tuple(_trim(shown))))
            command, shown = line[2:], []
        else:
            shown.append(line)
    if command is not None:
        found.append(Example(command, tuple(_trim(shown))))
    return found


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[-1]:
        lines.pop()
    return lines


def examples(text: str | None = None) -> list[Example]:
    """Every example in the README (or in ``text``), in order."""
    text = README.read_text(encoding="utf-8") if text is None else text
    return [example for block in _BLOCK.findall(text) for example in _examples(block)]


def written(text: str) -> str:
    """``text`` with every example's output as the program prints it now."""

    def block(match: re.Match[str]) -> str:
        parts = []
        for example in _examples(match.group(1)):
            parts.append("\n".join([f"$ {example.command}", *example.expected(example.run())]))
        return "```console\n" + "\n\n".join(parts) + "\n```\n"

    return _BLOCK.sub(block, text)


def main() -> int:
    if sys.argv[1:] != ["--write"]:
        print(__doc__)
        return 2
    README.write_text(written(README.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
