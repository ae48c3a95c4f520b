"""The first frame waits for nothing it does not show: numpy, plotext, torch, Pygments and the
run's machinery are imported after it (benchmarks/first_frame.py times it)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.terminal_support import FIRST_FRAME, TerminalApp

# Run as `gdtui` is, with the modules written down as the run's start to load, right after the
# first frame has been drawn (MainScreen._load_run is called once the screen has been refreshed).
PROGRAM = """
import json, sys
from gdtui.app.screens.main import MainScreen

load_run = MainScreen._load_run
listing = sys.argv.pop(1)

def _load_run(self):
    with open(listing, "w") as out:
        json.dump(sorted(sys.modules), out)
    load_run(self)

MainScreen._load_run = _load_run
from gdtui.cli.main import main
raise SystemExit(main())
"""

NOT_BEFORE = ("numpy", "plotext", "textual_plotext", "torch", "pygments")
"""Packages the first frame draws nothing with."""
NOT_BEFORE_OURS = (
    "gdtui.core.run",
    "gdtui.core.process",
    "gdtui.core.lessons",
    "gdtui.core.own",
    "gdtui.app.screens.main_run",
    "gdtui.app.widgets.loss_chart",
    "gdtui.app.widgets.presenter",
)
"""The run's machinery (its session, history, training process, lessons, learners' loops) and
the panes drawn from it."""
ENGINE_ALLOWED = {"gdtui.core.engine", "gdtui.core.engine.record", "gdtui.core.engine.stops"}
"""What the first frame uses of the engine: the names of a run's states and .grad's."""


def test_the_first_frame_imports_nothing_it_does_not_show(tmp_path: Path) -> None:
    listing = tmp_path / "modules.json"
    app = TerminalApp(tmp_path, str(listing), "--defaults", python=("-c", PROGRAM))
    try:
        assert app.wait_for_output(FIRST_FRAME, 30), app.seen[-2000:]
        assert app.wait_for_text("ready", "epoch 0/100"), app.text()[-2000:]  # the run came
        modules = set(json.loads(listing.read_text()))
        app.press(b"q")
        assert app.wait(10) == 0
    finally:
        app.cleanup()
    # What the frame is made of is there (the listing is the one wanted) ...
    assert {"textual.app", "gdtui.app.widgets.settings_form", "gdtui.core.settings.config"} <= (
        modules
    )
    # ... and nothing else.
    early = sorted(
        name
        for name in modules
        if name.split(".")[0] in NOT_BEFORE
        or name.startswith(NOT_BEFORE_OURS)
        or (name.startswith("gdtui.core.engine") and name not in ENGINE_ALLOWED)
    )
    assert early == [], early
