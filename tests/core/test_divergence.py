"""Divergence told early: the rule (a steadily growing loss, or one orders of magnitude above
its start), the largest stable rate against the closed form, and the hint that names a cause."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdtui.core.engine.divergence import divergence_hint, stable_lr
from gdtui.core.engine.runner import Runner
from gdtui.core.engine.stops import RunState
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import PRESETS

X = PRESETS["line4"].x
pytestmark = pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # runs that blow up


def _largest_eigenvalue_2x2(a: float, b: float, d: float) -> float:
    """Of [[a, b], [b, d]], from the characteristic polynomial."""
    return (a + d) / 2 + math.sqrt(((a - d) / 2) ** 2 + b * b)


def test_the_largest_stable_rate_is_the_closed_form():
    mean_x2 = sum(x * x for x in X) / len(X)
    mean_x = sum(X) / len(X)
    plain = stable_lr(RunConfig(variant="numpy-manual"))
    assert plain is not None and plain.lr == pytest.approx(1 / mean_x2, rel=1e-12)
    assert plain.why == "1/mean(x²)"
    with_bias = stable_lr(RunConfig(variant="torch-module"))
    assert with_bias is not None
    assert with_bias.lr == pytest.approx(1 / _largest_eigenvalue_2x2(mean_x2, mean_x, 1.0))
    tutorial = stable_lr(RunConfig(variant="numpy-manual", grad_formula="tutorial"))
    assert tutorial is not None and tutorial.lr == pytest.approx(1 / (len(X) * mean_x2))
    assert tutorial.why == "1/(N·mean(x²))"  # not 1/N·mean(x²), which reads as mean(x²)/N
    batched = stable_lr(RunConfig(variant="numpy-manual", grad_formula="tutorial", batch_size=2))
    assert batched is not None and batched.why == "1/(N·mean(x²)) of the worst batch"
    momentum = stable_lr(RunConfig(variant="torch-optim", optimizer="momentum"))
    assert momentum is not None and momentum.lr == pytest.approx(1.9 / mean_x2)
    accumulating = stable_lr(RunConfig(variant="torch-autograd", zero_grad=False))
    assert accumulating is not None and accumulating.lr == pytest.approx(2 / mean_x2)
    assert stable_lr(RunConfig(variant="torch-optim", optimizer="adam")) is None


CASES = [
    RunConfig(variant="numpy-manual"),
    RunConfig(variant="numpy-manual", grad_formula="tutorial"),
    RunConfig(variant="torch-module", seed=1),
    RunConfig(variant="torch-optim", optimizer="momentum"),
    RunConfig(variant="torch-autograd", zero_grad=False),
]


@pytest.mark.parametrize("base", CASES, ids=lambda c: f"{c.variant}-{c.optimizer}-{c.grad_formula}")
def test_just_below_the_stable_rate_a_run_stays_bounded_and_just_above_it_is_told(base):
    rate = stable_lr(base)
    assert rate is not None
    epochs = 600
    below = Runner(base.replace(lr=0.97 * rate.lr, epochs=epochs)).run(epochs)
    assert below.stop.state is RunState.DONE
    losses = [r.loss for r in below.records]
    assert max(losses[len(losses) // 2 :]) < 100 * losses[0]
    above = Runner(base.replace(lr=1.03 * rate.lr, epochs=epochs)).run(epochs)
    assert above.stop.state is RunState.DIVERGING and above.stop.diverging is not None
    assert above.stop.diverging.epoch == above.records[-1].epoch < epochs
    assert above.stop.diverging.loss >= 10 * above.stop.diverging.start


@pytest.mark.parametrize(
    "config",
    [
        RunConfig(variant="torch-optim", optimizer="adam", lr=10.0, w0=0.0),  # bounded steps
        RunConfig(variant="torch-optim", optimizer="momentum", lr=0.2),  # swings past
    ],
    ids=["adam", "momentum"],
)
def test_an_overshoot_that_comes_back_is_not_called_diverging(config):
    stretch = Runner(config.replace(epochs=400)).run(400)
    assert stretch.stop.state is RunState.DONE
    losses = np.array([r.loss for r in stretch.records])
    assert (np.diff(losses) > 0).sum() >= 3  # it does climb, more than once


def test_a_run_told_it_is_diverging_goes_on_when_asked_and_is_told_again_after_a_new_rate():
    config = RunConfig(variant="numpy-manual", lr=0.2, epochs=500)
    runner = Runner(config)
    first = runner.run(500)
    assert first.stop.state is RunState.DIVERGING and not runner.finished
    assert [r.loss for r in first.records][-1] == first.stop.diverging.loss
    on = runner.run(500)  # asked to go on: to inf, where it stops for good
    assert on.stop.state is RunState.DIVERGED and on.stop.diverging is None and runner.finished
    # A new rate watches afresh, from where the run stands: a stable one is not told so,
    # however far above its start the loss still is; another unstable one is told again.
    again = Runner(config)
    again.run(500)
    again.apply(config.replace(lr=0.05))
    assert again.run(200).stop is None  # 200 epochs on, and not told
    unstable = Runner(config)
    unstable.run(500)
    unstable.apply(config.replace(lr=0.19))
    assert unstable.run(500).stop.state is RunState.DIVERGING


def test_the_hint_names_the_starting_value_when_the_first_loss_overflows():
    config = RunConfig(variant="numpy-manual", w0=1e19)
    stretch = Runner(config).run(10)
    assert stretch.stop.state is RunState.DIVERGED and stretch.stop.epoch == 1
    hint = divergence_hint(config, stretch.stop.epoch, "--lr")
    assert hint.startswith("the initial --w0 = 1e+19 puts the first loss beyond float32")
    assert "lr" not in hint
    too_fast = RunConfig(variant="numpy-manual", lr=0.5)
    assert divergence_hint(too_fast, 3, "--lr") == (
        "--lr 0.5 is above 0.1333, the largest stable rate here (1/mean(x²))"
    )
