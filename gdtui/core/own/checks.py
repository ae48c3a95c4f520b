"""``gdtui check``'s work on one program: run it a few epochs, statement by statement, with
torch watched, and name each classic mistake at its line (:mod:`.findings`).

What each kind needs to be seen: ``backward()`` with the gradients before and after
(accumulating, and the gradient to compare with finite differences), the clearings and the
steps (cleared before the step), each statement's bindings (a parameter rebound), the
epoch's losses (diverging), broadcasting inside the statement that computes the loss.
"""

from __future__ import annotations

import ast
import math
import time
from dataclasses import dataclass, field
from typing import Any

from gdtui.core.engine.divergence import DivergenceWatch
from gdtui.core.own import findings as kinds
from gdtui.core.own.findings import Finding, error_kind, explain_error
from gdtui.core.own.hooks import Broadcast, TorchHooks
from gdtui.core.own.numeric import LossProbe, agrees, nearly_whole
from gdtui.core.own.program import OwnProgram, ProgramStopped
from gdtui.core.own.statements import Flow, Statement
from gdtui.core.own.values import Parameter, find_parameters, gradient_of, is_tensor, number
from gdtui.core.own.watchdog import Watchdog
from gdtui.core.own.wording import Wording

CHECK_EPOCHS = 20
"""Epochs ``gdtui check`` runs by default."""
CHECK_SECONDS = 10.0
"""Seconds of epochs ``gdtui check`` runs at most (a slow program is checked for fewer)."""


@dataclass(frozen=True)
class _Record:
    """What :class:`DivergenceWatch` reads of an epoch."""

    epoch: int
    epoch_loss: float


@dataclass
class CheckResult:
    """The findings, and what could not be checked (notes), after ``epochs`` epochs."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    epochs: int = 0
    stopped: ProgramStopped | None = None


class Checker:
    """Runs ``program`` for at most ``epochs`` epochs (and :data:`CHECK_SECONDS`), finding
    its mistakes; a :class:`~gdtui.core.own.hooks.Listener` of its torch calls."""

    def __init__(
        self, program: OwnProgram, epochs: int, watchdog: Watchdog, loss: str | None = None
    ) -> None:
        self.program = program
        self.epochs = epochs
        self.watchdog = watchdog
        self.given_loss = loss
        self.result = CheckResult()
        self.parameters: list[Parameter] = []
        self.hooks: TorchHooks | None = None
        self.words = Wording(program)
        self._kinds: set[str] = set()
        self._events: list[tuple[str, int]] = []
        """This epoch's backward(), clearing and step events in order: (what, line)."""
        self._grad_epoch: dict[int, int] = {}
        """The epoch of each parameter's last backward()."""
        self._contributions: dict[int, list[Any]] = {}
        self._start_values: list[Any] = []
        self._probe: LossProbe | None = None
        self._numerical: dict[tuple[int, int], float] = {}
        self._rebound: set[str] = set()
        self._losses: list[float] = []
        self._backwards_before = 0

    def run(self) -> CheckResult:
        """Check the program; what was found."""
        program = self.program
        began = time.monotonic()
        try:
            program.start()
            for statement in program.setup:
                program.run(statement)
                self.watchdog.advance()
            self.parameters = find_parameters(program.namespace, program.facts)
            self._install()
            watch = DivergenceWatch()
            while self.result.epochs < self.epochs and program.begin_epoch():
                if self.result.epochs and time.monotonic() - began > CHECK_SECONDS:
                    self.result.notes.append(
                        f"checked {self.result.epochs} epochs (the first {CHECK_SECONDS:g} s)"
                    )
                    break
                broke = self._epoch()
                self.result.epochs += 1
                self._after_epoch(watch)
                if broke:
                    break
        except ProgramStopped as stopped:
            self.result.stopped = stopped
            self._explain(stopped)
        finally:
            if self.hooks is not None:
                self.hooks.remove()
        return self.result

    def _install(self) -> None:
        if not self.program.uses_torch:
            return
        self.hooks = TorchHooks(
            self.program.filename, lambda: [p.read() for p in self.parameters], self
        )
        self.hooks.install()

    def _epoch(self) -> bool:
        """One epoch, statement by statement; whether it broke out of the loop."""
        program = self.program
        program.bind()
        self._events.clear()
        self._contributions = {}
        self._start_values = [_copy(p.read()) for p in self.parameters]
        if program.epoch == 1:
            self._probe_gradient()
        broadcasts = self.hooks.watch_broadcasts() if self.hooks and program.epoch == 1 else None
        try:
            if broadcasts is not None:
                broadcasts.__enter__()
            for statement in program.body:
                self._backwards_before = sum(what == "backward" for what, _ in self._events)
                grads = [_copy(gradient_of(p, program.namespace)) for p in self.parameters]
                bound = {name: program.namespace.get(name) for name in self._direct()}
                values = [_copy(p.read()) for p in self.parameters] if program.epoch == 1 else []
                flow = program.run(statement)
                self.watchdog.advance()
                self._after_statement(statement, grads, bound, values)
                if flow is Flow.BREAK:
                    return True
                if flow is Flow.CONTINUE:
                    break
        finally:
            if broadcasts is not None:
                broadcasts.__exit__(None, None, None)
        return False

    def _direct(self) -> list[str]:
        """Parameters that are variables of the namespace (``w``, not ``model.weight``)."""
        return [p.name for p in self.parameters if p.name.isidentifier() and p.autograd]

    # What the hooks hear.

    def backward(self, tensor: Any, line: int, before: list[Any]) -> None:
        self._events.append(("backward", line))
        for index, parameter in enumerate(self.parameters):
            value = parameter.read()
            after = getattr(value, "grad", None) if is_tensor(value) else None
            previous = before[index] if index < len(before) else None
            added = after if previous is None or after is None else after - previous
            self._contributions.setdefault(index, []).append(added)
            if not _nonzero(added):
                continue  # this backward() did not reach the parameter
            written = self._grad_epoch.get(index)
            if _nonzero(previous) and written is not None and written < self.program.epoch:
                self._found(
                    kinds.ACCUMULATING_GRAD,
                    line,
                    self.words.accumulating(parameter.name, previous, after, value),
                )
            self._grad_epoch[index] = self.program.epoch
            self._compare_gradient(index, added, line, f"{parameter.name}.grad")

    def cleared(self, line: int) -> None:
        self._events.append(("clear", line))

    def stepped(self, line: int) -> None:
        self._events.append(("step", line))

    def broadcast(self, found: Broadcast) -> None:
        if self.program.loop.lineno <= found.line <= (self.program.loop.end_lineno or 0):
            self._found(kinds.BROADCAST, found.line, self.words.broadcast(found))

    # After each statement and each epoch.

    def _after_statement(
        self,
        statement: Statement,
        grads: list[Any],
        bound: dict[str, Any],
        values_before: list[Any],
    ) -> None:
        namespace = self.program.namespace
        first, end = statement.line, statement.node.end_lineno or statement.line
        if any(first <= update.line <= end for update in self.program.facts.updates):
            self._events.append(("step", statement.line))  # a hand-written update
        simple = not isinstance(statement.node, ast.For | ast.While | ast.AsyncFor)
        if self.program.epoch == 1 and self._loss_name() in statement.assigns and simple:
            self._arrays_broadcast(statement)
            self._faithful(number(namespace.get(self._loss_name() or "")))
        for name, was in bound.items():
            now = namespace.get(name)
            if now is not was and is_tensor(was) and name not in self._rebound:
                self._rebound.add(name)
                line = _assignment_line(statement.node, name)
                self._found(kinds.NOT_A_LEAF, line, self.words.rebound(name, now))
        if any(_nonzero(g) for g in grads):
            after = [gradient_of(p, namespace) for p in self.parameters]
            autograd = [p.autograd for p in self.parameters]
            emptied = any(
                a and _nonzero(g) and not _nonzero(n)
                for a, g, n in zip(autograd, grads, after, strict=True)
            )
            if emptied and (not self._events or self._events[-1][0] != "clear"):
                self._events.append(("clear", statement.line))  # w.grad = None, say
        if not simple:
            return  # a loop of batches: its last batch's gradient is no epoch's
        backwards = sum(what == "backward" for what, _ in self._events)
        sets_grad = any(
            isinstance(node, ast.Attribute)
            and node.attr == "grad"
            and isinstance(node.ctx, ast.Store)
            for node in ast.walk(statement.node)
        )
        for index, parameter in enumerate(self.parameters):
            if parameter.autograd:
                now = gradient_of(parameter, namespace)
                fresh = _nonzero(now) and not _same(now, grads[index])
                if backwards == self._backwards_before and fresh and sets_grad:
                    self._compare_gradient(index, now, statement.line, f"{parameter.name}.grad")
                continue
            gradient = parameter.gradient or "?"
            if gradient.split(".")[0].split("[")[0] in statement.assigns:
                value = gradient_of(parameter, namespace)
                self._compare_gradient(index, value, statement.line, gradient)
            elif gradient == "?":
                self._implied_gradient(index, parameter, statement, values_before)

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

    def _arrays_broadcast(self, statement: Statement) -> None:
        """Arrays the loss's statement names whose shapes broadcast to more elements than
        either (numpy, which torch's hooks do not see)."""
        import numpy as np

        names = [
            node.id
            for node in ast.walk(statement.node)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
        ]
        namespace = self.program.namespace
        held = {id(namespace[n]): namespace[n] for n in names if n in namespace}
        arrays = [v for v in held.values() if isinstance(v, np.ndarray) and v.ndim]
        for i, first in enumerate(arrays):
            for second in arrays[i + 1 :]:
                try:
                    result = np.broadcast_shapes(first.shape, second.shape)
                except ValueError:
                    continue
                if math.prod(result) > max(first.size, second.size):
                    found = Broadcast(
                        statement.line,
                        "the loss",
                        (first.shape, second.shape),
                        result,
                        (first, second),
                    )
                    self._found(kinds.BROADCAST, statement.line, self.words.broadcast(found))
                    return

    def _after_epoch(self, watch: DivergenceWatch) -> None:
        program = self.program
        loss = self._loss()
        if loss is not None:
            self._losses.append(loss)
            diverging = watch.observe(_Record(program.epoch, loss))  # type: ignore[arg-type]
            if diverging is not None or not _finite(loss):
                line, message = self.words.diverging(self._losses, self._curvature())
                self._found(kinds.DIVERGING, line, message)
        self._cleared_before_step()
        if program.epoch == 1:
            self._nothing_moved()
        if program.epoch >= 2:
            self._graph_kept()

    def _loss(self) -> float | None:
        if self.hooks is not None and self.hooks.last_backward:
            return number(self.hooks.last_backward[-1])
        name = self._loss_name()
        return None if name is None else number(self.program.namespace.get(name))

    def _loss_name(self) -> str | None:
        from gdtui.core.own.statements import loss_name

        return loss_name(self.program.facts, self.program.loop, self.given_loss)

    def _cleared_before_step(self) -> None:
        events = self._events
        backwards = [i for i, (what, _) in enumerate(events) if what == "backward"]
        if not backwards:
            return
        last = backwards[-1]
        after = [i for i, (what, _) in enumerate(events) if what == "step" and i > last]
        until = after[0] if after else len(events)
        clears = [i for i, (what, _) in enumerate(events) if what == "clear" and last < i < until]
        if not clears:
            return  # cleared after the step (or the update), as it should be
        stuck = [
            p.name
            for index, p in enumerate(self.parameters)
            if p.autograd
            and any(_nonzero(c) for c in self._contributions.get(index, []))
            and _same(self._start_values[index], p.read())
        ]
        steps_at_all = self.program.facts.updates or any(w == "step" for w, _ in events)
        if stuck and steps_at_all:
            steps = [line for what, line in events if what == "step"]
            backward_line = events[backwards[-1]][1]
            message = self.words.cleared(stuck, backward_line, steps, self.parameters)
            self._found(kinds.CLEARED_BEFORE_STEP, events[clears[0]][1], message)

    def _nothing_moved(self) -> None:
        """Gradients computed, not cleared, and no parameter moved, where the loop takes
        ``p = p - …`` over its parameters: the update went to the loop's variable."""
        from gdtui.core.own.statements import rebound_loop_variables

        computed = any(_nonzero(c) for cs in self._contributions.values() for c in cs)
        moved = any(
            not _same(s, p.read()) for s, p in zip(self._start_values, self.parameters, strict=True)
        )
        if not computed or moved:
            return
        for name, line in rebound_loop_variables(self.program.loop):
            self._found(kinds.NOT_A_LEAF, line, self.words.loop_variable(name))
            return

    def _graph_kept(self) -> None:
        namespace = self.program.namespace
        facts = self.program.facts
        candidates = [(name, line, "sum") for name, line in facts.sums]
        candidates += [(name, line, "append") for name, line in facts.appends]
        for name, line, how in candidates:
            value: Any = namespace.get(name)
            if how == "append":
                value = value[-1] if isinstance(value, list) and value else None
            if is_tensor(value) and value.grad_fn is not None:
                self._found(
                    kinds.GRAPH_KEPT,
                    line,
                    self.words.graph_kept(name, value, how, self.program.epoch),
                )

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
        """The body's statements up to the one that assigns the loss, where running them
        again moves nothing (no backward() or step among them); else a note and None."""
        body = self.program.body
        updated = {update.line for update in self.program.facts.updates}
        for index, statement in enumerate(body):
            if name in statement.assigns:
                chosen = body[: index + 1]
                last = statement.node.end_lineno or statement.line
                if any(chosen[0].line <= line <= last for line in updated):
                    self.result.notes.append(
                        f"the gradient was not checked: {name} is computed in the same "
                        f"statement (line {statement.line}) as an update of the parameters, "
                        "a loop of batches say, so it cannot be computed again alone"
                    )
                    return None
                for node in (n for s in chosen for n in ast.walk(s.node)):
                    called = (
                        node.func.attr
                        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        else None
                    )
                    if called in ("backward", "step"):
                        self.result.notes.append(
                            f"the gradient was not checked: {name} is computed in the same "
                            f"statement as {called}() (line {getattr(node, 'lineno', 0)}), so "
                            f"it cannot be computed again without running {called}() again"
                        )
                        return None
                return chosen
        self.result.notes.append(
            f"the gradient was not checked: no statement of the loop's body assigns {name}"
        )
        return None

    def _compare_gradient(self, index: int, analytic: Any, line: int, what: str) -> None:
        probe = self._probe
        if probe is None or self.program.epoch != 1 or analytic is None:
            return
        flat = _flat(analytic)
        for (i, j), numerical in self._numerical.items():
            if i != index or j >= len(flat):
                continue
            value = float(flat[j])
            h = 3e-3 * max(1.0, abs(probe.start[i][j]))
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

    def _explain(self, stopped: ProgramStopped) -> None:
        code = self.program.source.line_text(stopped.line)
        kind = error_kind(stopped.message)
        if kind == kinds.NO_REQUIRES_GRAD and kinds.NOT_A_LEAF in self._kinds:
            kind = kinds.NOT_A_LEAF
        if kind is None and kinds.NOT_A_LEAF in self._kinds and "NoneType" in stopped.message:
            kind = kinds.NOT_A_LEAF
        if kind is not None and kind in self._kinds:  # the error is the mistake already named
            self.result.findings = [
                f
                if f.kind != kind
                else Finding(f.kind, f.line, f"{f.message}; {self.words.then(stopped)}")
                for f in self.result.findings
            ]
            return
        if kind == kinds.IN_PLACE_ON_LEAF:
            self._found(kind, stopped.line, self.words.in_place(stopped, code))
        elif kind == kinds.NOT_A_LEAF:
            self._found(kind, stopped.line, self.words.module_rebound(stopped, code))
        elif kind == kinds.NO_REQUIRES_GRAD:
            line, message = self.words.no_requires_grad(stopped, self.parameters)
            self._found(kind, line, message)
        else:
            self._found(kinds.ERROR, stopped.line, explain_error(stopped.message, code))

    def _found(self, kind: str, line: int, message: str) -> None:
        if kind in self._kinds:
            return
        self._kinds.add(kind)
        self.result.findings.append(Finding(kind, line, message))


def _assignment_line(node: ast.stmt, name: str) -> int:
    for child in ast.walk(node):
        if isinstance(child, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in child.targets
        ):
            return child.lineno
    return node.lineno


def _copy(value: Any) -> Any:
    if is_tensor(value):
        return value.detach().clone()
    if hasattr(value, "copy"):
        return value.copy()
    return value


def _flat(value: Any) -> list[float]:
    import numpy as np

    if is_tensor(value):
        value = value.detach().cpu().double().numpy()
    return [float(x) for x in np.asarray(value, dtype=np.float64).reshape(-1)]


def _nonzero(value: Any) -> bool:
    if value is None:
        return False
    if is_tensor(value):
        return bool(value.detach().abs().sum() > 0)
    try:
        import numpy as np

        return bool(np.any(np.asarray(value) != 0))
    except (TypeError, ValueError):
        return False


def _same(a: Any, b: Any) -> bool:
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


def _finite(loss: float) -> bool:
    return loss == loss and abs(loss) != float("inf")
