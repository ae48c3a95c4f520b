"""Time from launching ``gdtui`` to its first full frame, in a real pseudo-terminal.

    python benchmarks/first_frame.py [--runs 5] [-- extra gdtui options]

The app counts as drawn once the key bar's "Run/Pause" has been written to the terminal (the
key bar is drawn with the panes, the variants and the settings, in the same frame). Then the
run starts, and the panes drawn from it follow: the status line's "epoch 0/" marks that frame
("run drawn"). Beside it, in alternation, the same is timed for a bare Textual app (one line
of text and a footer): Textual's own floor on this machine. Prints each run, the medians and
the ratio of the first frames' medians (target: at most 1.5); also the time a quit (q) takes
to return the terminal.
"""

from __future__ import annotations

import argparse
import math
import os
import select
import statistics
import sys
import tempfile
import time

from terminal import launch

MARKER = b"Run/Pause"
RUN_MARKER = b"epoch 0/"


BARE_APP = """
from textual.app import App
from textual.binding import Binding
from textual.widgets import Footer, Static


class Bare(App):
    BINDINGS = [Binding("space", "bell", "Run/Pause"), Binding("q", "quit", "Quit")]

    def compose(self):
        yield Static("gradient descent")
        yield Footer()


Bare().run()
"""


def launch_once(
    extra: list[str], columns: int = 120, rows: int = 40, command: list[str] | None = None
) -> tuple[float, float, float]:
    """(seconds to the first frame, to the run drawn, from q to exit) of ``gdtui EXTRA``, or
    of ``command`` when given (whose run drawn is nan)."""
    start = time.perf_counter()
    process, controller = launch(
        command or [sys.executable, "-m", "gdtui", *extra],
        columns,
        rows,
        tempfile.mkdtemp(prefix="gdtui-bench-"),
    )
    os.set_blocking(controller, False)
    seen = b""
    first_frame = run_drawn = float("nan")
    deadline = start + 20
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.01)
        if ready:
            try:
                seen += os.read(controller, 1 << 16)
            except OSError:
                break
            # Windows of the stream: the marker may arrive split, or with style codes inside.
            plain = seen.replace(b"\x1b[0m", b"")
            if math.isnan(first_frame) and MARKER in plain:
                first_frame = time.perf_counter() - start
            if command is None and RUN_MARKER in plain:
                run_drawn = time.perf_counter() - start
            if not math.isnan(first_frame) and (command is not None or not math.isnan(run_drawn)):
                break
            seen = seen[-4096:]
    time.sleep(0.3)
    quit_start = time.perf_counter()
    os.write(controller, b"q")
    while process.poll() is None and time.perf_counter() - quit_start < 10:
        try:
            select.select([controller], [], [], 0.01)
            os.read(controller, 1 << 16)
        except OSError:
            pass
    quit_time = time.perf_counter() - quit_start
    process.kill()
    os.close(controller)
    return first_frame, run_drawn, quit_time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("extra", nargs="*", help="options passed to gdtui")
    args = parser.parse_args()
    frames, runs, quits, bare = [], [], [], []
    for run in range(args.runs):
        frame, run_drawn, quit_time = launch_once(args.extra)
        floor, _, _ = launch_once([], command=[sys.executable, "-c", BARE_APP])
        frames.append(frame)
        runs.append(run_drawn)
        quits.append(quit_time)
        bare.append(floor)
        print(
            f"run {run + 1}: first frame {frame * 1000:.0f} ms, run drawn "
            f"{run_drawn * 1000:.0f} ms, quit {quit_time * 1000:.0f} ms; "
            f"bare Textual app {floor * 1000:.0f} ms"
        )
    frame, floor = statistics.median(frames), statistics.median(bare)
    print(
        f"median: first frame {frame * 1000:.0f} ms, run drawn "
        f"{statistics.median(runs) * 1000:.0f} ms, quit {statistics.median(quits) * 1000:.0f} ms; "
        f"bare Textual app {floor * 1000:.0f} ms; first frame / bare: {frame / floor:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
