"""The runner, the one loop: live changes from the next epoch, the learning rate derived again
from (lr, schedule, epoch), and the markers of what changed mid-run."""

from __future__ import annotations

import math

import pytest

from gdtui.core.engine.runner import Runner
from gdtui.core.settings.config import RunConfig

from .references import closed_form

X, Y = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]
EPOCHS, SWITCH, LR = 40, 10, 0.02
VARIANTS = ("numpy-manual", "torch-autograd", "torch-optim", "torch-module")


def cosine(epoch: int) -> float:
    """Half a cosine from LR to 0 over the run, written from the formula."""
    return LR * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / EPOCHS))


def _run(variant: str, first: str, then: str) -> tuple[list[float], list[float], tuple]:
    config = RunConfig(variant=variant, lr=LR, epochs=EPOCHS, schedule=first, w0=0.0, bias=False)
    runner = Runner(config)
    before = runner.run(SWITCH)
    runner.apply(config.replace(schedule=then))
    after = runner.run(EPOCHS)
    records = before.records + after.records
    return [r.lr for r in records], [r.w for r in records], after.changes


@pytest.mark.parametrize("variant", VARIANTS)
def test_switching_the_schedule_mid_run_changes_the_rate_from_the_next_epoch(variant: str):
    # cosine → constant: from epoch 11 the base rate again, not the last cosine rate.
    lrs, ws, changes = _run(variant, "cosine", "constant")
    expected_lrs = [cosine(k) for k in range(1, SWITCH + 1)] + [LR] * (EPOCHS - SWITCH)
    assert lrs == pytest.approx(expected_lrs, rel=1e-12)
    expected = closed_form(X, Y, 0.0, expected_lrs, [True] * EPOCHS)
    assert ws == pytest.approx([row[1] for row in expected], rel=1e-5)
    assert changes == ((SWITCH + 1, "schedule cosine -> constant"),)

    # constant → cosine: epoch 11 takes the cosine's rate for epoch 11 at once.
    lrs, ws, changes = _run(variant, "constant", "cosine")
    expected_lrs = [LR] * SWITCH + [cosine(k) for k in range(SWITCH + 1, EPOCHS + 1)]
    assert lrs == pytest.approx(expected_lrs, rel=1e-12)
    expected = closed_form(X, Y, 0.0, expected_lrs, [True] * EPOCHS)
    assert ws == pytest.approx([row[1] for row in expected], rel=1e-5)
    assert changes == ((SWITCH + 1, "schedule constant -> cosine"),)


def test_more_epochs_under_a_schedule_stretch_it_from_the_next_epoch():
    config = RunConfig(variant="numpy-manual", lr=LR, epochs=EPOCHS, schedule="cosine")
    runner = Runner(config)
    runner.run(SWITCH)
    runner.apply(config.replace(epochs=2 * EPOCHS))
    batch = runner.run(1)
    longer = LR * 0.5 * (1 + math.cos(math.pi * SWITCH / (2 * EPOCHS)))
    assert batch.records[0].lr == pytest.approx(longer, rel=1e-12)
    assert batch.changes == ()  # the epochs change where the run ends, not its path


def test_markers_name_the_first_epoch_with_each_new_value():
    config = RunConfig(variant="numpy-manual")
    runner = Runner(config)
    runner.apply(config.replace(lr=0.1))  # before epoch 1: the run's own setting
    assert runner.run(5).changes == ()
    runner.apply(runner.config.replace(lr=0.02))
    runner.apply(runner.config.replace(lr=0.04))  # twice before an epoch: one change
    runner.apply(runner.config.replace(zero_grad=False))
    runner.apply(runner.config.replace(eps=1e-9))  # not a marked setting
    batch = runner.run(3)
    assert batch.changes == ((6, "lr 0.1 -> 0.04"), (6, "zero_grad off"))
    assert [r.lr for r in batch.records] == [0.04] * 3
    runner.apply(runner.config.replace(lr=0.08))
    runner.apply(runner.config.replace(lr=0.04))  # and back: nothing changed
    assert runner.run(1).changes == ()
