"""The loss of an epoch again, at moved parameters: central finite differences of the
gradient, and the loss's curvature (the largest stable learning rate).

The epoch's statements up to the loss run again on a copy of the namespace, from the random
state the epoch started with, with the program's output and warnings held back. The
parameters are moved where they live (a tensor in place, a number in the namespace) and put
back exactly, their gradients too.
"""

from __future__ import annotations

import contextlib
import io
import math
import random
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gdtui.core.own.program import OwnProgram
from gdtui.core.own.statements import Flow, Statement
from gdtui.core.own.values import Parameter, is_tensor, number

if TYPE_CHECKING:
    from gdtui.core.run.landscape import Landscape

MAX_ELEMENTS = 24
"""Parameter elements checked by finite differences (the first of each, in order)."""
MAX_CURVATURE = 6
"""Elements up to which the loss's Hessian is computed."""
STEP = 3e-3
"""A gradient's step, relative to the element (at least this much absolutely)."""


class LossProbe:
    """Recomputes the loss of the epoch that is starting, at moved parameters."""

    def __init__(
        self,
        program: OwnProgram,
        parameters: list[Parameter],
        statements: Sequence[Statement],
        loss_name: str,
    ) -> None:
        self.program = program
        self.parameters = parameters
        self.statements = list(statements)
        self.loss_name = loss_name
        self._random = (random.getstate(), np.random.get_state(), _torch_state())
        self.failure = ""
        """Why the loss could not be computed again, where it could not."""
        self.start = [_flat(p.read()) for p in parameters]
        """Each parameter's elements as the epoch starts (float64)."""

    def elements(self, limit: int) -> list[tuple[int, int]]:
        """(parameter, element) of the first ``limit`` elements, taking from each in turn."""
        found: list[tuple[int, int]] = []
        depth = 0
        while len(found) < limit and any(depth < len(s) for s in self.start):
            found += [(i, depth) for i, s in enumerate(self.start) if depth < len(s)]
            depth += 1
        return found[:limit]

    def loss_at(self, moves: dict[tuple[int, int], float]) -> float | None:
        """The loss with each (parameter, element) moved by its amount; None where the
        statements could not compute it."""
        with self._moved(moves):
            scratch = dict(self.program.namespace)
            for statement in self.statements:
                try:
                    exec(statement.code, scratch)
                except Exception as error:
                    self.failure = f"line {statement.line}: {type(error).__name__}: {error}"
                    return None
                if statement.jumps and self.program.jumps.flow != Flow.NEXT.value:
                    return None
            return number(scratch.get(self.loss_name))

    def gradient(self) -> dict[tuple[int, int], float]:
        """The central-difference gradient of each checked element."""
        found: dict[tuple[int, int], float] = {}
        for key in self.elements(MAX_ELEMENTS):
            h = STEP * max(1.0, abs(self.start[key[0]][key[1]]))
            up, down = self.loss_at({key: h}), self.loss_at({key: -h})
            if up is None or down is None:
                continue
            found[key] = (up - down) / (2 * h)
        return found

    def curvature(self) -> float | None:
        """The largest eigenvalue of the loss's Hessian in the parameters, where the loss is
        quadratic in them (its second differences the same at two steps); else None."""
        keys = self.elements(MAX_CURVATURE)
        if not keys or len(keys) < sum(len(s) for s in self.start):
            return None  # too many elements: not all of the curvature
        hessians = [self._hessian(keys, step) for step in (0.5, 1.0)]
        if any(h is None for h in hessians):
            return None
        small, large = hessians
        assert small is not None and large is not None
        if not np.allclose(small, large, rtol=0.02, atol=1e-3 * max(1e-12, np.abs(large).max())):
            return None
        return float(np.linalg.eigvalsh((large + large.T) / 2)[-1])

    def _hessian(self, keys: list[tuple[int, int]], step: float) -> np.ndarray | None:
        n = len(keys)
        hs = [step * max(1.0, abs(self.start[i][j])) for i, j in keys]
        base = self.loss_at({})
        if base is None:
            return None
        hessian = np.zeros((n, n))
        for a in range(n):
            for b in range(a, n):
                ka, kb = keys[a], keys[b]
                if a == b:
                    up, down = self.loss_at({ka: hs[a]}), self.loss_at({ka: -hs[a]})
                    if up is None or down is None:
                        return None
                    hessian[a, a] = (up - 2 * base + down) / hs[a] ** 2
                    continue
                corners = [
                    self.loss_at({ka: sa * hs[a], kb: sb * hs[b]})
                    for sa, sb in ((1, 1), (1, -1), (-1, 1), (-1, -1))
                ]
                if any(c is None for c in corners):
                    return None
                pp, pm, mp, mm = corners
                hessian[a, b] = hessian[b, a] = (pp - pm - mp + mm) / (4 * hs[a] * hs[b])  # type: ignore[operator]
        return hessian if np.all(np.isfinite(hessian)) else None

    @contextlib.contextmanager
    def _moved(self, moves: dict[tuple[int, int], float]) -> Iterator[None]:
        """The parameters moved, the random state the epoch began with, no output; all put
        back afterwards."""
        saved = [(p.read(), _flat(p.read()), _copy_grad(p.read())) for p in self.parameters]
        flow = self.program.jumps.flow
        state = (random.getstate(), np.random.get_state(), _torch_state())
        out, err = sys.stdout, sys.stderr
        try:
            for index, parameter in enumerate(self.parameters):
                shifted = self.start[index].copy()
                for (i, j), amount in moves.items():
                    if i == index:
                        shifted[j] += amount
                _put(self.program.namespace, parameter, saved[index][0], shifted)
            _set_random(self._random)
            sys.stdout = sys.stderr = io.StringIO()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield
        finally:
            sys.stdout, sys.stderr = out, err
            for index, parameter in enumerate(self.parameters):
                value, flat, grad = saved[index]
                _put(self.program.namespace, parameter, value, flat)
                if is_tensor(value):
                    value.grad = grad
            _set_random(state)
            self.program.jumps.flow = flow


def _flat(value: Any) -> np.ndarray:
    """A parameter's elements, flat, as float64 (a copy)."""
    if is_tensor(value):
        value = value.detach().cpu().double().numpy()
    return np.array(value, dtype=np.float64).reshape(-1)


def _copy_grad(value: Any) -> Any:
    grad = getattr(value, "grad", None) if is_tensor(value) else None
    return None if grad is None else grad.detach().clone()


def _put(namespace: dict[str, Any], parameter: Parameter, value: Any, flat: np.ndarray) -> None:
    """Give the parameter the elements ``flat``: a tensor in place; a number or an array as
    a new value of its variable, of its own type."""
    if is_tensor(value):
        import torch

        with torch.no_grad():
            value.copy_(torch.as_tensor(flat.reshape(value.shape), dtype=value.dtype))
        return
    if isinstance(value, int | float):
        namespace[parameter.name] = (
            type(value)(flat[0]) if isinstance(value, float) else float(flat[0])
        )
    elif hasattr(value, "shape"):
        namespace[parameter.name] = np.asarray(flat.reshape(value.shape), dtype=value.dtype)


def _torch_state() -> Any:
    torch = sys.modules.get("torch")
    return None if torch is None else torch.get_rng_state()


def _set_random(state: tuple[Any, Any, Any]) -> None:
    random.setstate(state[0])
    np.random.set_state(state[1])
    torch = sys.modules.get("torch")
    if torch is not None and state[2] is not None:
        torch.set_rng_state(state[2])


def agrees(analytic: float, numerical: float, loss: float, h: float) -> bool | None:
    """Whether a gradient agrees with its finite difference (within 5%, or the differences'
    rounding); None where both are too small to tell from rounding."""
    noise = 1e-5 * max(abs(loss), 1e-12) / h
    if abs(analytic) < noise and abs(numerical) < noise:
        return None
    return abs(analytic - numerical) <= 0.05 * max(abs(analytic), abs(numerical)) + noise


def nearly_whole(ratio: float) -> int | None:
    """``ratio`` as a whole number of at least 2 where it is one (within 1%)."""
    if not math.isfinite(ratio) or abs(ratio) < 1.5:
        return None
    whole = round(ratio)
    return whole if abs(ratio - whole) <= 0.01 * abs(whole) else None


def own_landscape(
    probe: LossProbe, path: list[list[float]], points: int = 120, grid: int = 30
) -> Landscape:
    """The loss of a program with one or two scalar parameters around ``path`` (each
    epoch's parameters, the start first), computed again at each point by ``probe``: a
    curve over w, or level lines over (w, b)."""
    from gdtui.core.run.landscape import LEVELS, Landscape, window

    track = np.asarray(path, dtype=np.float64)
    here = [float(s[0]) for s in probe.start]
    early = track[: min(len(track), 21)]

    def at(values: list[float]) -> float:
        loss = probe.loss_at({(i, 0): v - here[i] for i, v in enumerate(values)})
        return float("nan") if loss is None else loss

    w_range = window(float(track[-1, 0]), early[:, 0])
    if track.shape[1] == 1:
        ws = np.linspace(*w_range, points)
        curve = [at([w]) for w in ws]
        in_window = np.clip(track[:, 0], *w_range)
        path_loss = [at([w]) for w in in_window]
        best = int(np.nanargmin(curve)) if np.any(np.isfinite(curve)) else 0
        return Landscape(
            w_range, None, (ws.tolist(), curve), [], (in_window.tolist(), path_loss),
            (float(ws[best]), float(curve[best])), bool(np.any(in_window != track[:, 0])),
        )  # fmt: skip
    b_range = window(float(track[-1, 1]), early[:, 1])
    grid_w, grid_b = np.meshgrid(np.linspace(*w_range, grid), np.linspace(*b_range, grid))
    values = np.array(
        [
            [at([w, b]) for w, b in zip(rw, rb, strict=True)]
            for rw, rb in zip(grid_w, grid_b, strict=True)
        ]
    )
    logs = np.log10(np.maximum(values, 1e-300))
    finite = logs[np.isfinite(logs)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    step = (high - low) / (LEVELS + 1) or 1.0
    levels = []
    for level in np.linspace(low + step, high - step, LEVELS):
        near = np.abs(logs - level) < step * 0.25
        levels.append((grid_w[near].tolist(), grid_b[near].tolist()))
    lowest = np.unravel_index(int(np.nanargmin(values)), values.shape) if finite.size else (0, 0)
    clipped_w, clipped_b = np.clip(track[:, 0], *w_range), np.clip(track[:, 1], *b_range)
    left = bool(np.any(clipped_w != track[:, 0]) or np.any(clipped_b != track[:, 1]))
    return Landscape(
        w_range, b_range, None, levels, (clipped_w.tolist(), clipped_b.tolist()),
        (float(grid_w[lowest]), float(grid_b[lowest])), left,
    )  # fmt: skip
