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
from gdtui.core.own.gradient_checks import GradientChecks
from gdtui.core.own.hooks import Broadcast, TorchHooks
from gdtui.core.own.program import OwnProgram, ProgramStopped
from gdtui.core.own.statements import Flow, Statement, loss_name
from gdtui.core.own.values import (
    Parameter,
    copied,
    find_parameters,
    gradient_of,
    is_tensor,
    json_value,
    nonzero,
    number,
    same,
)
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


class Checker(GradientChecks):
    """Runs ``program`` for at most ``epochs`` epochs (and :data:`CHECK_SECONDS`), finding
    its mistakes; a :class:`~gdtui.core.own.hooks.Listener` of its torch calls."""

    def __init__(
        self, program: OwnProgram, epochs: int, watchdog: Watchdog, loss: str | None = None
    ) -> None:
        self.program = program
        self.epochs = epochs
        self.watchdog = watchdog
        self.given_loss = loss
        self.loss = loss_name(program.facts, program.loop, loss)
        """The loss's name (read off the loop once: it is asked after every statement)."""
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
        self._probe = None
        self._numerical: dict[tuple[int, int], float] = {}
        self._rebound: set[str] = set()
        self._losses: list[float] = []
        self._backwards_before = 0
        self._watch = DivergenceWatch()
        self.after_backward: dict[str, Any] = {}
        """Each .grad as the last backward() left it (a record's ``backward``)."""
        self._broadcasts: Any = None

    def run(self) -> CheckResult:
        """Check the program; what was found."""
        program = self.program
        began = time.monotonic()
        try:
            self.begin()
            while self.result.epochs < self.epochs and self.begin_epoch():
                broke = False
                for statement in program.body:
                    flow = self.statement(statement)
                    broke = flow is Flow.BREAK
                    if flow is not Flow.NEXT:
                        break
                self.end_epoch()
                if broke:
                    break
                if time.monotonic() - began > CHECK_SECONDS:
                    self.result.notes.append(
                        f"checked {self.result.epochs} epochs (the first {CHECK_SECONDS:g} s)"
                    )
                    break
        except ProgramStopped as stopped:
            self.stopped(stopped)
        finally:
            self.close()
        return self.result

    def begin(self) -> None:
        """Start the program afresh and run its setup; find its parameters; watch torch."""
        program = self.program
        program.start()
        for statement in program.setup:
            program.run(statement)
            self.watchdog.advance()
        self.parameters = find_parameters(program.namespace, program.facts)
        if program.uses_torch:
            self.hooks = TorchHooks(
                program.filename, lambda: [p.read() for p in self.parameters], self
            )
            self.hooks.install()

    def begin_epoch(self) -> bool:
        """Start the next epoch (its item taken); False when the loop has ended."""
        program = self.program
        if not program.begin_epoch():
            return False
        program.bind()
        self._events.clear()
        self._contributions = {}
        self._start_values = [copied(p.read()) for p in self.parameters]
        if program.epoch == 1:
            self._probe_gradient()
            if self.hooks is not None:
                self._broadcasts = self.hooks.watch_broadcasts()
                self._broadcasts.__enter__()
        return True

    def statement(self, statement: Statement) -> Flow:
        """Run one statement of the epoch, checking what it did; where it left the loop."""
        program = self.program
        self._backwards_before = sum(what == "backward" for what, _ in self._events)
        grads = [copied(gradient_of(p, program.namespace)) for p in self.parameters]
        bound = {name: program.namespace.get(name) for name in self._direct()}
        values = [copied(p.read()) for p in self.parameters] if program.epoch == 1 else []
        flow = program.run(statement)
        self.watchdog.advance()
        self._after_statement(statement, grads, bound, values)
        if flow is Flow.BREAK:
            program.ended = True
        return flow

    def end_epoch(self) -> None:
        """The epoch's statements have run: what it shows as a whole."""
        self._stop_broadcasts()
        self.result.epochs += 1
        self._after_epoch(self._watch)

    def stopped(self, stopped: ProgramStopped) -> None:
        """The program stopped at a line: that is the result, explained."""
        self._stop_broadcasts()
        self.result.stopped = stopped
        self._explain(stopped)

    def close(self) -> None:
        """Stop watching torch."""
        self._stop_broadcasts()
        if self.hooks is not None:
            self.hooks.remove()
            self.hooks = None

    @property
    def start_values(self) -> list[Any]:
        """Each parameter's value as this epoch began (copies)."""
        return self._start_values

    def _stop_broadcasts(self) -> None:
        if self._broadcasts is not None:
            self._broadcasts.__exit__(None, None, None)
            self._broadcasts = None

    def _direct(self) -> list[str]:
        """Parameters that are variables of the namespace (``w``, not ``model.weight``)."""
        return [p.name for p in self.parameters if p.name.isidentifier() and p.autograd]

    # What the hooks hear.

    def backward(self, tensor: Any, line: int, before: list[Any]) -> None:
        self._events.append(("backward", line))
        self.after_backward = {
            p.name: json_value(getattr(p.read(), "grad", None))
            for p in self.parameters
            if p.autograd
        }
        for index, parameter in enumerate(self.parameters):
            value = parameter.read()
            after = getattr(value, "grad", None) if is_tensor(value) else None
            previous = before[index] if index < len(before) else None
            added = after if previous is None or after is None else after - previous
            self._contributions.setdefault(index, []).append(added)
            if not nonzero(added):
                continue  # this backward() did not reach the parameter
            written = self._grad_epoch.get(index)
            if nonzero(previous) and written is not None and written < self.program.epoch:
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
        if any(nonzero(g) for g in grads):
            after = [gradient_of(p, namespace) for p in self.parameters]
            autograd = [p.autograd for p in self.parameters]
            emptied = any(
                a and nonzero(g) and not nonzero(n)
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
                fresh = nonzero(now) and not same(now, grads[index])
                if backwards == self._backwards_before and fresh and sets_grad:
                    self._compare_gradient(index, now, statement.line, f"{parameter.name}.grad")
                continue
            gradient = parameter.gradient or "?"
            if gradient.split(".")[0].split("[")[0] in statement.assigns:
                value = gradient_of(parameter, namespace)
                self._compare_gradient(index, value, statement.line, gradient)
            elif gradient == "?":
                self._implied_gradient(index, parameter, statement, values_before)

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
        return self.loss

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
            and any(nonzero(c) for c in self._contributions.get(index, []))
            and same(self._start_values[index], p.read())
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

        computed = any(nonzero(c) for cs in self._contributions.values() for c in cs)
        moved = any(
            not same(s, p.read()) for s, p in zip(self._start_values, self.parameters, strict=True)
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


def _finite(loss: float) -> bool:
    return loss == loss and abs(loss) != float("inf")
