"""``gdtui FILE`` in a real terminal: the learner's program runs in a process of its own,
and whatever ends the session — q, or the terminal going away mid-run — the app and both
processes (the program's and the built-in variants' training process) are gone within
2 s."""

from __future__ import annotations

import signal
import time

import pytest

from gdtui.core.own import gallery
from tests.cli.terminal_support import TerminalApp, descendants, wait_gone

BOUND = 2.0


@pytest.fixture
def program_app(tmp_path):
    apps: list[TerminalApp] = []
    path = tmp_path / "slow.py"
    text = gallery.program_path("correct").read_text(encoding="utf-8")
    path.write_text(text.replace("n_iters = 20", "n_iters = 10**9"), encoding="utf-8")

    def start(controlling: bool) -> TerminalApp:
        app = TerminalApp(tmp_path, "slow.py", controlling=controlling, cwd=tmp_path)
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.cleanup()


def _running(app: TerminalApp) -> set[int]:
    assert app.wait_for_output(b"Restart", 30), app.seen[-2000:]
    deadline = time.monotonic() + 30
    while len(descendants(app.pid)) < 2 and time.monotonic() < deadline:
        app.drain(0.05)
    processes = {app.pid, *descendants(app.pid)}
    assert len(processes) >= 3, "the app, the training process and the program's"
    app.press(b" ")
    assert app.wait_for_text("running (space pauses)", timeout=20)
    app.drain(0.5)
    return processes


@pytest.mark.parametrize("controlling", [True, False], ids=["hang-up", "no-hang-up"])
def test_the_terminal_going_away_mid_run_ends_everything(program_app, controlling):
    app = program_app(controlling)
    processes = _running(app)
    app.close_terminal()
    start = time.monotonic()
    status = app.wait(BOUND + 1)
    left = wait_gone(processes, max(0.0, BOUND - (time.monotonic() - start)))
    assert status == 128 + signal.SIGHUP
    assert not left, f"still alive {time.monotonic() - start:.1f} s later: {left}"


def test_q_mid_run_ends_everything(program_app):
    app = program_app(True)
    processes = _running(app)
    app.press(b"q")
    start = time.monotonic()
    status = app.wait(BOUND + 1)
    left = wait_gone(processes, max(0.0, BOUND - (time.monotonic() - start)))
    assert status == 0
    assert not left, f"still alive {time.monotonic() - start:.1f} s later: {left}"
