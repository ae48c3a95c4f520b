"""Awkward terminals: fewer colours, NO_COLOR, tmux. The app must stay legible in each."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
import time
import uuid
from pathlib import Path

import pytest

from tests.cli.cli_support import ROOT, cli_env, read_until

SGR = re.compile(rb"\x1b\[([0-9;]*)m")
LEGIBLE = (b"Hyperparameters", b"epoch 3/100", b"Run/Pause", b"Help", b"w.grad", b"epoch")


def _drive(env_changes: dict[str, str | None], tmp_path: Path) -> bytes:
    """Everything the app writes to a 120x40 terminal while n is pressed three times."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = cli_env({"XDG_CONFIG_HOME": str(tmp_path), **env_changes})
    process = subprocess.Popen(
        [sys.executable, "-m", "gdtui", "--variant", "numpy-manual"],
        cwd=ROOT,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
    )
    os.close(terminal)
    seen = b""
    try:
        seen = read_until(controller, b"Run/Pause", 30, seen)
        time.sleep(1.0)  # the training process starts after the first frame
        os.write(controller, b"nnn")
        seen = read_until(controller, b"epoch 3/100", 10, seen)
        os.write(controller, b"q")
        process.wait(timeout=10)
        seen = read_until(controller, b"\x1b[?1049l", 2, seen)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    return seen


def _colour_codes(output: bytes) -> dict[str, set[int]]:
    """The colours used, by kind: 24-bit (count), 256 (indices), 16 (SGR codes)."""
    kinds: dict[str, set[int]] = {"rgb": set(), "256": set(), "16": set()}
    for match in SGR.finditer(output):
        parts = [int(p) for p in match.group(1).split(b";") if p]
        index = 0
        while index < len(parts):
            code = parts[index]
            if code in (38, 48) and index + 1 < len(parts) and parts[index + 1] == 2:
                kinds["rgb"].add(index)
                index += 5
                continue
            if code in (38, 48) and index + 1 < len(parts) and parts[index + 1] == 5:
                kinds["256"].add(parts[index + 2])
                index += 3
                continue
            if 30 <= code <= 37 or 40 <= code <= 47 or 90 <= code <= 97 or 100 <= code <= 107:
                kinds["16"].add(code)
            index += 1
    return kinds


def _is_grey(index: int) -> bool:
    if index >= 232:
        return True
    if 16 <= index < 232:
        r, g, b = (index - 16) // 36, (index - 16) // 6 % 6, (index - 16) % 6
        return r == g == b
    return index in (0, 7, 8, 15)


def _assert_legible(output: bytes) -> None:
    for text in LEGIBLE:
        assert text in output, text


def test_xterm_256color_without_colorterm_uses_256_colours(tmp_path):
    output = _drive({"TERM": "xterm-256color", "COLORTERM": None, "NO_COLOR": None}, tmp_path)
    _assert_legible(output)
    colours = _colour_codes(output)
    assert not colours["rgb"] and colours["256"]


def test_no_color_draws_in_greys_only(tmp_path):
    output = _drive({"TERM": "xterm-256color", "COLORTERM": None, "NO_COLOR": "1"}, tmp_path)
    _assert_legible(output)
    colours = _colour_codes(output)
    assert not colours["rgb"] and colours["256"]
    assert all(_is_grey(index) for index in colours["256"]), sorted(colours["256"])


def test_a_16_colour_terminal_gets_16_colours(tmp_path):
    output = _drive({"TERM": "xterm", "COLORTERM": None, "NO_COLOR": None}, tmp_path)
    _assert_legible(output)
    colours = _colour_codes(output)
    assert not colours["rgb"] and not colours["256"] and colours["16"]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_inside_tmux_the_panes_read_as_they_should(tmp_path):
    socket = f"gdtui-test-{uuid.uuid4().hex[:8]}"
    env = {**cli_env(), "XDG_CONFIG_HOME": str(tmp_path)}
    env.pop("TMUX", None)
    command = f"cd {ROOT} && {sys.executable} -m gdtui --variant numpy-manual"

    def tmux(*args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", socket, *args], env=env, capture_output=True, text=True, timeout=20
        ).stdout

    tmux("new-session", "-d", "-x", "120", "-y", "40", command)
    try:
        screen = ""
        for _ in range(150):
            screen = tmux("capture-pane", "-p")
            if "Run/Pause" in screen:
                break
            time.sleep(0.1)
        time.sleep(1.0)
        tmux("send-keys", "n", "n", "n")
        for _ in range(100):
            screen = tmux("capture-pane", "-p")
            if "epoch 3/100" in screen:
                break
            time.sleep(0.1)
        lines = screen.splitlines()
        for text in LEGIBLE:
            assert text.decode() in screen, text
        # Every line is exactly as wide as the window: nothing drawn wider than it claimed.
        assert len(lines) == 40
        assert all(len(line) <= 120 for line in lines)
        assert any(len(line.rstrip()) == 120 for line in lines), screen  # panes span the width
        tmux("send-keys", "q")
        time.sleep(1.0)
    finally:
        tmux("kill-server")


APP_THEN_FRAME_RATE = (
    "from gdtui.app import make_app; make_app(); import textual.constants as c; print(c.MAX_FPS)"
)


@pytest.mark.parametrize(("given", "expected"), [(None, "120"), ("30", "30")])
def test_the_app_paints_up_to_120_frames_a_second_unless_told_otherwise(given, expected):
    # A key's frame waits for the next paint: at Textual's default 60 a second that wait
    # alone reached 16.7 ms. The user's own TEXTUAL_FPS wins.
    env = cli_env()
    env.pop("TEXTUAL_FPS", None)
    if given is not None:
        env["TEXTUAL_FPS"] = given
    result = subprocess.run(
        [sys.executable, "-c", APP_THEN_FRAME_RATE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == expected, result.stderr
