"""Running a learner's program for its records (``gdtui run``) and statement by statement
for its trace (``gdtui trace``).

Records: one per epoch, ``{"epoch", "loss", "params", "grads"}``, the values the program
itself holds after the epoch (:mod:`.values`). Trace: the contract of ``gdtui trace`` —
every statement of the setup and of each epoch with the values it changed; executing the
``code`` of each line (its ``runs`` where given) in order, in one fresh namespace,
reproduces every value.
"""

from __future__ import annotations

import ast
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from gdtui.core.own.hooks import TorchHooks
from gdtui.core.own.program import OwnProgram
from gdtui.core.own.statements import Flow, Statement, loss_name
from gdtui.core.own.values import Parameter, Recorder, find_parameters, gradient_of, json_value
from gdtui.core.own.watchdog import Watchdog

LOOP_ITERATOR = "__gdtui_loop__"
"""The name a trace's ``runs`` gives the training loop's iterator."""


class EpochRun:
    """A program run an epoch at a time: :meth:`epochs` yields each epoch's number once it
    has run; :meth:`record` is that epoch's record."""

    def __init__(
        self, program: OwnProgram, watchdog: Watchdog, epochs: int | None, loss: str | None
    ) -> None:
        self.program = program
        self.watchdog = watchdog
        self.limit = epochs
        self.given_loss = loss
        self.parameters: list[Parameter] = []
        self.recorder: Recorder | None = None
        self.hooks: TorchHooks | None = None
        self.broke = False

    def epochs(self) -> Iterator[int]:
        """Run the setup, then each epoch, yielding its number once it has run; then
        :meth:`finish`."""
        program = self.program
        program.start()
        program.run_setup()
        self.watchdog.advance()
        self.parameters = find_parameters(program.namespace, program.facts)
        if program.uses_torch:
            self.hooks = TorchHooks(program.filename, self._gradients, None)
            self.hooks.install()
        self.recorder = Recorder(
            program.namespace,
            self.parameters,
            loss_name(program.facts, program.loop, self.given_loss),
            self.hooks.last_backward if self.hooks else [],
        )
        try:
            while self.limit is None or program.epoch < self.limit:
                if not program.begin_epoch():
                    break
                flow = program.run_epoch()
                self.watchdog.advance()
                yield program.epoch
                if flow is Flow.BREAK:
                    self.broke = True
                    break
            else:
                self.broke = True  # --epochs stopped the loop: its ``else`` does not run
        finally:
            if self.hooks is not None:
                self.hooks.remove()

    def finish(self) -> None:
        """What follows the loop (its ``else`` unless it broke or was cut short)."""
        self.program.finish(self.broke)

    def _gradients(self) -> list[Any]:
        """Each autograd parameter's .grad as JSON, right after a backward()."""
        return [
            (p.name, json_value(getattr(p.read(), "grad", None)))
            for p in self.parameters
            if p.gradient is None
        ]

    def record(self) -> dict[str, Any]:
        """The record of the epoch just run; with ``"backward"``, each .grad as the epoch's
        last backward() left it (before it was cleared, say), where one ran."""
        assert self.recorder is not None
        record = self.recorder.record(self.program.epoch)
        if self.hooks is not None and self.hooks.after_backward:
            record["backward"] = dict(self.hooks.after_backward)
            self.hooks.after_backward = []
        return record


@dataclass(frozen=True)
class TracedStatement:
    """One statement as it ran, with the values it changed."""

    epoch: int
    line: int
    code: str
    values: dict[str, Any]
    part: str
    """``setup``, ``loop`` (the header and body) or ``after``."""
    runs: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The jsonl object of this statement."""
        found: dict[str, Any] = {"epoch": self.epoch, "line": self.line, "code": self.code}
        if self.runs is not None:
            found["runs"] = self.runs
        found["part"] = self.part
        found["values"] = self.values
        return found


def seeding(program: OwnProgram) -> str:
    """The statement that seeds the program as gdtui does before its first line."""
    seed = program.seed
    code = f"import random; random.seed({seed}); import numpy; numpy.random.seed({seed})"
    if program.uses_torch:
        code += f"; import torch; torch.manual_seed({seed})"
    return code


class Tracer:
    """A program run statement by statement, each with the values it changed."""

    def __init__(
        self,
        program: OwnProgram,
        watchdog: Watchdog,
        epochs: int,
        before: Callable[[int, int, str, str], None] | None = None,
    ) -> None:
        self.program = program
        self.before = before
        """Told (epoch, line, code, part) just before a statement runs (a handout shows the
        line above what the program prints)."""
        self.watchdog = watchdog
        self.limit = epochs
        self.changes = Changes(program)

    def lines(self) -> Iterator[TracedStatement]:
        """Every statement as it runs: the seeding, the setup, each epoch's header and body,
        what follows the loop."""
        program = self.program
        program.start()
        yield TracedStatement(0, 0, f"# seeded {program.seed}", {}, "setup", seeding(program))
        self.changes.snapshot()
        for statement in program.setup:
            yield self._traced(statement, 0, "setup")
        self.changes.parameters = find_parameters(program.namespace, program.facts)
        self.changes.snapshot()
        broke = False
        header = program.source.segment(program.loop).splitlines()[0]
        while program.epoch < self.limit and program.begin_epoch():
            runs = self._header_runs()
            self._announce(program.epoch, program.loop.lineno, header, "loop")
            program.bind()
            yield self._changed(program.epoch, program.loop.lineno, header, "loop", (), runs)
            for statement in program.body:
                traced = self._traced(statement, program.epoch, "loop")
                yield traced
                flow = Flow(program.jumps.flow) if statement.jumps else Flow.NEXT
                if flow is Flow.BREAK:
                    broke = True
                if flow is not Flow.NEXT:
                    break
            if broke:
                break
        else:
            broke = not program.ended
        program.end_loop(broke)
        for statement in program.after:
            yield self._traced(statement, program.epoch, "after")

    def _header_runs(self) -> str:
        """What the loop's header does this epoch, as a statement: a ``for`` takes the next
        item of its iterable (made at the first epoch); a ``while`` tests its condition."""
        loop = self.program.loop
        if isinstance(loop, ast.While):
            return f"assert {ast.unparse(loop.test)}"
        start = ""
        if self.program.epoch == 1:
            start = f"{LOOP_ITERATOR} = iter({ast.unparse(loop.iter)}); "
        return f"{start}{ast.unparse(loop.target)} = next({LOOP_ITERATOR})"

    def _announce(self, epoch: int, line: int, code: str, part: str) -> None:
        if self.before is not None:
            self.before(epoch, line, code, part)

    def _traced(self, statement: Statement, epoch: int, part: str) -> TracedStatement:
        self._announce(epoch, statement.line, statement.text, part)
        self.program.run(statement)
        self.watchdog.advance()
        runs = without_jumps(statement.node) if statement.jumps else None
        return self._changed(
            epoch, statement.line, statement.text, part, touched(statement, self.program), runs
        )

    def _changed(
        self,
        epoch: int,
        line: int,
        code: str,
        part: str,
        assigns: tuple[str, ...],
        runs: str | None = None,
    ) -> TracedStatement:
        values = self.changes.since(assigns)
        return TracedStatement(epoch, line, code, values, part, runs)


class Changes:
    """What a statement changed: the names it binds, names bound anew by other means
    (``global`` in a function it calls), lists it fills, and each parameter and gradient
    whose value moved; as JSON holds them."""

    def __init__(self, program: OwnProgram) -> None:
        self.program = program
        self.parameters: list[Parameter] = []
        self._ids: dict[str, int] = {}
        self._params: dict[str, Any] = {}

    def snapshot(self) -> None:
        """Remember the values now (the next :meth:`since` is measured from here)."""
        self._ids = {n: id(v) for n, v in self.program.namespace.items()}
        self._params = self.parameter_values()

    def since(self, assigns: tuple[str, ...]) -> dict[str, Any]:
        """The values changed since the last snapshot (which this one then replaces)."""
        namespace = self.program.namespace
        names = [n for n in assigns if n in namespace]
        names += [
            n
            for n, value in namespace.items()
            if _shown(n, value) and self._ids.get(n) != id(value) and n not in names
        ]
        values = {n: json_value(namespace[n]) for n in names if _shown(n, namespace[n])}
        for name, value in self.parameter_values().items():
            if name not in values and self._params.get(name, _UNSET) != value:
                values[name] = value
        self.snapshot()
        return values

    def parameter_values(self) -> dict[str, Any]:
        """Each parameter's value and (with autograd) its ``.grad``, as JSON holds them."""
        found: dict[str, Any] = {}
        namespace = self.program.namespace
        for parameter in self.parameters:
            found[parameter.name] = json_value(parameter.read())
            if parameter.autograd:
                found[f"{parameter.name}.grad"] = json_value(gradient_of(parameter, namespace))
        return found


_UNSET = object()


def without_jumps(node: ast.stmt) -> str:
    """A statement of the loop's body as it can run alone: its ``break`` and ``continue``
    of the training loop as ``pass`` (the trace itself shows where the loop went next)."""

    class Passes(ast.NodeTransformer):
        def visit_Break(self, node: ast.Break) -> ast.AST:
            return ast.copy_location(ast.Pass(), node)

        def visit_Continue(self, node: ast.Continue) -> ast.AST:
            return ast.copy_location(ast.Pass(), node)

        def visit_For(self, node: ast.For) -> ast.AST:
            return node  # its own jumps stay its own

        def visit_While(self, node: ast.While) -> ast.AST:
            return node

        def visit_AsyncFor(self, node: ast.AsyncFor) -> ast.AST:
            return node

        def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
            return node

    import copy

    return ast.unparse(Passes().visit(copy.deepcopy(node)))


def touched(statement: Statement, program: OwnProgram) -> tuple[str, ...]:
    """The names a statement binds, then the lists, dicts and sets it calls a method of
    (``losses.append(…)``), which may have changed in place."""
    return statement.assigns + _filled(statement.node, program.namespace)


def _filled(node: ast.stmt, namespace: dict[str, Any]) -> tuple[str, ...]:
    """Lists, dicts and sets the statement calls a method of (``losses.append(…)``): they
    may have changed in place."""
    found = [
        call.func.value.id
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and isinstance(namespace.get(call.func.value.id), list | dict | set)
    ]
    return tuple(dict.fromkeys(found))


def _shown(name: str, value: Any) -> bool:
    """Whether a name's value is shown in a trace: not a module, function or class."""
    return not name.startswith("__") and not isinstance(
        value, types.ModuleType | types.FunctionType | type | types.BuiltinFunctionType
    )
