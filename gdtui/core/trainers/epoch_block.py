"""Whole epochs of a program as one compiled loop: how a run flat out pays for the code it
shows and little else.

The epoch's lines become the body of a loop in a function, as a plain training loop is
written: the program's variables are the function's locals while it runs (fast to read and
write, where ``exec`` in a namespace looks each up in a dict) and go back to the namespace at
the end. Each update's record is built as it goes. The loop stops after ``n`` epochs, or
after the first epoch whose record may end the run — a number not finite, the epoch's loss
below ``eps``, or at or above ``ceiling`` (where the divergence watch must look) — so that the
caller judges that epoch as it judges any other.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gdtui.core.record import EpochRecord

EpochBlock = Callable[..., tuple[list[EpochRecord], list[EpochRecord]]]
"""``block(names, n, epoch, steps, state, eps, ceiling)`` → (the epochs' records, with
mini-batches every update's in order, else an empty list)."""

_SCOPED = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda)
_INDENT = "    "


def scope_names(source: str) -> tuple[set[str], set[str]]:
    """The names ``source`` uses and those it assigns in its own scope (a comprehension's
    own variables are not the block's)."""
    used: set[str] = set()
    assigned: set[str] = set()

    def visit(node: ast.AST, inner: bool) -> None:
        if isinstance(node, ast.Name):
            used.add(node.id)
            if not inner and isinstance(node.ctx, ast.Store):
                assigned.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child, inner or isinstance(node, _SCOPED))

    visit(ast.parse(source), False)
    return used, assigned


@dataclass(frozen=True)
class BlockCode:
    """An epoch's code, in the parts a block needs.

    ``head`` runs once an epoch; with mini-batches, ``body`` runs once per batch after
    ``bind`` (``xb, yb = batches[_k]``), and ``tail`` after the batches. ``reader`` is the
    update's record, as a tuple of floats (loss, w, grad_w[, b, grad_b]), read between the
    update and ``zero``; ``full_loss`` the expression of the whole data's loss at the epoch's
    end (mini-batches only).
    """

    head: list[str]
    reader: str
    zero: list[str]
    bias: bool
    bind: str | None = None
    body: tuple[str, ...] = ()
    tail: tuple[str, ...] = ()
    full_loss: str | None = None
    prelude: tuple[str, ...] = ()
    """Lines run once at the block's start (names for what ``reader`` reads each update)."""


def compile_block(code: BlockCode, names: dict[str, Any]) -> EpochBlock:
    """``code`` as an :data:`EpochBlock` over the namespace ``names``."""
    values = "_l, _w, _g, _b, _gb" if code.bias else "_l, _w, _g"
    fields = "_b, _gb" if code.bias else "None, None"
    batch = "1" if code.bind is None else "_k + 1"
    update = [
        f"{values} = {code.reader}",
        *code.zero,
        "_steps += 1",
        f"_append(_new(_Record, (_epoch, _l, _w, _g, {fields}, lr, _state, _steps, {batch},"
        " None, None, None)))",
    ]
    if code.bind is None:
        epoch = [*code.head, *update, "_last = _records[-1]", "_full = _l"]
    else:
        epoch = [
            *code.head,
            "for _k in range(len(batches)):",
            *(_INDENT + line for line in (code.bind, *code.body, *update)),
            *code.tail,
            f"_full = {code.full_loss}",
            "_last = _updates[-1] = _new(_Record, (*_updates[-1][:10], _full, None, None))",
            "_records.append(_last)",
        ]
    # is_finite's sum, in its order: one comparison covers every number.
    total = "_last[1] + _last[2] + _last[3]"
    if code.bind is not None:
        total += " + _full"
    if code.bias:
        total += " + (_last[4] + _last[5])"
    epoch += [
        f"_t = {total}",
        "if not (_eps <= _full < _ceiling and _t - _t == 0.0):",
        "    break",
    ]
    used, assigned = scope_names("\n".join([*code.prelude, *epoch, "lr"]))
    loaded = sorted(name for name in used if name in names and not name.startswith("_"))
    stored = sorted(name for name in assigned if not name.startswith("_"))
    lines = [
        "def _block(_names, _n, _epoch, _steps, _state, _eps, _ceiling):",
        *(f"    {name} = _names[{name!r}]" for name in loaded),
        *(_INDENT + line for line in code.prelude),
        "    _records = []",
        "    _updates = []",
        f"    _append = {'_records' if code.bind is None else '_updates'}.append",
        "    for _epoch in range(_epoch + 1, _epoch + 1 + _n):",
        *(2 * _INDENT + line for line in epoch),
        f"    _names.update({{{', '.join(f'{name!r}: {name}' for name in stored)}}})",
        "    return _records, _updates",
    ]
    scope: dict[str, Any] = {
        "__builtins__": builtins,
        "_new": tuple.__new__,
        "_Record": EpochRecord,
    }
    exec(compile("\n".join(lines), "<epochs>", "exec"), scope)
    block: EpochBlock = scope["_block"]
    return block
