"""Teaching topics: what the tutorials get wrong or leave unseen, each one a change of
settings that shows it, and the built-in lesson that teaches it. The command palette lists
them under the words a learner types (``bug``, ``tutorial``, ``accumulate``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Topic:
    """One topic: its palette title, what it shows, the settings that show it, its lesson."""

    title: str
    about: str
    settings: dict[str, Any]
    lesson: str


TOPICS = (
    Topic(
        "Show the tutorial's gradient bug: np.dot(...).mean(), N times too large",
        "numpy-manual with the seeds' formula, on their data; the gradient check marks .grad "
        "in red beside the numerical gradient (lesson 003 steps through it)",
        {"variant": "numpy-manual", "grad_formula": "tutorial", "dataset": "line4"},
        "003",
    ),
    Topic(
        "Show .grad accumulating: zero_grad off, a missing optimizer.zero_grad()",
        "backward() adds to .grad when nothing clears it: the debug pane shows the running "
        "sum (lesson 004 steps through it)",
        {"zero_grad": False},
        "004",
    ),
)
"""The topics, in the order the palette lists them."""
