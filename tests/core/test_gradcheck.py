"""The gradient check against closed forms, and over whole runs of every variant."""

from __future__ import annotations

import numpy as np
import pytest

from gdtui.core.engine.trainer import Trainer
from gdtui.core.run.gradcheck import GradChecker, check, numerical_gradient, own_gradient
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import PRESETS, Dataset
from gdtui.core.settings.variants import VARIANT_NAMES

DATA = [PRESETS["line4"], PRESETS["line5"], Dataset("d", (-2.0, 0.5, 3.0), (1.0, -1.5, 4.0))]


def closed_form(dataset: Dataset, w: float, b: float) -> tuple[float, float]:
    x, y = np.array(dataset.x), np.array(dataset.y)
    residual = w * x + b - y
    return float(np.mean(2 * x * residual)), float(np.mean(2 * residual))


@pytest.mark.parametrize("dataset", DATA, ids=lambda d: d.name)
@pytest.mark.parametrize(("w", "b"), [(0.0, 0.0), (1.7, -0.3), (-250.0, 12.0), (1e-6, 3e4)])
def test_numerical_gradient_matches_the_closed_form(dataset, w, b):
    grad_w, grad_b = numerical_gradient(dataset, w, b)
    expected_w, expected_b = closed_form(dataset, w, b)
    assert grad_w == pytest.approx(expected_w, rel=1e-7, abs=1e-6)
    assert grad_b == pytest.approx(expected_b, rel=1e-7, abs=1e-6)
    assert numerical_gradient(dataset, w)[1] is None


def test_own_gradient_undoes_accumulation():
    assert own_gradient(-55.5, -30.0, previous_kept=True) == -25.5
    assert own_gradient(-25.5, -30.0, previous_kept=False) == -25.5
    assert own_gradient(-30.0, None, previous_kept=True) == -30.0


@pytest.mark.parametrize("points", ["line4", "line5"])
def test_the_tutorial_formula_is_flagged_and_its_ratio_named(points):
    dataset = PRESETS[points]
    config = RunConfig(variant="numpy-manual", grad_formula="tutorial", dataset=dataset)
    trainer = Trainer(config)
    checker = GradChecker(dataset, has_bias=False)
    record = trainer.run_epoch()
    checker.observe(0.0, None, record)
    epoch, failed = checker.first_failure
    assert epoch == 1 and failed.failed
    assert failed.ratio == pytest.approx(len(dataset))
    warning = checker.warning()
    assert f"N = {len(dataset)} points" in warning and "tutorial" in warning


@pytest.mark.parametrize("variant", VARIANT_NAMES)
@pytest.mark.parametrize("zero_grad", [True, False])
def test_correct_gradients_are_never_flagged_over_a_whole_run(variant, zero_grad):
    config = RunConfig(variant=variant, zero_grad=zero_grad, epochs=400, lr=0.003)
    trainer = Trainer(config)
    checker = GradChecker(config.dataset, config.has_bias)
    for _ in range(config.epochs):
        w, b = trainer.w, trainer.b
        extra = checker.observe(w, b, trainer.run_epoch())
        expected_w, expected_b = closed_form(config.dataset, w, b or 0.0)
        assert extra["num_grad_w"] == pytest.approx(expected_w, rel=1e-6, abs=1e-9)
        if config.has_bias:
            assert extra["num_grad_b"] == pytest.approx(expected_b, rel=1e-6, abs=1e-9)
    assert checker.first_failure is None, checker.warning()


@pytest.mark.parametrize("variant", VARIANT_NAMES)
def test_switching_zero_grad_off_and_on_again_is_never_flagged(variant):
    # Switching zero_grad back on clears .grad before the next epoch: that epoch's gradient
    # is its own, not the accumulated total minus the previous one.
    config = RunConfig(variant=variant, epochs=30, lr=0.01)
    trainer = Trainer(config)
    checker = GradChecker(config.dataset, config.has_bias)
    for epoch in range(1, 31):
        if epoch in (4, 14):
            trainer.set_zero_grad(False)
        if epoch in (7, 15):
            trainer.set_zero_grad(True)
        checker.observe(trainer.w, trainer.b, trainer.run_epoch())
    assert checker.first_failure is None, checker.warning()


def test_a_wrong_gradient_is_flagged_with_its_ratio():
    result = check("w", -33.0, PRESETS["line4"], 0.0, None)
    assert result.failed and result.ratio == pytest.approx(1.1)
    assert "is 1.1× the numerical gradient -30" in result.describe(4)
    assert not check("w", -30.0, PRESETS["line4"], 0.0, None).failed
