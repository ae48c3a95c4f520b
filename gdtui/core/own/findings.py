"""A finding: one mistake of a learner's program, at its line, in the learner's words, with
the numbers that show it and the fix; and an error the program raised, explained."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gdtui.core.own.source import Source

ACCUMULATING_GRAD = "accumulating-grad"
WRONG_GRADIENT = "wrong-gradient"
BROADCAST = "broadcast"
NOT_A_LEAF = "not-a-leaf"
IN_PLACE_ON_LEAF = "in-place-on-leaf"
NO_REQUIRES_GRAD = "no-requires-grad"
CLEARED_BEFORE_STEP = "cleared-before-step"
GRAPH_KEPT = "graph-kept"
DIVERGING = "diverging"
ERROR = "error"
"""An error the program raised that is none of the kinds above."""

KINDS: dict[str, str] = {
    ACCUMULATING_GRAD: "a backward() added to a .grad left from the last epoch: nothing clears it",
    WRONG_GRADIENT: "a gradient disagrees with central finite differences of the loss at the "
    "same parameters",
    BROADCAST: "the loss combines tensors of different shapes that broadcast to more elements "
    "than either, e.g. (4, 1) and (4,) to (4, 4)",
    NOT_A_LEAF: "a parameter was rebound to a computed tensor (w = w - …), so its .grad is "
    "None from then on",
    IN_PLACE_ON_LEAF: "an in-place update of a leaf that requires grad outside torch.no_grad()",
    NO_REQUIRES_GRAD: "backward() on a loss that no parameter requires grad for",
    CLEARED_BEFORE_STEP: "the gradients are cleared between backward() and the step that "
    "should use them, so nothing moves",
    GRAPH_KEPT: "a value that carries the autograd graph is accumulated across epochs "
    "(total += loss): memory grows every epoch",
    DIVERGING: "the loss grows geometrically: the learning rate is past the stable one",
}
"""Each kind of mistake and what it means (``gdtui check --help``, the README)."""


@dataclass(frozen=True)
class Finding:
    """A mistake at a line of the program (a line of its joined text)."""

    kind: str
    line: int
    message: str

    def as_json(self, source: Source) -> dict[str, Any]:
        """``{"file", "line", "kind", "message"}`` (and ``"cell"`` in a notebook)."""
        cell, line = source.where(self.line)
        found: dict[str, Any] = {"file": source.name, "line": line}
        if cell is not None:
            found["cell"] = cell
        found.update(kind=self.kind, message=self.message)
        return found

    def as_text(self, source: Source) -> str:
        """``FILE:LINE: message (kind)``, then the line itself."""
        code = source.line_text(self.line).strip()
        return f"{source.place(self.line)}: {self.message} ({self.kind})\n    {code}"


def error_kind(message: str) -> str | None:
    """The kind of mistake an error's message shows, where it shows one."""
    if "leaf Variable that requires grad is being used in an in-place operation" in message:
        return IN_PLACE_ON_LEAF
    if "does not require grad and does not have a grad_fn" in message:
        return NO_REQUIRES_GRAD
    if "cannot assign" in message and "as parameter" in message:
        return NOT_A_LEAF  # model.weight = model.weight - …: a module refuses the tensor
    return None


def explain_error(message: str, code: str) -> str:
    """An error the program raised, in the learner's words where it is a common one."""
    if message.startswith("EOFError"):
        return (
            f"{message}: input() reads from a keyboard, and here there is none (gdtui runs the "
            "program with its input at end-of-file); put the value in the file instead"
        )
    if "NoneType" in message and ".grad" in code:
        return (
            f"{message}: a .grad is None here: nothing has computed it (no backward() yet), "
            "or the tensor is not a leaf that requires grad"
        )
    return message
