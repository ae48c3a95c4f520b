"""The training loop as Python source: the one text that the Code pane shows, ``gdtui trace``
prints and the trainer executes (see :mod:`gdtui.core.engine.trainer`).

A :class:`Program` is built from a :class:`~gdtui.core.settings.config.RunConfig` with the option
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

from gdtui.core.engine.record import GRAD_NONE, GRAD_ZERO
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.variants import (
    DEFAULT_BETAS,
    NUMPY_MANUAL,
    TORCH_AUTOGRAD,
    TORCH_MODULE,
    TORCH_OPTIM,
)

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
ORDER = "order"
"""``order = rng.permutation(n)`` (or ``np.arange(n)``): the epoch's order of the points."""
BATCHES = "batches"
"""The epoch's batches: consecutive slices of ``order``."""
BATCH = "batch"
"""``for xb, yb in batches:``, the batch loop's header: each run of it takes the next batch."""
FULL = "full"
"""The full-data loss at the epoch's end, after its batches (``full_l = …``)."""


@dataclass(frozen=True)
class Line:
    """One statement of the program and what part of the loop it is."""

    code: str
    role: str
    inner: bool = False
    """Whether the line is in the batch loop's body (run once per batch)."""

    @cached_property
    def assigns(self) -> tuple[str, ...]:
        """The names this statement binds or changes in place (``w`` for ``w -= …``)."""
        names: list[str] = []
        code = f"{self.code} pass" if self.code.endswith(":") else self.code  # a loop header
        for node in ast.walk(ast.parse(code)):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For):
                targets = [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name) and name.id not in names:
                        names.append(name.id)
        return tuple(names)


@dataclass(frozen=True)
class Program:
    """A run's code: ``setup`` once, then ``loop`` each epoch.

    ``parameters`` and ``gradients`` are expressions for the trained values and the
    gradients their update uses (``w`` and ``w.grad``; numpy's stand-in for ``.grad`` is
    ``grad``); ``cleared`` is what the zeroing line leaves (``GRAD_ZERO`` or ``GRAD_NONE``)."""

    setup: tuple[Line, ...]
    header: str
    loop: tuple[Line, ...]
    parameters: tuple[str, ...]
    gradients: tuple[str, ...]
    cleared: int
    uses_torch: bool
    optimizer: bool
    """Whether the namespace has an ``optimizer`` (a ``torch.optim`` one)."""
    inputs: tuple[str, str] = ("X", "Y")
    """The names of the points the loss line reads: ``xb, yb`` in the batch loop."""

    def listing(self, zero_grad: bool = True) -> list[str]:
        """The code as shown: setup, a blank line, the loop header and its indented body;
        the zeroing line commented out while zero_grad is off."""
        lines = [line.code for line in self.setup]
        lines += ["", self.header]
        lines += [INDENT * (1 + line.inner) + self.shown(line, zero_grad) for line in self.loop]
        return lines

    def epoch_lines(self, batches: int) -> int:
        """How many lines an epoch steps: the batch loop's header and body once per batch."""
        header = self.index(BATCH)
        if header is None:
            return len(self.loop)
        inner = sum(line.inner for line in self.loop)
        return len(self.loop) + (batches - 1) * (1 + inner)

    @property
    def batched(self) -> bool:
        """Whether the loop has a batch loop inside it."""
        return self.index(BATCH) is not None

    def runs(self, line: Line, batch: int | str) -> str:
        """The statement that ``line`` executes for batch ``batch`` (from 0, or the name of
        the variable that holds it): the batch loop's header takes that batch
        (``xb, yb = batches[1]``), any other line is itself."""
        if line.role == BATCH:
            return f"xb, yb = batches[{batch}]"
        return line.code

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
    """The line that sets this epoch's rate under ``config``'s schedule (see
    :data:`~gdtui.core.settings.schedules.SCHEDULES`); None for a constant rate."""
    base, span = repr(config.lr), max(1, config.epochs)
    if config.schedule == "step":
        return f"lr = {base} * 0.5 ** ((epoch - 1) // {max(1, config.epochs // 4)})"
    if config.schedule == "exponential":
        return f"lr = {base} * 0.01 ** ((epoch - 1) / {span})"
    if config.schedule == "cosine":
        return f"lr = {base} * 0.5 * (1 + math.cos(math.pi * ((epoch - 1) / {span})))"
    return None


def optimizer_call(config: RunConfig, parameters: str) -> str:
    """``torch.optim.SGD([w], lr=lr)`` and its kin, with the options filled in (momentum's
    β always, as the seeds' idiom names it; Adam's betas and weight decay when set)."""
    name, options = config.optimizer, ""
    if name == "momentum":
        options += f", momentum={config.momentum!r}"
        if config.nesterov:
            options += ", nesterov=True"
    if name == "adam" and config.betas != DEFAULT_BETAS:
        options += f", betas=({config.betas[0]!r}, {config.betas[1]!r})"
    if config.weight_decay:
        options += f", weight_decay={config.weight_decay!r}"
    classes = {"sgd": "SGD", "momentum": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}
    return f"torch.optim.{classes.get(name, 'Adagrad')}({parameters}, lr=lr{options})"


def _np_dtype(config: RunConfig) -> str:
    return f"np.{config.dtype}"


def _torch_dtype(config: RunConfig) -> str:
    return f"torch.{config.dtype}"


def _decay(config: RunConfig, parameter: str) -> str:
    """`` + 0.01 * w``: the L2 penalty's gradient, in a hand-written gradient or update."""
    return f" + {config.weight_decay!r} * {parameter}" if config.weight_decay else ""


def build_program(config: RunConfig) -> Program:
    """The code of ``config``'s run, with its values filled in."""
    builders = {
        NUMPY_MANUAL: _numpy_manual,
        TORCH_AUTOGRAD: _torch_autograd,
        TORCH_OPTIM: _torch_optim,
        TORCH_MODULE: _torch_module,
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


def _inputs(config: RunConfig) -> tuple[str, str]:
    """The names the loss reads its points from: the batch's in the batch loop."""
    return ("xb", "yb") if config.batched else ("X", "Y")


def _model(config: RunConfig, x: str) -> str:
    """``w * X`` (``+ b`` with a bias) of the points named ``x``."""
    return f"w * {x} + b" if config.has_bias else f"w * {x}"


def _loop(
    config: RunConfig,
    setup: tuple[Line, ...],
    body: tuple[Line, ...],
    full: str,
    optimizer: bool,
) -> tuple[tuple[Line, ...], tuple[Line, ...]]:
    """The setup and loop around ``body`` (forward pass to zeroing line): the body once per
    epoch, or once per batch inside the batch loop, where the setup seeds the generator
    that orders the points, and the epoch ends on the full-data loss ``full``."""
    head = (Line("epoch += 1", EPOCH), *_schedule(config, optimizer))
    if not config.batched:
        return setup, (*head, *body)
    size = config.batch
    order = "rng.permutation(len(X))" if config.shuffle else "np.arange(len(X))"
    batches = (
        f"batches = [(X[order[i:i + {size}]], Y[order[i:i + {size}]]) "
        f"for i in range(0, len(X), {size})]"
    )
    *first, last = setup  # "epoch = 0"
    seeded = (*first, Line(f"rng = np.random.default_rng({config.seed})", SETUP), last)
    inner = tuple(Line(line.code, line.role, inner=True) for line in body)
    loop = (
        *head,
        Line(f"order = {order}", ORDER),
        Line(batches, BATCHES),
        Line("for xb, yb in batches:", BATCH),
        *inner,
        Line(full, FULL),
    )
    return seeded, loop


def _numpy_manual(config: RunConfig) -> Program:
    data, dtype, bias = config.dataset, _np_dtype(config), config.has_bias
    tutorial = config.grad_formula == "tutorial"

    def start(value: float | None) -> str:
        # The tutorial keeps the seeds' arithmetic: w is a Python float, so the update runs
        # in float64 as numpy 1.x computed their logs; the forward pass is in X's dtype.
        value = float(value or 0.0)
        return repr(value) if tutorial else f"{dtype}({value!r})"

    x, y = _inputs(config)
    gradient = (
        f"dw = np.dot(2 * {x}, y_pred - {y}).mean()"
        if tutorial
        else f"dw = (2 * {x} * (y_pred - {y})).mean()"
    )
    read = "float(grad)" if tutorial else "grad"
    setup = _setup(
        *_imports(config),
        f"X = np.array({_values(data.x, False)}, dtype={dtype})",
        f"Y = np.array({_values(data.y, False)}, dtype={dtype})",
        f"w = {start(config.w0)}",
        *((f"b = {start(config.b0)}",) if bias else ()),
        f"lr = {config.lr!r}",
        "grad = grad_b = 0.0" if bias else "grad = 0.0",
        "epoch = 0",
    )
    gradients = [Line(gradient + _decay(config, "w"), GRADIENT)]
    accumulates, updates = [Line("grad += dw", ACCUMULATE)], [Line(f"w -= lr * {read}", UPDATE)]
    if bias:
        gradients.append(Line(f"db = (2 * (y_pred - {y})).mean()" + _decay(config, "b"), GRADIENT))
        accumulates.append(Line("grad_b += db", ACCUMULATE))
        updates.append(Line(f"b -= lr * {read.replace('grad', 'grad_b')}", UPDATE))
    body = (
        Line(f"y_pred = {_model(config, x)}", FORWARD),
        Line(f"l = ((y_pred - {y}) ** 2).mean()", LOSS),
        *gradients,
        *accumulates,
        *updates,
        Line("grad = grad_b = 0.0" if bias else "grad = 0.0", ZERO),
    )
    full = f"full_l = (({_model(config, 'X')} - Y) ** 2).mean()"
    setup, loop = _loop(config, setup, body, full, optimizer=False)
    parameters: tuple[str, ...] = ("w", "b") if bias else ("w",)
    grads: tuple[str, ...] = ("grad", "grad_b") if bias else ("grad",)
    return Program(setup, _header(config), loop, parameters, grads, GRAD_ZERO, False, False, (x, y))


def _torch_data(config: RunConfig, column: bool) -> tuple[str, str]:
    data, device, dtype = config.dataset, _device(config), _torch_dtype(config)
    return (
        f"X = torch.tensor({_values(data.x, column)}, dtype={dtype}{device})",
        f"Y = torch.tensor({_values(data.y, column)}, dtype={dtype}{device})",
    )


def _leaves(config: RunConfig) -> tuple[str, ...]:
    """``w = torch.tensor(0.0, …, requires_grad=True)``, and ``b`` with a bias."""
    tail = f"dtype={_torch_dtype(config)}{_device(config)}, requires_grad=True"
    starts = [("w", config.w0)] + ([("b", config.b0)] if config.has_bias else [])
    return tuple(f"{name} = torch.tensor({float(v or 0.0)!r}, {tail})" for name, v in starts)


def _names(config: RunConfig) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The parameters and their gradients of the hand-made tensors."""
    if config.has_bias:
        return ("w", "b"), ("w.grad", "b.grad")
    return ("w",), ("w.grad",)


def _torch_autograd(config: RunConfig) -> Program:
    bias = config.has_bias
    setup = _setup(
        *_imports(config),
        *_torch_data(config, column=False),
        *_leaves(config),
        f"lr = {config.lr!r}",
        "epoch = 0",
    )
    updates = [
        f"with torch.no_grad(): {p} -= lr * ({p}.grad{_decay(config, p)})"
        if config.weight_decay
        else f"with torch.no_grad(): {p} -= lr * {p}.grad"
        for p in ("w", "b")[: 1 + bias]
    ]
    x, y = _inputs(config)
    body = (
        Line(f"y_pred = {_model(config, x)}", FORWARD),
        Line(f"l = ((y_pred - {y}) ** 2).mean()", LOSS),
        Line("l.backward()", BACKWARD),
        *(Line(update, UPDATE) for update in updates),
        Line("w.grad.zero_(); b.grad.zero_()" if bias else "w.grad.zero_()", ZERO),
    )
    full = f"with torch.no_grad(): full_l = (({_model(config, 'X')} - Y) ** 2).mean()"
    setup, loop = _loop(config, setup, body, full, optimizer=False)
    return Program(setup, _header(config), loop, *_names(config), GRAD_ZERO, True, False, (x, y))


def _optimizer_loop(
    config: RunConfig, setup: tuple[Line, ...], model: str
) -> tuple[tuple[Line, ...], tuple[Line, ...]]:
    """The setup and loop of the ``torch.optim`` variants, whose model is ``model`` of the
    points (``w * {}`` or ``model({})``)."""
    x, y = _inputs(config)
    body = (
        Line(f"y_pred = {model.format(x)}", FORWARD),
        Line(f"l = loss(y_pred, {y})", LOSS),
        Line("l.backward()", BACKWARD),
        Line("optimizer.step()", UPDATE),
        Line("optimizer.zero_grad()", ZERO),
    )
    full = f"with torch.no_grad(): full_l = loss({model.format('X')}, Y)"
    return _loop(config, setup, body, full, optimizer=True)


def _torch_optim(config: RunConfig) -> Program:
    bias = config.has_bias
    setup = _setup(
        *_imports(config),
        *_torch_data(config, column=False),
        *_leaves(config),
        f"lr = {config.lr!r}",
        "loss = nn.MSELoss()",
        f"optimizer = {optimizer_call(config, '[w, b]' if bias else '[w]')}",
        "epoch = 0",
    )
    setup, loop = _optimizer_loop(config, setup, _model(config, "{}"))
    return Program(
        setup, _header(config), loop, *_names(config), GRAD_NONE, True, True, _inputs(config)
    )


def _torch_module(config: RunConfig) -> Program:
    to_device = '.to("cuda")' if config.resolved_device == "cuda" else ""
    if config.dtype == "float64":
        to_device = ".double()" + to_device
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
    setup, loop = _optimizer_loop(config, setup, "model({})")
    parameters: tuple[str, ...] = ("model.weight",)
    gradients: tuple[str, ...] = ("model.weight.grad",)
    if config.has_bias:
        parameters += ("model.bias",)
        gradients += ("model.bias.grad",)
    return Program(
        setup, _header(config), loop, parameters, gradients, GRAD_NONE, True, True, _inputs(config)
    )
