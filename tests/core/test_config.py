"""RunConfig and config_from_options: the one validation for the CLI, the form and files."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdtui.core.settings import config as config_module
from gdtui.core.settings.config import ConfigError, RunConfig, config_from_options
from gdtui.core.settings.data import PRESETS, Dataset

VARIANTS = ("numpy-manual", "torch-autograd", "torch-optim", "torch-module")
OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop", "adagrad")


def _error(options: dict, base: RunConfig | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        config_from_options(options, base)
    return info.value


@pytest.fixture
def no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config_module, "cuda_problem", lambda: "no GPU here")


@pytest.fixture
def with_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config_module, "cuda_problem", lambda: None)


# -- defaults --------------------------------------------------------------------------------


def test_defaults_are_the_seeds_setup() -> None:
    config = config_from_options({})
    assert config == RunConfig()
    assert config.variant == "torch-autograd"
    assert (config.dataset.x, config.dataset.y) == ((1.0, 2.0, 3.0, 4.0), (2.0, 4.0, 6.0, 8.0))
    assert config.w0 is None
    assert (config.lr, config.epochs, config.zero_grad) == (0.01, 100, True)
    assert (config.optimizer, config.seed, config.device, config.eps) == ("sgd", 0, "auto", 0.0)
    assert config.grad_formula == "mean"
    assert config.resolved_device == "cpu"


def test_config_is_frozen_and_replace_validates() -> None:
    config = RunConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.lr = 0.5  # type: ignore[misc]
    assert config.replace(lr=0.5).lr == 0.5
    with pytest.raises(ConfigError) as info:
        config.replace(lr=-0.5)
    assert set(info.value.errors) == {"lr"}


@pytest.mark.parametrize(
    ("variant", "bias", "has_bias"),
    [
        ("numpy-manual", True, True),
        ("numpy-manual", None, False),
        ("torch-autograd", True, True),
        ("torch-optim", None, False),
        ("torch-module", None, True),
        ("torch-module", True, True),
        ("torch-module", False, False),
    ],
)
def test_has_bias(variant: str, bias: bool, has_bias: bool) -> None:
    assert RunConfig(variant=variant, bias=bias).has_bias is has_bias


# -- lr --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.01", 0.01),
        ("1e-3", 1e-3),
        ("2E-2", 0.02),
        (".5", 0.5),
        ("5.", 5.0),
        ("+0.1", 0.1),
        (" 0.25 ", 0.25),
        ("\t3\n", 3.0),
        (0.01, 0.01),
        (1, 1.0),
        ("3.4e38", 3.4e38),
    ],
)
def test_lr_accepted(text: object, value: float) -> None:
    assert config_from_options({"lr": text}).lr == value


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "0.0",
        "-0.1",
        "-1e-3",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1e999",
        "3.5e38",
        "1e-400",
        "abc",
        "",
        "   ",
        "0x10",
        "1_0",
        "1,5",
        "١",
        "１",
        "0.1.2",
        "1e",
        "e5",
        float("nan"),
        float("inf"),
        0,
        -1.0,
        True,
        10**400,
    ],
)
def test_lr_rejected(text: object) -> None:
    error = _error({"lr": text})
    assert set(error.errors) == {"lr"}
    message = error.errors["lr"]
    assert "finite" in message
    assert "> 0" in message
    assert str(error).startswith("--lr: ")


# -- epochs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1), ("100", 100), (" 7 ", 7), ("1000000000", 10**9), ("0001", 1), (25, 25), (30.0, 30)],
)
def test_epochs_accepted(text: object, value: int) -> None:
    assert config_from_options({"epochs": text}).epochs == value


@pytest.mark.parametrize(
    "text",
    [
        "1_000",
        "١٢",
        "１２",
        "1e3",
        "1.5",
        "1.0",
        "0",
        "-1",
        "1000000001",
        "9" * 30,
        "9" * 5000,
        "",
        " ",
        "ten",
        "0x10",
        "12a",
        "½",
        "²",
        0,
        -5,
        1.5,
        10**10,
        True,
        float("inf"),
    ],
)
def test_epochs_rejected(text: object) -> None:
    error = _error({"epochs": text})
    assert set(error.errors) == {"epochs"}
    message = error.errors["epochs"]
    assert "1 to 10^9" in message
    assert "digits" in message


# -- w0, b0 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0.0),
        ("-1.5", -1.5),
        (" 2e3 ", 2000.0),
        ("", None),
        ("  ", None),
        (0.5, 0.5),
        ("3.4e38", 3.4e38),
        ("-3.4e38", -3.4e38),
    ],
)
def test_w0_accepted(text: object, value: float | None) -> None:
    assert config_from_options({"w0": text}, RunConfig(w0=7.0)).w0 == value


@pytest.mark.parametrize(
    "text",
    [
        "nan",
        "inf",
        "-inf",
        "1e999",
        "-1e999",
        "3.5e38",
        "-3.5e38",
        "1e39",
        "x",
        "1..2",
        float("nan"),
        float("-inf"),
        1e300,
        False,
    ],
)
@pytest.mark.parametrize("field", ["w0", "b0"])
def test_w0_b0_rejected(field: str, text: object) -> None:
    error = _error({"variant": "torch-module", field: text})
    assert set(error.errors) == {field}
    assert "finite number" in error.errors[field]


def test_b0_only_with_a_bias() -> None:
    assert config_from_options({"variant": "torch-module", "b0": "0.5"}).b0 == 0.5
    for variant in ("numpy-manual", "torch-autograd", "torch-optim"):
        error = _error({"variant": variant, "b0": "0.5"})
        assert set(error.errors) == {"b0"}
        assert "turn bias on" in error.errors["b0"] and "unset" in error.errors["b0"]
        assert config_from_options({"variant": variant, "bias": "on", "b0": "0.5"}).b0 == 0.5
    error = _error({"variant": "torch-module", "bias": "false", "b0": "0.5"})
    assert set(error.errors) == {"b0"}
    assert config_from_options({"variant": "torch-module", "bias": "false"}).has_bias is False


# -- data ------------------------------------------------------------------------------------


def test_x_y_given_together() -> None:
    config = config_from_options({"x": " -1, 0.5 ,2", "y": "3,4,5"})
    assert config.dataset == Dataset("custom", (-1.0, 0.5, 2.0), (3.0, 4.0, 5.0))
    assert config_from_options({"x": [1, 2], "y": [3.0, 4.5]}).dataset.y == (3.0, 4.5)


LIST_ACCEPTS = "comma-separated finite numbers"


@pytest.mark.parametrize(
    ("x", "y", "field", "says"),
    [
        ("1,2,3", "1,2", "y", "must match"),
        ("1", "1,2", "y", "must match"),
        ("", "1", "x", LIST_ACCEPTS),
        ("1,2", "", "y", LIST_ACCEPTS),
        ("1,nan", "1,2", "x", LIST_ACCEPTS),
        ("1,2", "1,inf", "y", LIST_ACCEPTS),
        ("1,,2", "1,2,3", "x", LIST_ACCEPTS),
        ("1;2", "1,2", "x", LIST_ACCEPTS),
        ("1,2", "1,1e999", "y", LIST_ACCEPTS),
        ("1,1e39", "1,2", "x", "float32"),
        ([1.0, float("nan")], [1.0, 2.0], "x", LIST_ACCEPTS),
        ([], [], "y", "no points"),
        ("1,2", None, "y", "together"),
        (None, "1,2", "x", "together"),
    ],
)
def test_x_y_rejected(x: object, y: object, field: str, says: str) -> None:
    options = {key: value for key, value in (("x", x), ("y", y)) if value is not None}
    error = _error(options)
    assert set(error.errors) == {field}
    assert says in error.errors[field]


def test_dataset_presets_and_conflicts(tmp_path) -> None:
    assert config_from_options({"dataset": " line5 "}).dataset == PRESETS["line5"]
    error = _error({"dataset": "line6"})
    assert "line4" in error.errors["dataset"] and "line5" in error.errors["dataset"]
    assert set(_error({"dataset": "line5", "x": "1", "y": "2"}).errors) == {"dataset"}
    path = tmp_path / "points.csv"
    path.write_text("x,y\n1,3\n2,5\n", encoding="utf-8")
    assert config_from_options({"data": str(path)}).dataset.y == (3.0, 5.0)
    assert set(_error({"data": str(path), "x": "1", "y": "2"}).errors) == {"data"}
    assert set(_error({"data": str(tmp_path / "missing.csv")}).errors) == {"data"}


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        ("variant", "torch", VARIANTS),
        ("variant", "Numpy-Manual", VARIANTS),
        ("optimizer", "sgd2", OPTIMIZERS),
        ("device", "gpu", ("auto", "cpu", "cuda")),
        ("grad_formula", "median", ("mean", "tutorial")),
        ("variant", 3, VARIANTS),
    ],
)
def test_unknown_names(field: str, value: object, accepted: tuple[str, ...]) -> None:
    options = {"variant": "torch-optim", field: value} if field != "variant" else {field: value}
    error = _error(options)
    assert set(error.errors) == {field}
    for name in accepted:
        assert name in error.errors[field]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_optimizer_per_variant(variant: str, optimizer: str) -> None:
    options = {"variant": variant, "optimizer": optimizer}
    if optimizer == "sgd" or variant in ("torch-optim", "torch-module"):
        assert config_from_options(options).optimizer == optimizer
    else:
        error = _error(options)
        assert set(error.errors) == {"optimizer"}
        assert "sgd" in error.errors["optimizer"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_grad_formula_tutorial_only_on_numpy(variant: str) -> None:
    options = {"variant": variant, "grad_formula": "tutorial"}
    assert config_from_options({**options, "grad_formula": "mean"}).grad_formula == "mean"
    if variant == "numpy-manual":
        assert config_from_options(options).grad_formula == "tutorial"
    else:
        error = _error(options)
        assert set(error.errors) == {"grad_formula"}
        assert "mean" in error.errors["grad_formula"]


# -- device ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_cuda")
@pytest.mark.parametrize("variant", VARIANTS[1:])
def test_cuda_without_a_gpu_rejected(variant: str) -> None:
    error = _error({"variant": variant, "device": "cuda"})
    assert set(error.errors) == {"device"}
    assert "cpu" in error.errors["device"] and "auto" in error.errors["device"]
    for device in ("auto", "cpu", " cpu "):
        config = config_from_options({"variant": variant, "device": device})
        assert config.resolved_device == "cpu"


@pytest.mark.usefixtures("with_cuda")
def test_cuda_with_a_gpu_accepted_for_torch_only() -> None:
    config = config_from_options({"variant": "torch-optim", "device": "cuda"})
    assert config.resolved_device == "cuda"
    error = _error({"variant": "numpy-manual", "device": "cuda"})
    assert set(error.errors) == {"device"}
    assert "torch" in error.errors["device"]


def test_cuda_availability_is_only_asked_for_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail() -> str | None:
        raise AssertionError("cuda_problem called")

    monkeypatch.setattr(config_module, "cuda_problem", fail)
    assert config_from_options({"device": "auto", "variant": "torch-module"}).device == "auto"


# -- eps, seed, predict, booleans ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("0", True),
        ("1e-9", True),
        (" 0.5 ", True),
        ("-1e-3", False),
        ("nan", False),
        ("inf", False),
        ("1e999", False),
        ("", False),
    ],
)
def test_eps(text: str, ok: bool) -> None:
    if ok:
        assert config_from_options({"eps": text}).eps == float(text)
    else:
        error = _error({"eps": text})
        assert set(error.errors) == {"eps"}
        assert ">= 0" in error.errors["eps"]


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("0", True),
        ("42", True),
        (str(2**63 - 1), True),
        (str(2**63), False),
        ("-1", False),
        ("1.5", False),
        ("1e3", False),
        ("", False),
        (-3, False),
    ],
)
def test_seed(text: object, ok: bool) -> None:
    if ok:
        assert config_from_options({"seed": text}).seed == int(text)
    else:
        error = _error({"seed": text})
        assert set(error.errors) == {"seed"}
        assert "0 to 2^63-1" in error.errors["seed"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("False", False),
        (" on ", True),
        ("off", False),
        ("yes", True),
        ("no", False),
        ("1", True),
        ("0", False),
        (True, True),
        (False, False),
    ],
)
def test_zero_grad_booleans(text: object, value: bool) -> None:
    assert config_from_options({"zero_grad": text}).zero_grad is value


@pytest.mark.parametrize("text", ["maybe", "", "2", "yes please", 1, 0.5])
def test_zero_grad_rejected(text: object) -> None:
    error = _error({"zero_grad": text})
    assert set(error.errors) == {"zero_grad"}
    assert "true or false" in error.errors["zero_grad"]


def test_predict() -> None:
    assert config_from_options({"predict": "17"}).predict == 17.0
    assert set(_error({"predict": "nan"}).errors) == {"predict"}


def test_unknown_setting() -> None:
    error = _error({"learning_rate": "0.1"})
    assert set(error.errors) == {"learning_rate"}
    assert "lr" in error.errors["learning_rate"]


def test_none_means_not_given() -> None:
    base = RunConfig(variant="torch-optim", lr=0.5, optimizer="adam")
    assert config_from_options({"lr": None, "optimizer": None, "x": None}, base) == base


# -- every bad field at once -----------------------------------------------------------------


def test_errors_name_every_bad_field_at_once() -> None:
    error = _error(
        {
            "lr": "0",
            "epochs": "1e3",
            "w0": "nan",
            "eps": "-1",
            "seed": "-1",
            "device": "gpu",
            "grad_formula": "bad",
            "zero_grad": "perhaps",
            "predict": "inf",
            "x": "1,2",
            "y": "1",
        }
    )
    assert set(error.errors) == {
        "lr",
        "epochs",
        "w0",
        "eps",
        "seed",
        "device",
        "grad_formula",
        "zero_grad",
        "predict",
        "y",
    }
    assert str(error) == f"--{error.field.replace('_', '-')}: {error.errors[error.field]}"


def test_errors_also_name_rules_between_fields() -> None:
    # a value that does not parse (lr) and values that parse but break a rule between fields
    error = _error(
        {
            "lr": "abc",
            "variant": "numpy-manual",
            "optimizer": "adam",
            "w0": "1e39",
            "device": "cuda",
        }
    )
    assert set(error.errors) == {"lr", "optimizer", "w0", "device"}
    error = _error({"variant": "nope", "optimizer": "nope", "epochs": "0"})
    assert set(error.errors) == {"variant", "optimizer", "epochs"}


def test_surrounding_spaces_accepted() -> None:
    config = config_from_options(
        {
            "variant": " torch-module ",
            "lr": " 0.05 ",
            "epochs": " 20 ",
            "w0": " -1 ",
            "b0": " 0.5 ",
            "optimizer": " adam ",
            "eps": " 1e-6 ",
            "seed": " 3 ",
            "device": " cpu ",
            "grad_formula": " mean ",
            "zero_grad": " off ",
            "bias": " on ",
            "x": " 1 , 2 ",
            "y": " 3 , 4 ",
            "predict": " 7 ",
        }
    )
    assert config == RunConfig(
        variant="torch-module",
        lr=0.05,
        epochs=20,
        w0=-1.0,
        b0=0.5,
        optimizer="adam",
        eps=1e-6,
        seed=3,
        device="cpu",
        grad_formula="mean",
        zero_grad=False,
        bias=True,
        dataset=Dataset("custom", (1.0, 2.0), (3.0, 4.0)),
        predict=7.0,
    )


# -- switching variant -----------------------------------------------------------------------


@pytest.mark.parametrize("target", ["numpy-manual", "torch-autograd"])
def test_switching_variant_falls_back_to_sgd(target: str) -> None:
    base = RunConfig(variant="torch-optim", optimizer="adam", lr=0.2)
    config = config_from_options({"variant": target}, base)
    assert (config.variant, config.optimizer, config.lr) == (target, "sgd", 0.2)
    # an optimizer the new variant has is kept
    assert config_from_options({"variant": "torch-module"}, base).optimizer == "adam"
    # but one asked for explicitly is checked, not replaced
    assert set(_error({"variant": target, "optimizer": "adam"}, base).errors) == {"optimizer"}


def test_switching_variant_drops_what_it_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    base = RunConfig(variant="numpy-manual", grad_formula="tutorial")
    assert config_from_options({"variant": "torch-optim"}, base).grad_formula == "mean"
    base = RunConfig(variant="torch-module", b0=0.5, optimizer="rmsprop")
    config = config_from_options({"variant": "torch-optim"}, base)
    assert (config.b0, config.optimizer) == (None, "rmsprop")
    monkeypatch.setattr(config_module, "cuda_problem", lambda: None)
    base = RunConfig(variant="torch-autograd", device="cuda")
    assert config_from_options({"variant": "numpy-manual"}, base).device == "auto"


# -- never anything but RunConfig or ConfigError ---------------------------------------------

TEXT = st.text(max_size=40) | st.from_regex(r"\s*[+-]?[0-9._eE+-]{0,30}\s*", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(lr=TEXT, epochs=TEXT, w0=TEXT)
def test_any_text_for_numbers_gives_config_or_config_error(lr: str, epochs: str, w0: str) -> None:
    for options in ({"lr": lr}, {"epochs": epochs}, {"w0": w0}, {"lr": lr, "epochs": epochs}):
        try:
            config = config_from_options(options)
        except ConfigError as error:
            assert error.errors
            assert set(error.errors) <= set(options)
        else:
            assert isinstance(config, RunConfig)


@settings(max_examples=300, deadline=None)
@given(x=TEXT | st.text(alphabet="0123456789-+.,eE nai", max_size=40), y=TEXT)
def test_any_text_for_x_gives_config_or_config_error(x: str, y: str) -> None:
    for options in ({"x": x, "y": "1,2,3"}, {"x": x, "y": y}, {"x": x}):
        try:
            config = config_from_options(options)
        except ConfigError as error:
            assert error.errors
        else:
            assert len(config.dataset.x) == len(config.dataset.y) > 0


@pytest.mark.parametrize(
    ("field", "typed"), [("w0", "1e308"), ("lr", "1e39"), ("eps", "-3.5e38"), ("predict", "4e38")]
)
def test_a_finite_number_beyond_float32_is_refused_as_what_it_is(field: str, typed: str) -> None:
    # 1e308 is finite: the message says it is beyond float32, and quotes what was typed.
    message = _error({field: typed}).errors[field]
    assert f"got {typed!r}: beyond ±3.4e38, the largest float32" in message


def test_an_unknown_setting_suggests_the_nearest_one() -> None:
    assert "(did you mean lr?)" in _error({"lrr": 0.1}).errors["lrr"]
    assert "(did you mean zero_grad?)" in _error({"zero-grad": False}).errors["zero-grad"]
    assert "did you mean" not in _error({"zzzz": 1}).errors["zzzz"]


def test_cuda_refused_says_whether_torch_is_a_cpu_build_or_finds_no_gpu(monkeypatch) -> None:
    import torch

    monkeypatch.setattr(torch.version, "cuda", None)
    problem = config_module.cuda_problem()
    assert problem is not None and "CPU-only build" in problem and torch.__version__ in problem
    monkeypatch.setattr(torch.version, "cuda", "12.4")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    problem = config_module.cuda_problem()
    assert problem is not None and "built for CUDA 12.4, finds no CUDA GPU" in problem
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert config_module.cuda_problem() is None
