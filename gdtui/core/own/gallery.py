"""The gallery of classic mistakes: the seeds' own loop (y = 2x on 1..4, autograd) correct,
and once with each kind of mistake, so that any two differ in one place."""

from __future__ import annotations

from pathlib import Path

from gdtui.core.own.findings import KINDS

FOLDER = Path(__file__).with_name("gallery")
CORRECT = "correct"
"""The loop without a mistake."""


def names() -> list[str]:
    """Every program of the gallery: each kind of mistake, in the kinds' order, then
    ``correct``."""
    return [*KINDS, CORRECT]


def program_path(name: str) -> Path:
    """The file of the gallery's program ``name``; KeyError if there is none."""
    if name not in names():
        raise KeyError(name)
    return FOLDER / f"{name}.py"


def summary(name: str) -> str:
    """One sentence on what the program does wrong (or that it does nothing wrong)."""
    if name == CORRECT:
        return "the seeds' loop with no mistake, to set each one beside"
    return KINDS[name]
