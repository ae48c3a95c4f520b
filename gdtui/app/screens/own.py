"""Your own loop in the app: the file's code with its line numbers, stepped a statement
(``.``), an epoch (``n``) or flat out (``space``) in a process of its own; the values each
statement changed, each epoch's record (``←``/``→`` walk them), the loss chart, the
program's own output, and its mistakes marked at their lines. ``e`` edits the file, ``r``
starts it again from its first line, ``v`` goes back to the built-in variants."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Log, Static

from gdtui.app.screens.own_fields import OwnFields
from gdtui.app.screens.own_lesson import OwnLesson
from gdtui.app.screens.own_view import epoch_table, line_in_cell, listing, values_text
from gdtui.app.widgets.landscape_chart import LandscapeChart
from gdtui.app.widgets.plot import Plot
from gdtui.app.widgets.text_table import TextTable
from gdtui.core.own.link import OwnLink
from gdtui.core.run.landscape import Landscape
from gdtui.core.text import visible

if TYPE_CHECKING:
    from gdtui.core.lessons.lesson import Lesson

POLL_SECONDS = 0.05
"""How often the program's replies are taken."""
RUN_SLICE = 0.1
"""Seconds of epochs each command asks for while running flat out."""
QUEUED_KEYS = 8
"""Steps and epochs asked for at most while the program has not answered yet."""
NOT_RESPONDING = 2.0
"""Seconds after which a command still running is said not to respond."""
OUTPUT_LINES = 500
"""Lines of the program's output the pane keeps (the newest)."""


class OwnScreen(OwnFields, OwnLesson, Screen[None]):
    """A learner's program, stepped."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("full_stop", "step", "Line", key_display=".", tooltip="Run the next statement"),
        Binding("n", "epoch", "Epoch", tooltip="Run to the end of the epoch"),
        Binding("space", "run", "Run", key_display="space", tooltip="Run on / pause"),
        Binding("r", "restart", "Restart", tooltip="The program again from its first line"),
        Binding("e", "edit", "Edit", tooltip="Edit the file (ctrl+s saves and runs)"),
        Binding("f", "fields", "Fields", tooltip="The file's learning rate and epoch count"),
        Binding("g", "view", "View", tooltip="The loss chart / the loss landscape"),
        Binding("c", "mistakes", "Gallery", tooltip="The classic mistakes side by side"),
        Binding("left", "walk(-1)", "Epoch before", show=False, priority=True),
        Binding("right", "walk(1)", "Epoch after", show=False, priority=True),
        Binding("v", "leave", "Back", tooltip="Back to the built-in variants"),
        Binding("z,plus,minus,p,o,t", "not_here", "", show=False),
        Binding("enter", "lesson_next", "Next step"),
        Binding("backspace", "lesson_back", "Step back"),
    ]

    DEFAULT_CSS = """
    OwnScreen #own-top { height: 1fr; }
    OwnScreen #own-lesson { height: auto; max-height: 6; background: $boost; padding: 0 1; }
    OwnScreen #own-code {
        width: 1fr; border: round $primary; overflow-x: auto; scrollbar-size: 1 1;
    }
    OwnScreen #own-listing { width: auto; }
    OwnScreen #own-side { width: 1fr; }
    OwnScreen #own-values { height: auto; max-height: 60%; border: round $secondary; }
    OwnScreen #own-records { height: 1fr; border: round $secondary; }
    OwnScreen #own-findings { height: auto; max-height: 12; border: round $error; }
    OwnScreen #own-bottom { height: 12; }
    OwnScreen #own-chart, OwnScreen #own-landscape { width: 1fr; }
    OwnScreen #own-output {
        width: 1fr; border: round $secondary; overflow-x: hidden; scrollbar-size-vertical: 1;
    }
    OwnScreen #own-status {
        height: 1; background: $boost; text-wrap: nowrap; text-overflow: ellipsis;
    }
    OwnScreen.-short #own-values { max-height: 7; }
    OwnScreen.-short #own-findings { max-height: 4; }
    OwnScreen #own-records { min-height: 4; }
    OwnScreen #own-knobs { height: auto; }
    OwnScreen #own-knobs Label { padding: 0 1; }
    OwnScreen #own-knobs Input { width: 14; height: 1; border: none; padding: 0 1; }
    OwnScreen.-short #own-bottom { height: 7; }
    """

    def __init__(
        self, path: Path, cell: int | None = None, seed: int = 0, lesson: Lesson | None = None
    ) -> None:
        super().__init__()
        self.lesson = lesson
        self.lesson_at = 0
        self.path = path
        self.link = OwnLink(path, cell, seed)
        self.text = ""
        self.cells: list[dict[str, Any]] = []
        self.loop = (0, 0)
        self.state: dict[str, Any] = {}
        self.records: list[dict[str, Any]] = []
        self.values: dict[str, Any] = {}
        self.output: deque[str] = deque(maxlen=OUTPUT_LINES)
        self.output_ended = True
        self.gradients: dict[str, str] = {}
        """Each parameter's gradient as the program names it (``w.grad``, ``dw``)."""
        self.graph: list[str] | None = None
        """The autograd graph of the backward() the last step ran, drawn as text."""
        self.last_line: int | None = None
        self.viewed: int | None = None
        """The epoch whose record is shown (``←``/``→``); None: the latest."""
        self.running = False
        self.show_landscape = False
        self.landscape_stale = True
        self.landscape: dict[str, Any] | None = None
        """The program's last landscape: ``view`` (curve or levels, path), or ``why`` not."""
        self.announced: set[tuple[str, int]] = set()
        self.problem: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="own-lesson")
        with Horizontal(id="own-top"):
            with VerticalScroll(id="own-code"):
                yield Static(id="own-listing")
            with Vertical(id="own-side"):
                yield Static(id="own-values")
                yield TextTable(id="own-records")
                yield Static(id="own-findings")
        with Horizontal(id="own-bottom"):
            yield Plot(id="own-chart")
            yield LandscapeChart(id="own-landscape")
            yield Log(id="own-output", highlight=False)
        yield Horizontal(id="own-knobs")
        yield Static(id="own-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#own-code").border_title = visible(self.path.name)
        self.query_one("#own-values").border_title = "values"
        self.query_one("#own-records").border_title = "epochs (.grad as backward() left it)"
        self.query_one("#own-findings").border_title = "mistakes"
        self.query_one("#own-output").border_title = "the program's output"
        self.query_one("#own-findings").display = False
        self.query_one("#own-landscape").display = False
        self.show_lesson()
        self.set_class(self.app.size.height < 30, "-short")
        self.link.open()
        self.set_interval(POLL_SECONDS, self.poll)
        self.redraw()

    def on_text_table_columns_hidden(self, event: TextTable.ColumnsHidden) -> None:
        """Say which columns a narrow pane leaves out (a wider terminal shows them)."""
        hidden = ", ".join(event.hidden)
        event.table.border_subtitle = visible(f"{hidden}: no room") if hidden else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The lesson's keys only while a lesson plays."""
        if action in ("lesson_next", "lesson_back"):
            return self.lesson is not None
        return True

    def on_resize(self) -> None:
        self.set_class(self.size.height < 30, "-short")
        self.call_after_refresh(self._after_resize)

    def _after_resize(self) -> None:
        self.redraw()
        self.query_one("#own-output", Log).scroll_end(animate=False)

    def on_unmount(self) -> None:
        self.link.close()

    # Keys.

    def action_step(self) -> None:
        """``.``: the next statement."""
        self._ask("step")

    def action_epoch(self) -> None:
        """``n``: to the end of this epoch."""
        self._ask("epoch")

    def action_run(self) -> None:
        """``space``: run flat out, or pause."""
        self.running = not self.running
        if self.running and not self.link.busy:
            self.link.send("run", RUN_SLICE)
        self.redraw()

    def action_restart(self) -> None:
        """``r``: the program from its first line, in a fresh process (one that does not
        respond is ended); a lesson starts again too."""
        self.lesson_at = 0
        self.start_over()
        self.show_lesson()

    def start_over(self) -> None:
        """The program from its first line, in a fresh process."""
        self.running = False
        self.records, self.values, self.last_line, self.viewed = [], {}, None, None
        self.graph = None
        self.announced.clear()
        self.output.clear()
        self.query_one("#own-output", Log).clear()
        self.link.open()
        self.redraw()

    def action_walk(self, by: int) -> None:
        """``←``/``→``: the record of an epoch before or after the one shown."""
        if not self.records:
            return
        last = len(self.records)
        now = self.viewed if self.viewed is not None else last
        self.viewed = min(max(1, now + by), last)
        if self.viewed == last:
            self.viewed = None
        self.redraw()

    def action_edit(self) -> None:
        """``e``: edit the file (a notebook's trained cell); a save starts it again."""
        from gdtui.app.screens.own_editor import EditorScreen

        self.running = False
        self.push_screen_editor(EditorScreen(self.path, self._cell()))

    def action_not_here(self) -> None:
        """The built-in variants' keys (zero_grad, the rate's +/-, presenter mode, the
        optimizers, the tour): here the file says how it trains."""
        self.notify(
            "Here the file says how it trains: f changes its learning rate and epochs, e edits "
            "it; zero_grad, +/-, presenter mode, the optimizers and the tour are the built-in "
            "variants' (v)",
            timeout=6,
        )

    def action_mistakes(self) -> None:
        """``c``: the gallery's correct loop beside each classic mistake."""
        from gdtui.app.screens.own_compare import MistakesScreen

        self.running = False
        self.app.push_screen(MistakesScreen())

    def action_view(self) -> None:
        """``g``: the loss chart, or the loss landscape around the path (one or two numbers
        to move), computed again by the program at each point."""
        self.show_landscape = not self.show_landscape
        self.query_one("#own-chart").display = not self.show_landscape
        self.query_one("#own-landscape").display = self.show_landscape
        self.landscape_stale = True
        self._ask_landscape()

    def _ask_landscape(self) -> None:
        """Ask for the landscape when it is shown, out of date, and the program is idle."""
        wanted = self.show_landscape and self.landscape_stale
        if wanted and not (self.link.busy or self.running or self.state.get("stopped")):
            self.landscape_stale = False
            self.link.send("landscape")

    def _cell(self) -> int | None:
        """The notebook's trained cell (None for a file)."""
        return self.cells[-1]["number"] if self.cells else self.link.cell

    def push_screen_editor(self, editor: Screen[bool]) -> None:
        def saved(changed: bool | None) -> None:
            if changed:
                self.action_restart()

        self.app.push_screen(editor, saved)

    def action_leave(self) -> None:
        """``v``: back to the built-in variants (the program's process ends)."""
        self.link.close()
        self.dismiss()

    def _ask(self, *command: Any) -> None:
        """Send a step or an epoch; keys pressed while the program works queue up (a few:
        a key held down does not pile up minutes of work)."""
        if self.state.get("stopped") or self.state.get("ended"):
            self.notify("The program has ended: r starts it again.", timeout=4)
            return
        if self.link.pending >= QUEUED_KEYS or (self.running and self.link.busy):
            return
        self.running = False
        self.viewed = None
        self.link.send(*command)
        self.redraw()

    # Replies.

    def poll(self) -> None:
        """Take the program's replies; keep a run going."""
        replies = self.link.replies()
        for reply in replies:
            self._take(reply)
        if self.running and not self.link.busy:
            if self.state.get("stopped") or self.state.get("ended"):
                self.running = False
            else:
                self.link.send("run", RUN_SLICE)
        if replies or self.link.waited() > NOT_RESPONDING:
            self.redraw()
        self._ask_landscape()

    def _take(self, reply: dict[str, Any]) -> None:
        kind = reply["kind"]
        output = reply.get("output")
        if output:
            self._write_output(visible(output))
        if kind == "opened":
            self.text, self.cells = reply["text"], reply["cells"]
            self.gradients = reply.get("gradients", {})
            self.call_later(self._show_knobs, reply.get("knobs", []))
            self.loop = (reply["loop"][0], reply["loop"][1])
            self.problem = None
        elif kind == "bad":
            self.problem = reply["message"]
            self.notify(self.problem, severity="error", timeout=10)
        elif kind == "failed":
            self.notify(f"gdtui failed on this program: {reply['message']}", severity="error")
        elif kind == "died":
            self.running = False
            self.problem = (
                f"the program's process ended (status {reply.get('status')}): r starts it again"
            )
        elif kind == "stepped" and reply.get("step"):
            step = reply["step"]
            self.values = step["values"]
            self.graph = step.get("graph")
            self.last_line = step["line"]
            if step.get("record") is not None:
                self.records.append(step["record"])
        elif kind == "records":
            self.records.extend(reply["records"])
            if reply["records"]:
                self.last_line = None
        elif kind == "landscape":
            self._draw_landscape(reply)
        if "state" in reply:
            self.state = reply["state"]
            self._announce()
        if kind in ("stepped", "records", "opened"):
            self.landscape_stale = True

    def _write_output(self, text: str) -> None:
        """The program's output, its newest :data:`OUTPUT_LINES` lines, newest last (kept
        here and written again whole when old ones go: the Log's own bound left it blank)."""
        log = self.query_one("#own-output", Log)
        lines = text.split("\n")
        if self.output and not self.output_ended:
            lines[0] = self.output.pop() + lines[0]
        self.output_ended = text.endswith("\n")
        if self.output_ended:
            lines.pop()
        self.output.extend(lines)
        log.clear()
        log.write_lines(self.output)
        log.scroll_end(animate=False)

    def _announce(self) -> None:
        for finding in self.state.get("findings", []):
            key = (finding["kind"], finding["at"])
            if key not in self.announced:
                self.announced.add(key)
                self.notify(
                    f"line {finding['line']}: {finding['message']} ({finding['kind']})",
                    severity="warning",
                    timeout=12,
                )
        stopped = self.state.get("stopped")
        if stopped and ("stopped", stopped["line"]) not in self.announced:
            self.announced.add(("stopped", stopped["line"]))
            said = any(f["at"] == stopped["line"] for f in self.state.get("findings", []))
            if not stopped.get("exit") and not said:  # a finding there says it already
                self.notify(
                    f"line {self._line_in_cell(stopped['line'])}: {stopped['message']}",
                    severity="error",
                    timeout=12,
                )

    # Drawing.

    def redraw(self) -> None:
        """Draw everything from what the program last said."""
        self.query_one("#own-listing", Static).update(self._listing())
        self.call_after_refresh(self._follow)  # once the listing has its new size
        self.query_one("#own-values", Static).update(self._values())
        self._table()
        findings = self.query_one("#own-findings", Static)
        found = self.state.get("findings", [])
        findings.display = bool(found)
        findings.update(
            Text("\n".join(f"line {f['line']} {f['kind']}: {f['message']}" for f in found))
        )
        self.query_one("#own-status", Static).update(self._status())
        self._chart()

    def _follow(self) -> None:
        """Keep the line just run (or the next, or where the program stopped) in sight."""
        stopped = (self.state.get("stopped") or {}).get("line")
        line = stopped or self.last_line or self.state.get("next_line")
        if not line:
            return
        row = (
            line
            - 1
            + sum(1 for c in self.cells if c["number"] is not None and c["first_line"] <= line)
        )
        code = self.query_one("#own-code", VerticalScroll)
        height = code.scrollable_content_region.height
        if not code.scroll_y <= row < code.scroll_y + height - 1:
            code.scroll_to(y=max(0, row - height // 3), animate=False)

    def _line_in_cell(self, line: int) -> str:
        return line_in_cell(self.cells, line)

    def _listing(self) -> Text:
        if not self.text:
            return Text(self.problem or "starting the program…", style="dim")
        return listing(self.text, self.cells, self.state, self.last_line)

    def _table(self) -> None:
        table = self.query_one("#own-records", TextTable)
        last = self.viewed or len(self.records)
        shown = self.records[max(0, last - max(1, table.size.height - 1)) : last]
        table.show(*epoch_table(shown, self.gradients))

    def _values(self) -> Text:
        record = self.records[(self.viewed or len(self.records)) - 1] if self.records else None
        if self.viewed is not None:
            return values_text({}, None, record)
        return values_text(self.values, self.graph, None if self.values else record)

    def _status(self) -> Text:
        epoch = self.state.get("epoch", 0)
        parts = [f"{self.path.name}  epoch {epoch}"]
        if self.viewed is not None:
            parts.append(f"viewing epoch {self.viewed} (→ returns)")
        stopped = self.state.get("stopped")
        if self.link.waited() > NOT_RESPONDING:
            line = self.link.current_line() or self.state.get("next_line")
            where = f" at line {self._line_in_cell(line)}" if line else ""
            parts.append(
                f"not responding{where} for {self.link.waited():.0f} s: r starts over, q quits"
            )
        elif self.problem:
            parts.append(self.problem)
        elif stopped:
            line = self._line_in_cell(stopped["line"])
            parts.append(f"stopped at line {line}: {stopped['message']}; r starts over")
        elif self.state.get("ended"):
            parts.append("the loop has ended; r starts over")
        elif self.running:
            parts.append("running (space pauses)")
        return Text("  ".join(visible(p) for p in parts), no_wrap=True, overflow="ellipsis")

    def _draw_landscape(self, reply: dict[str, Any]) -> None:
        self.landscape = reply
        chart = self.query_one("#own-landscape", LandscapeChart)
        view = reply.get("view")
        if view is None:
            plt = chart.plt
            plt.clear_data()
            plt.clear_figure()
            plt.title(visible(reply.get("why", "no landscape")))
            chart.refresh()
            return
        chart.draw(Landscape(**view))

    def _chart(self) -> None:
        chart = self.query_one("#own-chart", Plot)
        plt = chart.plt
        plt.clear_data()
        records = self.records  # every 1000th-odd record of a long run: not all of them
        if len(records) > 2000:
            records = [*records[:: len(records) // 1000], records[-1]]
        points = [(r["epoch"], r["loss"]) for r in records if isinstance(r.get("loss"), float)]
        if points:
            plt.plot([p[0] for p in points], [p[1] for p in points], marker="braille")
        plt.title("loss" if points else "loss (no epochs yet)")
        chart.refresh()
