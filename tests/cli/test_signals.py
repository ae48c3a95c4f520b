"""The app in a real pseudo-terminal: SIGTERM and SIGHUP quit within a second, restore the
terminal, and take the training process with them."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.cli_support import ROOT, cli_env, read_until

ALT_SCREEN_OFF = b"\x1b[?1049l"


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_mid_run_quits_promptly_and_restores_the_terminal(tmp_path, signal_number):
    controller, terminal = pty.openpty()
    env = {**cli_env(), "TERM": "xterm-256color", "XDG_CONFIG_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "gdtui", "--variant", "numpy-manual", "--epochs", "1000000000"],
        cwd=ROOT,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
        start_new_session=True,
    )
    os.close(terminal)
    try:
        assert b"Run/Pause" in read_until(controller, b"Run/Pause", 30)
        time.sleep(1.0)  # the training process is up
        os.write(controller, b" ")  # run flat out
        time.sleep(0.5)
        children = subprocess.run(
            ["pgrep", "-P", str(process.pid)], capture_output=True, text=True
        ).stdout.split()
        start = time.monotonic()
        process.send_signal(signal_number)
        tail = read_until(controller, ALT_SCREEN_OFF, 5)
        process.wait(timeout=5)
        elapsed = time.monotonic() - start
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    assert elapsed < 1.0
    assert ALT_SCREEN_OFF in tail  # the alternate screen was left: the terminal is back
    assert (tmp_path / "gdtui" / "settings.json").exists()  # it shut down properly
    time.sleep(0.5)
    for child in children:  # the training process is gone (or a zombie awaiting its reaper)
        status = Path(f"/proc/{child}/status")
        assert not status.exists() or "zombie" in status.read_text().lower()
