"""The Code view: the loop the trainer runs, the line just run marked, the values after it
(what changed in bold), the line's arithmetic, and the autograd graph of the last
``backward()``."""

from __future__ import annotations

from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from gdtui.core.engine.graph import draw
from gdtui.core.engine.lines import ExplainedLine
from gdtui.core.engine.program import ZERO, Program, build_program
from gdtui.core.numbers import shown
from gdtui.core.run.session import TrainingSession

SKIPPED = "  ← skipped: zero_grad is off"
MIN_LISTING = 4
"""Rows the listing keeps however much the arithmetic and the graph below would take."""


def listing(program: Program, zero_grad: bool, current: int | None, rows: int = 0) -> Text:
    """The code, highlighted as Python, numbered, with ``▶`` and reverse video on line
    ``current`` (the line just run; None before any). Given fewer ``rows`` than it has
    lines, the setup gives way to one line saying so: the loop is what is being stepped."""
    lines = program.listing(zero_grad)
    first = 1
    if rows and len(lines) > rows:
        first = min(len(program.setup) + 2, len(lines) - rows + 2)
        if current is not None and current + 2 - first > rows:
            # Not even the loop fits (80×24 with the graph below, or presenter mode): the
            # lines from just above the one run, which must never be out of sight.
            first = max(first, current + 3 - rows)
    zeroing = program.index(ZERO)
    assert zeroing is not None
    zero = program.number(zeroing)
    highlighted = Syntax("\n".join(lines), "python", theme="ansi_dark").highlight("\n".join(lines))
    text = Text(no_wrap=True, overflow="crop")
    width = len(str(len(lines)))
    if first > 1:
        shown = "setup: lines" if first <= len(program.setup) + 2 else "lines"
        text.append(f"  … {shown} 1–{first - 1} (a taller terminal shows them)\n", style="dim")
    for number, line in enumerate(highlighted.split("\n", allow_blank=True)[: len(lines)], start=1):
        if number < first:
            continue
        here = number == current
        text.append("▶ " if here else "  ", style="bold")
        text.append(f"{number:>{width}} ", style="dim")
        if here:
            line.stylize("reverse")
        text.append_text(line)
        if number == zero and not zero_grad:
            text.append(SKIPPED, style="bold yellow")
        text.append("\n")
    text.rstrip()
    return text


def gradient_text(key: str, value: Any, step: ExplainedLine) -> str:
    """``.grad`` told apart: None, zeroed in place, a value, or added to."""
    if value is None:
        return "None"
    if key in step.was:
        return f"{shown(value)}\n    accumulated: was {shown(step.was[key])}"
    flat = value
    while isinstance(flat, list) and len(flat) == 1:
        flat = flat[0]
    if flat == 0 and key.endswith(".grad"):
        return "tensor(0.): zeroed in place"
    return shown(value)


def variables(program: Program, step: ExplainedLine) -> Text:
    """The values after the line, one per row; those it changed in bold with ``◀``. Entries
    of one container (``optimizer.state[w]['exp_avg']``, ``…['exp_avg_sq']``) go under it,
    each by its own key, so a narrow pane never cuts the part that tells them apart."""
    text = Text()
    gradients = set(program.gradients)
    under = None
    for key, value in step.values.items():
        changed = key in step.changed
        shown_value = gradient_text(key, value, step) if key in gradients else shown(value)
        container, item = _entry(key)
        if container is not None and container != under:
            text.append(f"{container}:\n")
        under = container
        text.append(f"  {item} = " if container else f"{key} = ", style="bold" if changed else "")
        text.append(shown_value, style="bold reverse" if changed else "")
        text.append(" ◀\n" if changed else "\n")
    return text


def _entry(key: str) -> tuple[str | None, str]:
    """``optimizer.state[w]['exp_avg']`` → (``optimizer.state[w]``, ``['exp_avg']``); a
    plain name → (None, the name)."""
    if key.endswith("']") and "['" in key:
        container, _, item = key.rpartition("['")
        return container, f"['{item}"
    return None, key


def _lines(content: Text | str) -> int:
    return (content.plain if isinstance(content, Text) else content).count("\n")


def _titled(title: str, body: Text) -> Text:
    text = Text()
    text.append(title, style="bold")
    text.append("\n")
    text.append_text(body)
    return text


class CodePane(VerticalScroll):
    """The Code view (see the module docstring)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="code-top"):
            yield Static(id="code-listing")
            yield Static(id="code-values")
        yield Static(id="code-arithmetic")
        yield Static(id="code-graph")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._program: tuple[object, Program] | None = None
        self._drawn: tuple[object, ...] | None = None
        """What the listing was last drawn from: it is highlighted again only when that
        changes, so a run flat out in this view costs one line of text a frame."""
        self._shown: dict[str, Text | str] = {}
        """What each of the other Statics shows (see :meth:`_put`)."""
        self._session: TrainingSession | None = None

    def on_resize(self) -> None:
        if self._session is not None:  # the listing is cut to the rows there are now
            self.call_after_refresh(self.show, self._session)

    def program(self, session: TrainingSession) -> Program:
        """The session's program (built again only when its settings change)."""
        config = session.config
        if self._program is None or self._program[0] != config:
            self._program = (config, build_program(config))
        return self._program[1]

    def show(self, session: TrainingSession) -> None:
        """Draw the session's code, and what its last line step did."""
        program = self.program(session)
        step = session.line
        current = step.number if step is not None else None
        arithmetic = step.arithmetic if step is not None else ()
        graph = session.graph
        below = len(arithmetic)
        below += len(graph.walk()) + 1 if graph is not None else 0
        rows = max(self.size.height - below, MIN_LISTING)  # the graph gives way below
        drawn = (program, session.config.zero_grad, current, max(rows, 0))
        self._session = session
        if drawn != self._drawn:
            self._drawn = drawn
            self.query_one("#code-listing", Static).update(listing(*drawn))
            self.scroll_home(animate=False)  # the listing is cut to show the line just run
        if step is None and session.finished:
            values: Text | str = Text.assemble(
                (f"the run has ended after epoch {session.epoch}\n", "bold"),
                f"{session.message}\nr: reset, or raise the epochs",
            )
        elif step is None:
            epoch = session.epoch + 1
            values = Text.assemble(
                (f"at the start of epoch {epoch}\n", "bold"),
                ".: run the next line\nn: the rest of the epoch\nspace: run on",
            )
        else:
            epoch = session.epoch + (step.record is None)
            batch = f" batch {step.batch}," if step.batch else ""
            values = _titled(f"epoch {epoch},{batch} after ▶", variables(program, step))
        self._put("#code-values", values, wraps=step is not None)
        self._put("#code-arithmetic", Text("\n".join(arithmetic)) if arithmetic else "", wraps=True)
        self._put(
            "#code-graph",
            _titled(
                f"the graph l.backward() went through, epoch {session.graph_epoch}"
                + (" (the last run line by line)" if session.graph_epoch < session.epoch else ""),
                Text("\n".join(draw(graph, shown)), no_wrap=True, overflow="ellipsis"),
            )
            if graph is not None
            else "",
        )

    def _put(self, selector: str, content: Text | str, wraps: bool = False) -> None:
        """Show ``content`` in the Static at ``selector`` if it differs from what is there;
        the layout is redone only when its number of lines changes (a run flat out in this
        view changes one number a frame), or, for text that ``wraps`` (a line step's, at the
        pace of keys), whenever it changes."""
        static = self.query_one(selector, Static)
        before = self._shown.get(selector)
        if before == content:
            return
        self._shown[selector] = content
        lines_changed = before is None or _lines(before) != _lines(content)
        static.update(content, layout=wraps or lines_changed)
