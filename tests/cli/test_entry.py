"""Help, version, and output that fails: a reader that goes away early (``gdtui run | head -1``),
a full disk (``/dev/full``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gdtui import __version__
from tests.cli.cli_support import ROOT, cli_env, run_gdtui


def test_help_exits_0_and_lists_the_options() -> None:
    result = run_gdtui("--help")
    assert result.returncode == 0, result
    assert result.stderr == ""
    for option in ("--variant", "--lr", "--epochs", "--data", "--device", "--version"):
        assert option in result.stdout


def test_run_help_exits_0_and_lists_output_options() -> None:
    result = run_gdtui("run", "--help")
    assert result.returncode == 0, result
    assert result.stderr == ""
    assert result.stdout.startswith("usage: gdtui run")
    for option in ("--lr", "--epochs", "--eps", "--grad-formula", "--log-every", "--format"):
        assert option in result.stdout


def test_version() -> None:
    result = run_gdtui("--version")
    assert result.returncode == 0, result
    assert result.stdout.strip() == f"gdtui {__version__}"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--epochs", "100000"), id="torch-autograd-text-every-epoch"),
        pytest.param(
            ("--variant", "numpy-manual", "--epochs", "300000", "--format", "jsonl"), id="jsonl"
        ),
        pytest.param(
            ("--variant", "numpy-manual", "--epochs", "300000", "--format", "csv"), id="csv"
        ),
    ],
)
def test_reader_closing_early_is_one_line_and_status_141(args: tuple[str, ...]) -> None:
    # Far more output than a pipe buffers, so the writer does meet the closed pipe.
    if "--format" not in args:
        args = (*args, "--log-every", "1")
    process = subprocess.Popen(
        [sys.executable, "-m", "gdtui", "run", *args],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # like ``| head -1``
    try:
        stderr = process.stderr.read().decode("utf-8", errors="replace")
        returncode = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert first.startswith((b"epoch 1:", b'{"epoch": 1,', b"epoch,step,batch,loss"))
    assert "Traceback" not in stderr
    assert "Error" not in stderr, stderr  # no "Exception ignored ... BrokenPipeError" either
    assert stderr == "gdtui run: the output was closed before the end (broken pipe)\n"
    assert returncode == 141  # as a shell shows a tool that SIGPIPE ended


@pytest.mark.parametrize(
    ("version", "words"),
    [
        ("6.0.1", "plotext 6.0.1 is installed"),
        ("4.2", "plotext 4.2 is installed"),
        (None, "not installed"),
    ],
)
def test_a_plotext_the_charts_cannot_use_is_reported_before_the_app_starts(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    version,
    words,
) -> None:
    from gdtui import exits
    from gdtui.cli.app import plotext_problem
    from gdtui.cli.main import main

    if version is None:
        monkeypatch.setitem(sys.modules, "plotext", None)  # import plotext raises ImportError
    else:  # a plotext of that version, installed where Python finds it first
        (tmp_path / "plotext").mkdir()
        (tmp_path / "plotext" / "__init__.py").write_text(f"__version__ = {version!r}\n")
        (tmp_path / f"plotext-{version}.dist-info").mkdir()
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.delitem(sys.modules, "plotext", raising=False)
    assert main(["--variant", "numpy-manual"]) == exits.ENVIRONMENT
    err = capsys.readouterr().err
    assert words in err and "plotext>=5.2,<6" in err and len(err.splitlines()) == 1
    assert sys.modules.get("plotext") is None  # read from its folder's name, not imported
    monkeypatch.undo()
    assert plotext_problem() is None  # the one installed here is 5.x


@pytest.mark.parametrize("command", [("run", "--format", "jsonl"), ("compare",)])
def test_a_full_disk_is_one_line_and_status_74(command: tuple[str, ...]) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "gdtui", *command, "--variant", "numpy-manual"]
            if command[0] == "run"
            else [sys.executable, "-m", "gdtui", *command, "--epochs", "5"],
            cwd=ROOT,
            env=cli_env(),
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    name = f"gdtui {command[0]}"
    assert result.stderr.decode() == f"{name}: cannot write the output: No space left on device\n"
    assert result.returncode == 74


def test_a_terminal_gone_under_the_output_is_one_line_and_status_74() -> None:
    import pty

    controller, terminal = pty.openpty()
    os.close(controller)  # writing to the terminal now fails with EIO
    try:
        result = subprocess.run(
            [sys.executable, "-m", "gdtui", "run", "--variant", "numpy-manual"],
            cwd=ROOT,
            env=cli_env(),
            stdout=terminal,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    finally:
        os.close(terminal)
    assert result.stderr.decode() == "gdtui run: cannot write the output: Input/output error\n"
    assert result.returncode == 74
