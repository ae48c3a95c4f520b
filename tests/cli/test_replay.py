"""An exported run replayed from the command line: ``gdtui run --config FILE`` gives the
export's rows, row for row, with each row's learning rate and zero_grad those the training
used; and a long ``gdtui run`` to a file shows how far it has got on a terminal's stderr."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from gdtui.app.export_worker import export_run
from gdtui.core.run.export import replayed_settings
from gdtui.core.run.session import TrainingSession
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.files import config_text
from tests.cli.cli_support import ROOT, cli_env, read_until, run_gdtui
from tests.cli.terminal_support import wait_gone
from tests.core.references import assert_rows_close, torch_loop
from tests.core.stepping import InProcess


def _first_lines(count: int, *args: str) -> list[str]:
    """The first ``count`` lines ``gdtui run ARGS`` prints, then the pipe closed on it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "gdtui", "run", *args],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    lines = [process.stdout.readline().decode() for _ in range(count)]
    process.stdout.close()
    process.wait(timeout=30)
    return lines


def _session(config: RunConfig) -> tuple[TrainingSession, InProcess]:
    port = InProcess()
    session = TrainingSession(config, port)
    port.reset(session.run_id, config)
    return session, port


def _run(session: TrainingSession, port: InProcess, epochs: int) -> None:
    assert port.runner is not None
    assert session.accept(port.runner.run(epochs))


def _lines(session: TrainingSession, port: InProcess, count: int | None) -> None:
    """``count`` lines of the loop, or (None) the rest of the epoch."""
    assert port.runner is not None
    ran = 0
    while count is None or ran < count:
        _, stretch = port.runner.run_line()
        ran += 1
        if stretch is not None:
            session.accept(stretch)
            if count is None:
                return


CASES = {
    # The issue's own: a long run, the rate doubled, then typed, then halved.
    "torch-autograd": RunConfig(epochs=5_000_000, lr=0.0025),
    # Mini-batches, shuffled: a row per update.
    "numpy-manual batches": RunConfig(
        variant="numpy-manual", epochs=2_000, lr=0.002, batch_size=3, shuffle=True, bias=True
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_an_exported_run_replays_row_for_row_with_the_rates_it_ran_with(tmp_path, case):
    config = CASES[case]
    session, port = _session(config)
    _run(session, port, 40)
    session.change({"lr": str(config.lr * 2)})  # +
    _run(session, port, 25)
    session.change({"lr": "0.005"})  # the palette's "Edit learning rate"
    session.change({"zero_grad": False})
    _run(session, port, 10)
    _lines(session, port, 3)  # . . . then -, mid-epoch
    session.change({"lr": "0.0025"})
    _lines(session, port, None)
    session.change({"zero_grad": True})  # z, between epochs: clears the gradient
    _run(session, port, 30)
    session.change({"schedule": "cosine"})
    _run(session, port, 30)
    epochs = session.epoch
    start, changes = replayed_settings(session, epochs)
    stem = tmp_path / "run"
    export_run(session.history, epochs, start, stem, changes, lambda *_, **__: None, bool)

    exported = [json.loads(line) for line in stem.with_suffix(".jsonl").read_text().splitlines()]
    settings = stem.with_suffix(".toml")
    assert 'set = { schedule = "cosine" }' in settings.read_text()
    # As a person would look at the start of a long replay: gdtui run ... | head -n N.
    replayed = _first_lines(len(exported), "--config", str(settings), "--format", "jsonl")
    assert [json.loads(line) for line in replayed] == exported
    # Each row's rate and zero_grad are those the training used: a plain loop that takes
    # them row by row gives the same numbers (the full batch: torch's own loop).
    if not config.batched:
        lrs = [row["lr"] for row in exported]
        zero_grads = [row["zero_grad"] for row in exported]
        want = torch_loop([1, 2, 3, 4], [2, 4, 6, 8], 0.0, lrs, zero_grads)
        assert_rows_close([(r["loss"], r["w"], None, r["grad_w"], None) for r in exported], want)
        assert lrs[0] == 0.0025 and lrs[45] == 0.005 and 0.005 in lrs and len(set(lrs)) > 10


def test_a_replay_longer_than_the_export_goes_on_as_the_file_says(tmp_path):
    """The file's epochs are the run's, not the export's: replayed without --epochs, the run
    goes on past the exported rows, through changes made after the last one (more epochs
    once it was done)."""
    config = RunConfig(variant="numpy-manual", epochs=30)
    session, port = _session(config)
    _run(session, port, 100)  # done at 30
    session.change({"epochs": "50", "lr": "0.02"})
    _run(session, port, 100)
    session.change({"epochs": "60"})  # not yet run
    start, changes = replayed_settings(session, session.epoch)
    path = tmp_path / "run.toml"
    path.write_text(config_text(start, ".toml", changes))
    result = run_gdtui("run", "--config", str(path), "--format", "jsonl")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0, result.stderr
    assert len(rows) == 60 and [row["lr"] for row in rows] == [0.01] * 30 + [0.02] * 30
    assert [row["w"] for row in rows[:50]] == [record.w for record in session.history]


@pytest.mark.parametrize("command", ["trace", "compare"])
def test_commands_that_run_one_set_of_settings_refuse_a_file_with_changes(tmp_path, command):
    path = tmp_path / "run.toml"
    path.write_text("lr = 0.01\n\n[[changes]]\nepoch = 3\nset = { lr = 0.02 }\n")
    result = run_gdtui(command, "--config", str(path))
    assert result.returncode == 2
    assert "changes settings mid-run" in result.stderr and f"gdtui {command}" in result.stderr


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ("epoch = 3\nset = { variant = 'numpy-manual' }", "variant cannot change mid-run"),
        ("epoch = 3\nset = { lr = -1 }", "changes 1: set: lr: expects a finite number > 0"),
        ("epoch = 0\nset = { lr = 0.1 }", "changes 1: epoch: expects a whole number from 1"),
        ("epoch = 3\nset = {}", "changes 1: set: expects a table of settings"),
        ("epoch = 3\nwhen = 2\nset = { lr = 0.1 }", "unknown key 'when'"),
    ],
)
def test_a_bad_change_in_a_file_is_named(tmp_path, changes, words):
    path = tmp_path / "run.toml"
    path.write_text(f"variant = 'numpy-manual'\n\n[[changes]]\n{changes}\n")
    result = run_gdtui("run", "--config", str(path))
    assert result.returncode == 2 and result.stderr.startswith("gdtui run: error: --config: ")
    assert words in result.stderr, result.stderr


def _run_with_stderr_on_a_terminal(tmp_path: Path, *args: str, out_terminal: bool = False):
    """``gdtui run ARGS`` with stderr on a pseudo-terminal and stdout to a file (or the same
    terminal): what the terminal shows and what the file holds."""
    controller, terminal = pty.openpty()
    out = tmp_path / "out.txt"
    with out.open("wb") as file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gdtui", "run", *args],
            cwd=ROOT,
            env=cli_env({"TERM": "xterm-256color"}),
            stdin=subprocess.DEVNULL,
            stdout=terminal if out_terminal else file,
            stderr=terminal,
        )
    os.close(terminal)
    shown = b""
    try:
        while process.poll() is None:
            shown = read_until(controller, b"\x00", 0.5, shown)
        shown = read_until(controller, b"\x00", 0.2, shown)
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
        assert not wait_gone({process.pid}, 5)
    return process.returncode, shown.decode(errors="replace"), out.read_text()


LONG = ("--variant", "numpy-manual", "--epochs", "400000", "--log-every", "100000")


def test_a_long_run_to_a_file_shows_its_progress_on_a_terminal(tmp_path):
    status, shown, written = _run_with_stderr_on_a_terminal(tmp_path, *LONG)
    assert status == 0
    steps = [part for part in shown.split("\r") if part.startswith("gdtui run: epoch ")]
    assert steps, repr(shown)
    assert all(" of 400,000 (" in step and " left\x1b[K" in step for step in steps)
    assert shown.endswith("\r\x1b[K")  # gone once the run ends
    assert written.splitlines()[-2:] == [
        "epoch 400000: w = 2.000, loss = 0.00000000",
        "Prediction after training: f(5) = 10.000",
    ]


def test_no_progress_when_the_records_go_to_the_terminal_or_the_run_is_short(tmp_path):
    status, shown, _ = _run_with_stderr_on_a_terminal(tmp_path, *LONG, out_terminal=True)
    assert status == 0 and "gdtui run: epoch" not in shown and "epoch 400000: w" in shown
    status, shown, _ = _run_with_stderr_on_a_terminal(tmp_path, "--variant", "numpy-manual")
    assert status == 0 and shown == ""


def test_a_recording_does_not_go_with_a_file_that_replays_changes(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('variant = "numpy-manual"\n\n[[changes]]\nepoch = 3\nset = { lr = 0.02 }\n')
    result = run_gdtui("--config", str(path), "--record", str(tmp_path / "mine.toml"))
    assert result.returncode == 2 and "--record: records a run of your own" in result.stderr
