"""A learner's program running: its setup, its training loop an epoch or a statement at a
time, and what follows the loop, in the program's own namespace.

The namespace is the program's module: ``__name__ == "__main__"``, its ``__file__``. The
program is seeded before its first line (``random``, numpy and, where it imports torch,
torch), so its initial weights and shuffles replay. An error it raises is a
:class:`ProgramRaised` at the program's own line, never a traceback of gdtui's.
"""

from __future__ import annotations

import ast
import builtins
import random
import re
from collections.abc import Iterator
from types import CodeType, TracebackType
from typing import Any

from gdtui.core.own.source import Source, top_level, training_loop
from gdtui.core.own.statements import (
    FLOW,
    Flow,
    Jumps,
    LoopFacts,
    Statement,
    compile_bind,
    compile_epoch,
    compile_expression,
    compile_statement,
    loop_facts,
)

_IMPORTS_TORCH = re.compile(r"^\s*(import|from)\s+torch\b", re.MULTILINE)


class ProgramStopped(Exception):
    """The program stopped at one of its lines: raised an error, exited, or hung."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class ProgramRaised(ProgramStopped):
    """The program raised ``error`` at ``line``."""

    def __init__(self, line: int, error: BaseException) -> None:
        text = str(error).strip().splitlines()
        detail = f": {text[0]}" if text else ""
        super().__init__(line, f"{type(error).__name__}{detail}")
        self.error = error


class ProgramExited(ProgramStopped):
    """The program called ``exit()`` (``sys.exit``) with ``status``."""

    def __init__(self, line: int, status: object) -> None:
        code = 0 if status is None else status
        super().__init__(line, f"the program exited with status {code}")
        self.status = code if isinstance(code, int) else 1


class StatementTimeout(BaseException):
    """Raised into a statement that ran past its time (a BaseException, so that the
    program's own ``except Exception`` cannot swallow it)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


class ProgramHung(ProgramStopped):
    """A statement of the program ran past its time and was stopped."""

    def __init__(self, line: int, seconds: float) -> None:
        super().__init__(line, f"stopped after {seconds:g} s: this line did not finish")


class OwnProgram:
    """A program ready to run: :meth:`start`, then :meth:`begin_epoch` and either
    :meth:`run_epoch` or :meth:`bind` and :meth:`run` on each of :attr:`body`, then
    :meth:`finish`."""

    def __init__(self, source: Source, seed: int = 0) -> None:
        self.source = source
        self.seed = seed
        self.loop = training_loop(source)
        top = top_level(source.tree)
        index = top.index(self.loop)
        self.setup = [compile_statement(source, node) for node in top[:index]]
        self.body = [compile_statement(source, node, in_loop=True) for node in self.loop.body]
        self.orelse = [compile_statement(source, node) for node in self.loop.orelse]
        self.after = [compile_statement(source, node) for node in top[index + 1 :]]
        self.facts: LoopFacts = loop_facts(source.tree, self.loop)
        self._epoch_code = compile_epoch(source, self.loop)
        self._bind_code: CodeType | None = None
        self._source_code: CodeType
        if isinstance(self.loop, ast.For):
            self._bind_code = compile_bind(source, self.loop)
            self._source_code = compile_expression(source, self.loop.iter)
        else:
            self._source_code = compile_expression(source, self.loop.test)
        self.uses_torch = bool(_IMPORTS_TORCH.search(source.text))
        self.namespace: dict[str, Any] = {}
        self.jumps = Jumps()
        self.epoch = 0
        self.ended = False
        self._items: Iterator[Any] | None = None

    @property
    def filename(self) -> str:
        """The name the program's code is compiled under (its tracebacks' frames have it)."""
        return str(self.source.path)

    @property
    def header_line(self) -> int:
        """The training loop's first line."""
        return self.loop.lineno

    def start(self) -> None:
        """A fresh namespace, seeded: the program before its first line."""
        self.namespace = {
            "__name__": "__main__",
            "__file__": str(self.source.path),
            "__builtins__": builtins,
            FLOW: self.jumps,
        }
        self.epoch = 0
        self.ended = False
        self._items = None
        random.seed(self.seed)
        import numpy as np

        np.random.seed(self.seed)
        if self.uses_torch:
            import torch

            torch.manual_seed(self.seed)

    def run(self, statement: Statement) -> Flow:
        """Run one statement; where it left the loop (NEXT outside it)."""
        self._exec(statement.code, statement.line)
        return Flow(self.jumps.flow) if statement.jumps else Flow.NEXT

    def run_setup(self) -> None:
        """Every statement before the loop."""
        for statement in self.setup:
            self.run(statement)

    def begin_epoch(self) -> bool:
        """Take the loop's next item (``for``) or test its condition (``while``); False when
        the loop has ended (then :meth:`finish`)."""
        if self.ended:
            return False
        if self._bind_code is not None:
            if self._items is None:
                self._items = iter(self._eval(self._source_code))
            try:
                item = self._next_item()
            except StopIteration:
                self.ended = True
                return False
            self.jumps.value = item
            self.jumps.item = (item,)
        elif not self._eval(self._source_code):
            self.ended = True
            return False
        self.epoch += 1
        return True

    def bind(self) -> None:
        """The ``for`` loop's target takes this epoch's item (statement by statement)."""
        if self._bind_code is not None:
            self._exec(self._bind_code, self.loop.lineno)

    def run_epoch(self) -> Flow:
        """The whole body of this epoch, at full speed; where it left the loop."""
        self._exec(self._epoch_code, self.loop.lineno)
        flow = Flow(self.jumps.flow)
        if flow is Flow.BREAK:
            self.ended = True
        return flow

    def end_loop(self, broke: bool) -> None:
        """The loop has ended: its ``else`` runs unless it broke."""
        self.ended = True
        if not broke:
            for statement in self.orelse:
                self.run(statement)

    def finish(self, broke: bool = False) -> None:
        """The loop's ``else`` (unless it broke), then every statement after the loop."""
        self.end_loop(broke)
        for statement in self.after:
            self.run(statement)

    def _next_item(self) -> Any:
        assert self._items is not None
        try:
            return next(self._items)
        except StopIteration:
            raise
        except Exception as error:
            line = self._line_of(error.__traceback__, self.loop.lineno)
            raise ProgramRaised(line, error) from None

    def _eval(self, code: CodeType) -> Any:
        try:
            return eval(code, self.namespace)
        except (Exception, SystemExit, StatementTimeout) as error:
            raise self.stopped(error, self.loop.lineno) from None

    def _exec(self, code: CodeType, line: int) -> None:
        try:
            exec(code, self.namespace)
        except (Exception, SystemExit, StatementTimeout) as error:
            raise self.stopped(error, line) from None

    def stopped(self, error: BaseException, line: int) -> BaseException:
        """What ``error``, raised by the program's statement at ``line``, becomes."""
        at = self._line_of(error.__traceback__, line)
        if isinstance(error, SystemExit):
            return ProgramExited(at, error.code)
        if isinstance(error, StatementTimeout):
            return ProgramHung(at, error.seconds)
        return ProgramRaised(at, error)

    def _line_of(self, trace: TracebackType | None, default: int) -> int:
        """The innermost line of the program's own code in a traceback."""
        found = default
        while trace is not None:
            if trace.tb_frame.f_code.co_filename == self.filename:
                found = trace.tb_lineno
            trace = trace.tb_next
        return found
