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
import contextlib
import copy
import gc
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from gdtui.core.engine.record import EpochRecord

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
    deferred: bool = False
    """Read in one transfer at the block's end, not each update: ``reader`` is then a 1-D
    tensor of the values on the model's device and ``full_loss`` a 0-d one (a GPU syncs once
    a block, not once an epoch). The block then runs all its epochs and its records end at
    the first that may end the run: what ran after it is the caller's to undo."""


def compile_block(code: BlockCode, names: dict[str, Any]) -> EpochBlock:
    """``code`` as an :data:`EpochBlock` over the namespace ``names``."""
    if code.deferred:
        return _compile_deferred(code, names)
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
        epoch = [*code.head, *update, "_full = _l"]
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
    # is_finite's sum, in its order, of the last update's values: one comparison covers
    # every number.
    total = "_l + _w + _g"
    if code.bind is not None:
        total += " + _full"
    if code.bias:
        total += " + (_b + _gb)"
    epoch += [
        f"_t = {total}",
        "if not (_eps <= _full < _ceiling and _t - _t == 0.0):",
        "    break",
    ]
    start = [
        "_records = []",
        "_updates = []",
        f"_append = {'_records' if code.bind is None else '_updates'}.append",
    ]
    return _assemble(code, names, start, epoch, ["return _records, _updates"])


def _compile_deferred(code: BlockCode, names: dict[str, Any]) -> EpochBlock:
    """The deferred block: each update's values stay on the device, with the Python ones
    (epoch, batch, lr) beside them, until one stack and one ``tolist`` at the end; the
    records are built and judged from those."""
    fields = "_r[3], _r[4]" if code.bias else "None, None"
    batched = code.bind is not None
    batch = "_k + 1" if batched else "1"
    update = ["_values.append(" + code.reader + ")", f"_keys.append((_epoch, {batch}, lr))"]
    update += code.zero
    if code.bind is None:
        epoch = [*code.head, *update]
    else:
        epoch = [
            *code.head,
            "for _k in range(len(batches)):",
            *(_INDENT + line for line in (code.bind, *code.body, *update)),
            *code.tail,
            f"_fulls.append({code.full_loss})",
        ]
    start = ["_values = []", "_keys = []", "_fulls = []"]
    full = "_full = _r[0]" if not batched else "_full = _fulls[_e] if _k == _last_k else None"
    end = [
        "_rows = _stack(_values).tolist() if _values else []",
        "_fulls = _stack(_fulls).tolist() if _fulls else []",
        "_records = []",
        "_updates = []",
        "_last_k = len(batches) if _fulls else 1" if batched else "_last_k = 1",
        "_e = 0",
        "for (_epoch, _k, _lr), _r in zip(_keys, _rows):",
        "    _steps += 1",
        f"    {full}",
        f"    _u = _new(_Record, (_epoch, _r[0], _r[1], _r[2], {fields}, _lr, _state, _steps,"
        f" _k, {'_full' if batched else 'None'}, None, None))",
        "    _updates.append(_u)",
        "    if _k != _last_k:",
        "        continue",
        "    _e += 1",
        "    _records.append(_u)",
        "    _t = sum(_r) + (0.0 if _full is None else _full)",
        "    if not (_eps <= _full < _ceiling and _t - _t == 0.0):",
        "        break",
        f"return _records, {'_updates[: _steps - _steps0]' if batched else '[]'}",
    ]
    return _assemble(code, names, [*start, "_steps0 = _steps"], epoch, end)


def _assemble(
    code: BlockCode, names: dict[str, Any], start: list[str], epoch: list[str], end: list[str]
) -> EpochBlock:
    """The block's function: the namespace's names it uses as locals, ``start``, the epochs'
    loop of ``epoch``, the names it assigns written back, then ``end``."""
    used, assigned = scope_names("\n".join([*code.prelude, *epoch, "lr"]))
    loaded = sorted(name for name in used if name in names and not name.startswith("_"))
    stored = sorted(name for name in assigned if not name.startswith("_"))
    lines = [
        "def _block(_names, _n, _epoch, _steps, _state, _eps, _ceiling):",
        *(f"    {name} = _names[{name!r}]" for name in loaded),
        *(_INDENT + line for line in (*code.prelude, *start)),
        "    for _epoch in range(_epoch + 1, _epoch + 1 + _n):",
        *(2 * _INDENT + line for line in epoch),
        f"    _names.update({{{', '.join(f'{name!r}: {name}' for name in stored)}}})",
        *(_INDENT + line for line in end),
    ]
    scope: dict[str, Any] = {
        "__builtins__": builtins,
        "_new": tuple.__new__,
        "_Record": EpochRecord,
    }
    if code.deferred:
        import torch  # only a torch program's block is deferred

        scope["_stack"] = torch.stack
    exec(compile("\n".join(lines), "<epochs>", "exec"), scope)
    block: EpochBlock = scope["_block"]
    return block


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector off for a while: a block keeps thousands of new records,
    which it would scan again and again (a tenth of a fast block's time), and an epoch
    makes no reference cycles for it to find."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def snapshot(names: dict[str, Any]) -> dict[str, Any]:
    """A copy of a torch program's namespace to go back to (a deferred block that ran past
    the epoch that may end the run): its tensors, model, optimizer and generator copied
    together (so the optimizer holds the copied parameters); modules, functions and
    classes, and the tensors an epoch makes afresh, shared."""
    import torch

    shared = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType)
    own_builtins = names.get("__builtins__")
    memo: dict[int, Any] = {}
    for value in names.values():
        made = isinstance(value, torch.Tensor) and value.grad_fn is not None
        if made or isinstance(value, shared) or value is own_builtins:
            memo[id(value)] = value
    return copy.deepcopy(names, memo)


def stacked(values: list[str]) -> str:
    """The expression of ``values`` (one-element tensors) as one 1-D tensor on their device."""
    return f"torch.stack([v.detach().reshape(()) for v in ({', '.join(values)},)])"


def reader(values: list[str], uses_torch: bool, cuda: bool) -> str:
    """The expression of ``values`` as a tuple of Python floats, read from the model's device:
    on a GPU in one transfer, so one sync an epoch."""
    if not uses_torch:
        return f"({', '.join(f'float({v})' for v in values)})"
    if cuda:
        return f"{stacked(values)}.tolist()"
    return f"({', '.join(f'{v}.item()' for v in values)})"
