"""Watching what a program does with torch: each ``backward()`` (the tensor, the line, the
gradients before and after), each clearing of gradients, each optimizer step, and each
operation that broadcasts two tensors to more elements than either has.

Installed in the program's own process only (torch is patched there, and only while the
program runs); imported once the program has imported torch.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any, Protocol

BROADCASTING = frozenset(
    {
        "sub", "rsub", "add", "mul", "div", "true_divide", "__sub__", "__rsub__", "__add__",
        "__radd__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__", "__isub__",
        "__iadd__", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "pow",
    }
)  # fmt: skip
"""Operations whose two tensor inputs broadcast elementwise (loss functions included)."""


def program_line(filename: str, outermost: bool = False) -> int:
    """The line the program is on: in its innermost frame of the program's own code, or
    (``outermost``) in the program's module-level code (the statement of the loop)."""
    frame: FrameType | None = sys._getframe(1)
    found = 0
    while frame is not None:
        if frame.f_code.co_filename == filename:
            found = frame.f_lineno
            if not outermost:
                return found
        frame = frame.f_back
    return found


@dataclass(frozen=True)
class Broadcast:
    """Two tensors of different shapes that an operation broadcast to more elements."""

    line: int
    operation: str
    shapes: tuple[tuple[int, ...], tuple[int, ...]]
    result: tuple[int, ...]
    tensors: tuple[Any, Any]


class Listener(Protocol):
    """What the checks hear from the hooks."""

    def backward(self, tensor: Any, line: int, before: list[Any]) -> None:
        """A ``backward()`` at ``line`` just ran; ``before`` is every parameter's gradient
        (a copy, or None) just before it."""

    def cleared(self, line: int) -> None:
        """Gradients were cleared at ``line``."""

    def stepped(self, line: int) -> None:
        """An optimizer stepped at ``line``."""

    def broadcast(self, found: Broadcast) -> None:
        """An operation broadcast two tensors to more elements than either."""


class TorchHooks:
    """Patches torch while installed (:meth:`install`, :meth:`remove`): ``backward()``
    always (the loss of each epoch is the tensor it was called on); with a listener, the
    clearing of gradients, the optimizer's steps and broadcasting too."""

    def __init__(
        self, filename: str, parameters: Callable[[], list[Any]], listener: Listener | None
    ) -> None:
        import torch

        self.torch = torch
        self.filename = filename
        self.parameters = parameters
        self.listener = listener
        self.last_backward: list[Any] = []
        self.graph_names: dict[str, Any] | None = None
        """While set (the namespace), each backward() draws its autograd graph into
        :attr:`graph`, with the gradient that flowed along each edge."""
        self.graph: list[str] | None = None
        self.after_backward: list[Any] = []
        """Without a listener: what ``parameters`` gave right after the last backward()."""
        self._undo: list[Callable[[], None]] = []
        self._mode: Any = None

    def install(self) -> None:
        """Patch torch."""
        torch = self.torch
        self._patch(torch.Tensor, "backward", self._backward)
        if self.listener is None:
            return
        self._patch(torch.optim.Optimizer, "zero_grad", self._clearing)
        self._patch(torch.nn.Module, "zero_grad", self._clearing)
        self._patch(torch.Tensor, "zero_", self._zero)
        from torch.optim.optimizer import register_optimizer_step_post_hook

        handle = register_optimizer_step_post_hook(self._stepped)
        self._undo.append(handle.remove)

    def watch_broadcasts(self) -> Any:
        """A context in which broadcasting operations are reported."""
        from torch.overrides import TorchFunctionMode

        hooks = self

        class _Mode(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
                name = getattr(func, "__name__", "")
                if name in BROADCASTING and hooks.listener is not None:
                    hooks._check_broadcast(name, args)
                # torch's own warnings (a target size unlike the input's) point at the
                # program's line, not at this mode's frame.
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    result = func(*args, **(kwargs or {}))
                for warned in caught:
                    line = program_line(hooks.filename)
                    warnings.warn_explicit(warned.message, warned.category, hooks.filename, line)
                return result

        return _Mode()

    def remove(self) -> None:
        """Undo every patch."""
        while self._undo:
            self._undo.pop()()

    def _patch(self, owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        original = owner.__dict__.get(name)
        inherited = getattr(owner, name)
        setattr(owner, name, make(inherited))
        if original is None:
            self._undo.append(lambda: delattr(owner, name))
        else:
            self._undo.append(lambda: setattr(owner, name, original))

    def _backward(self, original: Any) -> Any:
        hooks = self

        def backward(tensor: Any, *args: Any, **kwargs: Any) -> Any:
            listener = hooks.listener
            if listener is None:
                hooks.last_backward[:] = [tensor]
                result = original(tensor, *args, **kwargs)
                hooks.after_backward = hooks.parameters()
                return result
            line = program_line(hooks.filename)
            before = [_copy(getattr(p, "grad", None)) for p in hooks.parameters()]
            watch = None
            if hooks.graph_names is not None and tensor.grad_fn is not None:
                from gdtui.core.engine.graph import GraphWatch

                watch = GraphWatch(tensor.grad_fn)
            result = original(tensor, *args, **kwargs)
            if watch is not None and hooks.graph_names is not None:
                from gdtui.core.engine.graph import draw
                from gdtui.core.numbers import shown

                hooks.graph = draw(watch.read(hooks.graph_names), shown)
            hooks.last_backward[:] = [tensor]
            listener.backward(tensor, line, before)
            return result

        return backward

    def _clearing(self, original: Any) -> Any:
        hooks = self

        def zero_grad(owner: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(owner, *args, **kwargs)
            if hooks.listener is not None:
                hooks.listener.cleared(program_line(hooks.filename))
            return result

        return zero_grad

    def _zero(self, original: Any) -> Any:
        hooks = self

        def zero_(tensor: Any) -> Any:
            result = original(tensor)
            if hooks.listener is not None:
                grads = [getattr(p, "grad", None) for p in hooks.parameters()]
                if any(grad is tensor for grad in grads):
                    hooks.listener.cleared(program_line(hooks.filename))
            return result

        return zero_

    def _stepped(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        if self.listener is not None:
            self.listener.stepped(program_line(self.filename))

    def _check_broadcast(self, name: str, args: tuple[Any, ...]) -> None:
        tensors = [a for a in args if isinstance(a, self.torch.Tensor)][:2]
        if len(tensors) < 2:
            return
        first, second = (tuple(t.shape) for t in tensors)
        if first == second:
            return
        try:
            result = tuple(self.torch.broadcast_shapes(first, second))  # type: ignore[no-untyped-call]
        except RuntimeError:
            return
        if math.prod(result) > max(math.prod(first), math.prod(second)):
            line = program_line(self.filename, outermost=True)
            assert self.listener is not None
            found = Broadcast(line, name, (first, second), result, (tensors[0], tensors[1]))
            self.listener.broadcast(found)


def _copy(grad: Any) -> Any:
    return None if grad is None else grad.detach().clone()
