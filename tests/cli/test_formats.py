"""``gdtui run --format text|jsonl|csv``: what each prints, checked against the seeds' printed
lines and an independent float32 computation."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.cli.cli_support import SEEDS, Result, assert_records_close, reference_gd, run_gdtui
from tests.core.references import SEED_001_TORCH

SEED_LINE = re.compile(r"epoch (\d+): w = (-?[0-9.]+), loss = (-?[0-9.]+)")
TEXT_LINE = re.compile(r"epoch (\d+): w = (-?\d+\.\d{3}), loss = (-?\d+\.\d{8})")
TEXT_LINE_B = re.compile(
    r"epoch (\d+): w = (-?\d+\.\d{3}), b = (-?\d+\.\d{3}), loss = (-?\d+\.\d{8})"
)


def _seed_001_expected() -> list[str]:
    """The seed's lines with w at three decimals, as gdtui prints them."""
    expected = []
    for line in SEED_001_TORCH:
        match = SEED_LINE.fullmatch(line)
        assert match
        epoch, w, loss = match.groups()
        expected.append(f"epoch {epoch}: w = {float(w):.3f}, loss = {loss}")
    return expected


def _text_line(record: dict[str, float]) -> str:
    if "b" in record:
        return (
            f"epoch {record['epoch']}: w = {record['w']:.3f}, b = {record['b']:.3f}, "
            f"loss = {record['loss']:.8f}"
        )
    return f"epoch {record['epoch']}: w = {record['w']:.3f}, loss = {record['loss']:.8f}"


def test_seed_001_lines_are_copied_faithfully() -> None:
    paths = sorted(SEEDS.glob("001_*.txt"))
    if not paths:
        pytest.skip("seed logs not available")
    text = paths[0].read_text(encoding="utf-8")
    torch_part = text[text.index("Gradient Descent using PyTorch") :]
    for line in SEED_001_TORCH:
        assert line in torch_part


@pytest.mark.parametrize("variant", ["torch-autograd", "numpy-manual"])
def test_text_default_run_matches_seed_001(variant: str) -> None:
    result = run_gdtui("run", "--variant", variant, "--log-every", "10")
    assert result.returncode == 0, result
    assert result.stderr == "", result
    lines = result.lines
    # epochs 1, 11, ..., 91 and the last epoch, 100, then the prediction.
    assert [int(TEXT_LINE.fullmatch(line).group(1)) for line in lines[:-1]] == [
        *range(1, 100, 10),
        100,
    ], result
    assert lines[: len(SEED_001_TORCH)] == _seed_001_expected()
    assert lines[-1] == "Prediction after training: f(5) = 10.000"
    expected = reference_gd()
    assert lines[:-1] == [_text_line(expected[e - 1]) for e in (*range(1, 100, 10), 100)]


def test_text_log_every_and_last_epoch_and_predict() -> None:
    # 1, 1+K, 1+2K, ... and the last epoch; --predict changes the prediction line.
    result = run_gdtui(
        "run",
        "--variant",
        "numpy-manual",
        "--epochs",
        "30",
        "--log-every",
        "7",
        "--predict",
        "17",
    )
    assert result.returncode == 0, result
    expected = reference_gd(epochs=30)
    assert result.lines[:-1] == [_text_line(expected[e - 1]) for e in (1, 8, 15, 22, 29, 30)]
    w = expected[-1]["w"]
    assert result.lines[-1] == f"Prediction after training: f(17) = {17 * w:.3f}"


def test_text_predict_17_after_long_run() -> None:
    result = run_gdtui("run", "--variant", "numpy-manual", "--epochs", "200", "--predict", "17")
    assert result.returncode == 0, result
    assert result.lines[-1] == "Prediction after training: f(17) = 34.000"
    # epochs 1, 11, ..., 191 and 200
    assert len(result.lines) == 20 + 1 + 1


def test_text_log_every_1_prints_every_epoch() -> None:
    result = run_gdtui("run", "--variant", "numpy-manual", "--epochs", "5", "--log-every", "1")
    assert result.returncode == 0, result
    assert result.lines[:-1] == [_text_line(r) for r in reference_gd(epochs=5)]


def test_jsonl_torch_autograd_matches_float32_reference() -> None:
    result = run_gdtui("run", "--format", "jsonl")
    assert result.returncode == 0, result
    assert result.stderr == ""
    records = result.jsonl()
    assert len(records) == 100
    expected = reference_gd()
    for got, want in zip(records, expected, strict=True):
        assert list(got) == ["epoch", "step", "batch", "loss", "w", "grad_w", "lr", "zero_grad"]
        assert (got["lr"], got["zero_grad"]) == (want["lr"], want["zero_grad"]) == (0.01, True)
        assert got["epoch"] == want["epoch"]
        assert isinstance(got["epoch"], int)
        for key in ("loss", "w", "grad_w"):
            assert got[key] == pytest.approx(want[key], rel=1e-6, abs=1e-9), (key, got, want)
    # full precision, not the printed rounding: w after epoch 1 is float32(0.3)
    assert records[0] == {
        "epoch": 1,
        "step": 1,
        "batch": 1,
        "loss": 30.0,
        "w": 0.29999998211860657,
        "grad_w": -30.0,
        "lr": 0.01,
        "zero_grad": True,
    }


def test_jsonl_numpy_manual_is_bit_exact_float32() -> None:
    result = run_gdtui("run", "--variant", "numpy-manual", "--format", "jsonl", "--epochs", "150")
    assert result.returncode == 0, result
    assert result.jsonl() == reference_gd(epochs=150)


MODULE_ARGS = ("run", "--variant", "torch-module", "--w0", "0.5", "--b0", "-0.25", "--epochs", "40")
MODULE_FIELDS = ["epoch", "step", "batch", "loss", "w", "b", "grad_w", "grad_b", "lr", "zero_grad"]


@pytest.fixture(scope="module")
def torch_module_runs() -> dict[str, Result]:
    """A torch-module run in two formats (each costs a torch import, and torch.optim's first
    step imports torch._dynamo: ~4 s per run). csv is checked against jsonl with numpy-manual:
    both write the same ``record_fields``."""
    return {
        "jsonl": run_gdtui(*MODULE_ARGS, "--format", "jsonl"),
        "text": run_gdtui(*MODULE_ARGS, "--log-every", "10"),
    }


def test_torch_module_jsonl_has_bias_and_matches_reference(
    torch_module_runs: dict[str, Result],
) -> None:
    result = torch_module_runs["jsonl"]
    assert result.returncode == 0, result
    assert result.stderr == ""
    records = result.jsonl()
    assert len(records) == 40
    assert all(list(record) == MODULE_FIELDS for record in records)
    assert_records_close(records, reference_gd(epochs=40, w0=0.5, b0=-0.25), rel=1e-5, abs=1e-6)


def test_torch_module_text_lines_include_bias(torch_module_runs: dict[str, Result]) -> None:
    text = torch_module_runs["text"]
    assert text.returncode == 0, text
    records = torch_module_runs["jsonl"].jsonl()
    lines = text.lines
    assert [int(TEXT_LINE_B.fullmatch(line).group(1)) for line in lines[:-1]] == [1, 11, 21, 31, 40]
    assert lines[:-1] == [_text_line(records[e - 1]) for e in (1, 11, 21, 31, 40)]
    w, b = records[-1]["w"], records[-1]["b"]
    assert lines[-1] == f"Prediction after training: f(5) = {5 * w + b:.3f}"


def _cell(name: str, text: str) -> float | int | bool:
    if name == "zero_grad":
        assert text in ("true", "false")
        return text == "true"
    return int(text) if name == "epoch" else float(text)


def _csv_records(text: str) -> list[dict[str, float]]:
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert all(len(row) == len(header) for row in body)
    return [
        {name: _cell(name, cell) for name, cell in zip(header, row, strict=True)} for row in body
    ]


def test_csv_matches_jsonl_exactly() -> None:
    args = ("run", "--variant", "numpy-manual", "--epochs", "60", "--lr", "0.02")
    as_csv = run_gdtui(*args, "--format", "csv")
    as_jsonl = run_gdtui(*args, "--format", "jsonl")
    assert as_csv.returncode == 0, as_csv
    assert as_jsonl.returncode == 0, as_jsonl
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows[0] == ["epoch", "step", "batch", "loss", "w", "grad_w", "lr", "zero_grad"]
    assert len(rows) == 1 + 60
    records = _csv_records(as_csv.stdout)
    assert records == as_jsonl.jsonl()
    assert records == reference_gd(lr=0.02, epochs=60)
