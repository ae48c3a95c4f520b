"""Telling states of the app, for the README's screenshots and the snapshot tests.

``python -m tests.showcase [DIR]`` writes one SVG per state (default ``screenshots/``).
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from textual.pilot import Pilot

from gdtui.app import make_app
from gdtui.app.app import GdtuiApp
from gdtui.app.training.link import READER_GROUP
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import parse_noisy

SAME_ON_EVERY_MACHINE: dict[str, str] = {
    # float32 sums and fused multiply-adds come out differently, in their last bits, from one
    # CPU to another: torch's vector kernels by vector width (Adam's lerp and addcmul, by FMA;
    # pinned to AVX2 they still gave Adam another last digit on an AMD EPYC than on the
    # machine that drew the pictures), MKL's (nn.Linear) by vendor. On torch's scalar kernels
    # and MKL's compatible path every x86-64 machine computes alike, so the pictures and the
    # snapshot tests show the same digits everywhere.
    "ATEN_CPU_CAPABILITY": "default",
    "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
    "MKL_CBWR": "COMPATIBLE",
}
"""The training process's environment for the showcase states (it inherits this one's)."""

ANOTHER_MACHINE: dict[str, str] = {
    **SAME_ON_EVERY_MACHINE,
    "OMP_NUM_THREADS": "1",  # torch.set_num_threads(1) in the training process
    "MKL_NUM_THREADS": "1",
    "NPY_DISABLE_CPU_FEATURES": "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL",
}
"""The same, computing as another machine would (one thread, numpy without AVX-512): the
snapshot and README tests compare the two, bit for bit."""


@dataclass(frozen=True)
class State:
    """A configuration, the keys to press, and the terminal size to show them at."""

    name: str
    caption: str
    config: RunConfig = field(default_factory=RunConfig)
    keys: tuple[str, ...] = ()
    size: tuple[int, int] = (120, 40)
    lesson: str | None = None
    """A built-in lesson to play (its settings, not ``config``, set the run)."""
    present: bool = False
    """Start in presenter mode (``--present``)."""

    def app(self) -> GdtuiApp:
        """The app this state starts from."""
        from gdtui.core.lessons.lesson import load_lesson

        lesson = load_lesson(self.lesson) if self.lesson is not None else None
        return make_app(self.config, lesson=lesson, present=self.present)


STATES: tuple[State, ...] = (
    State("fresh", "Just started: the seeds' defaults, ready to step"),
    State(
        "mid-run",
        "Twelve epochs of torch autograd, stepped one key press at a time",
        keys=("n",) * 12,
    ),
    State(
        "zero-grad-off",
        "zero_grad off: .grad accumulates, -30 → -55.5 → -72.675",
        RunConfig(variant="torch-optim"),
        keys=("z", "n", "n", "n", "n"),
    ),
    State(
        "diverging",
        "lr = 0.15 is above 1/mean(x²) = 0.133: the run pauses, diverging, and says why",
        RunConfig(lr=0.15, epochs=1000),
        keys=("l", "space"),
    ),
    State(
        "module-log",
        "nn.Linear with weight and bias, loss on a log axis",
        RunConfig(variant="torch-module", epochs=300),
        keys=("l", "space"),
    ),
    State(
        "narrow",
        "At 80×24 the chart and the table take the width; tab opens the settings",
        keys=("n",) * 3,
        size=(80, 24),
    ),
    State(
        "narrow-settings",
        "The settings drawer at 80×24, open while it has the focus",
        keys=("n", "n", "n", "tab"),
        size=(80, 24),
    ),
    State(
        "wide",
        "At 200×50 the debug table runs under the chart, every column and 20 epochs in sight",
        RunConfig(variant="torch-module"),
        keys=("n",) * 25,
        size=(200, 50),
    ),
    State(
        "compare",
        "Compare mode: the optimizers in lockstep, one line each",
        RunConfig(lr=0.02, epochs=200),
        keys=("c", "o"),
    ),
    State(
        "landscape",
        "The loss landscape: lr = 0.1 bounces across the valley",
        RunConfig(lr=0.1, epochs=12),
        keys=("space", "g", "g"),
    ),
    State(
        "landscape-wb",
        "Loss level lines over (w, b) and the path nn.Linear took",
        RunConfig(variant="torch-module", lr=0.03, epochs=300),
        keys=("space", "g", "g"),
    ),
    State(
        "data",
        "The data and the line the model fits, on a generated noisy line",
        RunConfig(
            variant="torch-module",
            lr=0.002,
            epochs=3000,
            dataset=parse_noisy("noisy:slope=2,intercept=3,noise=1.5,n=25,seed=1"),
        ),
        keys=("space", "g"),
    ),
    State(
        "batches",
        "Mini-batches of 5 from 25 shuffled points: each batch's loss and the whole data's, "
        "and each batch's gradient beside the full-data one",
        RunConfig(
            variant="torch-optim",
            bias=True,
            lr=0.002,
            epochs=40,
            batch_size=5,
            shuffle=True,
            dataset=parse_noisy("noisy:slope=2,intercept=3,noise=1.5,n=25,seed=1"),
        ),
        keys=("l", *("n",) * 12),
    ),
    State("tour", "The autograd tour: .grad accumulating, live", keys=("t", "n", "n", "n", "n")),
    State(
        "lines",
        "Line stepping with zero_grad off: l.backward() adds to .grad, and the graph it went "
        "through",
        RunConfig(zero_grad=False),
        keys=("n", *("full_stop",) * 4),
    ),
    State(
        "lines-tutorial",
        "The tutorial's gradient, point by point: a dot product, already a sum, 4 times too large",
        RunConfig(variant="numpy-manual", grad_formula="tutorial"),
        keys=("full_stop",) * 4,
    ),
    State(
        "lines-momentum",
        "optimizer.step() with momentum: its formula with the buffer's numbers",
        RunConfig(variant="torch-optim", optimizer="momentum"),
        keys=("n", *("full_stop",) * 5),
        size=(200, 50),
    ),
    State(
        "lines-module",
        "At 80×24: nn.Linear's graph after l.backward() (AddmmBackward0, TBackward0)",
        RunConfig(variant="torch-module"),
        keys=("full_stop",) * 4,
        size=(80, 24),
    ),
    State(
        "present",
        "Presenter mode at 80×24, playing lesson 004: .grad accumulated to -55.5 mid-epoch",
        lesson="004",
        keys=("enter", "enter"),
        size=(80, 24),
        present=True,
    ),
    State(
        "present-loss",
        "Presenter mode at 120×40 (p): the numbers in big digits over an enlarged chart",
        RunConfig(variant="torch-module", lr=0.03, epochs=300),
        keys=("p", "space"),
    ),
)


async def settle(app: GdtuiApp, pilot: Pilot[None]) -> None:
    """Wait until the training process (and a learner's program's) has answered and the
    panes are redrawn."""
    from gdtui.app.screens.own import OwnScreen

    await started(app, pilot)
    screen = app.screen
    while isinstance(screen, OwnScreen) and (not screen.text or screen.link.busy):
        await pilot.pause(0.02)
    while app.main.busy:
        await pilot.pause(0.01)
    await finish_work(app)
    await pilot.pause()
    app.main.redraw()
    await pilot.pause()


async def started(app: GdtuiApp, pilot: Pilot[None]) -> None:
    """Wait until the run has started after the app's first frame, its panes drawn."""
    for _ in range(1000):
        if app.main.panes_ready:
            return
        await pilot.pause(0.005)
    raise TimeoutError("the run's panes did not come within 5 s of the first frame")


async def finish_work(app: GdtuiApp) -> None:
    """Wait for the app's work on threads (exports, files being read) to finish; the
    training process's reader, which lasts as long as the process, is not waited for."""
    work = [worker for worker in app.workers if worker.group != READER_GROUP]
    if work:  # (an empty list would mean every worker to Textual)
        await app.workers.wait_for_complete(work)


async def play(app: GdtuiApp, pilot: Pilot[None], keys: tuple[str, ...]) -> None:
    """Press ``keys`` one at a time, letting each epoch land before the next key."""
    await settle(app, pilot)
    for key in keys:
        await pilot.press(key)
        await settle(app, pilot)
        while app.main.session.state.value == "running":
            await pilot.pause(0.01)
    await settle(app, pilot)


async def save(state: State, directory: Path) -> Path:
    """Run ``state`` and save its SVG into ``directory``."""
    app = state.app()
    async with app.run_test(size=state.size) as pilot:
        await play(app, pilot, state.keys)
        path = app.save_screenshot(filename=f"{state.name}.svg", path=str(directory))
    return Path(path)


def main(argv: list[str] | None = None) -> int:
    """Write every state's SVG."""
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0] if args else "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    os.environ.update(SAME_ON_EVERY_MACHINE)
    for state in STATES:
        print(asyncio.run(save(state, directory)))
    for name, program, keys, size in OWN_STATES:
        print(asyncio.run(save_own(name, program, keys, size, directory)))
    return 0


OWN_STATES: tuple[tuple[str, str, tuple[str, ...], tuple[int, int]], ...] = (
    (
        "own",
        "correct",
        ("n", "n", "n", "full_stop", "full_stop", "full_stop", "full_stop"),
        (120, 40),
    ),
    ("own-mistake", "not-a-leaf", ("n", "n"), (80, 24)),
)
"""Your own loop in the app (gdtui --mistake NAME): name, gallery program, keys, size."""


async def save_own(
    name: str, program: str, keys: tuple[str, ...], size: tuple[int, int], directory: Path
) -> Path:
    """The app on a gallery program, after ``keys``; its SVG saved into ``directory``."""
    from gdtui.core.own import gallery

    app = make_app(program=gallery.program_path(program))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        app.clear_notifications()
        await pilot.pause(0.1)
        path = app.save_screenshot(filename=f"{name}.svg", path=str(directory))
    return Path(path)


if __name__ == "__main__":
    raise SystemExit(main())
