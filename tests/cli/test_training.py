"""What ``gdtui run`` trains: divergence (exit 3), early stopping, accumulating gradients, the
seeds' tutorial gradient, and data from --x/--y, --data and --dataset."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from tests.cli.cli_support import (
    SEEDS,
    assert_records_close,
    is_finite_record,
    reference_gd,
    run_gdtui,
)
from tests.core.references import ACCUMULATED_GRADS, SEED_003, SEED_003_PREDICTION


def _diverged_epoch(lr: float, epochs: int) -> int:
    records = reference_gd(lr=lr, epochs=epochs)
    last = records[-1]
    assert not is_finite_record(last), "the reference run was expected to diverge"
    assert all(is_finite_record(r) for r in records[:-1])
    return int(last["epoch"])


@pytest.mark.parametrize("variant", ["torch-autograd", "numpy-manual"])
def test_diverged_exits_3_and_keeps_the_records_before(variant: str) -> None:
    k = _diverged_epoch(lr=1.0, epochs=100)
    assert 1 < k < 100
    result = run_gdtui(
        "run",
        "--variant",
        variant,
        "--lr",
        "1",
        "--epochs",
        "100",
        "--format",
        "jsonl",
        "--keep-going",
    )
    assert result.returncode == 3, result
    assert "Traceback" not in result.stdout + result.stderr, result
    assert len(result.err_lines) == 2, result  # found diverging, going on; then inf
    assert "; going on" in result.err_lines[0]
    assert re.search(rf"\bdiverged at epoch {k}\b", result.stderr), result
    assert "--lr" in result.stderr  # says what to change
    records = result.jsonl()
    assert [r["epoch"] for r in records] == list(range(1, k))
    assert_records_close(records, reference_gd(lr=1.0, epochs=k - 1), rel=1e-6)


def test_diverged_text_prints_last_finite_epoch_and_no_prediction() -> None:
    k = _diverged_epoch(lr=1.0, epochs=100)
    result = run_gdtui(
        "run", "--variant", "numpy-manual", "--lr", "1", "--epochs", "100", "--keep-going"
    )
    assert result.returncode == 3, result
    assert "Traceback" not in result.stdout + result.stderr, result
    assert f"diverged at epoch {k}" in result.stderr
    epochs = [int(line.split(":")[0].split()[1]) for line in result.lines]
    logged = list(range(1, k, 10))  # 1, 11, ... before the diverging epoch
    if logged[-1] != k - 1:
        logged.append(k - 1)  # and the last finite epoch
    assert epochs == logged
    assert not any(line.startswith("Prediction") for line in result.lines)


def test_diverged_csv_keeps_header_and_records() -> None:
    k = _diverged_epoch(lr=1.0, epochs=100)
    result = run_gdtui(
        "run",
        "--variant",
        "numpy-manual",
        "--lr",
        "1",
        "--epochs",
        "100",
        "--format",
        "csv",
        "--keep-going",
    )
    assert result.returncode == 3, result
    assert result.lines[0] == "epoch,step,batch,loss,w,grad_w,lr,zero_grad"
    assert [int(line.split(",")[0]) for line in result.lines[1:]] == list(range(1, k))


def test_a_run_growing_geometrically_stops_there_diverging_and_names_the_stable_rate() -> None:
    # lr 0.2 on y = 2x, x = 1..4: w − 2 is multiplied by 1 − 2·0.2·7.5 = −2 each epoch, so the
    # loss by 4: 30·4^(k−1). Five epochs of steady growth, 1,024 times the start: epoch 6.
    result = run_gdtui(
        "run", "--variant", "numpy-manual", "--lr", "0.2", "--epochs", "50", "--format", "jsonl"
    )
    assert result.returncode == 3, result
    losses = [r["loss"] for r in result.jsonl()]
    assert losses == pytest.approx([30 * 4**k for k in range(6)], rel=1e-6)
    assert result.err_lines == [
        "gdtui run: diverging at epoch 6: the loss grows ×4 an epoch, 1,024 times where it "
        "started; --lr 0.2 is above 0.1333, the largest stable rate here (1/mean(x²)); "
        "--keep-going runs on"
    ]
    assert "--keep-going" in run_gdtui("run", "--help").stdout


def test_a_start_too_large_for_float32_is_named_as_the_cause_not_the_rate() -> None:
    result = run_gdtui("run", "--variant", "numpy-manual", "--w0", "1e19")
    assert result.returncode == 3, result
    assert result.err_lines == [
        "gdtui run: diverged at epoch 1: loss = inf; the initial --w0 = 1e+19 puts the first "
        "loss beyond float32's 3.4e+38, before any update: start nearer the data's scale"
    ]


@pytest.mark.parametrize("eps", ["1e-3", "0.5"])
def test_eps_stops_at_first_loss_below_eps(eps: str) -> None:
    expected = reference_gd(epochs=1000, eps=float(eps))
    k = int(expected[-1]["epoch"])
    assert expected[-1]["loss"] < float(eps) <= expected[-2]["loss"]
    result = run_gdtui(
        "run", "--variant", "numpy-manual", "--epochs", "1000", "--eps", eps, "--format", "jsonl"
    )
    assert result.returncode == 0, result
    assert result.stderr == ""
    assert result.jsonl() == expected
    assert result.jsonl()[-1]["epoch"] == k


def test_eps_text_last_line_is_stopping_epoch() -> None:
    expected = reference_gd(epochs=1000, eps=1e-6)
    k = int(expected[-1]["epoch"])
    assert k % 10 != 1  # so the line comes from the stopping rule, not from --log-every
    result = run_gdtui(
        "run",
        "--variant",
        "numpy-manual",
        "--epochs",
        "1000",
        "--eps",
        "1e-6",
        "--log-every",
        "10",
    )
    assert result.returncode == 0, result
    last = expected[-1]
    assert result.lines[-2] == f"epoch {k}: w = {last['w']:.3f}, loss = {last['loss']:.8f}"
    assert result.lines[-1] == f"Prediction after training: f(5) = {5 * last['w']:.3f}"


def test_eps_zero_never_stops_early() -> None:
    result = run_gdtui(
        "run", "--variant", "numpy-manual", "--epochs", "300", "--eps", "0", "--format", "jsonl"
    )
    assert result.returncode == 0, result
    assert len(result.lines) == 300


@pytest.mark.parametrize("variant", ["numpy-manual", "torch-autograd"])
def test_no_zero_grad_accumulates(variant: str) -> None:
    result = run_gdtui(
        "run", "--variant", variant, "--no-zero-grad", "--epochs", "3", "--format", "jsonl"
    )
    assert result.returncode == 0, result
    grads = [r["grad_w"] for r in result.jsonl()]
    assert grads == pytest.approx(ACCUMULATED_GRADS, rel=1e-6)
    assert_records_close(result.jsonl(), reference_gd(epochs=3, zero_grad=False), rel=1e-6)


def test_seed_003_lines_are_copied_faithfully() -> None:
    paths = sorted(SEEDS.glob("003_*.txt"))
    if not paths:
        pytest.skip("seed logs not available")
    text = paths[0].read_text(encoding="utf-8")
    for line in SEED_003:
        assert line in text
    assert SEED_003_PREDICTION in text


def test_tutorial_gradient_matches_seed_003() -> None:
    args = ("run", "--variant", "numpy-manual", "--grad-formula", "tutorial", "--epochs", "10")
    text = run_gdtui(*args, "--log-every", "1")
    assert text.returncode == 0, text
    assert text.lines[0] == "epoch 1: w = 1.200, loss = 30.00000000"
    assert [line.split(", loss")[0] for line in text.lines[:-1]] == [
        line.split(", l =")[0] for line in SEED_003
    ]
    assert text.lines[-1] == "Prediction after training: f(5) = 9.999"

    jsonl = run_gdtui(*args, "--format", "jsonl")
    assert jsonl.returncode == 0, jsonl
    records = jsonl.jsonl()
    assert [f"epoch {r['epoch']}: w = {r['w']:.3f}, l = {r['loss']:8f}" for r in records] == list(
        SEED_003
    )
    assert records == reference_gd(epochs=10, tutorial=True, float64_w=True)
    assert records[0]["grad_w"] == -120.0  # N = 4 times the mean gradient, -30


def test_x_and_y_options_train_on_that_data() -> None:
    result = run_gdtui(
        "run",
        "--variant",
        "numpy-manual",
        "--x",
        "0.5, 1.5,2.5",
        "--y=-1,-3,-5",
        "--epochs",
        "80",
        "--format",
        "jsonl",
    )
    assert result.returncode == 0, result
    assert result.jsonl() == reference_gd(epochs=80, x=(0.5, 1.5, 2.5), y=(-1, -3, -5))
    text = run_gdtui(
        "run",
        "--variant",
        "numpy-manual",
        "--x",
        "0.5,1.5,2.5",
        "--y",
        "-1,-3,-5",
        "--epochs",
        "300",
    )
    assert text.lines[-1] == "Prediction after training: f(5) = -10.000"


def test_data_csv_file_trains_on_that_data(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    # header in any case and order, an extra column, blank line, spaces, a BOM
    path.write_text("\ufeffnote, Y ,X\na,3,1\nb,6,2\n\nc, 9 ,3\n", encoding="utf-8")
    result = run_gdtui(
        "run",
        "--variant",
        "numpy-manual",
        "--data",
        str(path),
        "--lr",
        "0.02",
        "--epochs",
        "50",
        "--format",
        "jsonl",
    )
    assert result.returncode == 0, result
    assert result.jsonl() == reference_gd(lr=0.02, epochs=50, x=(1, 2, 3), y=(3, 6, 9))


def test_dataset_line5() -> None:
    result = run_gdtui(
        "run", "--variant", "numpy-manual", "--dataset", "line5", "--w0", "1", "--format", "jsonl"
    )
    assert result.returncode == 0, result
    x = (1, 2, 3, 4, 5)
    expected = reference_gd(x=x, y=tuple(2 * v for v in x), w0=1.0)
    assert result.jsonl() == expected
    # not the default 4 points: the first loss is mean((1·x − 2x)²) over x = 1..5
    assert expected[0]["loss"] == 11.0


def test_negative_values_need_no_equals_sign() -> None:
    # ``--w0 -1e-3`` and ``--x -1,-2`` are values, not unknown options.
    result = run_gdtui(
        "run",
        "--variant",
        "numpy-manual",
        "--w0",
        "-1e-3",
        "--x",
        "-1,-2",
        "--y",
        "-2,-4",
        "--epochs",
        "5",
        "--format",
        "jsonl",
    )
    assert result.returncode == 0, result
    assert result.jsonl() == reference_gd(epochs=5, x=(-1, -2), y=(-2, -4), w0=-1e-3)


def test_check_grad_adds_numerical_gradients_and_flags_the_tutorial_bug() -> None:
    result = run_gdtui(
        "run",
        "--variant",
        "numpy-manual",
        "--grad-formula",
        "tutorial",
        "--epochs",
        "5",
        "--format",
        "jsonl",
        "--check-grad",
    )
    assert result.returncode == 5, result  # a script can stop on a wrong gradient
    records = [json.loads(line) for line in result.lines]
    # The numerical gradient at each pre-update w: the closed form mean(2x(wx - y)).
    x = np.array([1.0, 2.0, 3.0, 4.0])
    before = [0.0] + [r["w"] for r in records[:-1]]
    for record, w in zip(records, before, strict=True):
        assert record["num_grad_w"] == pytest.approx(np.mean(2 * x * (w * x - 2 * x)), rel=1e-6)
        assert record["grad_w"] == pytest.approx(4 * record["num_grad_w"], rel=1e-5)
    assert len(result.err_lines) == 1
    assert "epoch 1" in result.stderr and "N = 4 points" in result.stderr


def test_check_grad_is_quiet_when_the_gradient_is_right_and_adds_csv_columns() -> None:
    result = run_gdtui(
        "run",
        "--variant",
        "numpy-manual",
        "--epochs",
        "200",
        "--no-zero-grad",
        "--format",
        "csv",
        "--check-grad",
    )
    assert result.returncode == 0, result
    assert result.stderr == ""
    assert result.lines[0] == "epoch,step,batch,loss,w,grad_w,lr,zero_grad,num_grad_w"
    assert len(result.lines) == 201


def test_config_file_with_command_line_overrides(tmp_path: Path) -> None:
    path = tmp_path / "lesson.toml"
    path.write_text('variant = "numpy-manual"\nlr = 0.5\nepochs = 4\nzero_grad = false\n')
    result = run_gdtui("run", "--config", str(path), "--lr", "0.01", "--format", "jsonl")
    assert result.returncode == 0, result
    grads = [round(json.loads(line)["grad_w"], 3) for line in result.lines]
    assert tuple(grads[:3]) == ACCUMULATED_GRADS and len(grads) == 4  # lr from the CLI
    bad = tmp_path / "bad.json"
    bad.write_text('{"epochs": 0}')
    result = run_gdtui("run", "--config", str(bad), "--variant", "numpy-manual")
    assert result.returncode == 2 and result.err_lines == [
        "gdtui run: error: --epochs: expects a whole number from 1 to 10^9 (digits 0-9 only), got 0"
    ]
    result = run_gdtui("run", "--config", str(tmp_path / "missing.toml"))
    assert result.returncode == 2 and "--config: no such file" in result.stderr


def test_compare_prints_each_variants_last_epoch_and_the_largest_difference() -> None:
    result = run_gdtui("compare", "--epochs", "20", "--lr", "0.02", "--no-zero-grad")
    assert result.returncode == 0, result
    reference = reference_gd(lr=0.02, epochs=20, zero_grad=False)[-1]
    rows = {line.split()[0]: line.split() for line in result.lines[3:7]}
    assert set(rows) == {"numpy-manual", "torch-autograd", "torch-optim", "torch-module"}
    for row in rows.values():
        assert int(row[1]) == 20
        assert float(row[3]) == pytest.approx(reference["w"], rel=1e-5)
    assert "largest difference between variants over 20 common epochs:" in result.stdout
    result = run_gdtui("compare", "--across", "sideways")
    assert result.returncode == 2 and "--across" in result.stderr


def test_compare_across_the_seeds_bugs_shows_them_side_by_side() -> None:
    """zero_grad on and off, and the tutorial's gradient (N = 4 times the mean's), against
    plain gradient descent written here."""
    result = run_gdtui(
        "compare",
        "--variant",
        "numpy-manual",
        "--across",
        "zero-grad",
        "--epochs",
        "3",
        "--format",
        "jsonl",
    )
    assert result.returncode == 0, result
    lanes = {(r["run"], r["epoch"]): r for r in result.jsonl()}
    for zero_grad, name in ((True, "zero_grad on"), (False, "zero_grad off")):
        for expected in reference_gd(epochs=3, zero_grad=zero_grad):
            assert lanes[name, expected["epoch"]]["grad_w"] == expected["grad_w"]
    accumulated = [np.float32(lanes["zero_grad off", k]["grad_w"]) for k in (1, 2, 3)]
    assert accumulated == [np.float32(g) for g in (-30.0, -55.5, -72.675)]
    result = run_gdtui("compare", "--across", "formula", "--epochs", "1", "--format", "jsonl")
    assert result.returncode == 0, result
    mean, tutorial = result.jsonl()
    assert (mean["run"], tutorial["run"]) == ("mean", "tutorial")
    assert tutorial["grad_w"] == 4 * mean["grad_w"] == -120.0


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_compare_prints_every_epoch_of_every_run_in_lockstep(fmt: str) -> None:
    result = run_gdtui("compare", "--epochs", "6", "--lr", "0.02", "--format", fmt)
    assert result.returncode == 0, result
    if fmt == "jsonl":
        rows = result.jsonl()
    else:
        rows = [
            {k: v if k == "run" else float(v) for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(result.stdout))
        ]
    names = ["numpy-manual", "torch-autograd", "torch-optim", "torch-module"]
    assert [r["run"] for r in rows] == names * 6
    assert [int(r["epoch"]) for r in rows] == [k for k in range(1, 7) for _ in names]
    reference = reference_gd(lr=0.02, epochs=6)
    for row in rows:
        expected = reference[int(row["epoch"]) - 1]
        assert row["w"] == pytest.approx(expected["w"], rel=1e-6)
        assert row["loss"] == pytest.approx(expected["loss"], rel=1e-6)


@pytest.mark.parametrize(
    "args, named",
    [
        (("--variant", "torch-module"), "--variant"),
        (("--bias",), "--bias"),
        (("--across", "optimizers", "--optimizer", "adam"), "--optimizer"),
        (("--across", "optimizers", "--grad-formula", "tutorial"), "--grad-formula"),
        (("--across", "zero-grad", "--no-zero-grad"), "--zero-grad"),
        (("--across", "formula", "--variant", "torch-optim"), "--variant"),
    ],
)
def test_compare_refuses_the_options_it_sets_itself(args: tuple[str, ...], named: str) -> None:
    result = run_gdtui("compare", *args)
    assert result.returncode == 2, result
    (line,) = result.err_lines
    assert line.startswith(f"gdtui compare: error: {named}: compare --across ")
    assert "sets it itself" in line and line.endswith("; leave it out")
    assert result.stdout == ""
