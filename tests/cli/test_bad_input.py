"""Bad input exits with status 2 and exactly one line on stderr naming the option; nothing on
stdout and never a traceback. Validation happens before torch is imported, so these runs are
cheap even for the torch variants."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.cli_support import Result, run_gdtui

NM = ("--variant", "numpy-manual")

# (id, arguments after ``run``, the option the error line must name); "{tmp}" is a temp folder.
BAD_INPUT: list[tuple[str, tuple[str, ...], str]] = [
    # --variant
    ("variant-unknown", ("--variant", "sgd-by-hand"), "--variant"),
    ("variant-empty", ("--variant", ""), "--variant"),
    ("variant-missing-value", ("--variant",), "--variant"),
    # --lr
    ("lr-word", (*NM, "--lr", "fast"), "--lr"),
    ("lr-zero", (*NM, "--lr", "0"), "--lr"),
    ("lr-negative", (*NM, "--lr=-0.01"), "--lr"),
    ("lr-negative-no-equals", (*NM, "--lr", "-1e-3"), "--lr"),
    ("lr-nan", (*NM, "--lr", "nan"), "--lr"),
    ("lr-inf", (*NM, "--lr", "inf"), "--lr"),
    ("lr-minus-inf", (*NM, "--lr=-inf"), "--lr"),
    ("lr-overflow", (*NM, "--lr", "1e999"), "--lr"),
    ("lr-beyond-float32", (*NM, "--lr", "1e39"), "--lr"),
    ("lr-underflow", (*NM, "--lr", "1e-400"), "--lr"),
    ("lr-below-float32", (*NM, "--lr", "1e-50"), "--lr"),
    ("lr-underscore", (*NM, "--lr", "1_000"), "--lr"),
    ("lr-arabic-digits", (*NM, "--lr", "١٢"), "--lr"),
    ("lr-fullwidth-digits", (*NM, "--lr", "０.１"), "--lr"),
    ("lr-empty", (*NM, "--lr", ""), "--lr"),
    # the knobs
    (
        "momentum-one",
        ("--variant", "torch-optim", "--optimizer", "momentum", "--momentum", "1"),
        "--momentum",
    ),
    (
        "momentum-for-adam",
        ("--variant", "torch-optim", "--optimizer", "adam", "--momentum", "0.5"),
        "--momentum",
    ),
    ("nesterov-for-sgd", (*NM, "--nesterov"), "--nesterov"),
    (
        "nesterov-no-momentum",
        ("--variant", "torch-optim", "--optimizer", "momentum", "--momentum", "0", "--nesterov"),
        "--nesterov",
    ),
    ("betas-one", ("--variant", "torch-optim", "--optimizer", "adam", "--betas", "0.9"), "--betas"),
    (
        "betas-above-one",
        ("--variant", "torch-optim", "--optimizer", "adam", "--betas", "0.9,1.5"),
        "--betas",
    ),
    ("weight-decay-negative", (*NM, "--weight-decay=-0.1"), "--weight-decay"),
    ("dtype-half", (*NM, "--dtype", "float16"), "--dtype"),
    ("batch-size-zero", (*NM, "--batch-size", "0"), "--batch-size"),
    ("batch-size-fraction", (*NM, "--batch-size", "2.5"), "--batch-size"),
    ("batch-size-word", (*NM, "--batch-size", "half"), "--batch-size"),
    ("batch-size-too-many", (*NM, "--batch-size", "100001"), "--batch-size"),
    ("b0-without-bias", (*NM, "--b0", "1"), "--b0"),
    # --epochs
    ("epochs-zero", (*NM, "--epochs", "0"), "--epochs"),
    ("epochs-negative", (*NM, "--epochs=-5"), "--epochs"),
    ("epochs-huge", (*NM, "--epochs", "1000000001"), "--epochs"),
    ("epochs-enormous", (*NM, "--epochs", "99999999999999999999999999"), "--epochs"),
    ("epochs-fraction", (*NM, "--epochs", "10.5"), "--epochs"),
    ("epochs-exponent", (*NM, "--epochs", "1e3"), "--epochs"),
    ("epochs-overflow", (*NM, "--epochs", "1e999"), "--epochs"),
    ("epochs-nan", (*NM, "--epochs", "nan"), "--epochs"),
    ("epochs-underscore", (*NM, "--epochs", "1_000"), "--epochs"),
    ("epochs-arabic-digits", (*NM, "--epochs", "١٢"), "--epochs"),
    ("epochs-empty", (*NM, "--epochs", ""), "--epochs"),
    # --w0 (empty means the default start, so it is not here)
    ("w0-word", (*NM, "--w0", "zero"), "--w0"),
    ("w0-nan", (*NM, "--w0", "nan"), "--w0"),
    ("w0-overflow", (*NM, "--w0", "1e999"), "--w0"),
    ("w0-arabic-digits", (*NM, "--w0", "١٢"), "--w0"),
    # --b0
    ("b0-word", ("--variant", "torch-module", "--b0", "zero"), "--b0"),
    ("b0-nan", ("--variant", "torch-module", "--b0", "nan"), "--b0"),
    ("b0-without-bias", (*NM, "--b0", "1"), "--b0"),
    ("b0-with-no-bias", ("--variant", "torch-module", "--no-bias", "--b0", "1"), "--b0"),
    # --dataset
    ("dataset-unknown", (*NM, "--dataset", "line6"), "--dataset"),
    ("dataset-empty", (*NM, "--dataset", ""), "--dataset"),
    ("dataset-and-x", (*NM, "--dataset", "line5", "--x", "1,2", "--y", "2,4"), "--dataset"),
    # --x / --y
    ("x-word", (*NM, "--x", "1,2,a", "--y", "2,4,6"), "--x"),
    ("x-nan", (*NM, "--x", "1,nan", "--y", "2,4"), "--x"),
    ("x-overflow", (*NM, "--x", "1,1e999", "--y", "2,4"), "--x"),
    ("x-beyond-float32", (*NM, "--x", "1,1e39", "--y", "2,4"), "--x"),
    ("x-arabic-digits", (*NM, "--x", "١,٢", "--y", "2,4"), "--x"),
    ("x-empty", (*NM, "--x", "", "--y", "2,4"), "--x"),
    ("x-empty-item", (*NM, "--x", "1,,3", "--y", "2,4,6"), "--x"),
    ("x-without-y", (*NM, "--x", "1,2"), "--y"),
    ("y-without-x", (*NM, "--y", "1,2"), "--x"),
    ("y-inf", (*NM, "--x", "1,2", "--y", "2,inf"), "--y"),
    ("y-length-mismatch", (*NM, "--x", "1,2", "--y", "2,4,6"), "--y"),
    # --data
    ("data-missing-file", (*NM, "--data", "{tmp}/missing.csv"), "--data"),
    ("data-directory", (*NM, "--data", "{tmp}"), "--data"),
    ("data-empty-path", (*NM, "--data", ""), "--data"),
    ("data-binary", (*NM, "--data", "{tmp}/binary.csv"), "--data"),
    ("data-not-utf8", (*NM, "--data", "{tmp}/latin1.csv"), "--data"),
    ("data-empty-file", (*NM, "--data", "{tmp}/empty.csv"), "--data"),
    ("data-no-y-column", (*NM, "--data", "{tmp}/no_y.csv"), "--data"),
    ("data-header-only", (*NM, "--data", "{tmp}/header_only.csv"), "--data"),
    ("data-non-numeric", (*NM, "--data", "{tmp}/non_numeric.csv"), "--data"),
    ("data-nan-cell", (*NM, "--data", "{tmp}/nan_cell.csv"), "--data"),
    ("data-short-row", (*NM, "--data", "{tmp}/short_row.csv"), "--data"),
    ("data-and-x", (*NM, "--data", "{tmp}/good.csv", "--x", "1", "--y", "2"), "--data"),
    ("data-duplicated-column", (*NM, "--data", "{tmp}/x_twice.csv"), "--data"),
    ("data-fifo", (*NM, "--data", "{tmp}/fifo.csv"), "--data"),
    ("data-device", (*NM, "--data", "/dev/zero"), "--data"),
    ("config-nested-deep", (*NM, "--config", "{tmp}/deep.json"), "--config"),
    ("config-4300-digits", (*NM, "--config", "{tmp}/digits.toml"), "--config"),
    # --optimizer
    ("optimizer-unknown", (*NM, "--optimizer", "lbfgs"), "--optimizer"),
    ("optimizer-empty", (*NM, "--optimizer", ""), "--optimizer"),
    ("optimizer-adam-numpy", (*NM, "--optimizer", "adam"), "--optimizer"),
    (
        "optimizer-adam-autograd",
        ("--variant", "torch-autograd", "--optimizer", "adam"),
        "--optimizer",
    ),
    # --eps
    ("eps-negative", (*NM, "--eps=-1e-9"), "--eps"),
    ("eps-word", (*NM, "--eps", "tiny"), "--eps"),
    ("eps-nan", (*NM, "--eps", "nan"), "--eps"),
    ("eps-overflow", (*NM, "--eps", "1e999"), "--eps"),
    ("eps-empty", (*NM, "--eps", ""), "--eps"),
    # --seed
    ("seed-negative", (*NM, "--seed=-1"), "--seed"),
    ("seed-too-big", (*NM, "--seed", str(2**63)), "--seed"),
    ("seed-fraction", (*NM, "--seed", "1.5"), "--seed"),
    ("seed-underscore", (*NM, "--seed", "1_000"), "--seed"),
    ("seed-empty", (*NM, "--seed", ""), "--seed"),
    # --device
    ("device-unknown", (*NM, "--device", "tpu"), "--device"),
    ("device-empty", (*NM, "--device", ""), "--device"),
    ("device-cuda-numpy", (*NM, "--device", "cuda"), "--device"),
    # --grad-formula
    ("grad-formula-unknown", (*NM, "--grad-formula", "sum"), "--grad-formula"),
    ("grad-formula-empty", (*NM, "--grad-formula", ""), "--grad-formula"),
    (
        "grad-formula-tutorial-autograd",
        ("--variant", "torch-autograd", "--grad-formula", "tutorial"),
        "--grad-formula",
    ),
    # --predict
    ("predict-word", (*NM, "--predict", "five"), "--predict"),
    ("predict-nan", (*NM, "--predict", "nan"), "--predict"),
    ("predict-overflow", (*NM, "--predict", "1e999"), "--predict"),
    ("predict-empty", (*NM, "--predict", ""), "--predict"),
    # --log-every
    ("log-every-zero", (*NM, "--log-every", "0"), "--log-every"),
    ("log-every-negative", (*NM, "--log-every=-10"), "--log-every"),
    ("log-every-fraction", (*NM, "--log-every", "2.5"), "--log-every"),
    ("log-every-overflow", (*NM, "--log-every", "1e999"), "--log-every"),
    ("log-every-arabic-digits", (*NM, "--log-every", "١٢"), "--log-every"),
    ("log-every-empty", (*NM, "--log-every", ""), "--log-every"),
    # --format
    ("format-unknown", (*NM, "--format", "xml"), "--format"),
    ("format-empty", (*NM, "--format", ""), "--format"),
    ("format-uppercase", (*NM, "--format", "JSONL"), "--format"),
    # unknown options and stray arguments
    ("unknown-option", (*NM, "--learning-rate", "0.1"), "--learning-rate"),
    ("unknown-flag", (*NM, "--bogus"), "--bogus"),
    ("schedule-unknown", (*NM, "--schedule", "warp"), "--schedule"),
    ("stray-argument", (*NM, "extra"), "extra"),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    (folder / "binary.csv").write_bytes(b"x,y\n1,2\n\x00\x01\x02\xff")
    (folder / "latin1.csv").write_bytes("x,y\n1,2\n3,caf\xe9\n".encode("latin-1"))
    (folder / "empty.csv").write_text("")
    (folder / "no_y.csv").write_text("x,z\n1,2\n2,4\n")
    (folder / "header_only.csv").write_text("x,y\n")
    (folder / "non_numeric.csv").write_text("x,y\n1,2\n2,four\n")
    (folder / "nan_cell.csv").write_text("x,y\n1,2\nnan,4\n")
    (folder / "short_row.csv").write_text("x,y\n1,2\n3\n")
    (folder / "good.csv").write_text("x,y\n1,2\n2,4\n")
    (folder / "x_twice.csv").write_text("x,y,x\n1,2,3\n")
    os.mkfifo(folder / "fifo.csv")
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "digits.toml").write_text("epochs = " + "9" * 5000)
    return folder


def _assert_bad_input(result: Result, option: str, command: str = "gdtui run") -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stdout + result.stderr, result
    assert result.stdout == "", result
    assert len(result.err_lines) == 1, result
    line = result.err_lines[0]
    assert line.startswith(f"{command}: error: "), result
    assert option in line, result


@pytest.mark.parametrize(
    ("args", "option"),
    [pytest.param(args, option, id=name) for name, args, option in BAD_INPUT],
)
def test_bad_input_exits_2_with_one_line(
    args: tuple[str, ...], option: str, data_dir: Path
) -> None:
    args = tuple(arg.replace("{tmp}", str(data_dir)) for arg in args)
    _assert_bad_input(run_gdtui("run", *args), option)


def test_every_option_has_a_bad_input_case() -> None:
    # Read off ``gdtui run``'s parser, which is built from the settings table: a setting added
    # there without a case here fails this test. On/off flags take no value to get wrong, but
    # those with a rule between settings (--nesterov) have their case above.
    from gdtui.cli.run import build_parser

    covered = {option for _, _, option in BAD_INPUT}
    takes_a_value = [
        action.option_strings[0]
        for action in build_parser()._actions
        if action.option_strings and action.nargs != 0 and action.dest != "help"
    ]
    assert "--batch-size" in takes_a_value  # the table is read, not a list of its own
    assert [option for option in takes_a_value if option not in covered] == []


def test_messages_say_what_is_accepted() -> None:
    result = run_gdtui("run", *NM, "--lr", "0")
    _assert_bad_input(result, "--lr")
    assert "> 0" in result.stderr
    result = run_gdtui("run", *NM, "--log-every", "")
    _assert_bad_input(result, "--log-every")
    assert "from 1 to 1,000,000,000" in result.stderr


def test_cuda_without_gpu_is_bad_input() -> None:
    result = run_gdtui("run", "--device", "cuda", "--epochs", "3")
    if result.returncode == 0:
        # Only a machine with a GPU may run it; importing torch here costs ~1.2 s, so only now.
        torch = pytest.importorskip("torch")
        if torch.cuda.is_available():
            pytest.skip("a CUDA GPU is available here")
    _assert_bad_input(result, "--device")
    assert "cuda" in result.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        pytest.param(("--lr", "0"), "--lr", id="lr"),
        pytest.param(("--epochs", "1_000"), "--epochs", id="epochs"),
        pytest.param(("--bogus",), "--bogus", id="unknown"),
        pytest.param(("--fps", "0"), "--fps", id="fps-zero"),
        pytest.param(("--fps", "61"), "--fps", id="fps-too-many"),
        pytest.param(("--fps", "fast"), "--fps", id="fps-word"),
        pytest.param(("--fps", "nan"), "--fps", id="fps-nan"),
        pytest.param(("--fps", "1e999"), "--fps", id="fps-overflow"),
        pytest.param(("--fps", ""), "--fps", id="fps-empty"),
        pytest.param(("--fps", "5 fps"), "--fps", id="fps-unit"),
        pytest.param(("--output-dir", __file__), "--output-dir", id="output-dir-a-file"),
    ],
)
def test_app_command_rejects_bad_input_before_starting(args: tuple[str, ...], option: str) -> None:
    # ``gdtui [OPTIONS]`` validates the same way, before the app (and its terminal) starts.
    _assert_bad_input(run_gdtui(*args), option, command="gdtui")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        pytest.param(("--port", "0"), "--port", id="port-zero"),
        pytest.param(("--port", "http"), "--port", id="port-word"),
        pytest.param(("--fps", "0.5"), "--fps", id="fps-too-few"),
    ],
)
def test_serve_rejects_bad_input_before_listening(args: tuple[str, ...], option: str) -> None:
    _assert_bad_input(run_gdtui("serve", *args), option, command="gdtui serve")


def test_bad_input_does_not_import_torch() -> None:
    # Validation comes before ``import torch`` (~1.2 s), even for a torch variant.
    result = run_gdtui(
        "run", "--variant", "torch-module", "--lr", "0", python_flags=("-X", "importtime")
    )
    assert result.returncode == 2, result
    imported = {line.split("|")[-1].strip() for line in result.err_lines if "|" in line}
    assert "torch" not in imported, sorted(name for name in imported if "torch" in name)
    assert any(line.startswith("gdtui run: error: --lr") for line in result.err_lines)
