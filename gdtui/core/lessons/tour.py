"""The autograd tour: seed 004's cells, each a few lines of real torch code run live.

Every cell runs in one shared namespace, in order, as the notebook's did, so later cells see
earlier tensors (that is how ``x.grad`` ends up accumulating in cell 5).
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass


@dataclass(frozen=True)
class TourCell:
    """A title, the code to run, and what to notice in its result."""

    title: str
    code: str
    note: str


CELLS: tuple[TourCell, ...] = (
    TourCell(
        "A tensor that records operations",
        "x = torch.rand(3, requires_grad=True)\nprint(x)",
        "requires_grad=True: every operation on x is recorded so gradients can flow back to it.",
    ),
    TourCell(
        "An operation leaves a grad_fn",
        "y = x + 2\nprint(y)",
        "y remembers how it was made (AddBackward0): that is the graph backward() walks.",
    ),
    TourCell(
        "backward() on a vector needs a vector",
        "y.backward(torch.ones_like(y))\nprint(x.grad)",
        "dy/dx = 1 for each element: x.grad is all ones.",
    ),
    TourCell(
        "More operations, then a scalar",
        "z = y * y * 2\nprint(z)\nz = z.mean()\nprint(z)",
        "mean() makes a scalar, so backward() needs no argument.",
    ),
    TourCell(
        "Gradients accumulate in .grad",
        "z.backward()\nprint(x.grad)",
        "dz/dx = 4(x + 2)/3, but .grad still held the ones from before: it shows 1 + 4(x + 2)/3.",
    ),
    TourCell(
        "Three backward calls without zeroing",
        "weights = torch.ones(4, requires_grad=True)\n"
        "for epoch in range(3):\n"
        "    model_output = (weights * 3).sum()\n"
        "    model_output.backward()\n"
        "    print(weights.grad)",
        "3, 6, 9: each backward adds to .grad. This is what zero_grad off does to training.",
    ),
    TourCell(
        "... and with .grad.zero_()",
        "weights = torch.ones(4, requires_grad=True)\n"
        "for epoch in range(3):\n"
        "    model_output = (weights * 3).sum()\n"
        "    model_output.backward()\n"
        "    print(weights.grad)\n"
        "    weights.grad.zero_()",
        "3, 3, 3: zeroing after each step keeps every gradient its own.",
    ),
    TourCell(
        "Stop tracking: requires_grad_(False)",
        "x = torch.rand(3, requires_grad=True)\nprint(x)\nx.requires_grad_(False)\nprint(x)",
        "The trailing _ means in place: x itself stops recording.",
    ),
    TourCell(
        "Stop tracking: detach()",
        "x = torch.rand(3, requires_grad=True)\ny = x.detach()\nprint(y)\nprint(y.requires_grad)",
        "detach() gives a new tensor with the same data and no history.",
    ),
    TourCell(
        "Stop tracking: torch.no_grad()",
        "x = torch.randn(3, requires_grad=True)\nwith torch.no_grad():\n    y = x + 2\n"
        "print(y)\nprint(y.requires_grad)",
        "Inside no_grad() nothing is recorded: the way a training loop updates its weights.",
    ),
    TourCell(
        "The chain rule, by hand and by autograd",
        "x = torch.tensor(1.0)\ny = torch.tensor(2.0)\nw = torch.tensor(1.5, requires_grad=True)\n"
        "y_hat = w * x\nloss = (y_hat - y) ** 2\nprint(loss)\nloss.backward()\nprint(w.grad)",
        "loss = (1.5 - 2)² = 0.25; dloss/dw = 2(ŷ - y)·x = -1: autograd agrees.",
    ),
)


def run_tour(seed: int = 0) -> list[str]:
    """Run every cell in order in one namespace; return what each printed."""
    import torch

    torch.manual_seed(seed)
    namespace: dict[str, object] = {"torch": torch}
    outputs = []
    for cell in CELLS:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(cell.code, namespace)  # our own cell's code, shown to the user as it runs
        outputs.append(printed.getvalue().rstrip("\n"))
    return outputs
