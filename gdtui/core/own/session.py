"""A learner's program stepped for the app: a statement, an epoch or a stretch of epochs at
a time, checked as it goes (:class:`~gdtui.core.own.checks.Checker`), each statement with
the values it changed and each epoch with its record. It runs in the program's own process
(:mod:`.serving`); what it returns is plain data, sent as it is."""

from __future__ import annotations

import ast
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gdtui.core.own.checks import Checker
from gdtui.core.own.gradient_checks import statements_to_loss
from gdtui.core.own.numeric import LossProbe, own_landscape
from gdtui.core.own.program import OwnProgram, ProgramExited, ProgramStopped
from gdtui.core.own.running import Changes, touched
from gdtui.core.own.source import Source
from gdtui.core.own.statements import Flow, Statement, loss_name
from gdtui.core.own.values import Recorder, difference, flat, json_value, shaped
from gdtui.core.own.watchdog import Watchdog

RUN_EPOCHS = 100_000
"""Epochs one stretch runs at most (a stretch also ends after its seconds)."""
PATH_POINTS = 10_000
"""Epochs of the path the landscape draws (the first)."""
FINITE_ELEMENTS = 8
"""Parameter elements up to which each epoch's record has the numerical gradient."""


@dataclass
class Step:
    """What one step did: the statement (its line in the program's joined text), the values
    it changed, and the epoch's record when it ended an epoch."""

    epoch: int
    line: int
    code: str
    values: dict[str, Any]
    record: dict[str, Any] | None = None
    graph: list[str] | None = None
    """The autograd graph of a ``backward()`` the statement ran, as text lines, each node
    with the gradient that reached it."""


@dataclass
class State:
    """Where the program is, after each command: the statement that runs next (its line),
    the findings so far, how it stopped (an error at a line), whether its loop has ended."""

    epoch: int
    next_line: int | None
    findings: list[dict[str, Any]] = field(default_factory=list)
    stopped: dict[str, Any] | None = None
    ended: bool = False


class OwnSession:
    """A program run by statements and epochs (:meth:`step`, :meth:`epoch`, :meth:`run`)
    from its first line (:meth:`restart`)."""

    def __init__(
        self,
        source: Source,
        seed: int = 0,
        timeout: float = 10.0,
        on_tick: Callable[[int], None] | None = None,
    ) -> None:
        self.source = source
        self.seed = seed
        self.timeout = timeout
        self.program = OwnProgram(source, seed)
        self.watchdog = Watchdog(self.program.filename, timeout, on_tick)
        self.checker = Checker(self.program, 0, self.watchdog)
        self.changes = Changes(self.program)
        self.recorder: Recorder | None = None
        self._index: int | None = None
        self._numerical: dict[str, Any] = {}
        self.path: list[list[float]] = []
        """Each epoch's parameters, where there are one or two numbers (the landscape's)."""
        self._statements: tuple[str, list[Statement]] | None = None
        """The body's statement that runs next, within an epoch begun; None between epochs."""
        self.stopped: ProgramStopped | None = None

    def restart(self) -> State:
        """The program from its first line: seeded, its setup run."""
        self.checker.close()
        self.program = OwnProgram(self.source, self.seed)
        self.checker = Checker(self.program, 0, self.watchdog)
        self.changes = Changes(self.program)
        self.stopped, self._index = None, None
        self._numerical, self._statements = {}, None
        self.path = []
        with self._guarded():
            self.checker.begin()
            self.changes.parameters = self.checker.parameters
            self.changes.snapshot()
            if all(len(flat(p.read())) == 1 for p in self.checker.parameters):
                self.path = [[float(flat(p.read())[0]) for p in self.checker.parameters]]
            hooks = self.checker.hooks
            name = loss_name(self.program.facts, self.program.loop, None)
            self.recorder = Recorder(
                self.program.namespace,
                self.checker.parameters,
                name,
                hooks.last_backward if hooks is not None else [],
            )
        return self.state()

    @property
    def parameters(self) -> list[str]:
        """The parameters' names."""
        return [p.name for p in self.checker.parameters]

    def state(self) -> State:
        """Where the program is now."""
        stopped = None
        if self.stopped is not None:
            stopped = {
                "line": self.stopped.line,
                "message": self.stopped.message,
                "exit": isinstance(self.stopped, ProgramExited),
            }
        findings = [f.as_json(self.source) | {"at": f.line} for f in self.checker.result.findings]
        return State(self.program.epoch, self.next_line(), findings, stopped, self.ended)

    @property
    def ended(self) -> bool:
        """Whether the loop has ended (and what follows it has run)."""
        return self.program.ended and self._index is None

    def next_line(self) -> int | None:
        """The line that runs next: the loop's header between epochs, a statement within."""
        if self.stopped is not None or self.ended:
            return None
        if self._index is None:
            return self.program.loop.lineno
        return self.program.body[self._index].line

    def step(self) -> Step | None:
        """Run the next statement (between epochs: the loop's header, taking its item);
        None once the program has stopped or its loop ended."""
        if self.stopped is not None or self.ended or self.recorder is None:
            return None
        program = self.program
        with self._guarded():
            if self._index is None:
                if not self.checker.begin_epoch():
                    self._finish(broke=False)
                    return None
                self._index = 0
                self._numerical = self._finite_differences()
                header = self.source.segment(program.loop).splitlines()[0]
                target = getattr(program.loop, "target", None)
                names = tuple(_names(target)) if target is not None else ()
                return Step(program.epoch, program.loop.lineno, header, self.changes.since(names))
            statement = program.body[self._index]
            hooks = self.checker.hooks
            if hooks is not None:
                hooks.graph_names, hooks.graph = program.namespace, None
            try:
                flow = self.checker.statement(statement)
            finally:
                if hooks is not None:
                    hooks.graph_names = None
            values = self.changes.since(touched(statement, program))
            self._index += 1
            graph = hooks.graph if hooks is not None else None
            step = Step(program.epoch, statement.line, statement.text, values, graph=graph)
            if flow is not Flow.NEXT or self._index == len(program.body):
                step.record = self._end_epoch(broke=flow is Flow.BREAK)
            return step
        return None

    def epoch(self) -> dict[str, Any] | None:
        """Run to the end of this epoch (or all of the next); its record, or None."""
        while self.stopped is None and not self.ended:
            step = self.step()
            if step is None:
                return None
            if step.record is not None:
                return step.record
        return None

    def run(self, seconds: float, limit: int = RUN_EPOCHS) -> list[dict[str, Any]]:
        """Whole epochs for about ``seconds`` (at most ``limit``); their records."""
        records: list[dict[str, Any]] = []
        began = time.monotonic()
        while len(records) < limit and time.monotonic() - began < seconds:
            record = self.epoch()
            if record is None:
                break
            records.append(record)
        return records

    def _end_epoch(self, broke: bool) -> dict[str, Any]:
        assert self.recorder is not None
        start = self.checker.start_values
        self.checker.end_epoch()
        record = self.recorder.record(self.program.epoch)
        record["update"] = {
            p.name: json_value(difference(p.read(), before))
            for p, before in zip(self.checker.parameters, start, strict=True)
        }
        if self._numerical:
            record["numerical"] = self._numerical
        if len(self.path) < PATH_POINTS:
            self.path.append([float(flat(p.read())[0]) for p in self.checker.parameters])
        if self.checker.after_backward:
            record["backward"] = self.checker.after_backward
            self.checker.after_backward = {}
        self._index = None
        if broke:
            self._finish(broke=True)
        return record

    def _finite_differences(self) -> dict[str, Any]:
        """Central differences of the loss at the parameters this epoch starts from, each
        parameter's as its shape (where the program has few elements and the loss can be
        computed again alone: see :class:`~gdtui.core.own.numeric.LossProbe`)."""
        parameters = self.checker.parameters
        if self._statements is None:
            named = loss_name(self.program.facts, self.program.loop, None) or ""
            chosen = statements_to_loss(self.program, named)[0] if named else None
            self._statements = (named, chosen or [])
        name, statements = self._statements
        if not statements or not parameters:
            return {}
        probe = LossProbe(self.program, parameters, statements, name)
        if sum(len(s) for s in probe.start) > FINITE_ELEMENTS:
            return {}
        gradient = probe.gradient()
        found: dict[str, Any] = {}
        for index, parameter in enumerate(parameters):
            elements = [gradient.get((index, j)) for j in range(len(probe.start[index]))]
            if any(e is None for e in elements):
                continue
            found[parameter.name] = shaped(elements, parameter.read())
        return found

    def landscape(self) -> dict[str, Any]:
        """The loss around the path the parameters took, where the program has one or two
        numbers to move: ``{"view": Landscape as a dict}``, else ``{"why": …}``."""
        parameters = self.checker.parameters
        if self.stopped is not None or self.recorder is None:
            return {"why": "the program has stopped: r starts it again"}
        sizes = [len(flat(p.read())) for p in parameters]
        if not parameters or len(parameters) > 2 or any(size != 1 for size in sizes):
            count = sum(sizes)
            return {
                "why": f"a landscape needs one or two numbers to move; this program's "
                f"parameters hold {count} ({', '.join(p.name for p in parameters) or 'none'})"
            }
        name = loss_name(self.program.facts, self.program.loop, None) or ""
        statements = statements_to_loss(self.program, name)[0] if name else None
        if not statements:
            return {"why": "its loss cannot be computed again alone (see gdtui check's notes)"}
        probe = LossProbe(self.program, parameters, statements, name)
        return {"view": dataclasses.asdict(own_landscape(probe, self.path))}

    def _finish(self, broke: bool) -> None:
        """The loop has ended: its ``else`` and what follows it run."""
        self.program.finish(broke)
        self._index = None

    def _guarded(self) -> _Guard:
        return _Guard(self)

    def close(self) -> None:
        """Stop watching torch."""
        self.checker.close()


class _Guard:
    """Runs a command's statements with the watchdog ticking; a program that stops is kept
    as :attr:`OwnSession.stopped` and checked (its error explained), not raised."""

    def __init__(self, session: OwnSession) -> None:
        self.session = session
        self._watching: Any = None

    def __enter__(self) -> None:
        self._watching = self.session.watchdog.watching()
        self._watching.__enter__()

    def __exit__(self, kind: type | None, error: BaseException | None, trace: Any) -> bool:
        self._watching.__exit__(None, None, None)
        if isinstance(error, ProgramStopped):
            self.session.stopped = error
            self.session.checker.stopped(error)
            self.session._index = None
            return True
        return False


def _names(target: Any) -> list[str]:
    return [node.id for node in ast.walk(target) if isinstance(node, ast.Name)]
