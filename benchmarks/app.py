"""The app running flat out, in a real pseudo-terminal, against headless `gdtui run`.

    python benchmarks/app.py [--epochs 100000] [--variant torch-autograd] [--fps 15 [5 ...]]
                             [--repeats 3] [--pauses 7] [--scale 1000000] [--scale-batch B]
                             [--smoke] [--device cuda]

Two scenarios, each a real ``gdtui`` in a pseudo-terminal of 120×40 whose output this script
reads (and counts) as a terminal would:

1. **Flat out**: press space and run ``--epochs`` epochs of ``--variant``, pressing ``l`` (log
   axis on and off) every 80–120 ms. Reports the app's epochs/s beside the headless rate of the
   same run measured in this process just before, the chart's refresh rate, the time from each
   key press to the frame that shows it (p50/p99), and the bytes written to the terminal per
   second.
2. **Pause**: ``--pauses`` times, space pressed while the run goes flat out, timed from
   outside to the word "paused" on the terminal (the figure a person feels).
3. **Scale**: ``--scale`` epochs of numpy-manual (the fastest variant, so a million epochs take
   seconds). Reports the app's resident memory and the training process's at the end, the
   history's own bytes, and the chart's redraw time (preparing the points plus plotext's
   build) over the first and the last 100 redraws.

The app runs under a probe (this file with ``--probe``) that times the app from inside: it
wraps a few of the app's methods and writes what it saw as JSON when the app exits.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import random
import select
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from terminal import launch

ROOT = Path(__file__).resolve().parents[1]
COLUMNS, ROWS = 120, 40


# -- the probe, inside the app's process ----------------------------------------------------


def probe(out: Path, args: list[str]) -> int:
    """Run ``gdtui ARGS`` with timers on the app's chart, frames and keys."""
    # First, as `gdtui` does: the app's frame rate, set before Textual loads.
    import gdtui.app

    gdtui.app.set_frame_rate()
    from textual import events
    from textual._context import active_app

    import gdtui.cli.main
    from gdtui.app.app import GdtuiApp
    from gdtui.app.screens.main import MainScreen
    from gdtui.app.widgets.loss_chart import LossChart
    from gdtui.core.engine.stops import RunState
    from gdtui.core.run.session import TrainingSession

    seen: dict[str, Any] = {
        "frames": [],  # monotonic time of each frame written to the terminal
        "chart_redraws": [],  # (time, seconds preparing the points, epochs then)
        "chart_renders": [],  # (time, seconds in plotext's build, into lines for the screen)
        "latencies": [],  # seconds from a key's arrival to the frame that shows it
        "gc_pauses": [],  # seconds of each garbage collection
        "memory": [],  # (time, epochs, resident bytes, the history's bytes) every 0.5 s
    }
    pending: list[float] = []  # keys whose action ran, waiting for their frame
    arrived: list[float] = []  # keys read from the terminal, not acted on yet

    def timed(name: str, method: Any) -> Any:
        def wrapper(self: Any, *a: Any, **k: Any) -> Any:
            start = time.monotonic()
            result = method(self, *a, **k)
            end = time.monotonic()
            if name == "chart_redraws":
                seen[name].append((end, end - start, len(self.app.main.session.history)))
            else:
                seen[name].append((end, end - start))
            return result

        return wrapper

    LossChart.draw = timed("chart_redraws", LossChart.draw)  # type: ignore[method-assign]
    LossChart._build = timed("chart_renders", LossChart._build)  # type: ignore[method-assign]

    on_event = GdtuiApp.on_event

    async def on_event_probe(self: GdtuiApp, event: events.Event) -> None:
        # The app sees a key twice (before and after its screen does): count it once.
        if isinstance(event, events.Key) and event.key == "l" and event.time not in arrived:
            arrived.append(event.time)
        await on_event(self, event)

    GdtuiApp.on_event = on_event_probe  # type: ignore[method-assign, assignment]

    toggle_log = MainScreen.action_toggle_log

    def toggle_log_probe(self: MainScreen) -> None:
        toggle_log(self)
        pending.extend(arrived)
        arrived.clear()

    MainScreen.action_toggle_log = toggle_log_probe  # type: ignore[method-assign]

    def post_display_hook(self: GdtuiApp) -> None:
        now = time.monotonic()
        seen["frames"].append(now)
        seen["latencies"].extend(now - t for t in pending)
        pending.clear()

    GdtuiApp.post_display_hook = post_display_hook  # type: ignore[method-assign, assignment]

    redraw_if_dirty = MainScreen._redraw_if_dirty

    def redraw_probe(self: MainScreen) -> None:
        redraw_if_dirty(self)
        now = time.monotonic()
        if not self.busy and "ready" not in seen:
            seen["ready"] = now
            Path(f"{out}.ready").touch()
        if now - seen["memory"][-1][0] >= 0.5 if seen["memory"] else True:
            history = self.session.history
            seen["memory"].append((now, len(history), _rss(os.getpid()), history.nbytes))

    MainScreen._redraw_if_dirty = redraw_probe  # type: ignore[method-assign]

    gc_started: list[float] = []

    def gc_watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started.append(time.monotonic())
        else:
            seen["gc_pauses"].append(time.monotonic() - gc_started.pop())

    gc.callbacks.append(gc_watch)

    toggle_run = MainScreen.action_toggle_run

    def toggle_run_probe(self: MainScreen) -> None:
        toggle_run(self)
        if self.session.state is RunState.RUNNING and "run_start" not in seen:
            seen["run_start"], seen["run_start_epoch"] = time.monotonic(), self.session.epoch

    MainScreen.action_toggle_run = toggle_run_probe  # type: ignore[method-assign]

    accept = TrainingSession.accept

    def accept_probe(session: TrainingSession, stretch: Any) -> bool:
        accepted = accept(session, stretch)
        if accepted and session.finished and "run_end" not in seen:
            seen["run_end"], seen["epochs"] = time.monotonic(), session.epoch
            seen["state"] = session.state.value
            seen["history_bytes"] = session.history.nbytes
            app = active_app.get()
            seen["rss_app"] = _rss(os.getpid())
            pid = app.main.trainer.pid  # type: ignore[attr-defined]
            seen["rss_trainer"] = _rss(pid) if pid is not None else None
            app.set_timer(0.5, app.exit)
        return accepted

    TrainingSession.accept = accept_probe  # type: ignore[method-assign, assignment]
    try:
        return gdtui.cli.main.main(args)
    finally:
        out.write_text(json.dumps(seen))


def _rss(pid: int) -> int | None:
    """Resident bytes of process ``pid`` (Linux), or None."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return None


# -- the driver: a terminal for the app ------------------------------------------------------


VIEW_KEYS = {"loss": b"", "data": b"g", "landscape": b"gg", "code": b"ggg"}
"""The keys that bring each view into sight (g goes through them in this order)."""


def drive(
    gdtui_args: list[str], press_log: bool, timeout: float, first: bytes = b""
) -> tuple[dict[str, Any], list[tuple[float, int]]]:
    """Run the probed app in a pseudo-terminal: press the keys ``first`` (``ggg``: the Code
    view) and space once it is ready, then (with ``press_log``) l every 80-120 ms until it
    exits. Returns the probe's JSON and the (time, bytes) of every read from the terminal."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "probe.json"
        process, controller = launch(
            [sys.executable, __file__, "--probe", str(out), "--", *gdtui_args],
            COLUMNS,
            ROWS,
            folder,
        )
        reads: list[tuple[float, int]] = []
        started = False
        next_key = float("inf")
        deadline = time.monotonic() + timeout
        try:
            while process.poll() is None and time.monotonic() < deadline:
                ready, _, _ = select.select([controller], [], [], 0.005)
                if ready:
                    try:
                        reads.append((time.monotonic(), len(os.read(controller, 1 << 20))))
                    except OSError:
                        break
                now = time.monotonic()
                if not started and Path(f"{out}.ready").exists():
                    os.write(controller, first + b" ")
                    started = True
                    next_key = now + 0.5
                elif press_log and now >= next_key:
                    os.write(controller, b"l")
                    next_key = now + random.uniform(0.08, 0.12)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            os.close(controller)
        if not out.exists():
            raise RuntimeError(f"the app exited without a report (status {process.returncode})")
        return json.loads(out.read_text()), reads


def pauses(variant: str, tries: int, device: str = "auto") -> list[float]:
    """Scenario 2: while the run goes flat out, press space and time, from outside, how long
    "paused" takes to reach the terminal; space again to run on, and so ``tries`` times,
    0.4-0.6 s apart. Seconds, one per try."""
    args = ["--variant", variant, "--epochs", "100000000", "--device", device]
    times: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "probe.json"
        process, controller = launch(
            [sys.executable, __file__, "--probe", str(out), "--", *args], COLUMNS, ROWS, folder
        )

        def read_until(word: bytes | None, seconds: float) -> float | None:
            """Read what the app writes until ``word`` arrives (the time it did), or for
            ``seconds`` (None)."""
            seen, deadline = b"", time.monotonic() + seconds
            while time.monotonic() < deadline:
                ready, _, _ = select.select([controller], [], [], 0.002)
                if ready:
                    seen = seen[-64:] + os.read(controller, 1 << 20)
                    if word is not None and word in seen:
                        return time.monotonic()
            return None

        try:
            while not Path(f"{out}.ready").exists() and process.poll() is None:
                read_until(None, 0.05)
            os.write(controller, b" ")
            for _ in range(tries):
                read_until(None, random.uniform(0.4, 0.6))  # running flat out meanwhile
                pressed = time.monotonic()
                os.write(controller, b" ")
                shown = read_until(b"paused", 5)
                if shown is not None:
                    times.append(shown - pressed)
                read_until(None, 0.2)
                os.write(controller, b" ")
        finally:
            process.kill()
            process.wait()
            os.close(controller)
    return times


def headless_rate(variant: str, epochs: int, device: str = "auto") -> float:
    """Epochs/s of `gdtui run` (text, logging every 1,000 epochs) in this process."""
    from gdtui.cli.run import run_headless
    from gdtui.core.settings.config import RunConfig

    config = RunConfig(variant=variant, epochs=200, device=device)
    run_headless(config, "text", 1000, out=io.StringIO())
    start = time.perf_counter()
    run_headless(config.replace(epochs=epochs), "text", 1000, out=io.StringIO())
    return epochs / (time.perf_counter() - start)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest rank; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def during_run(times: list[float], report: dict[str, Any]) -> list[float]:
    return [t for t in times if report["run_start"] <= t <= report["run_end"]]


def flat_out(
    variant: str, epochs: int, fps: float, repeats: int, first: bytes = b"", device: str = "auto"
) -> dict[str, float]:
    """Scenario 1 (see the module's docstring), ``repeats`` times: each time the headless rate,
    a quiet app run for the rates and bytes, then one with keys pressed for their latency
    (each l also redraws the chart, adding bytes). Medians of the repeats; the key latencies
    of all repeats pooled."""
    args = ["--variant", variant, "--epochs", str(epochs), "--fps", f"{fps:g}"]
    args += ["--device", device]
    runs: dict[str, list[float]] = {}
    latencies: list[float] = []
    for _ in range(repeats):
        headless = headless_rate(variant, epochs, device)
        timeout = 60 + 3 * epochs / headless
        report, reads = drive(args, press_log=False, timeout=timeout, first=first)
        seconds = report["run_end"] - report["run_start"]
        app = (report["epochs"] - report["run_start_epoch"]) / seconds
        redraws = during_run([t for t, _, _ in report["chart_redraws"]], report)
        written = sum(n for t, n in reads if report["run_start"] <= t <= report["run_end"])
        pressed, _ = drive(args, press_log=True, timeout=timeout, first=first)
        pressed_rate = (pressed["epochs"] - pressed["run_start_epoch"]) / (
            pressed["run_end"] - pressed["run_start"]
        )
        latencies += [s * 1000 for s in pressed["latencies"]]
        for name, value in (
            ("headless", headless),
            ("app", app),
            ("ratio", app / headless),
            ("ratio_pressed", pressed_rate / headless),
            ("chart_fps", len(redraws) / seconds),
            ("bytes_per_s", written / seconds),
        ):
            runs.setdefault(name, []).append(value)
    result = {name: statistics.median(values) for name, values in runs.items()}
    result.update(
        keys=len(latencies), key_p50=percentile(latencies, 50), key_p99=percentile(latencies, 99)
    )
    return result


def scale(epochs: int, batch: int | None = None) -> dict[str, float]:
    """Scenario 3 (see the module's docstring); in shuffled mini-batches of ``batch``."""
    batches = ["--batch-size", str(batch), "--shuffle"] if batch else []
    report, _ = drive(
        ["--variant", "numpy-manual", "--epochs", str(epochs), *batches],
        press_log=False,
        timeout=900,
    )
    # One redraw is the points' preparation plus the plotext build of the next render.
    redraws, renders = report["chart_redraws"], report["chart_renders"]
    timed = [
        (at, (prepare + build) * 1000)
        for (_, prepare, at), (_, build) in zip(redraws, renders, strict=False)
    ]
    tenth = report["epochs"] // 10
    early = [ms for at, ms in timed if 0 < at <= tenth]
    late = [ms for at, ms in timed if at >= report["epochs"] - tenth]

    def beyond_history(at_least: int) -> float:
        """Resident MB besides the history's arrays, first sampled at ``at_least`` epochs."""
        for _, epochs, rss, history in report["memory"]:
            if epochs >= at_least and rss is not None:
                return (rss - history) / 2**20
        return float("nan")

    return {
        "epochs": report["epochs"],
        "state": report["state"],
        "rss_app": report["rss_app"] / 2**20,
        "rss_trainer": (report["rss_trainer"] or 0) / 2**20,
        "history": report["history_bytes"] / 2**20,
        "tenth": tenth,
        "beyond_early": beyond_history(min(100_000, epochs // 10)),
        "beyond_end": (report["rss_app"] - report["history_bytes"]) / 2**20,
        "chart_early": statistics.median(early) if early else float("nan"),
        "chart_late": statistics.median(late) if late else float("nan"),
        "chart_p99_early": percentile(early, 99),
        "chart_p99_late": percentile(late, 99),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    parser.add_argument("--variant", default="torch-autograd")
    parser.add_argument("--epochs", type=int, default=100_000)
    parser.add_argument("--fps", type=float, nargs="+", default=[15.0])
    parser.add_argument(
        "--scale", type=int, default=1_000_000, help="epochs of the scale run; 0 skips it"
    )
    parser.add_argument(
        "--scale-batch", type=int, help="the scale run in shuffled mini-batches of this size"
    )
    parser.add_argument("--repeats", type=int, default=3, help="flat-out runs per --fps (0: none)")
    parser.add_argument("--pauses", type=int, default=7, help="space presses timed (0: none)")
    parser.add_argument("--smoke", action="store_true", help="a few seconds: 3,000 epochs each")
    parser.add_argument(
        "--view",
        choices=VIEW_KEYS,
        default="loss",
        help="the view in sight while running flat out (code: the Code view)",
    )
    parser.add_argument("--device", default="auto", help="the flat-out runs' --device")
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        return probe(Path(args.probe), args.rest)
    epochs, scale_epochs, repeats = (
        (3_000, 3_000, 1) if args.smoke else (args.epochs, args.scale, args.repeats)
    )

    if repeats:  # --repeats 0: the scale run only
        print(
            f"Flat out: {epochs:,} epochs of {args.variant} at {COLUMNS}×{ROWS}, {args.view} view, "
            f"--device {args.device}, "
            f"medians of {repeats} runs (key latencies pooled)"
        )
        print(
            f"{'--fps':>5}{'headless ep/s':>15}{'app ep/s':>10}{'ratio':>7}{'chart fps':>11}"
            f"{'KB/s':>8}{'ratio, keys':>13}{'key p50':>9}{'key p99':>9}{'keys':>6}"
        )
        for fps in args.fps:
            r = flat_out(args.variant, epochs, fps, repeats, VIEW_KEYS[args.view], args.device)
            print(
                f"{fps:>5g}{r['headless']:>15,.0f}{r['app']:>10,.0f}{r['ratio']:>7.2f}"
                f"{r['chart_fps']:>11.1f}{r['bytes_per_s'] / 1000:>8.1f}"
                f"{r['ratio_pressed']:>13.2f}{r['key_p50']:>7.1f}ms"
                f"{r['key_p99']:>7.1f}ms{r['keys']:>6}"
            )

    tries = 2 if args.smoke else args.pauses
    if tries:
        ms = sorted(t * 1000 for t in pauses(args.variant, tries, args.device))
        print(
            f'\nPause: space while {args.variant} runs flat out, to "paused" on the terminal, '
            f"{len(ms)} of {tries} tries: median {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} "
            f"ms ({', '.join(f'{t:.0f}' for t in ms)})"
        )
    if not scale_epochs:
        return 0  # --scale 0: the flat-out runs only
    s = scale(scale_epochs, args.scale_batch)
    batches = f", in shuffled batches of {args.scale_batch}" if args.scale_batch else ""
    print(f"\nScale: {s['epochs']:,} epochs of numpy-manual{batches} in the app ({s['state']})")
    print(
        f"resident memory: app {s['rss_app']:.0f} MB (history {s['history']:.0f} MB), "
        f"training process {s['rss_trainer']:.0f} MB; besides the history the app holds "
        f"{s['beyond_early']:.0f} MB at {min(100_000, scale_epochs // 10):,} epochs and "
        f"{s['beyond_end']:.0f} MB at the end"
    )
    print(
        f"chart redraw (median, p99): {s['chart_early']:.1f} ms, {s['chart_p99_early']:.1f} ms "
        f"over the first {s['tenth']:,} epochs; {s['chart_late']:.1f} ms, "
        f"{s['chart_p99_late']:.1f} ms over the last {s['tenth']:,}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
