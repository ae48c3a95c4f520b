"""The four trainers against independent computations written in the tests (float64 closed form
and plain torch loops), with each other, and under mid-run changes."""

from __future__ import annotations

import math

import pytest

from gdtui.core.engine.record import GRAD_NONE, GRAD_VALUE, GRAD_ZERO
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import PRESETS, Dataset
from gdtui.core.settings.variants import VARIANT_NAMES

from .references import assert_rows_close, closed_form, record_row, torch_loop

EPOCHS = 30
LINE4 = PRESETS["line4"]
LINE5 = PRESETS["line5"]
# Negative inputs and a target with a clear intercept: y ≈ 1.5x − 0.75 with some scatter.
CUSTOM = Dataset("custom", (-2.0, -0.5, 1.0, 3.0, 0.25), (-3.9, -1.4, 0.8, 3.6, -0.2))

# (dataset, lr, w0): several datasets, learning rates and starts, all stable with zero_grad on
# and bounded (an undamped oscillation) with it off.
NO_BIAS_CASES = [
    (LINE4, 0.01, 0.0),
    (LINE4, 0.03, -1.5),
    (LINE5, 0.005, 3.0),
    (LINE5, 0.02, 0.5),
    (CUSTOM, 0.05, 1.0),
]
# (dataset, lr, w0, b0) for torch-module with its bias.
BIAS_CASES = [
    (CUSTOM, 0.05, 0.2, 0.9),
    (CUSTOM, 0.02, -1.0, -2.0),
    (LINE4, 0.01, 0.5, -0.25),
    (LINE5, 0.02, 3.0, 1.5),
]
NO_BIAS_VARIANTS = ["numpy-manual", "torch-autograd", "torch-optim", "torch-module"]
OPTIMIZERS = ["sgd", "momentum", "adam", "rmsprop", "adagrad"]


def _config(variant: str, dataset: Dataset, lr: float, w0: float, **changes: object) -> RunConfig:
    if variant == "torch-module" and "bias" not in changes:
        changes["bias"] = False
    return RunConfig(variant=variant, dataset=dataset, lr=lr, w0=w0, epochs=EPOCHS, **changes)


def _run(config: RunConfig, epochs: int = EPOCHS) -> list:
    trainer = Trainer(config)
    return [record_row(trainer.run_epoch()) for _ in range(epochs)]


def _case_id(case: tuple) -> str:
    return f"{case[0].name}-lr{case[1]}-w{case[2]}"


def test_every_registered_variant_is_covered() -> None:
    assert set(VARIANT_NAMES) == set(NO_BIAS_VARIANTS)


# -- 1 (a): float64 closed form -------------------------------------------------------------


@pytest.mark.parametrize("zero_grad", [True, False], ids=["zero_grad", "accumulate"])
@pytest.mark.parametrize("case", NO_BIAS_CASES, ids=_case_id)
@pytest.mark.parametrize("variant", NO_BIAS_VARIANTS)
def test_variant_matches_float64_closed_form(variant: str, case: tuple, zero_grad: bool) -> None:
    dataset, lr, w0 = case
    got = _run(_config(variant, dataset, lr, w0, zero_grad=zero_grad))
    want = closed_form(dataset.x, dataset.y, w0, [lr] * EPOCHS, [zero_grad] * EPOCHS)
    assert_rows_close(got, want)


@pytest.mark.parametrize("zero_grad", [True, False], ids=["zero_grad", "accumulate"])
@pytest.mark.parametrize("case", BIAS_CASES, ids=lambda c: f"{_case_id(c)}-b{c[3]}")
def test_torch_module_with_bias_matches_float64_closed_form(case: tuple, zero_grad: bool) -> None:
    dataset, lr, w0, b0 = case
    got = _run(_config("torch-module", dataset, lr, w0, b0=b0, bias=True, zero_grad=zero_grad))
    want = closed_form(dataset.x, dataset.y, w0, [lr] * EPOCHS, [zero_grad] * EPOCHS, b0=b0)
    assert_rows_close(got, want)
    # the intercept really is learnt: b moves well away from its start on the custom data
    if dataset is CUSTOM and zero_grad:
        assert abs(got[-1][2] - b0) > 0.1


# -- 1 (b): plain torch loops ----------------------------------------------------------------


@pytest.mark.parametrize("zero_grad", [True, False], ids=["zero_grad", "accumulate"])
@pytest.mark.parametrize("case", NO_BIAS_CASES, ids=_case_id)
@pytest.mark.parametrize("variant", NO_BIAS_VARIANTS)
def test_variant_matches_plain_torch_loop(variant: str, case: tuple, zero_grad: bool) -> None:
    dataset, lr, w0 = case
    got = _run(_config(variant, dataset, lr, w0, zero_grad=zero_grad))
    optimizer = "sgd" if variant in ("torch-optim", "torch-module") else None
    want = torch_loop(
        dataset.x, dataset.y, w0, [lr] * EPOCHS, [zero_grad] * EPOCHS, optimizer=optimizer
    )
    assert_rows_close(got, want)


@pytest.mark.parametrize("zero_grad", [True, False], ids=["zero_grad", "accumulate"])
@pytest.mark.parametrize("case", BIAS_CASES, ids=lambda c: f"{_case_id(c)}-b{c[3]}")
def test_torch_module_with_bias_matches_plain_torch_loop(case: tuple, zero_grad: bool) -> None:
    dataset, lr, w0, b0 = case
    got = _run(_config("torch-module", dataset, lr, w0, b0=b0, bias=True, zero_grad=zero_grad))
    want = torch_loop(
        dataset.x, dataset.y, w0, [lr] * EPOCHS, [zero_grad] * EPOCHS, b0=b0, optimizer="sgd"
    )
    assert_rows_close(got, want)


# -- 1: the optimizers -----------------------------------------------------------------------


@pytest.mark.parametrize("zero_grad", [True, False], ids=["zero_grad", "accumulate"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize(
    ("variant", "bias"),
    [("torch-optim", False), ("torch-module", False), ("torch-module", True)],
    ids=["torch-optim", "torch-module-nobias", "torch-module-bias"],
)
def test_optimizers_match_plain_torch_optim_loop(
    variant: str, bias: bool, optimizer: str, zero_grad: bool
) -> None:
    dataset, lr, w0 = (CUSTOM, 0.05, 1.0) if bias else (LINE4, 0.02, -0.5)
    b0 = -0.5 if bias else None
    changes: dict[str, object] = {"optimizer": optimizer, "zero_grad": zero_grad}
    if variant == "torch-module":
        changes.update(bias=bias, b0=b0)
    # 20 epochs: adaptive steps (rmsprop) amplify float32 rounding differences between
    # nn.Linear's addmm and the reference's w*x + b as a run goes on
    epochs = 20
    got = _run(_config(variant, dataset, lr, w0, **changes), epochs)
    want = torch_loop(
        dataset.x, dataset.y, w0, [lr] * epochs, [zero_grad] * epochs, b0=b0, optimizer=optimizer
    )
    assert_rows_close(got, want)
    # the optimizers really differ from each other: plain SGD takes another path
    if optimizer != "sgd":
        sgd = torch_loop(dataset.x, dataset.y, w0, [lr] * epochs, [zero_grad] * epochs, b0=b0)
        assert any(abs(g[1] - s[1]) > 1e-3 for g, s in zip(got, sgd, strict=True))


# -- 3: the variants agree with each other --------------------------------------------------


@pytest.mark.parametrize("zero_grad", [True, False], ids=["zero_grad", "accumulate"])
@pytest.mark.parametrize("case", NO_BIAS_CASES, ids=_case_id)
def test_four_variants_agree(case: tuple, zero_grad: bool) -> None:
    dataset, lr, w0 = case
    runs = {v: _run(_config(v, dataset, lr, w0, zero_grad=zero_grad)) for v in NO_BIAS_VARIANTS}
    baseline = runs["numpy-manual"]
    for variant, rows in runs.items():
        assert_rows_close(rows, baseline), variant
    # the runs did something: w moved by more than the tolerance
    assert abs(baseline[-1][1] - w0) > 0.1


# -- 4: mid-run changes ----------------------------------------------------------------------

ALL_SETUPS = [
    ("numpy-manual", {}),
    ("torch-autograd", {}),
    ("torch-optim", {}),
    ("torch-module", {"bias": False}),
    ("torch-module", {"bias": True, "b0": 0.5}),
]
SETUP_IDS = ["numpy-manual", "torch-autograd", "torch-optim", "torch-module", "torch-module-bias"]


@pytest.mark.parametrize(("variant", "extra"), ALL_SETUPS, ids=SETUP_IDS)
def test_set_lr_takes_effect_at_the_next_epoch(variant: str, extra: dict) -> None:
    dataset, w0 = CUSTOM, 1.0
    lrs = [0.01] * 4 + [0.08] * 6 + [0.02] * 5  # changed before epochs 5 and 11
    trainer = Trainer(RunConfig(variant=variant, dataset=dataset, lr=0.01, w0=w0, **extra))
    records = []
    for epoch in range(1, len(lrs) + 1):
        if epoch == 5:
            trainer.set_lr(0.08)
        if epoch == 11:
            trainer.set_lr(0.02)
        records.append(trainer.run_epoch())
    assert [r.lr for r in records] == lrs
    want = closed_form(dataset.x, dataset.y, w0, lrs, [True] * len(lrs), b0=extra.get("b0"))
    assert_rows_close([record_row(r) for r in records], want)
    # a run that kept lr = 0.01 is different from epoch 5 on (so the change did something)
    constant = closed_form(
        dataset.x, dataset.y, w0, [0.01] * len(lrs), [True] * len(lrs), b0=extra.get("b0")
    )
    assert abs(records[4].w - constant[4][1]) > 1e-3
    assert records[3].w == pytest.approx(constant[3][1], rel=1e-5)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
@pytest.mark.parametrize("variant", ["torch-optim", "torch-module"])
def test_set_lr_reaches_the_torch_optimizer(variant: str, optimizer: str) -> None:
    dataset, w0 = LINE4, 0.0
    lrs = [0.01] * 5 + [0.002] * 5
    extra = {"bias": False} if variant == "torch-module" else {}
    config = RunConfig(
        variant=variant, dataset=dataset, lr=0.01, w0=w0, optimizer=optimizer, **extra
    )
    trainer = Trainer(config)
    rows = []
    for epoch in range(1, len(lrs) + 1):
        if epoch == 6:
            trainer.set_lr(0.002)
        rows.append(record_row(trainer.run_epoch()))
    want = torch_loop(dataset.x, dataset.y, w0, lrs, [True] * len(lrs), optimizer=optimizer)
    assert_rows_close(rows, want)


@pytest.mark.parametrize(("variant", "extra"), ALL_SETUPS, ids=SETUP_IDS)
def test_zero_grad_off_then_on_mid_run(variant: str, extra: dict) -> None:
    dataset, w0, lr = LINE4, 0.0, 0.01
    # on for epochs 1-3, off (accumulating) for 4-6, on again from 7: switching it on clears
    # what accumulated during 4-6, so epoch 7 uses only its own gradient.
    zero_grads = [True] * 3 + [False] * 3 + [True] * 4
    trainer = Trainer(RunConfig(variant=variant, dataset=dataset, lr=lr, w0=w0, **extra))
    records = []
    for epoch in range(1, len(zero_grads) + 1):
        if epoch == 4:
            trainer.set_zero_grad(False)
        if epoch == 7:
            trainer.set_zero_grad(True)
        records.append(trainer.run_epoch())
    b0 = extra.get("b0")
    want = closed_form(dataset.x, dataset.y, w0, [lr] * 10, zero_grads, b0=b0)
    assert_rows_close([record_row(r) for r in records], want)
    want_torch = torch_loop(
        dataset.x,
        dataset.y,
        w0,
        [lr] * 10,
        zero_grads,
        b0=b0,
        optimizer=None if variant in ("numpy-manual", "torch-autograd") else "sgd",
    )
    assert_rows_close([record_row(r) for r in records], want_torch)
    # epoch 7's gradient is fresh: it is not the accumulated one plus its own
    fresh = closed_form(dataset.x, dataset.y, w0, [lr] * 10, [True] * 3 + [False] * 7, b0=b0)
    assert abs(records[6].grad_w - fresh[6][3]) > 1.0


@pytest.mark.parametrize(("variant", "extra"), ALL_SETUPS, ids=SETUP_IDS)
def test_grad_state_field(variant: str, extra: dict) -> None:
    trainer = Trainer(RunConfig(variant=variant, **extra))
    cleared = GRAD_ZERO if variant in ("numpy-manual", "torch-autograd") else GRAD_NONE
    assert trainer.run_epoch().grad_state == cleared
    trainer.set_zero_grad(False)
    assert trainer.run_epoch().grad_state == GRAD_VALUE
    assert trainer.run_epoch().grad_state == GRAD_VALUE
    trainer.set_zero_grad(True)
    assert trainer.run_epoch().grad_state == cleared


def test_torch_optim_grad_really_is_none_after_zero_grad() -> None:
    trainer = Trainer(RunConfig(variant="torch-optim"))
    record = trainer.run_epoch()
    assert record.grad_state == GRAD_NONE
    assert trainer.names["w"].grad is None
    trainer.set_zero_grad(False)
    record = trainer.run_epoch()
    assert record.grad_state == GRAD_VALUE
    assert trainer.names["w"].grad is not None
    assert trainer.names["w"].grad.item() == pytest.approx(record.grad_w, rel=1e-6)
    trainer.set_zero_grad(True)  # switching on clears it straight away
    assert trainer.names["w"].grad is None


def test_torch_autograd_grad_is_zeroed_in_place() -> None:
    trainer = Trainer(RunConfig(variant="torch-autograd"))
    assert trainer.run_epoch().grad_state == GRAD_ZERO
    assert trainer.names["w"].grad is not None
    assert trainer.names["w"].grad.item() == 0.0
    trainer.set_zero_grad(False)
    record = trainer.run_epoch()
    assert trainer.names["w"].grad.item() == pytest.approx(record.grad_w, rel=1e-6)
    assert record.grad_w != 0.0


def test_torch_module_grads_are_none_after_zero_grad() -> None:
    trainer = Trainer(RunConfig(variant="torch-module", w0=0.0, b0=0.0))
    assert trainer.run_epoch().grad_state == GRAD_NONE
    assert trainer.names["model"].weight.grad is None
    assert trainer.names["model"].bias.grad is None
    trainer.set_zero_grad(False)
    record = trainer.run_epoch()
    assert trainer.names["model"].weight.grad.item() == pytest.approx(record.grad_w, rel=1e-6)
    assert trainer.names["model"].bias.grad.item() == pytest.approx(record.grad_b, rel=1e-6)


# -- 5: torch-module's seeded start ----------------------------------------------------------


def _linear_params(seed: int, bias: bool = True) -> tuple[float, float | None]:
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layer = nn.Linear(1, 1, bias=bias)
    return layer.weight.item(), None if layer.bias is None else layer.bias.item()


@pytest.mark.parametrize("seed", [0, 1, 42, 2**63 - 1])
def test_torch_module_default_start_is_seeded_nn_linear(seed: int) -> None:
    trainer = Trainer(RunConfig(variant="torch-module", seed=seed))
    w, b = _linear_params(seed)
    assert (trainer.w, trainer.b) == (w, b)
    again = Trainer(RunConfig(variant="torch-module", seed=seed))
    assert (again.w, again.b) == (trainer.w, trainer.b)
    # the first epoch trains from that start
    record = trainer.run_epoch()
    want = closed_form(LINE4.x, LINE4.y, w, [0.01], [True], b0=b)
    assert_rows_close([record_row(record)], want)


def test_torch_module_different_seeds_start_differently() -> None:
    starts = {
        (
            Trainer(RunConfig(variant="torch-module", seed=s)).w,
            Trainer(RunConfig(variant="torch-module", seed=s)).b,
        )
        for s in range(5)
    }
    assert len(starts) == 5


def test_torch_module_without_bias_uses_the_seeded_weight() -> None:
    trainer = Trainer(RunConfig(variant="torch-module", seed=7, bias=False))
    assert trainer.b is None
    assert trainer.w == _linear_params(7, bias=False)[0]
    assert trainer.w == _linear_params(7, bias=True)[0]


def test_torch_module_given_w0_keeps_the_seeded_bias() -> None:
    trainer = Trainer(RunConfig(variant="torch-module", seed=3, w0=0.25))
    assert trainer.w == 0.25
    assert trainer.b == _linear_params(3)[1]
    trainer = Trainer(RunConfig(variant="torch-module", seed=3, b0=-0.5))
    assert (trainer.w, trainer.b) == (_linear_params(3)[0], -0.5)


def test_torch_module_leaves_the_global_rng_alone() -> None:
    import torch

    torch.manual_seed(1234)
    state = torch.get_rng_state()
    expected = torch.rand(3)
    torch.set_rng_state(state)
    Trainer(RunConfig(variant="torch-module", seed=99))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(torch.rand(3), expected)


# -- predict ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("variant", "extra"), ALL_SETUPS, ids=SETUP_IDS)
def test_predict_uses_current_parameters(variant: str, extra: dict) -> None:
    trainer = Trainer(RunConfig(variant=variant, dataset=CUSTOM, w0=1.0, lr=0.05, **extra))
    for _ in range(5):
        trainer.run_epoch()
    b = trainer.b or 0.0
    assert trainer.predict(-3.0) == pytest.approx(-3.0 * trainer.w + b, rel=1e-6)
    assert math.isfinite(trainer.predict(5.0))
