"""Each finding's words: what happened, with the program's own names and numbers, and the
fix."""

from __future__ import annotations

import ast
import math
from typing import Any

from gdtui.core.own.hooks import Broadcast
from gdtui.core.own.program import OwnProgram, ProgramStopped
from gdtui.core.own.values import Parameter, is_tensor, json_value


def shown(value: Any) -> str:
    """A value as the message shows it: a number to 4 significant digits, a small tensor's
    values, else its shape."""
    if value is None:
        return "None"
    plain = json_value(value)
    if isinstance(plain, float):
        return f"{plain:.4g}"
    if isinstance(plain, list) and len(str(_rounded(plain))) <= 60:
        return str(_rounded(plain))
    shape = getattr(value, "shape", None)
    return f"a tensor of shape {tuple(shape)}" if shape is not None else str(plain)[:40]


def _rounded(value: Any) -> Any:
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return float(f"{value:.4g}") if isinstance(value, float) else value


class Wording:
    """The words of each kind of finding for one program."""

    def __init__(self, program: OwnProgram) -> None:
        self.program = program

    @property
    def namespace(self) -> dict[str, Any]:
        return self.program.namespace

    def _optimizer(self, holding: Any = None) -> str | None:
        """The optimizer's variable (the one that holds ``holding``, where given)."""
        import sys

        torch = sys.modules.get("torch")
        if torch is None:
            return None
        for name, value in self.namespace.items():
            if not isinstance(value, torch.optim.Optimizer):
                continue
            held = [p for group in value.param_groups for p in group["params"]]
            if holding is None or any(p is holding for p in held):
                return name
        return None

    def _name_of(self, value: Any) -> str | None:
        for name, held in self.namespace.items():
            if held is value and not name.startswith("__"):
                return name
        return None

    def accumulating(self, name: str, before: Any, after: Any, tensor: Any = None) -> str:
        optimizer = self._optimizer(holding=tensor)
        fix = f"{optimizer}.zero_grad()" if optimizer else f"{name}.grad.zero_()"
        return (
            f"{name}.grad was {shown(before)} before this backward() and {shown(after)} after "
            f"it: backward() adds to .grad, and nothing cleared last epoch's gradient, so the "
            f"epochs' gradients pile up. Clear it after each update: {fix}"
        )

    def wrong_gradient(
        self,
        what: str,
        parameter: str,
        at: float,
        value: float,
        numerical: float,
        ratio: float,
        whole: int | None,
    ) -> str:
        said = f"{ratio:.3g}× the numerical gradient"
        if whole is not None:
            said = f"{whole}× the numerical gradient"
            points = self._points(whole)
            if points:
                said += (
                    f": N = {whole}, the number of points ({points}): the formula sums over "
                    "the points where the loss takes their mean; divide by N"
                )
        return (
            f"{what} is {value:.4g} at {parameter} = {at:.4g}, where central differences of the "
            f"loss give {numerical:.4g}: {said}. Check its formula against the loss's"
        )

    def _points(self, n: int) -> str | None:
        for name, value in self.namespace.items():
            shape = getattr(value, "shape", None)
            if not name.startswith("__") and isinstance(shape, tuple) and shape[:1] == (n,):
                return f"{name} has {n}"
            if is_tensor(value) and tuple(value.shape)[:1] == (n,):
                return f"{name} has {n}"
        return None

    def broadcast(self, found: Broadcast) -> str:
        names = [self._name_of(t) for t in found.tensors]
        parts = [
            f"{name or 'a tensor'} {_shape(shape)}"
            for name, shape in zip(names, found.shapes, strict=True)
        ]
        terms = math.prod(found.result)
        fewer = max(math.prod(found.shapes[0]), math.prod(found.shapes[1]))
        return (
            f"{parts[0]} and {parts[1]} broadcast to {_shape(found.result)}: the loss takes "
            f"{terms} terms where there are {fewer}, and trains to a wrong answer without an "
            f"error. Give both the same shape: {_reshaped(names, found.shapes)}"
        )

    def rebound(self, name: str, now: Any) -> str:
        rate = next((u.rate for u in self.program.facts.updates if u.name == name and u.rate), "lr")
        detail = (
            f"grad_fn={type(now.grad_fn).__name__}"
            if is_tensor(now) and now.grad_fn is not None
            else "requires_grad=False"
            if is_tensor(now)
            else type(now).__name__
        )
        return (
            f"{name} = … makes {name} a new tensor computed from the old one ({detail}): it "
            f"is no longer the leaf that backward() fills, so {name}.grad is None from now on. "
            f"Update it in place: with torch.no_grad(): {name} -= {rate} * {name}.grad"
        )

    def loop_variable(self, name: str) -> str:
        return (
            f"{name} = {name} - … makes {name} a new tensor and leaves the parameter it was "
            f"taken from as it was: nothing moves epoch after epoch. Update the parameter in "
            f"place: with torch.no_grad(): {name} -= lr * {name}.grad"
        )

    def module_rebound(self, stopped: ProgramStopped, code: str) -> str:
        target = code.split("=")[0].strip() or "the parameter"
        return (
            f"{stopped.message}: {target} = … would make a module's parameter a tensor "
            f"computed from it, which the module refuses. Update it in place: with "
            f"torch.no_grad(): {target} -= lr * {target}.grad"
        )

    def in_place(self, stopped: ProgramStopped, code: str) -> str:
        return (
            f"{stopped.message.rstrip('.')}: this line changes a tensor that requires grad in "
            f"place while autograd records, which it cannot undo. Put the update inside "
            f"`with torch.no_grad():`"
        )

    def no_requires_grad(
        self, stopped: ProgramStopped, parameters: list[Parameter]
    ) -> tuple[int, str]:
        facts = self.program.facts
        lacking: list[tuple[int, str]] = []
        for update in facts.updates:
            value: Any = self.namespace.get(update.name)
            if is_tensor(value) and not value.requires_grad:
                line = facts.first_assignment(update.name, before=self.program.loop.lineno)
                if line is not None and update.name not in [n for _, n in lacking]:
                    lacking.append((line, update.name))
        if lacking:
            names = " and ".join(name for _, name in lacking)
            verb = "is" if len(lacking) == 1 else "are"
            return lacking[0][0], (
                f"{names} {verb} created without requires_grad=True, so the loss does not "
                f"depend on any tensor autograd follows and backward() at line "
                f"{stopped.line} fails ({stopped.message}). Create "
                f"{'it' if len(lacking) == 1 else 'them'} with requires_grad=True"
            )
        return stopped.line, (
            f"{stopped.message}: no tensor the loss is computed from requires grad; create the "
            "parameters with requires_grad=True"
        )

    def cleared(
        self, stuck: list[str], backward: int, steps: list[int], parameters: list[Parameter]
    ) -> str:
        values = ", ".join(f"{p.name} = {shown(p.read())}" for p in parameters if p.name in stuck)
        step = f"the step at line {steps[-1]}" if steps else "the update"
        return (
            f"this clears the gradients that backward() at line {backward} just computed, "
            f"before {step} uses them: nothing moves ({values} epoch after epoch). Clear them "
            f"before backward() or after the step"
        )

    def graph_kept(self, name: str, value: Any, how: str, epoch: int) -> str:
        nodes = _graph_size(value)
        what = f"{name} += …" if how == "sum" else f"{name}.append(…)"
        keeps = f"{name}" if how == "sum" else f"each item of {name}"
        return (
            f"{what} keeps a tensor that carries the autograd graph "
            f"(grad_fn={type(value.grad_fn).__name__}): {keeps} holds on to every epoch's "
            f"graph ({nodes} nodes after {epoch} epochs), so memory grows every epoch. Take "
            f"the number instead: loss.item()"
        )

    def diverging(self, losses: list[float], curvature: float | None) -> tuple[int, str]:
        first, last = losses[0], losses[-1]
        growth = losses[-1] / losses[-2] if len(losses) > 1 and losses[-2] else math.inf
        grows = (
            f"the loss grows {growth:.3g}× every epoch ({first:.4g} at epoch 1, "
            f"{last:.4g} at epoch {len(losses)})"
            if math.isfinite(last)
            else f"the loss went from {first:.4g} at epoch 1 to {last} by epoch {len(losses)}"
        )
        rate_name, rate, line = self._rate()
        if rate is None:
            return line, f"{grows}: the learning rate is too large for this loss; try a smaller one"
        named = f"{rate_name} = {rate:g}" if rate_name else f"the learning rate {rate:g}"
        if curvature is not None and curvature > 0:
            stable = 2 / curvature
            return line, (
                f"{grows}: {named} is above {stable:.4g}, the largest stable rate here "
                f"(2/λ, λ = {curvature:.4g} the loss's largest curvature in the parameters)"
            )
        return line, f"{grows}: {named} is too large for this loss; try a smaller one"

    def _rate(self) -> tuple[str | None, float | None, int]:
        """(the rate's name, its value, the line that sets it)."""
        program = self.program
        facts = program.facts
        for update in facts.updates:
            if update.rate is not None:
                value = self.namespace.get(update.rate)
                line = facts.first_assignment(update.rate, before=program.loop.lineno)
                if isinstance(value, int | float):
                    return update.rate, float(value), line or update.line
        optimizer = self._optimizer()
        if optimizer is not None:
            rate = float(self.namespace[optimizer].param_groups[0]["lr"])
            made = facts.first_assignment(optimizer) or program.loop.lineno
            named = _keyword_name(program, made, "lr")
            if named is not None:
                return named, rate, facts.first_assignment(named) or made
            return None, rate, made
        line = facts.updates[0].line if facts.updates else program.loop.lineno
        return None, None, line

    def then(self, stopped: ProgramStopped) -> str:
        return f"then line {stopped.line} failed: {stopped.message}"


def _keyword_name(program: OwnProgram, line: int, keyword: str) -> str | None:
    for node in ast.walk(program.source.tree):
        if isinstance(node, ast.Call) and getattr(node, "lineno", 0) == line:
            for given in node.keywords:
                if given.arg == keyword and isinstance(given.value, ast.Name):
                    return given.value.id
    return None


def _reshaped(names: list[str | None], shapes: tuple[tuple[int, ...], ...]) -> str:
    """How to give two shapes one: the lower-dimensional one as a column, or the other
    squeezed, in the program's names where it has them."""
    low = 0 if len(shapes[0]) < len(shapes[1]) else 1
    high = 1 - low
    column = (
        f"{names[low]}.view(-1, 1)"
        if names[low]
        else f"the {_shape(shapes[low])} one as a column (.view(-1, 1))"
    )
    squeezed = (
        f"{names[high]}.squeeze(1)"
        if names[high]
        else f".squeeze(1) on the {_shape(shapes[high])} one"
    )
    return f"{column}, or {squeezed}"


def _shape(shape: tuple[int, ...]) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else str(tuple(shape))


def _graph_size(tensor: Any, limit: int = 100_000) -> int:
    seen: set[int] = set()
    stack = [tensor.grad_fn]
    while stack and len(seen) < limit:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(next_fn for next_fn, _ in node.next_functions)
    return len(seen)
