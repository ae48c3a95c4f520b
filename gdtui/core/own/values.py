"""A program's parameters, their gradients and its loss, found in its namespace, and any
value written as JSON can hold it.

**Parameters** are the leaf tensors with ``requires_grad`` that the program holds (directly,
in a module, or in an optimizer), named as the program reaches them: ``w``,
``model.weight``, ``net.lin.bias``. In a loop without autograd, they are the variables the
loop updates with ``-=``/``+=``, and a parameter's gradient is what its update multiplies
by the learning rate (``w -= learning_rate * dw`` → ``dw``).
"""

from __future__ import annotations

import ast
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gdtui.core.own.statements import LoopFacts

WHOLE_UP_TO = 10_000
"""Elements a tensor or array is written out whole up to; a larger one as its shape and
norm."""


@dataclass(frozen=True)
class Parameter:
    """A parameter of the program and how to read it now."""

    name: str
    read: Callable[[], Any]
    gradient: str | None = None
    """In a loop without autograd: the expression its update multiplies by the rate."""

    @property
    def autograd(self) -> bool:
        """Whether its gradient is its ``.grad``."""
        return self.gradient is None


_TENSOR: list[type] = []
"""torch.Tensor, once the program has imported torch."""


def is_tensor(value: Any) -> bool:
    """Whether ``value`` is a torch tensor (without importing torch)."""
    if not _TENSOR:
        torch = sys.modules.get("torch")
        if torch is None:
            return False
        _TENSOR.append(torch.Tensor)
    return isinstance(value, _TENSOR[0])


def _visible(name: str, value: Any) -> bool:
    return not name.startswith("__") and not isinstance(
        value, types.ModuleType | types.FunctionType | type | types.BuiltinFunctionType
    )


def find_parameters(namespace: dict[str, Any], facts: LoopFacts) -> list[Parameter]:
    """The program's parameters, in the order the namespace has them."""
    found: list[Parameter] = []
    seen: set[int] = set()
    torch = sys.modules.get("torch")
    if torch is not None:
        for name, value in list(namespace.items()):
            if not _visible(name, value):
                continue
            for reached, tensor, direct in _leaves(torch, name, value):
                if id(tensor) in seen:
                    continue
                seen.add(id(tensor))
                found.append(Parameter(reached, _reader(namespace, reached, tensor, direct)))
    for update in facts.updates:
        name = update.name
        held: Any = namespace.get(name)
        if name in {p.name for p in found} or (is_tensor(held) and held.requires_grad):
            continue
        if isinstance(held, int | float) or hasattr(held, "shape"):
            gradient = update.gradient if update.gradient and _plain(update.gradient) else None
            found.append(Parameter(name, _reader(namespace, name, None, True), gradient or "?"))
    return found


def _reader(namespace: dict[str, Any], name: str, tensor: Any, direct: bool) -> Callable[[], Any]:
    """How to read a parameter: a variable's value now (it may be rebound), or the tensor."""
    if direct:
        return lambda: namespace.get(name)
    return lambda: tensor


def _leaves(torch: Any, name: str, value: Any) -> list[tuple[str, Any, bool]]:
    """(the name, the tensor, whether the name is a variable) of each leaf tensor that
    requires grad reachable from the variable ``name``."""
    if isinstance(value, torch.Tensor):
        return [(name, value, True)] if value.requires_grad and value.is_leaf else []
    if isinstance(value, torch.nn.Module):
        return [(f"{name}{_reached(part)}", p, False) for part, p in value.named_parameters()]
    if isinstance(value, torch.optim.Optimizer):
        return [
            (f"{name}.param_groups[{g}]['params'][{i}]", p, False)
            for g, group in enumerate(value.param_groups)
            for i, p in enumerate(group["params"])
        ]
    return []


def _reached(path: str) -> str:
    """A module's parameter path as Python reaches it: ``0.weight`` → ``[0].weight``."""
    return "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in path.split("."))


def _plain(expression: str) -> bool:
    """Whether reading ``expression`` calls nothing (so reading it changes nothing)."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return False
    return not any(isinstance(node, ast.Call) for node in ast.walk(tree))


def gradient_of(parameter: Parameter, namespace: dict[str, Any]) -> Any:
    """The parameter's gradient now: its ``.grad``, or its update's gradient expression."""
    if parameter.gradient is None:
        value = parameter.read()
        return getattr(value, "grad", None)
    if parameter.gradient == "?":
        return None
    try:
        return eval(parameter.gradient, {"__builtins__": {}}, namespace)  # names only: _plain
    except Exception:
        return None


def json_value(value: Any) -> Any:
    """A value as JSON holds it: a number, nested lists of numbers, None; a tensor or array
    of more than :data:`WHOLE_UP_TO` elements as ``{"shape": […], "norm": x}``; anything
    else as its one-line repr."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, float):
        return float(value)  # numpy's float64 is a float: written as one, not np.float64(…)
    if isinstance(value, int):
        return int(value)
    if is_tensor(value):
        if not value.dim():  # a number: .item() is the quick way to it
            return value.item()
        value = value.detach()
        if value.numel() > WHOLE_UP_TO:
            return {"shape": list(value.shape), "norm": float(value.double().norm())}
        return value.cpu().tolist()
    if hasattr(value, "tolist") and hasattr(value, "shape"):  # numpy
        if getattr(value, "size", 0) > WHOLE_UP_TO:
            import numpy as np

            norm = float(np.linalg.norm(np.asarray(value, dtype=np.float64)))
            return {"shape": list(value.shape), "norm": norm}
        return value.tolist()
    if hasattr(value, "item") and callable(value.item):  # a numpy scalar
        return value.item()
    if isinstance(value, list | tuple) and len(value) <= WHOLE_UP_TO:
        return [json_value(item) for item in value]
    text = repr(value)
    if "\n" in text or len(text) > 200:
        return f"<{type(value).__name__}>"
    return text.split(" at 0x")[0]


def number(value: Any) -> float | None:
    """A one-element value as a float (a loss), else None."""
    try:
        if is_tensor(value):
            return float(value.item()) if value.numel() == 1 else None
        result = float(value)
    except (TypeError, ValueError, RuntimeError):
        return None
    return result if isinstance(result, float) else None


@dataclass
class Recorder:
    """Each epoch's record of a program: its loss, parameters and gradients."""

    namespace: dict[str, Any]
    parameters: list[Parameter]
    loss_name: str | None
    last_backward: list[Any]
    """The tensor the last ``backward()`` was called on, where the hooks saw one."""

    def loss(self) -> float | None:
        """This epoch's loss: the last ``backward()``'s tensor, else the loss's variable."""
        if self.last_backward:
            return number(self.last_backward[-1])
        if self.loss_name is None:
            return None
        return number(self.namespace.get(self.loss_name))

    def record(self, epoch: int) -> dict[str, Any]:
        """``{"epoch", "loss", "params", "grads"}`` as JSON holds them."""
        params: dict[str, Any] = {}
        grads: dict[str, Any] = {}
        for parameter in self.parameters:
            value = parameter.read()
            params[parameter.name] = json_value(value)
            if parameter.gradient is None:
                grads[parameter.name] = json_value(getattr(value, "grad", None))
            else:
                grads[parameter.name] = json_value(gradient_of(parameter, self.namespace))
        return {"epoch": epoch, "loss": self.loss(), "params": params, "grads": grads}


def copied(value: Any) -> Any:
    """A copy of a value that may change in place (a tensor, an array)."""
    if is_tensor(value):
        return value.detach().clone()
    if hasattr(value, "copy"):
        return value.copy()
    return value


def flat(value: Any) -> list[float]:
    """A value's elements, flat, as floats."""
    import numpy as np

    if is_tensor(value):
        value = value.detach().cpu().double().numpy()
    return [float(x) for x in np.asarray(value, dtype=np.float64).reshape(-1)]


def nonzero(value: Any) -> bool:
    """Whether a gradient holds anything but zeros (None holds nothing)."""
    if value is None:
        return False
    if is_tensor(value):
        return bool(value.detach().abs().sum() > 0)
    try:
        import numpy as np

        return bool(np.any(np.asarray(value) != 0))
    except (TypeError, ValueError):
        return False


def same(a: Any, b: Any) -> bool:
    """Whether two values are equal, element by element."""
    if a is None or b is None:
        return a is b
    if is_tensor(a) or is_tensor(b):
        if not (is_tensor(a) and is_tensor(b)):
            return False
        return a.shape == b.shape and bool((a.detach() == b.detach()).all())
    try:
        import numpy as np

        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except (TypeError, ValueError):
        return a is b


def difference(after: Any, before: Any) -> Any:
    """``after - before`` of a parameter (the update an epoch applied); None where the two
    cannot be taken apart (a parameter rebound to something else)."""
    import numpy as np

    try:
        if is_tensor(after):
            after = after.detach().cpu().double().numpy()
        if is_tensor(before):
            before = before.detach().cpu().double().numpy()
        return np.asarray(after, dtype=np.float64) - np.asarray(before, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError):
        return None


def shaped(elements: list[Any], like: Any) -> Any:
    """Numbers given flat, in the shape of ``like`` (a number for a number), as JSON."""
    import numpy as np

    shape = getattr(like, "shape", ())
    array = np.asarray(elements, dtype=np.float64).reshape(tuple(shape))
    return array.tolist()
