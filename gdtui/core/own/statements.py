"""A program's statements compiled to run one at a time, and what its loop's statements
update, read off their syntax.

A statement of the loop's body that holds the loop's own ``break`` or ``continue`` cannot be
compiled alone: it runs inside a one-pass ``for`` whose ``else`` tells which of the two it
met (``__gdtui__.flow``). The whole body runs the same way as one epoch.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from types import CodeType

from gdtui.core.own.source import Source, stepped_name

FLOW = "__gdtui__"
"""The name, in the program's namespace, of what the loop's jumps are told through."""
LOSS_NAMES = ("loss", "l", "cost", "mse", "J")
"""Names a loop without autograd gives its loss (``--loss`` names another)."""


class Flow(enum.Enum):
    """Where a statement of the loop's body left the loop."""

    NEXT = "next"
    CONTINUE = "continue"
    BREAK = "break"


class Jumps:
    """The namespace's ``__gdtui__``: the loop's item for this epoch and how the last
    compiled statement or epoch ended."""

    __slots__ = ("flow", "item", "once", "value")

    def __init__(self) -> None:
        self.flow = Flow.NEXT.value
        self.item: tuple[object, ...] = ()
        self.once: object = None
        self.value: object = None

    def __repr__(self) -> str:
        return "gdtui"


@dataclass(frozen=True)
class Statement:
    """One top-level statement: of the setup, of the loop's body, or after the loop."""

    node: ast.stmt
    code: CodeType
    text: str
    """Its own lines, dedented."""
    jumps: bool = False
    """Whether it holds a ``break`` or ``continue`` of the training loop."""

    @property
    def line(self) -> int:
        """Its first line in the program's joined text."""
        return self.node.lineno

    @cached_property
    def assigns(self) -> tuple[str, ...]:
        """The names it binds or changes by assignment (``w`` for ``w -= …``), in order."""
        return assigned_names(self.node)


def assigned_names(node: ast.AST) -> tuple[str, ...]:
    """The names ``node`` binds: assignment targets, loop and ``with`` targets, imports,
    functions and classes, at any depth (not inside a function it defines)."""
    names: list[str] = []

    def add(target: ast.AST) -> None:
        for name in ast.walk(target):
            if isinstance(name, ast.Name) and name.id not in names:
                names.append(name.id)

    for child in _walk_here(node):
        if isinstance(child, ast.Assign):
            for target in child.targets:
                add(target)
        elif isinstance(child, ast.AugAssign | ast.AnnAssign | ast.For | ast.NamedExpr):
            add(child.target)
        elif isinstance(child, ast.withitem) and child.optional_vars is not None:
            add(child.optional_vars)
        elif isinstance(child, ast.Import | ast.ImportFrom):
            for alias in child.names:
                bound = alias.asname or alias.name.split(".")[0]
                if bound != "*" and bound not in names:
                    names.append(bound)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.extend([child.name] if child.name not in names else [])
    return tuple(names)


def _walk_here(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk``, not entering the bodies of functions, classes and lambdas."""
    yield node
    closed = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)
    for child in ast.iter_child_nodes(node):
        if closed and (isinstance(node, ast.Lambda) or child in getattr(node, "body", ())):
            continue
        yield from _walk_here(child)


def holds_jump(node: ast.stmt) -> bool:
    """Whether ``node`` holds a ``break`` or ``continue`` of the loop around it (one not
    inside a loop, function or class of its own)."""
    if isinstance(node, ast.Break | ast.Continue):
        return True
    if isinstance(node, ast.For | ast.AsyncFor | ast.While):
        return any(holds_jump(child) for child in node.orelse)
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return False
    return any(
        holds_jump(child) for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)
    )


def _flow_attribute(name: str, store: bool = False) -> ast.Attribute:
    ctx: ast.expr_context = ast.Store() if store else ast.Load()
    return ast.Attribute(ast.Name(FLOW, ast.Load()), name, ctx)


def one_pass(body: list[ast.stmt], target: ast.expr | None, at: ast.AST) -> ast.Module:
    """``body`` inside a one-pass loop that records in ``__gdtui__.flow`` whether it ran to
    its end (``next``), met a ``continue`` or a ``break``; ``target`` takes the loop's item
    (``__gdtui__.item``), as the training loop's own target does."""
    flow = _flow_attribute("flow", store=True)
    set_break = ast.Assign([flow], ast.Constant(Flow.BREAK.value))
    set_next = ast.Assign([_flow_attribute("flow", store=True)], ast.Constant(Flow.NEXT.value))
    was_break = ast.Compare(_flow_attribute("flow"), [ast.Eq()], [ast.Constant(Flow.BREAK.value)])
    set_continue = ast.Assign(
        [_flow_attribute("flow", store=True)], ast.Constant(Flow.CONTINUE.value)
    )
    loop = ast.For(
        target=target if target is not None else _flow_attribute("once", store=True),
        iter=_flow_attribute("item")
        if target is not None
        else ast.Tuple([ast.Constant(0)], ast.Load()),
        body=[*body, set_next],
        orelse=[ast.If(was_break, [set_continue], [])],
    )
    module = ast.Module(body=[set_break, loop], type_ignores=[])
    _locate(module, at, keep=_nodes(body))
    return module


def _locate(module: ast.Module, at: ast.AST, keep: Collection[ast.AST] = ()) -> None:
    """Give the nodes gdtui made the place of ``at`` (the loop's header): an error in them
    is the loop's; the program's own nodes (``keep``) keep theirs."""
    for node in ast.walk(module):
        if node not in keep and isinstance(node, ast.expr | ast.stmt):
            ast.copy_location(node, at)
    ast.fix_missing_locations(module)


def _nodes(body: list[ast.stmt]) -> set[ast.AST]:
    return {node for statement in body for node in ast.walk(statement)}


def compile_statement(source: Source, node: ast.stmt, in_loop: bool = False) -> Statement:
    """``node`` compiled to run alone; inside the loop's body, wrapped where it jumps."""
    jumps = in_loop and holds_jump(node)
    module = one_pass([node], None, node) if jumps else ast.Module(body=[node], type_ignores=[])
    code = compile(module, str(source.path), "exec")
    return Statement(node, code, source.segment(node), jumps)


def compile_epoch(source: Source, loop: ast.For | ast.While) -> CodeType:
    """The loop's whole body as one epoch: the ``for`` loop's target takes
    ``__gdtui__.item[0]``; ``__gdtui__.flow`` says how the epoch ended."""
    target = loop.target if isinstance(loop, ast.For) else None
    return compile(one_pass(list(loop.body), target, loop), str(source.path), "exec")


def compile_bind(source: Source, loop: ast.For) -> CodeType:
    """``target = __gdtui__.value``: the loop's header taking its item, alone."""
    module = ast.Module(body=[ast.Assign([loop.target], _flow_attribute("value"))], type_ignores=[])
    _locate(module, loop)
    return compile(module, str(source.path), "exec")


def compile_expression(source: Source, node: ast.expr) -> CodeType:
    """An expression of the program (the ``for`` loop's iterable, the ``while``'s test)."""
    return compile(ast.Expression(node), str(source.path), "eval")


@dataclass(frozen=True)
class Update:
    """An update of a variable in the loop: ``w -= learning_rate * dw``."""

    name: str
    line: int
    rate: str | None
    """The factor that is a name (``learning_rate``), where the update is a product."""
    gradient: str | None
    """The other factor's source (``dw``, ``w.grad``)."""


@dataclass(frozen=True)
class LoopFacts:
    """What the training loop's syntax says: its updates, ``backward()`` calls, sums and
    appends, and the lines that assign each name anywhere in the program."""

    updates: tuple[Update, ...]
    backwards: tuple[tuple[int, str | None], ...]
    """Each ``.backward()``: its line and its receiver's name (``l`` in ``l.backward()``)."""
    sums: tuple[tuple[str, int], ...]
    """``total += …`` and ``total = total + …`` that are not updates (no factor)."""
    appends: tuple[tuple[str, int], ...]
    """``losses.append(…)``."""
    assigned: dict[str, list[int]] = field(default_factory=dict)
    """Each name's assignments in the program: the lines, in order."""

    def first_assignment(self, name: str, before: int | None = None) -> int | None:
        """The line of the first assignment of ``name`` (before line ``before``)."""
        lines = [line for line in self.assigned.get(name, []) if before is None or line < before]
        return lines[0] if lines else None


def loop_facts(tree: ast.Module, loop: ast.For | ast.While) -> LoopFacts:
    """Read :class:`LoopFacts` off the program's syntax."""
    updates: list[Update] = []
    sums: list[tuple[str, int]] = []
    backwards: list[tuple[int, str | None]] = []
    appends: list[tuple[str, int]] = []
    for node in ast.walk(ast.Module(body=loop.body, type_ignores=[])):
        change = _change(node)
        if change is not None:
            name, value = change
            rate, gradient = _factors(value)
            if gradient is not None:
                updates.append(Update(name, getattr(node, "lineno", 0), rate, gradient))
            else:
                sums.append((name, getattr(node, "lineno", 0)))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            named = receiver.id if isinstance(receiver, ast.Name) else None
            if node.func.attr == "backward":
                backwards.append((node.lineno, named))
            elif node.func.attr == "append" and named is not None:
                appends.append((named, node.lineno))
    assigned: dict[str, list[int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not isinstance(node, ast.For | ast.While | ast.If):
            for name in assigned_names(node) if not _is_def(node) else (node.name,):  # type: ignore[attr-defined]
                assigned.setdefault(name, []).append(node.lineno)
    for lines in assigned.values():
        lines.sort()
    return LoopFacts(tuple(updates), tuple(backwards), tuple(sums), tuple(appends), assigned)


def _is_def(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)


def _change(node: ast.AST) -> tuple[str, ast.expr] | None:
    """(the name, what is added or taken away) of ``x -= v``, ``x += v``, ``x = x - v``,
    ``x = x + v``; subtraction as ``-v``."""
    if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Sub | ast.Add):
        if not isinstance(node.target, ast.Name):
            return None
        value = node.value
        return node.target.id, value if isinstance(node.op, ast.Add) else _negated(value)
    if isinstance(node, ast.Assign) and (name := stepped_name(node)) is not None:
        assert isinstance(node.value, ast.BinOp)
        value = node.value.right
        return name, value if isinstance(node.value.op, ast.Add) else _negated(value)
    return None


def _negated(value: ast.expr) -> ast.expr:
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
        return value.operand
    return ast.UnaryOp(ast.USub(), value)


def _factors(value: ast.expr) -> tuple[str | None, str | None]:
    """(the rate's name, the gradient's source) of ``-(lr * g)`` or ``-lr * g`` (an update
    goes down its gradient); (None, None) for a sum."""
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
        value = value.operand
    else:
        return None, None  # adds: ``total += loss``
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult):
        left, right = value.left, value.right
        if isinstance(left, ast.UnaryOp):
            left = left.operand
        if _rate_like(left) or not _rate_like(right):
            return _named(left), ast.unparse(right)
        return _named(right), ast.unparse(left)
    return None, None


def _rate_like(node: ast.expr) -> bool:
    return isinstance(node, ast.Name | ast.Constant) or (
        isinstance(node, ast.Attribute) and node.attr.lower() in ("lr", "learning_rate", "eta")
    )


def _named(node: ast.expr) -> str | None:
    """A rate as written: a name (``lr``, ``self.lr``) or a number (``0.01``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return repr(node.value)
    return ast.unparse(node) if isinstance(node, ast.Name | ast.Attribute) else None


def rebound_loop_variables(loop: ast.For | ast.While) -> list[tuple[str, int]]:
    """``p = p - …`` inside ``for p in …:`` in the loop's body: (the name, the line). It
    rebinds the loop's variable and leaves what it was taken from as it was."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.Module(body=loop.body, type_ignores=[])):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            for inner in ast.walk(ast.Module(body=node.body, type_ignores=[])):
                if isinstance(inner, ast.Assign) and stepped_name(inner) == node.target.id:
                    found.append((node.target.id, inner.lineno))
    return found


def loss_name(facts: LoopFacts, loop: ast.For | ast.While, given: str | None) -> str | None:
    """The loss's name: ``given`` (``--loss``), the receiver of the first ``backward()``,
    or the first name in the loop's body assigned and named like a loss."""
    if given:
        return given
    for _, receiver in facts.backwards:
        if receiver is not None:
            return receiver
    for node in ast.walk(ast.Module(body=loop.body, type_ignores=[])):
        if isinstance(node, ast.Assign):
            for name in assigned_names(node):
                if name in LOSS_NAMES or name.endswith("_loss") or name.startswith("loss"):
                    return name
    return None
