"""The arithmetic of a line with its numbers substituted: per point on the loss and gradient
lines, and the optimizer's own formula on the update line, with its state's numbers.

The numbers come from the program's namespace (what the code computed) and, for the sums
and means shown per point, from float32 numpy here; the result each formula arrives at is
the value the code itself produced.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gdtui.core.engine.program import BACKWARD, GRADIENT, LOSS, UPDATE, Line, Program
from gdtui.core.numbers import shown
from gdtui.core.settings.config import RunConfig

POINTS = 8
"""Rows of the per-point table; more points are summed but not listed."""


def _array(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float32).ravel()


def _scalar(value: Any) -> float:
    return float(np.ravel(np.asarray(value, dtype=np.float64))[0])


def _n(value: float) -> str:
    """A number inside a formula: negative ones in brackets."""
    text = shown(value)
    return f"({text})" if text.startswith("-") else text


def per_point(
    names: dict[str, Any],
    tutorial: bool = False,
    table: bool = True,
    bias: bool = False,
    inputs: tuple[str, str] = ("X", "Y"),
) -> list[str]:
    """For each point x, y, ŷ, ŷ−y, (ŷ−y)², 2x(ŷ−y); then their sums and means, which are the
    loss and the gradient (for the tutorial's formula, the dot product that is already the
    sum, and the ``.mean()`` of one number, which is why it is N times too large). Without
    the ``table`` (it was shown on the loss line), the 2x(ŷ−y) column on one line. The
    points are ``inputs`` (a batch's in the batch loop, whose N is the batch's size)."""
    x, y, y_pred = (_array(names[key]) for key in (*inputs, "y_pred"))
    residual = y_pred - y
    squared = residual * residual
    term = 2 * x * residual
    n = len(x)
    titles = ("x", "y", "ŷ", "ŷ−y", "(ŷ−y)²", "2x(ŷ−y)")
    shown_rows = min(n, POINTS)
    columns = [
        [title, *(shown(float(v)) for v in values[:shown_rows])]
        for title, values in zip(titles, (x, y, y_pred, residual, squared, term), strict=True)
    ]
    widths = [max(map(len, column)) for column in columns]
    lines = [
        "  ".join(column[row].rjust(width) for column, width in zip(columns, widths, strict=True))
        for row in range(shown_rows + 1)
    ]
    if n > POINTS:
        lines.append(f"… and {n - POINTS} more points")
    if not table:
        lines = [f"2x(ŷ−y) per point: {shown([float(v) for v in term])}"]
    loss_sum, grad_sum = squared.sum(dtype=np.float32), term.sum(dtype=np.float32)
    lines.append(
        f"Σ(ŷ−y)² = {shown(float(loss_sum))}, ÷ N = {n}: mean = "
        f"{shown(float(loss_sum / np.float32(n)))}  (the loss)"
    )
    if tutorial:
        lines.append(
            f"np.dot(2X, ŷ−Y) = Σ2x(ŷ−y) = {shown(float(grad_sum))}: already a sum; "
            f".mean() of one number is that number, so dw is N = {n} times "
            f"the mean {shown(float(grad_sum / np.float32(n)))}"
        )
    else:
        lines.append(
            f"Σ2x(ŷ−y) = {shown(float(grad_sum))}, ÷ N = {n}: mean = "
            f"{shown(float(grad_sum / np.float32(n)))}  (dloss/dw)"
        )
    if bias:
        bias_sum = (2 * residual).sum(dtype=np.float32)
        lines.append(
            f"Σ2(ŷ−y) = {shown(float(bias_sum))}, ÷ N = {n}: mean = "
            f"{shown(float(bias_sum / np.float32(n)))}  (dloss/db)"
        )
    return lines


def update(
    program: Program,
    config: RunConfig,
    before: dict[str, Any],
    after: dict[str, Any],
    line: Line | None = None,
) -> list[str]:
    """The update each parameter took (those ``line`` changes, when it names them), as its
    optimizer computes it, with the numbers of the values before and after the update line:
    ``w ← 0.3 − 0.01 × (−25.5) = 0.555``; with weight decay, the gradient it steps by is
    grad + L·w, as torch's optimizers and the hand-written updates add it."""
    lr = _scalar(after["lr"])
    optimizer, decay = config.optimizer, config.weight_decay
    # numpy-manual's hand-written gradient has the penalty in already (its gradient line).
    decayed = bool(decay) and program.uses_torch
    lines = []
    pairs = list(zip(program.parameters, program.gradients, strict=True))
    changed = [pair for pair in pairs if line is not None and pair[0] in line.assigns]
    for parameter, gradient in changed or pairs:
        short = "b" if parameter.endswith(("bias", "b")) else "w"
        w0, w1 = _scalar(before[parameter]), _scalar(after[parameter])
        g = _scalar(after[gradient])
        state = f"optimizer.state[{parameter}]"
        grad = "grad"
        if decayed:
            g_decayed = g + decay * w0
            lines.append(
                f"grad + {decay:g}·{short} = {_n(g)} + {decay:g} × {_n(w0)} = {shown(g_decayed)}"
            )
            g, grad = g_decayed, f"(grad + {decay:g}·{short})"

        def was(key: str, state: str = state) -> float:
            value = before.get(f"{state}['{key}']")
            return 0.0 if value is None else _scalar(value)

        def now(key: str, state: str = state) -> float:
            return _scalar(after[f"{state}['{key}']"])

        if optimizer == "sgd":
            lines.append(
                f"{short} ← {short} − lr × {grad} = {_n(w0)} − {_n(lr)} × {_n(g)} = {shown(w1)}"
            )
        elif optimizer == "momentum":
            beta = config.momentum
            buf = now("momentum_buffer")
            if f"{state}['momentum_buffer']" in before:
                lines.append(
                    f"buf ← {beta:g} × buf + grad = {beta:g} × {_n(was('momentum_buffer'))} + "
                    f"{_n(g)} = {shown(buf)}"
                )
            else:
                lines.append(f"buf ← grad (the first step) = {shown(buf)}")
            if config.nesterov:
                step = g + beta * buf
                lines.append(
                    f"Nesterov: step = grad + {beta:g} × buf = {_n(g)} + {beta:g} × {_n(buf)} "
                    f"= {shown(step)}"
                )
                lines.append(
                    f"{short} ← {short} − lr × step = {_n(w0)} − {_n(lr)} × {_n(step)} "
                    f"= {shown(w1)}"
                )
            else:
                lines.append(
                    f"{short} ← {short} − lr × buf = {_n(w0)} − {_n(lr)} × {_n(buf)} = {shown(w1)}"
                )
        elif optimizer == "adam":
            b1, b2 = config.betas
            t = int(now("step"))
            m, v = now("exp_avg"), now("exp_avg_sq")
            m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
            lines += [
                f"m ← {b1:g} m + {1 - b1:.6g} grad = {b1:g} × {_n(was('exp_avg'))} + "
                f"{1 - b1:.6g} × {_n(g)} = {shown(m)}",
                f"v ← {b2:g} v + {1 - b2:.6g} grad² = {b2:g} × {_n(was('exp_avg_sq'))} + "
                f"{1 - b2:.6g} × {_n(g)}² = {shown(v)}",
                f"m̂ = m / (1 − {b1:g}^{t}) = {shown(m_hat)},  "
                f"v̂ = v / (1 − {b2:g}^{t}) = {shown(v_hat)}",
                f"{short} ← {short} − lr × m̂ / (√v̂ + 1e-8) = {_n(w0)} − {_n(lr)} × {_n(m_hat)} "
                f"/ ({_n(float(np.sqrt(v_hat)))} + 1e-8) = {shown(w1)}",
            ]
        elif optimizer == "rmsprop":
            v = now("square_avg")
            lines += [
                f"v ← 0.99 v + 0.01 grad² = 0.99 × {_n(was('square_avg'))} + 0.01 × {_n(g)}² "
                f"= {shown(v)}",
                _scaled(short, "v", "1e-8", w0, lr, g, v, w1),
            ]
        elif optimizer == "adagrad":
            s = now("sum")
            lines += [
                f"s ← s + grad² = {_n(was('sum'))} + {_n(g)}² = {shown(s)}",
                _scaled(short, "s", "1e-10", w0, lr, g, s, w1),
            ]
    return lines


def _scaled(
    short: str, name: str, eps: str, w0: float, lr: float, g: float, scale: float, w1: float
) -> str:
    """RMSprop's and Adagrad's step, the gradient over the root of their running ``name``."""
    root = _n(float(np.sqrt(scale)))
    return (
        f"{short} ← {short} − lr × grad / (√{name} + {eps}) = {_n(w0)} − {_n(lr)} × {_n(g)} / "
        f"({root} + {eps}) = {shown(w1)}"
    )


def explain(
    program: Program,
    line: Line,
    config: RunConfig,
    names: dict[str, Any],
    before: dict[str, Any],
    after: dict[str, Any],
) -> list[str]:
    """The arithmetic worth showing after ``line``; empty for lines that have none."""
    if line.role in (LOSS, GRADIENT, BACKWARD) and "y_pred" in names:
        tutorial = config.grad_formula == "tutorial"
        bias = len(program.parameters) > 1
        lines = per_point(names, tutorial, line.role == LOSS, bias, program.inputs)
        decay = config.weight_decay
        for grad, parameter in (("dw", "w"), ("db", "b")):
            if decay and line.role == GRADIENT and grad in line.assigns:
                value, result = _scalar(names[parameter]), _scalar(names[grad])
                lines.append(
                    f"+ weight decay {decay:g} × {parameter} = {decay:g} × {_n(value)}: "
                    f"{grad} = {shown(result)}"
                )
        return lines
    if line.role == UPDATE:
        return update(program, config, before, after, line)
    return []
