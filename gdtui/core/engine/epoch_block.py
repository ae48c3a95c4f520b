"""Whole epochs of a program as one compiled loop: how a run flat out pays for the code it
shows and little else.

The epoch's lines become the body of a loop in a function, as a plain training loop is
written: the program's variables are the function's locals while it runs (fast to read and
write, where ``exec`` in a namespace looks each up in a dict) and go back to the namespace at
the end. Each update's values are appended to their columns as it goes (see
:mod:`gdtui.core.engine.columns`: a list append a value, not a record an update), and the
fields that follow from where the block ran are filled in at its end. The loop stops after
``n`` epochs, or after the first epoch that may end the run — a number not finite, the
epoch's loss below ``eps``, or at or above ``ceiling`` (where the divergence watch must
look) — so that the caller judges that epoch as it judges any other.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import gc
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, repeat
from typing import Any

from gdtui.core.engine.columns import RecordColumns

EpochBlock = Callable[..., Sequence[int]]
"""``block(names, n, epoch, steps, state, eps, ceiling, out)``: runs up to ``n`` epochs from
``epoch`` (``steps`` updates made so far, ``.grad`` left as ``state`` by the zeroing line),
appending every update's record to the columns ``out``, every column but, with mini-batches,
the whole data's gradients (``full_grad_w``, ``full_grad_b``: the caller's, from the data);
returns the index in ``out`` of each epoch's last update (a ``range`` where they are evenly
spaced)."""

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
    batch_loop: str = "for xb, yb in batches:"
    """The batch loop's own header, which binds each batch as ``bind`` does."""
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

    @cached_property
    def names(self) -> tuple[set[str], set[str]]:
        """:func:`scope_names` of the program's lines (and ``lr``, which a record reads):
        every name of the block but its own (named ``_…``)."""
        lines = [*self.prelude, *self.head, self.bind or "", *self.body, self.reader]
        lines += [*self.zero, *self.tail, self.full_loss or "", "lr"]
        return scope_names("\n".join(lines))


def compile_block(code: BlockCode, names: dict[str, Any]) -> EpochBlock:
    """``code`` as an :data:`EpochBlock` over the namespace ``names``."""
    if code.deferred:
        return _compile_deferred(code, names)
    batched = code.bind is not None
    values = "_l, _w, _g, _b, _gb" if code.bias else "_l, _w, _g"
    # Each update's values, appended to their columns (locals: ``_c_loss.append(_l)`` is
    # the interpreter's fast path for a list's append, where a bound ``append`` is a call).
    columns = {"loss": "_l", "w": "_w", "grad_w": "_g"}
    if code.bias:
        columns |= {"b": "_b", "grad_b": "_gb"}
    # The rate is a column only where a line of the loop sets it (a schedule); else it is
    # the same all block long, filled in at the end.
    per_update_lr = "lr" in code.names[1]
    if per_update_lr:
        columns["lr"] = "lr"
    appends = "; ".join(f"_c_{name}.append({value})" for name, value in columns.items())
    update = [f"{values} = {code.reader}", *code.zero, appends]
    full = "_l" if not batched else "_full"
    if code.bind is None:
        epoch = [*code.head, *update]
    else:
        epoch = [
            *code.head,
            code.batch_loop,
            *(_INDENT + line for line in (*code.body, *update)),
            *code.tail,
            f"_full = {code.full_loss}",
            "_fulls.append(_full)",
            "_lasts.append(len(batches) - 1)",
        ]
    # is_finite's sum, in its order, of the last update's values: one comparison covers
    # every number.
    # (The epoch's loss is not finite, or at the ceiling, where the range check fails.)
    total = "_w + _g" if not batched else "_l + _w + _g"
    if code.bias:
        total += " + (_b + _gb)"
    epoch += [
        f"_t = {total}",
        f"if not (_eps <= {full} < _ceiling and _t - _t == 0.0):",
        "    break",
    ]
    start = [*(f"_c_{name} = _out.{name}" for name in columns), "_e0 = _epoch"]
    start += ["_fulls = []", "_lasts = []"]
    constants = {"grad_state": "_state"}
    if not per_update_lr:
        constants["lr"] = "lr"
    if not code.bias:
        constants |= {"b": "None", "grad_b": "None"}
    if not batched:
        constants |= {"batch": "1", "full_loss": "None"}
        constants |= {"full_grad_w": "None", "full_grad_b": "None"}
    filled = ", ".join(f"{name}={value}" for name, value in constants.items())
    end = [
        "_c = len(_out.loss)",
        "_out.step.extend(range(_steps + 1, _steps + 1 + _c))",
        f"_out.fill(_c, {filled})",
    ]
    if not batched:
        end += ["_out.epoch.extend(range(_e0 + 1, _e0 + 1 + _c))", "return range(_c)"]
    else:
        end.append("return _batches_end(_out, _lasts, _fulls, _e0 + 1)")
    return _assemble(code, names, start, epoch, end)


def _batch_columns(
    out: RecordColumns, lasts: list[int], fulls: list[float], first: int
) -> Sequence[int]:
    """A mini-batch block's columns of each update's epoch and batch, and of the whole
    data's loss (on each epoch's last update), from each epoch's last batch (its index in
    the epoch, ``lasts``) and whole-data loss; returns the index of each epoch's last update.
    A slice at a time where every epoch has as many batches."""
    count = len(lasts)
    size = lasts[0] + 1 if lasts else 1
    full: list[float | None] = [None] * len(out.loss)
    if lasts.count(size - 1) == count:
        out.epoch = [0] * len(full)
        for batch in range(size):
            out.epoch[batch::size] = range(first, first + count)
        out.batch = list(range(1, size + 1)) * count
        full[size - 1 :: size] = fulls
        out.full_loss = full
        return range(size - 1, size * count, size)
    ends = [end - 1 for end in accumulate(last + 1 for last in lasts)]
    for epoch, last in enumerate(lasts, first):
        out.epoch.extend(repeat(epoch, last + 1))
        out.batch.extend(range(1, last + 2))
    for end, loss in zip(ends, fulls, strict=True):
        full[end] = loss
    out.full_loss = full
    return ends


def _compile_deferred(code: BlockCode, names: dict[str, Any]) -> EpochBlock:
    """The deferred block: each update's values stay on the device, with the Python ones
    (epoch, batch, lr) beside them, until one stack and one ``tolist`` at the end; the
    columns are written and the epochs judged from those (:func:`_deferred_columns`)."""
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
    batches = "len(batches)" if batched else "None"
    end = [
        "_rows = _stack(_values).tolist() if _values else []",
        "_fulls = _stack(_fulls).tolist() if _fulls else []",
        f"return _end(_out, _rows, _keys, _fulls, _steps, _state, _eps, _ceiling, {batches})",
    ]
    return _assemble(code, names, start, epoch, end)


def _deferred_columns(
    out: RecordColumns,
    rows: list[list[float]],
    keys: list[tuple[int, int, float]],
    fulls: list[float],
    steps: int,
    state: int,
    eps: float,
    ceiling: float,
    batches: int | None,
) -> Sequence[int]:
    """The columns of a deferred block's updates (``rows`` of values read, ``keys`` of
    (epoch, batch, lr)), up to the first epoch that may end the run; ``batches``: an epoch's
    batches, None with the full batch (where each update is an epoch). Returns the index of
    each epoch's last update."""
    last_batch = batches if batches is not None and fulls else 1
    kept = epoch = 0
    ends: list[int] = []
    for index, ((_, batch, _), row) in enumerate(zip(keys, rows, strict=False)):
        if batch != last_batch:
            continue
        full = row[0] if batches is None else fulls[epoch]
        epoch += 1
        kept = index + 1
        if batches is not None:
            ends.append(index)
        total = sum(row) + full
        if not (eps <= full < ceiling and total - total == 0.0):
            break
    rows, keys = rows[:kept], keys[:kept]
    if not rows:
        return ends
    values = list(zip(*rows, strict=True))
    names = ("loss", "w", "grad_w", "b", "grad_b")
    for name, column in zip(names, values, strict=False):
        out.column(name).extend(column)
    epochs, numbers, lrs = zip(*keys, strict=True)
    out.epoch.extend(epochs)
    out.batch.extend(numbers)
    out.lr.extend(lrs)
    out.step.extend(range(steps + 1, steps + 1 + kept))
    out.fill(kept, grad_state=state)
    if len(values) < 5:
        out.fill(kept, b=None, grad_b=None)
    if batches is None:
        out.fill(kept, full_loss=None, full_grad_w=None, full_grad_b=None)
        return range(kept)
    full_loss: list[float | None] = [None] * kept
    for end, full in zip(ends, fulls, strict=False):
        full_loss[end] = full
    out.full_loss.extend(full_loss)
    return ends


def _assemble(
    code: BlockCode, names: dict[str, Any], start: list[str], epoch: list[str], end: list[str]
) -> EpochBlock:
    """The block's function: the namespace's names it uses as locals, ``start``, the epochs'
    loop of ``epoch``, the names it assigns written back, then ``end``."""
    used, assigned = code.names
    # The deferred block keeps each update's epoch; the other fills the column at its end
    # (and its loop makes no number an epoch: above 256, each would be a new int).
    loop = (
        "_epoch in range(_epoch + 1, _epoch + 1 + _n)"
        if code.deferred
        else "_e in _repeat(None, _n)"
    )
    loaded = sorted(name for name in used if name in names and not name.startswith("_"))
    stored = sorted(name for name in assigned if not name.startswith("_"))
    lines = [
        "def _block(_names, _n, _epoch, _steps, _state, _eps, _ceiling, _out):",
        *(f"    {name} = _names[{name!r}]" for name in loaded),
        *(_INDENT + line for line in (*code.prelude, *start)),
        f"    for {loop}:",
        *(2 * _INDENT + line for line in epoch),
        f"    _names.update({{{', '.join(f'{name!r}: {name}' for name in stored)}}})",
        *(_INDENT + line for line in end),
    ]
    scope: dict[str, Any] = {
        "__builtins__": builtins,
        "_end": _deferred_columns,
        "_batches_end": _batch_columns,
        "_repeat": repeat,
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
