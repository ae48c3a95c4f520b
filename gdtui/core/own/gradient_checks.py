"""The gradient checks of :class:`~gdtui.core.own.checks.Checker`: central finite
differences of the loss at the parameters epoch 1 starts from (:mod:`.numeric`), compared
with each gradient the program computes (autograd's, one written by hand, or one implied by
how far an update moved a parameter), where recomputing the loss is faithful."""

from __future__ import annotations

import ast
import math
from typing import TYPE_CHECKING, Any

from gdtui.core.own import findings as kinds
from gdtui.core.own.numeric import STEP, LossProbe, agrees, nearly_whole
from gdtui.core.own.program import ProgramStopped
from gdtui.core.own.statements import Statement
from gdtui.core.own.values import Parameter, flat

if TYPE_CHECKING:
    from gdtui.core.own.checks import CheckResult
    from gdtui.core.own.program import OwnProgram
    from gdtui.core.own.wording import Wording


class GradientChecks:
    """The finite differences' part of a check (a mixin of the Checker)."""

    program: OwnProgram
    parameters: list[Parameter]
    result: CheckResult
    words: Wording
    _probe: LossProbe | None
    _numerical: dict[tuple[int, int], float]
    _base_loss: float

    def _found(self, kind: str, line: int, message: str) -> None:
        raise NotImplementedError

    def _loss_name(self) -> str | None:
        raise NotImplementedError

    def _implied_gradient(
        self, index: int, parameter: Parameter, statement: Statement, before: list[Any]
    ) -> None:
        """An update whose gradient is written inline (``w -= lr * (2 * x * r).mean()``):
        its gradient is how far it moved the parameter, over the rate."""
        if not before:
            return
        facts = self.program.facts
        first, last = statement.line, statement.node.end_lineno or statement.line
        for update in facts.updates:
            if update.name != parameter.name or not first <= update.line <= last:
                continue
            rate = self.program.namespace.get(update.rate or "")
            if rate is None and update.rate is not None:
                try:
                    rate = float(update.rate)  # a number written in the update
                except ValueError:
                    return
            if not isinstance(rate, int | float) or not rate:
                return
            import numpy as np

            moved = np.asarray(before[index], dtype=np.float64) - np.asarray(
                parameter.read(), dtype=np.float64
            )
            what = f"the gradient in {parameter.name}'s update ({update.gradient})"
            self._compare_gradient(index, moved / rate, update.line, what)

    def _faithful(self, loss: float | None) -> None:
        """Keep the finite differences only where recomputing the loss at the epoch's own
        parameters gave the loss the program computed."""
        if self._probe is None:
            return
        base = self._base_loss
        if loss is None or not math.isclose(loss, base, rel_tol=1e-6, abs_tol=1e-30):
            self.result.notes.append(
                f"the gradient was not checked: the loss recomputed at the same parameters is "
                f"{base:.6g}, the program's {loss}: something between them is not repeatable"
            )
            self._probe = None

    def _probe_gradient(self) -> None:
        """At epoch 1, the loss's finite differences at the parameters it starts from."""
        name = self._loss_name()
        if not self.parameters or name is None:
            return
        statements = self._up_to_loss(name)
        if statements is None:
            return
        probe = LossProbe(self.program, self.parameters, statements, name)
        base = probe.loss_at({})
        if base is None:
            why = probe.failure or f"{name} is not one number"
            self.result.notes.append(
                f"the gradient was not checked: computing {name} again failed ({why})"
            )
            return
        self._probe = probe
        self._base_loss = base
        self._numerical = probe.gradient()

    def _up_to_loss(self, name: str) -> list[Statement] | None:
        """The body's statements up to the one that assigns the loss (see
        :func:`statements_to_loss`); else a note why not, and None."""
        chosen, why = statements_to_loss(self.program, name)
        if why is not None:
            self.result.notes.append(f"the gradient was not checked: {why}")
        return chosen

    def _compare_gradient(self, index: int, analytic: Any, line: int, what: str) -> None:
        probe = self._probe
        if probe is None or self.program.epoch != 1 or analytic is None:
            return
        elements = flat(analytic)
        for (i, j), numerical in self._numerical.items():
            if i != index or j >= len(elements):
                continue
            value = float(elements[j])
            h = STEP * max(1.0, abs(probe.start[i][j]))
            verdict = agrees(value, numerical, self._base_loss, h)
            if verdict is False:
                ratio = value / numerical if numerical else float("inf")
                message = self.words.wrong_gradient(
                    what, self.parameters[i].name, probe.start[i][j], value, numerical,
                    ratio, nearly_whole(ratio),
                )  # fmt: skip
                self._found(kinds.WRONG_GRADIENT, line, message)
                return

    def _curvature(self) -> float | None:
        if self._probe is None:
            return None
        try:
            return self._probe.curvature()
        except ProgramStopped:
            return None


def statements_to_loss(program: OwnProgram, name: str) -> tuple[list[Statement] | None, str | None]:
    """(the body's statements up to the one that assigns the loss ``name``, None) where
    running them again moves nothing (no update, backward() or step among them); else
    (None, why not)."""
    body = program.body
    updated = {update.line for update in program.facts.updates}
    for index, statement in enumerate(body):
        if name not in statement.assigns:
            continue
        chosen = body[: index + 1]
        last = statement.node.end_lineno or statement.line
        if any(chosen[0].line <= line <= last for line in updated):
            return None, (
                f"{name} is computed in the same statement (line {statement.line}) as an "
                "update of the parameters, a loop of batches say, so it cannot be computed "
                "again alone"
            )
        for node in (n for s in chosen for n in ast.walk(s.node)):
            called = (
                node.func.attr
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                else None
            )
            if called in ("backward", "step"):
                return None, (
                    f"{name} is computed in the same statement as {called}() (line "
                    f"{getattr(node, 'lineno', 0)}), so it cannot be computed again without "
                    f"running {called}() again"
                )
        return chosen, None
    return None, f"no statement of the loop's body assigns {name}"
