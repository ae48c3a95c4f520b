"""The autograd graph as torch built it: read from ``grad_fn`` and ``next_functions`` (never
drawn per variant), with the gradient that flowed along each edge in ``backward()``, caught
by hooks on the graph's nodes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gdtui.core.engine.trace import plain


@dataclass(frozen=True)
class GraphNode:
    """One node of the backward graph: its ``grad_fn`` class, the parameter an
    ``AccumulateGrad`` adds into, the gradient that reached it along its edge (None before
    ``backward()`` has run), and the nodes it passes gradients on to."""

    name: str
    leaf: str | None
    grad: Any
    children: tuple[GraphNode, ...] = ()

    @property
    def label(self) -> str:
        """``MulBackward0`` or ``AccumulateGrad(w)``."""
        return f"{self.name}({self.leaf})" if self.leaf else self.name

    def walk(self) -> list[GraphNode]:
        """This node and every node below it, depth first."""
        found = [self]
        for child in self.children:
            found += child.walk()
        return found


def _nodes(root: Any) -> list[Any]:
    """Every node reachable from ``root`` along ``next_functions``, each once."""
    seen: dict[int, Any] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen[id(node)] = node
        stack += [child for child, _ in node.next_functions]
    return list(seen.values())


class GraphWatch:
    """Hooks on every node of the graph below ``root`` (a tensor's ``grad_fn``), catching the
    gradients ``backward()`` sends along each edge; :meth:`read` gives the graph and removes
    the hooks."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self._edges: dict[tuple[int, int], Any] = {}
        """(id of the parent node, index of the edge) → the gradient sent along it."""
        self._arrived: dict[int, Any] = {}
        self._handles = [node.register_hook(self._hook(node)) for node in _nodes(root)]

    def _hook(self, node: Any) -> Callable[[Any, Any], None]:
        def caught(grad_inputs: Any, grad_outputs: Any) -> None:
            for index, grad in enumerate(grad_inputs):
                self._edges[id(node), index] = grad
            self._arrived.setdefault(id(node), grad_outputs[0] if grad_outputs else None)

        return caught

    def read(self, names: dict[str, Any]) -> GraphNode:
        """The graph with the gradients caught (and the hooks removed)."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        root_grad = self._arrived.get(id(self.root))
        return read_graph(self.root, names, self._edges, root_grad)


def leaf_names(names: dict[str, Any]) -> dict[int, str]:
    """Parameters by identity: ``w``, or ``model.weight`` and ``model.bias``."""
    found: dict[int, str] = {}
    for key, value in names.items():
        if getattr(value, "requires_grad", False) and getattr(value, "is_leaf", False):
            found[id(value)] = key
        if hasattr(value, "named_parameters") and not isinstance(value, type):  # a module
            for name, parameter in value.named_parameters():
                found[id(parameter)] = f"{key}.{name}"
    return found


def read_graph(
    root: Any,
    names: dict[str, Any],
    edges: dict[tuple[int, int], Any] | None = None,
    root_grad: Any = None,
) -> GraphNode:
    """The graph below ``root`` (a ``grad_fn``) as a tree; ``edges`` are the gradients a
    :class:`GraphWatch` caught."""
    leaves = leaf_names(names)
    edges = edges or {}

    def build(node: Any, grad: Any) -> GraphNode:
        variable = getattr(node, "variable", None)
        leaf = leaves.get(id(variable), "?") if variable is not None else None
        children = tuple(
            build(child, edges.get((id(node), index)))
            for index, (child, _) in enumerate(node.next_functions)
            if child is not None
        )
        return GraphNode(type(node).__name__, leaf, None if grad is None else plain(grad), children)

    return build(root, root_grad)


def draw(node: GraphNode, show: Callable[[Any], str] = str) -> list[str]:
    """The graph as text, root first, each node with the gradient that reached it:

    ``MeanBackward0  ← 1`` / ``└─ PowBackward0  ← [0.25, …]``
    """
    lines: list[str] = []

    def add(current: GraphNode, prefix: str, branch: str) -> None:
        grad = "" if current.grad is None else f"  ← {show(current.grad)}"
        lines.append(f"{prefix}{branch}{current.label}{grad}")
        inner = prefix + ("   " if branch.startswith("└") else "│  " if branch else "")
        for index, child in enumerate(current.children):
            last = index == len(current.children) - 1
            add(child, inner, "└─ " if last else "├─ ")

    add(node, "", "")
    return lines
