"""The training loop as Python source: the one text that the Code pane shows, ``gdtui trace``
prints and every trainer executes (see :mod:`gdtui.core.trainers.program_trainer`).

A :class:`Program` is built from a :class:`~gdtui.core.config.RunConfig` with the option
values filled in, in the seed notebooks' own idioms. Its setup lines run once; its loop lines
run once per epoch, in order; the zeroing line is commented out while zero_grad is off. Each
line is one statement, so it can be stepped on its own.

This module only writes text: it imports neither numpy nor torch.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from functools import cached_property

from gdtui.core.config import RunConfig
from gdtui.core.record import GRAD_NONE, GRAD_ZERO
from gdtui.core.trainers.registry import MOMENTUM

INDENT = "    "

SETUP = "setup"
EPOCH = "epoch"
"""``epoch += 1``: the counter the schedule reads."""
SCHEDULE = "schedule"
"""The learning rate of this epoch, under a schedule."""
FORWARD = "forward"
LOSS = "loss"
GRADIENT = "gradient"
"""A gradient written by hand (numpy-manual's ``dw = …``)."""
ACCUMULATE = "accumulate"
"""numpy-manual's ``grad += dw``: what ``.grad`` does by itself in torch."""
BACKWARD = "backward"
UPDATE = "update"
ZERO = "zero"
"""The line that clears the gradient; skipped while zero_grad is off."""


@dataclass(frozen=True)
class Line:
    """One statement of the program and what part of the loop it is."""

    code: str
    role: str

    @cached_property
    def assigns(self) -> tuple[str, ...]:
        """The names this statement binds or changes in place (``w`` for ``w -= …``)."""
        names: list[str] = []
        for node in ast.walk(ast.parse(self.code)):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id not in names:
                    names.append(target.id)
        return tuple(names)


@dataclass(frozen=True)
class Program:
    """A run's code: ``setup`` once, then ``loop`` each epoch.

    ``parameters`` and ``gradients`` are expressions for the trained values and the
    gradients their update uses (``w`` and ``w.grad``; numpy's stand-in for ``.grad`` is
    ``grad``); ``cleared`` is what the zeroing line leaves (``GRAD_ZERO`` or ``GRAD_NONE``).
    """

    setup: tuple[Line, ...]
    header: str
    loop: tuple[Line, ...]
    parameters: tuple[str, ...]
    gradients: tuple[str, ...]
    cleared: int
    uses_torch: bool
    optimizer: bool
    """Whether the namespace has an ``optimizer`` (a ``torch.optim`` one)."""

    def listing(self, zero_grad: bool = True) -> list[str]:
        """The code as shown: setup, a blank line, the loop header and its indented body;
        the zeroing line commented out while zero_grad is off."""
        lines = [line.code for line in self.setup]
        lines += ["", self.header]
        lines += [INDENT + self.shown(line, zero_grad) for line in self.loop]
        return lines

    def shown(self, line: Line, zero_grad: bool) -> str:
        """``line`` as shown and run: a comment while it is a zeroing line that is off."""
        return line.code if zero_grad or line.role != ZERO else f"# {line.code}"

    def number(self, index: int) -> int:
        """The number, from 1 in :meth:`listing`, of loop line ``index`` (from 0)."""
        return len(self.setup) + 3 + index

    @property
    def header_number(self) -> int:
        """The number of the loop header in :meth:`listing`."""
        return len(self.setup) + 2

    def index(self, role: str) -> int | None:
        """The index of the first loop line with ``role``, or None."""
        return next((i for i, line in enumerate(self.loop) if line.role == role), None)


def literal(value: float) -> str:
    """A float as Python source that reads back as the same float: ``2`` for 2.0 (as the
    seeds write their data), else the shortest repr."""
    if value.is_integer() and abs(value) < 1e15 and math.copysign(1.0, value) > 0:
        return str(int(value))
    return repr(value)


def _values(values: tuple[float, ...], column: bool) -> str:
    if column:
        return "[" + ", ".join(f"[{literal(v)}]" for v in values) + "]"
    return "[" + ", ".join(literal(v) for v in values) + "]"


def _device(config: RunConfig) -> str:
    return ', device="cuda"' if config.resolved_device == "cuda" else ""


def schedule_line(config: RunConfig) -> str | None:
    """The line that sets this epoch's rate, evaluating exactly as
    :func:`~gdtui.core.schedule.scheduled_lr` does; None for a constant rate."""
    base, span = repr(config.lr), max(1, config.epochs)
    if config.schedule == "step":
        return f"lr = {base} * 0.5 ** ((epoch - 1) // {max(1, config.epochs // 4)})"
    if config.schedule == "exponential":
        return f"lr = {base} * 0.01 ** ((epoch - 1) / {span})"
    if config.schedule == "cosine":
        return f"lr = {base} * 0.5 * (1 + math.cos(math.pi * ((epoch - 1) / {span})))"
    return None


def optimizer_call(config: RunConfig, parameters: str) -> str:
    """``torch.optim.SGD([w], lr=lr)`` and its kin, with the options filled in."""
    name = config.optimizer
    if name == "sgd":
        return f"torch.optim.SGD({parameters}, lr=lr)"
    if name == "momentum":
        return f"torch.optim.SGD({parameters}, lr=lr, momentum={MOMENTUM})"
    classes = {"adam": "Adam", "rmsprop": "RMSprop", "adagrad": "Adagrad"}
    return f"torch.optim.{classes[name]}({parameters}, lr=lr)"


def build_program(config: RunConfig) -> Program:
    """The code of ``config``'s run, with its values filled in."""
    builders = {
        "numpy-manual": _numpy_manual,
        "torch-autograd": _torch_autograd,
        "torch-optim": _torch_optim,
        "torch-module": _torch_module,
    }
    return builders[config.variant](config)


def _setup(*codes: str) -> tuple[Line, ...]:
    return tuple(Line(code, SETUP) for code in codes)


def _schedule(config: RunConfig, optimizer: bool) -> tuple[Line, ...]:
    line = schedule_line(config)
    if line is None:
        return ()
    lines = [Line(line, SCHEDULE)]
    if optimizer:
        lines.append(Line('optimizer.param_groups[0]["lr"] = lr', SCHEDULE))
    return tuple(lines)


def _imports(config: RunConfig) -> tuple[str, ...]:
    """Imports beyond numpy, torch and nn, which every program may assume."""
    return ("import math",) if config.schedule == "cosine" else ()


def _header(config: RunConfig) -> str:
    return f"while epoch < {config.epochs}:"


def _numpy_manual(config: RunConfig) -> Program:
    data = config.dataset
    tutorial = config.grad_formula == "tutorial"
    start = config.w0 or 0.0
    # The tutorial keeps the seeds' arithmetic: w is a Python float, so the update runs in
    # float64 as numpy 1.x computed their logs; the forward pass is float32 either way.
    w0 = repr(float(start)) if tutorial else f"np.float32({start!r})"
    gradient = (
        "dw = np.dot(2 * X, y_pred - Y).mean()"
        if tutorial
        else "dw = (2 * X * (y_pred - Y)).mean()"
    )
    update = "w -= lr * float(grad)" if tutorial else "w -= lr * grad"
    setup = _setup(
        *_imports(config),
        f"X = np.array({_values(data.x, False)}, dtype=np.float32)",
        f"Y = np.array({_values(data.y, False)}, dtype=np.float32)",
        f"w = {w0}",
        f"lr = {config.lr!r}",
        "grad = 0.0",
        "epoch = 0",
    )
    loop = (
        Line("epoch += 1", EPOCH),
        *_schedule(config, optimizer=False),
        Line("y_pred = w * X", FORWARD),
        Line("l = ((y_pred - Y) ** 2).mean()", LOSS),
        Line(gradient, GRADIENT),
        Line("grad += dw", ACCUMULATE),
        Line(update, UPDATE),
        Line("grad = 0.0", ZERO),
    )
    return Program(setup, _header(config), loop, ("w",), ("grad",), GRAD_ZERO, False, False)


def _torch_data(config: RunConfig, column: bool) -> tuple[str, str]:
    data, device = config.dataset, _device(config)
    return (
        f"X = torch.tensor({_values(data.x, column)}, dtype=torch.float32{device})",
        f"Y = torch.tensor({_values(data.y, column)}, dtype=torch.float32{device})",
    )


def _weight(config: RunConfig) -> str:
    start = float(config.w0 or 0.0)
    return f"w = torch.tensor({start!r}, dtype=torch.float32{_device(config)}, requires_grad=True)"


def _torch_autograd(config: RunConfig) -> Program:
    setup = _setup(
        *_imports(config),
        *_torch_data(config, column=False),
        _weight(config),
        f"lr = {config.lr!r}",
        "epoch = 0",
    )
    loop = (
        Line("epoch += 1", EPOCH),
        *_schedule(config, optimizer=False),
        Line("y_pred = w * X", FORWARD),
        Line("l = ((y_pred - Y) ** 2).mean()", LOSS),
        Line("l.backward()", BACKWARD),
        Line("with torch.no_grad(): w -= lr * w.grad", UPDATE),
        Line("w.grad.zero_()", ZERO),
    )
    return Program(setup, _header(config), loop, ("w",), ("w.grad",), GRAD_ZERO, True, False)


def _optimizer_loop(config: RunConfig, forward: str) -> tuple[Line, ...]:
    return (
        Line("epoch += 1", EPOCH),
        *_schedule(config, optimizer=True),
        Line(forward, FORWARD),
        Line("l = loss(y_pred, Y)", LOSS),
        Line("l.backward()", BACKWARD),
        Line("optimizer.step()", UPDATE),
        Line("optimizer.zero_grad()", ZERO),
    )


def _torch_optim(config: RunConfig) -> Program:
    setup = _setup(
        *_imports(config),
        *_torch_data(config, column=False),
        _weight(config),
        f"lr = {config.lr!r}",
        "loss = nn.MSELoss()",
        f"optimizer = {optimizer_call(config, '[w]')}",
        "epoch = 0",
    )
    loop = _optimizer_loop(config, "y_pred = w * X")
    return Program(setup, _header(config), loop, ("w",), ("w.grad",), GRAD_NONE, True, True)


def _torch_module(config: RunConfig) -> Program:
    to_device = '.to("cuda")' if config.resolved_device == "cuda" else ""
    bias = "" if config.has_bias else ", bias=False"
    starts = []
    if config.w0 is not None:
        starts.append(f"with torch.no_grad(): model.weight.fill_({float(config.w0)!r})")
    if config.b0 is not None and config.has_bias:
        starts.append(f"with torch.no_grad(): model.bias.fill_({float(config.b0)!r})")
    setup = _setup(
        *_imports(config),
        *_torch_data(config, column=True),
        # nn.Linear draws its initial weight and bias from torch's generator: seeded, a run
        # replays exactly.
        f"torch.manual_seed({config.seed})",
        f"model = nn.Linear(1, 1{bias}){to_device}",
        *starts,
        f"lr = {config.lr!r}",
        "loss = nn.MSELoss()",
        f"optimizer = {optimizer_call(config, 'model.parameters()')}",
        "epoch = 0",
    )
    loop = _optimizer_loop(config, "y_pred = model(X)")
    parameters: tuple[str, ...] = ("model.weight",)
    gradients: tuple[str, ...] = ("model.weight.grad",)
    if config.has_bias:
        parameters += ("model.bias",)
        gradients += ("model.bias.grad",)
    return Program(setup, _header(config), loop, parameters, gradients, GRAD_NONE, True, True)
