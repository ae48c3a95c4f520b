"""The autograd graph is read from torch (a graph built here is drawn as built), with the
gradient on each edge; the per-point arithmetic and the update formulas carry the numbers the
code computed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gdtui.core.engine.graph import GraphWatch, draw, read_graph
from gdtui.core.engine.lines import LineRunner
from gdtui.core.engine.program import BACKWARD, UPDATE
from gdtui.core.engine.runner import Runner
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig


def _structure(node) -> tuple:
    return (node.label, tuple(_structure(child) for child in node.children))


def _torchs(fn, names: dict[int, str]) -> tuple:
    """The same tree read directly from grad_fn.next_functions, written here."""
    variable = getattr(fn, "variable", None)
    label = (
        f"{type(fn).__name__}({names[id(variable)]})" if variable is not None else type(fn).__name__
    )
    return (
        label,
        tuple(_torchs(child, names) for child, _ in fn.next_functions if child is not None),
    )


def test_a_graph_built_here_is_drawn_as_built_with_each_edges_gradient() -> None:
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, -1.0], requires_grad=True)
    z = (a * b + a.sin()).sum()
    watch = GraphWatch(z.grad_fn)
    z.backward()
    graph = watch.read({"a": a, "b": b})
    assert _structure(graph) == _torchs(z.grad_fn, {id(a): "a", id(b): "b"})
    assert graph.label == "SumBackward0"
    (add,) = graph.children
    assert [child.name for child in add.children] == ["MulBackward0", "SinBackward0"]
    by_label = {node.label: node for node in graph.walk() if node.leaf}
    mul, sin = add.children
    # d z / d b = a along the product's edge; d z / d a = b there and cos(a) along sin's.
    assert mul.children[1].label == "AccumulateGrad(b)" and mul.children[1].grad == [1.0, 2.0]
    assert mul.children[0].grad == [3.0, -1.0]
    assert sin.children[0].grad == pytest.approx(np.cos([1.0, 2.0]).tolist())
    assert set(by_label) == {"AccumulateGrad(a)", "AccumulateGrad(b)"}
    assert draw(graph)[0] == "SumBackward0  ← 1.0"


@pytest.mark.parametrize(
    "config, expected",
    [
        (
            RunConfig(),
            ["MeanBackward0", "PowBackward0", "SubBackward0", "MulBackward0", "AccumulateGrad(w)"],
        ),
        (
            RunConfig(variant="torch-optim"),
            ["MseLossBackward0", "MulBackward0", "AccumulateGrad(w)"],
        ),
        (
            RunConfig(variant="torch-module"),
            [
                "MseLossBackward0",
                "AddmmBackward0",
                "AccumulateGrad(model.bias)",
                "TBackward0",
                "AccumulateGrad(model.weight)",
            ],
        ),
    ],
    ids=lambda v: v.variant if isinstance(v, RunConfig) else "",
)
def test_each_variants_graph_is_torchs_and_its_leaf_gets_the_fresh_gradient(
    config: RunConfig, expected: list[str]
) -> None:
    trainer = Trainer(config.replace(zero_grad=False))
    trainer.run_epoch()  # .grad now holds epoch 1's gradient: the graph shows epoch 2's own
    lines = LineRunner(trainer)
    while trainer.program.loop[trainer.position].role != BACKWARD:
        lines.run()
    names = trainer.names
    root = names["l"].grad_fn
    leaves = {id(v): k for k, v in names.items() if getattr(v, "requires_grad", False)}
    if "model" in names:
        leaves = {id(p): f"model.{n}" for n, p in names["model"].named_parameters()}
    step = lines.run()
    assert step.graph is not None
    assert _structure(step.graph) == _torchs(root, leaves)
    assert [node.label for node in step.graph.walk()] == expected
    assert read_graph(root, names).label == expected[0]
    # The leaf's edge carries this epoch's gradient; .grad holds it added to epoch 1's.
    leaf = next(n for n in step.graph.walk() if n.leaf in ("w", "model.weight"))
    accumulated = step.values[trainer.program.gradients[0]]
    assert np.ravel(leaf.grad)[0] != np.ravel(accumulated)[0]


def test_the_per_point_sums_are_the_loss_and_the_gradient() -> None:
    trainer = Trainer(RunConfig(variant="numpy-manual", grad_formula="tutorial"))
    lines = LineRunner(trainer)
    steps = [lines.run() for _ in range(len(trainer.program.loop))]
    loss = next(s for s in steps if s.arithmetic and "l" in s.values)
    gradient = next(s for s in steps if s.arithmetic and "dw" in s.values)
    assert loss.arithmetic[0].split() == ["x", "y", "ŷ", "ŷ−y", "(ŷ−y)²", "2x(ŷ−y)"]
    assert gradient.arithmetic[0] == "2x(ŷ−y) per point: [-4, -16, -36, -64]"
    x, y = np.array([1, 2, 3, 4], np.float32), np.array([2, 4, 6, 8], np.float32)
    residual = 0 * x - y
    assert (
        f"Σ(ŷ−y)² = {int((residual**2).sum())}, ÷ N = 4: mean = 30  (the loss)"
        in gradient.arithmetic
    )
    assert any("np.dot(2X, ŷ−Y) = Σ2x(ŷ−y) = -120: already a sum" in t for t in gradient.arithmetic)
    assert gradient.values["dw"] == -120.0


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop", "adagrad"])
def test_the_update_formula_ends_at_the_parameter_torch_reached(optimizer: str) -> None:
    config = RunConfig(variant="torch-optim", optimizer=optimizer, epochs=5)
    trainer = Trainer(config)
    lines = LineRunner(trainer)
    updates = []
    for _ in range(3 * len(trainer.program.loop)):
        step = lines.run()
        if trainer.program.loop[step.index].role == UPDATE:
            updates.append(step)
    reference = torch.tensor(0.0, requires_grad=True)
    classes = {
        "sgd": torch.optim.SGD,
        "momentum": torch.optim.SGD,
        "adam": torch.optim.Adam,
        "rmsprop": torch.optim.RMSprop,
        "adagrad": torch.optim.Adagrad,
    }
    kwargs = {"momentum": 0.9} if optimizer == "momentum" else {}
    plain = classes[optimizer]([reference], lr=0.01, **kwargs)
    x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    for step in updates:
        loss = torch.nn.functional.mse_loss(reference * x, 2 * x)
        loss.backward()
        plain.step()
        plain.zero_grad()
        final = step.arithmetic[-1]
        assert final.startswith("w ← w − lr × ")
        assert float(final.rsplit("= ", 1)[1]) == pytest.approx(reference.item(), rel=1e-6)


def test_an_epoch_of_lines_through_the_runner_is_the_epochs_stretch() -> None:
    config = RunConfig(variant="torch-module", epochs=3)
    by_lines, by_epoch = Runner(config), Runner(config)
    expected = by_epoch.run(1)
    batches = [by_lines.run_line()[1] for _ in range(len(by_lines.trainer.program.loop))]
    assert batches[:-1] == [None] * (len(batches) - 1)
    batch = batches[-1]
    assert batch is not None
    assert (batch.records, batch.initial, batch.stop) == (expected.records, expected.initial, None)
    assert batch.optimizer_state == expected.optimizer_state
