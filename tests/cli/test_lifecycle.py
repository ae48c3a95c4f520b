"""However a session ends, the app and its training process are gone within 2 s, with the
right exit status, the terminal restored where it remains, and the settings saved.

Each test runs the real app in a real pseudo-terminal and finds its processes by pid."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest

from tests.cli.cli_support import ROOT, cli_env
from tests.cli.terminal_support import (
    ALT_SCREEN_OFF,
    FIRST_FRAME,
    TerminalApp,
    descendants,
    state_of,
    wait_gone,
)

BOUND = 2.0
"""Seconds within which every process of a session must be gone (the project's rule)."""
LONG_RUN = ("--variant", "numpy-manual", "--epochs", "1000000000")
TORCH_RUN = ("--variant", "torch-autograd", "--epochs", "1000000000")


@pytest.fixture
def terminal_app(tmp_path):
    apps: list[TerminalApp] = []

    def start(*args: str, **kwargs) -> TerminalApp:
        app = TerminalApp(tmp_path, *args, **kwargs)
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.cleanup()


def _run_flat_out(app: TerminalApp) -> None:
    app.press(b" ")
    assert app.wait_for_output(b"running", 10)
    app.drain(0.5)


@pytest.mark.parametrize("when", ["start-up", "mid-run"])
@pytest.mark.parametrize("controlling", [True, False], ids=["hang-up", "no-hang-up"])
def test_the_terminal_going_away_ends_everything(terminal_app, when, controlling):
    """tmux kill-server, or an SSH drop: the pty's other end closes. With a controlling
    terminal a SIGHUP comes too; without one the app learns it only from reads and writes
    failing, where Textual's own threads hung (#6692) or spun (#6690)."""
    app = terminal_app(*(TORCH_RUN if when == "mid-run" else LONG_RUN), controlling=controlling)
    processes = app.started()
    if when == "mid-run":
        _run_flat_out(app)
    app.close_terminal()
    start = time.monotonic()
    status = app.wait(BOUND + 1)
    left = wait_gone(processes, max(0.0, BOUND - (time.monotonic() - start)))
    assert status == 128 + signal.SIGHUP
    assert not left, f"still alive {time.monotonic() - start:.1f} s later: {left}"
    assert app.settings.exists()  # it shut down in order, not by the watchdog


@pytest.mark.parametrize(
    ("signal_number", "status"),
    [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)],
    ids=["SIGTERM", "SIGHUP", "SIGINT"],
)
def test_a_signal_mid_run_quits_with_128_plus_its_number(terminal_app, signal_number, status):
    app = terminal_app(*LONG_RUN)
    processes = app.started()
    _run_flat_out(app)
    app.process.send_signal(signal_number)
    start = time.monotonic()
    assert app.wait(BOUND) == status
    assert not wait_gone(processes, BOUND - (time.monotonic() - start))
    app.drain(0.2)
    assert ALT_SCREEN_OFF in app.seen  # the terminal is back to its normal screen
    assert app.settings.exists()


@pytest.mark.parametrize("keys", [b"q", b"\x03"], ids=["q", "ctrl+c"])
def test_q_and_ctrl_c_quit_with_status_0(terminal_app, keys):
    app = terminal_app(*LONG_RUN)
    processes = app.started()
    _run_flat_out(app)
    app.press(keys)
    assert app.wait(BOUND) == 0
    assert not wait_gone(processes, BOUND)
    app.drain(0.2)
    assert ALT_SCREEN_OFF in app.seen


def test_a_terminal_that_stops_reading_cannot_hold_the_app(terminal_app):
    """Nobody reads the terminal (a stalled connection): the app's writes block, and with
    them its event loop. SIGTERM must still end it, through the watchdog."""
    app = terminal_app(*LONG_RUN)
    processes = app.started()
    _run_flat_out(app)
    time.sleep(3)  # not reading: the terminal's buffer fills and the app's writes block
    app.process.send_signal(signal.SIGTERM)
    assert app.wait(BOUND + 0.5, read=False) == 143
    assert not wait_gone(processes, 1)


def test_ctrl_z_suspends_and_fg_repaints_the_whole_screen(terminal_app):
    app = terminal_app("--variant", "numpy-manual")
    processes = app.started()
    app.press(b"\x1a")  # ctrl+z
    deadline = time.monotonic() + 5
    while state_of(app.pid) != "T" and time.monotonic() < deadline:
        app.drain(0.05)
    assert state_of(app.pid) == "T"
    assert ALT_SCREEN_OFF in app.seen  # the shell gets its screen back while suspended
    app.drain(0.3)
    os.kill(app.pid, signal.SIGCONT)  # what fg does
    start = len(app.seen)
    assert app.wait_for_output(FIRST_FRAME, 5)
    app.drain(0.3)
    repainted = app.seen[start:]
    for text in (b"Hyperparameters", b"Debug", b"epoch 0/100"):  # every pane, untouched ones too
        assert text in repainted, text
    app.press(b"q")
    assert app.wait(BOUND) == 0
    assert not wait_gone(processes, BOUND)


@pytest.mark.parametrize(
    ("stdin", "env", "why"),
    [
        (subprocess.DEVNULL, {}, "standard input is not a terminal"),
        ("pty", {"TERM": "dumb"}, "TERM=dumb"),
        ("pty", {"TERM": None}, "TERM is not set"),
    ],
    ids=["stdin-at-eof", "TERM=dumb", "no-TERM"],
)
def test_without_a_usable_terminal_one_line_and_status_2(tmp_path, stdin, env, why):
    """In a terminal, but unusable: stdin elsewhere, or a terminal that cannot draw."""
    import pty

    environment = cli_env({"XDG_CONFIG_HOME": str(tmp_path), **env})
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "gdtui"],
            cwd=ROOT,
            env=environment,
            stdin=terminal if stdin == "pty" else stdin,
            stdout=terminal,
            stderr=subprocess.PIPE,
            timeout=30,
            check=False,
        )
        drawn = read_available(controller)
    finally:
        os.close(controller)
        os.close(terminal)
    assert result.returncode == 2
    assert drawn == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("gdtui needs a terminal: use `gdtui run` for headless training")
    assert why in lines[0]


def read_available(fd: int) -> bytes:
    """What a pseudo-terminal has to read now."""
    import select

    seen = b""
    while select.select([fd], [], [], 0.1)[0]:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        seen += chunk
    return seen


def test_with_no_tty_at_all_the_files_get_one_line(tmp_path):
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with open(os.devnull) as stdin, out.open("wb") as stdout, err.open("wb") as stderr:
        status = subprocess.run(
            [sys.executable, "-m", "gdtui"],
            cwd=ROOT,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            env={**cli_env(), "XDG_CONFIG_HOME": str(tmp_path)},
            timeout=30,
        ).returncode
    assert status == 2
    assert out.read_bytes() == b""
    assert err.read_text().count("\n") == 1 and b"\x1b" not in err.read_bytes()


def test_with_stderr_redirected_the_app_draws_on_stdout(terminal_app, tmp_path):
    err = tmp_path / "err.txt"
    with err.open("wb") as stderr:
        app = terminal_app("--variant", "numpy-manual", stderr=stderr.fileno())
    processes = app.started()  # the first frame came through the terminal
    app.press(b"q")
    assert app.wait(BOUND) == 0
    assert not wait_gone(processes, BOUND)
    assert b"\x1b" not in err.read_bytes()  # nothing was drawn into the file


def test_with_stdout_redirected_the_app_draws_at_the_terminals_size(terminal_app, tmp_path):
    out = tmp_path / "out.txt"
    with out.open("wb") as stdout:
        app = terminal_app("--variant", "numpy-manual", stdout=stdout.fileno())
    processes = app.started()
    app.drain(0.5)
    columns = [int(c) for c in re.findall(rb"\x1b\[\d+;(\d+)H", app.seen)]
    assert max(columns) == 120  # drawn across the terminal's 120 columns, not 80
    app.press(b"q")
    assert app.wait(BOUND) == 0
    assert not wait_gone(processes, BOUND)
    assert out.read_bytes() == b""


def test_a_settings_file_it_cannot_read_is_said_and_kept_aside(terminal_app, tmp_path):
    settings = tmp_path / "gdtui" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{"run": {"lr": ')
    app = terminal_app("--variant", "numpy-manual")
    app.started()
    assert app.wait_for_text("used: not valid JSON", "kept as settings.json.invalid"), app.text()
    app.press(b"q")
    assert app.wait(BOUND) == 0
    assert (tmp_path / "gdtui" / "settings.json.invalid").read_text() == '{"run": {"lr": '
    # A valid file replaces it, without the command line's one-off --variant.
    assert '"variant": "torch-autograd"' in settings.read_text()


def test_the_training_process_dies_with_the_app_even_when_it_is_killed(terminal_app):
    """SIGKILL leaves no time to tidy up: the training process notices its parent's end
    (the end of its command pipe) by itself."""
    app = terminal_app(*TORCH_RUN)
    processes = app.started()
    _run_flat_out(app)
    children = descendants(app.pid)
    app.process.kill()
    app.wait(BOUND)
    assert not wait_gone(children, BOUND), processes


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.parametrize("when", ["start-up", "mid-run"])
def test_tmux_killed_takes_the_app_with_it(tmp_path, when):
    """What a user's SSH drop does, done the way it happens: the tmux server goes."""
    socket = f"gdtui-test-{uuid.uuid4().hex[:8]}"
    env = {**cli_env(), "XDG_CONFIG_HOME": str(tmp_path)}
    env.pop("TMUX", None)
    pid_file = tmp_path / "pid"
    command = f"echo $$ > {pid_file}; exec {sys.executable} -m gdtui {' '.join(LONG_RUN)}"

    def tmux(*args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", socket, *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout

    tmux("new-session", "-d", "-x", "120", "-y", "40", command)
    try:
        deadline = time.monotonic() + 30
        while "Run/Pause" not in tmux("capture-pane", "-p") and time.monotonic() < deadline:
            time.sleep(0.1)
        pid = int(pid_file.read_text())
        if when == "mid-run":
            while not descendants(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            tmux("send-keys", "space")
            time.sleep(1.0)
        processes = {pid, *descendants(pid)}
        tmux("kill-server")
        assert not wait_gone(processes, BOUND + 1)
    finally:
        tmux("kill-server")


def test_one_off_options_are_not_remembered_and_the_next_start_says_what_it_restored(
    terminal_app,
):
    from gdtui.core.settings import remembered as remembered_settings
    from gdtui.core.settings.config import RunConfig

    first = terminal_app("--variant", "numpy-manual", "--epochs", "1000000")
    first.started()
    first.press(b"+")  # the user's own choice: lr 0.02
    assert first.wait_for_output(b"0.02", 5)
    first.press(b"q")
    assert first.wait(BOUND) == 0
    remembered = remembered_settings.load(first.settings).config
    assert remembered == RunConfig(lr=0.02)  # not a million epochs, not numpy-manual
    second = terminal_app("--variant", "numpy-manual")
    second.started()
    assert second.wait_for_text("Restored", "epoch 0/100"), second.text()
    second.press(b"q")
    assert second.wait(BOUND) == 0
    fresh = terminal_app("--variant", "numpy-manual", "--defaults")
    fresh.started()
    fresh.drain(0.5)
    assert b"Restored" not in fresh.seen
    fresh.press(b"q")
    assert fresh.wait(BOUND) == 0
    assert remembered_settings.load(first.settings).config == RunConfig()  # started afresh
