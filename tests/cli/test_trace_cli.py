"""``gdtui trace`` as a subprocess: its jsonl keeps the contract (the code, executed afresh,
gives every value, and reaches ``gdtui run``'s numbers), its text is a handout, and its
options are ``gdtui run``'s."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gdtui.core.engine.trace import TracedLine
from tests.cli.cli_support import run_gdtui
from tests.core.references import first_mismatch

OPTIONS = ("--variant", "torch-optim", "--optimizer", "momentum", "--no-zero-grad", "--lr", "0.02")


def test_jsonl_code_executed_afresh_gives_every_value_and_the_runs_numbers() -> None:
    traced = run_gdtui("trace", *OPTIONS, "--epochs", "3", "--format", "jsonl")
    assert traced.returncode == 0 and traced.stderr == "", traced
    objects = traced.jsonl()
    assert [o["epoch"] for o in objects if o["epoch"] == 0] and objects[0]["line"] == 1
    lines = [
        TracedLine(o["epoch"], o["line"], o["code"], o["skipped"], o["values"]) for o in objects
    ]
    assert first_mismatch(lines, [line.code for line in lines]) is None
    assert all(o["code"] == "# optimizer.zero_grad()" for o in objects if o["skipped"])
    assert {o["skipped"] for o in objects} == {True, False}  # a field of every line
    run = run_gdtui("run", *OPTIONS, "--epochs", "3", "--format", "jsonl")
    last_of_epoch = {o["epoch"]: o["values"] for o in objects if o["epoch"]}
    assert [np.float64(v["w"]) for v in last_of_epoch.values()] == [r["w"] for r in run.jsonl()]
    assert [v["w.grad"] for v in last_of_epoch.values()] == [r["grad_w"] for r in run.jsonl()]


def test_text_is_a_handout_and_a_config_files_epochs_beat_the_default(tmp_path: Path) -> None:
    settings = tmp_path / "run.toml"
    settings.write_text('variant = "numpy-manual"\nepochs = 3\nzero_grad = false\n')
    result = run_gdtui("trace", "--config", str(settings), "--grad-formula", "tutorial")
    assert result.returncode == 0, result
    text = result.stdout
    assert "# epoch 3" in text and "# epoch 4" not in text
    assert "dw = np.dot(2 * X, y_pred - Y).mean()" in text
    assert "# grad = 0.0   ← skipped: zero_grad is off" in text
    assert "while epoch < 3:" in text
    # The tutorial's gradient, N = 4 times too large: -120 where the mean is -30.
    assert "dw = -120" in text


def test_two_epochs_by_default_and_bad_input_is_one_line() -> None:
    result = run_gdtui("trace", "--variant", "numpy-manual", "--format", "jsonl")
    assert result.returncode == 0
    assert max(o["epoch"] for o in result.jsonl()) == 2
    bad = run_gdtui("trace", "--variant", "numpy-manual", "--lr", "fast")
    assert bad.returncode == 2 and bad.stdout == ""
    assert len(bad.err_lines) == 1
    assert bad.err_lines[0].startswith("gdtui trace: error: --lr: expects")


def test_text_says_when_backward_adds_to_the_gradient() -> None:
    result = run_gdtui("trace", "--no-zero-grad", "--epochs", "3")
    assert result.returncode == 0, result
    assert "w.grad = -30\n" in result.stdout  # the first backward() sets .grad
    assert "w.grad = -55.5   (accumulated: it was -30)" in result.stdout
    assert "w.grad = -72.675   (accumulated: it was -55.5)" in result.stdout
