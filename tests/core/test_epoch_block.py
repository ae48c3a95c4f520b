"""Epochs run as one compiled block give the numbers of the same epochs stepped one by one —
every record, every update, the namespace after — and stop where the run may end; the
divergence watch caught up over a block is where observing each epoch leaves it.

Each is checked with the block's values read as they come and read in one transfer at its
end (``deferred``, as on a GPU, with the epochs past a stop undone): on the CPU the two give
the same bits, so the GPU's block logic is tested here too."""

from __future__ import annotations

import gc
import math
import random

import numpy as np
import pytest

from gdtui.core.engine.divergence import DivergenceWatch
from gdtui.core.engine.model import full_gradient, full_gradients
from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.runner import Runner
from gdtui.core.engine.stops import RunState, stop_reason
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig

from .stepping import one_by_one
from .test_trace import _id, _matrix

BLOCKS = (1, 3, 1, 7, 20)
"""Block sizes, in turn, that cover one epoch, a few, and the rest."""

CASES = [
    pytest.param(config, deferred, id=f"{_id(config)}{'-deferred' if deferred else ''}")
    for config in _matrix()
    for deferred in ((False, True) if config.variant != "numpy-manual" else (False,))
]


def _trainer(config: RunConfig, deferred: bool = False) -> Trainer:
    trainer = Trainer(config)
    trainer.deferred = deferred
    return trainer


@pytest.mark.parametrize(("config", "deferred"), CASES)
def test_blocks_give_the_numbers_of_epochs_steppedone_by_one(
    config: RunConfig, deferred: bool
) -> None:
    epochs = sum(BLOCKS)
    config = config.replace(epochs=epochs)
    trainer = _trainer(config, deferred)
    records: list[EpochRecord] = []
    updates: list[EpochRecord] = []
    for size in BLOCKS:
        ran, more = trainer.run(size, 0.0)
        assert len(ran) == size
        records += ran
        updates += more
    expected, expected_updates = one_by_one(config, epochs)
    assert records == expected
    assert updates == (expected_updates if config.batched else [])
    assert trainer.updates == expected_updates[-len(trainer.updates) :]
    assert (trainer.epoch, trainer.steps) == (epochs, expected[-1].step)
    other = Trainer(config)
    for _ in range(epochs):
        other.run_epoch()
    assert (trainer.w, trainer.b) == (other.w, other.b)
    # And the block carries on where a line-stepped epoch would: the next epoch agrees.
    assert trainer.run_epoch() == other.run_epoch()


@pytest.mark.parametrize(
    ("config", "deferred"),
    [
        (RunConfig(variant="numpy-manual", epochs=50), False),
        (RunConfig(variant="torch-module", epochs=50), False),
        (RunConfig(variant="torch-module", epochs=50), True),
        (RunConfig(variant="torch-autograd", batch_size=3, shuffle=True, epochs=50), False),
        (RunConfig(variant="torch-autograd", batch_size=3, shuffle=True, epochs=50), True),
        (RunConfig(variant="torch-optim", optimizer="adam", zero_grad=False, epochs=50), True),
    ],
    ids=["numpy", "module", "module-deferred", "batches", "batches-deferred", "adam-deferred"],
)
def test_a_block_stops_after_the_first_epoch_that_may_end_the_run(
    config: RunConfig, deferred: bool
) -> None:
    expected, expected_updates = one_by_one(config, 50)
    losses = [r.epoch_loss for r in expected]
    # Below eps: the first epoch whose loss is under the tenth epoch's.
    eps = losses[9]
    first = next(i for i, loss in enumerate(losses) if loss < eps)
    trainer = _trainer(config, deferred)
    ran, updates = trainer.run(50, eps)
    assert ran == expected[: first + 1]
    kept = [u for u in expected_updates if u.epoch <= first + 1]
    assert updates == (kept if config.batched else [])
    # From there it goes on as the epochs stepped one by one: what ran past was undone.
    assert trainer.run(5, 0.0)[0] == expected[first + 1 : first + 6]
    # At or above a ceiling (the run's start, from the second epoch on it falls below it).
    ran, _ = _trainer(config, deferred).run(50, 0.0, ceiling=losses[3])
    first = next(i for i, loss in enumerate(losses) if loss >= losses[3])
    assert ran == expected[: first + 1]


@pytest.mark.parametrize(
    ("variant", "deferred"),
    [("numpy-manual", False), ("torch-optim", False), ("torch-optim", True)],
)
@np.errstate(over="ignore", invalid="ignore")
def test_a_block_stops_at_the_first_number_that_is_not_finite(variant: str, deferred: bool) -> None:
    config = RunConfig(variant=variant, lr=0.5, epochs=2000, dtype="float32")
    ran, _ = _trainer(config, deferred).run(2000, 0.0)
    assert not ran[-1].is_finite()
    assert all(record.is_finite() for record in ran[:-1])
    trainer = Trainer(config)
    for record in ran:
        assert trainer.run_epoch() == record or not record.is_finite()


@pytest.mark.parametrize(
    ("config", "transfers"),
    [
        (RunConfig(variant="torch-module", epochs=300), 1),
        (RunConfig(variant="torch-autograd", batch_size=2, epochs=300), 2),
    ],
    ids=["full-batch", "batches"],
)
def test_a_deferred_block_reads_its_values_once(
    config: RunConfig, transfers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transfer a block (with mini-batches one more, for the epochs' full losses), none
    an epoch: where a read is a GPU sync, a block of 300 epochs syncs once, not 300 times."""
    import torch

    expected, _ = one_by_one(config, 300)
    trainer = _trainer(config, deferred=True)
    trainer.run(1, 0.0)  # the block compiled, and the setup's reads done
    reads = {"item": 0, "tolist": 0}
    inside: list[str] = []  # a torch function mode left on (set_default_device) calls again
    for name in reads:
        method = getattr(torch.Tensor, name)

        def counted(tensor, *args, _name=name, _method=method):
            if inside:
                return _method(tensor, *args)
            reads[_name] += 1
            inside.append(_name)
            try:
                return _method(tensor, *args)
            finally:
                inside.pop()

        monkeypatch.setattr(torch.Tensor, name, counted)
    ran, _ = trainer.run(299, 0.0)
    assert ran == expected[1:]
    assert reads == {"item": 0, "tolist": transfers}


def test_the_runner_stops_where_it_stopped_epoch_by_epoch() -> None:
    """Diverging (found by the watch), converged, done: the same epoch and reason as
    judging every epoch's record in turn."""
    cases = [
        RunConfig(variant="torch-autograd", lr=0.2, epochs=5000),
        RunConfig(variant="numpy-manual", eps=1e-9, epochs=5000),
        RunConfig(variant="torch-module", epochs=777),
    ]
    for config in cases:
        batch = Runner(config).run(10**6)
        trainer, watch = Trainer(config), DivergenceWatch()
        while True:
            record = trainer.run_epoch()
            reason = stop_reason(record, config.epochs, config.eps)
            if reason is None and watch.observe(record) is not None:
                reason = RunState.DIVERGING
            if reason is not None:
                break
        assert batch.stop is not None
        assert (batch.stop.state, batch.records[-1].epoch) == (reason, record.epoch)


def test_catching_up_leaves_the_watch_where_observing_each_epoch_does() -> None:
    rng = random.Random(4)
    for _ in range(300):
        losses = [rng.choice([rng.uniform(0.5, 2.0), 1.0, 0.0]) for _ in range(rng.randint(1, 12))]
        rises = rng.randint(0, 8)
        losses += [losses[-1] * 1.01 ** (k + 1) for k in range(rises)]
        records = [EpochRecord(i + 1, loss, 0.0, 0.0) for i, loss in enumerate(losses)]
        observed, caught_up = DivergenceWatch(), DivergenceWatch()
        observed.observe(EpochRecord(0, 1.0, 0.0, 0.0))
        caught_up.observe(EpochRecord(0, 1.0, 0.0, 0.0))
        for record in records:
            assert observed.observe(record) is None
        caught_up.catch_up(records)
        assert vars(caught_up) == vars(observed)


def test_the_ceiling_is_below_any_loss_the_watch_would_flag() -> None:
    watch = DivergenceWatch()
    assert watch.ceiling is None
    watch.observe(EpochRecord(1, 2.0, 0.0, 0.0))
    ceiling = watch.ceiling
    assert ceiling is not None
    loss = 2.0
    for epoch in range(2, 100):
        loss *= 1.5
        if watch.observe(EpochRecord(epoch, loss, 0.0, 0.0)) is not None:
            assert loss >= ceiling
            break
    else:
        pytest.fail("never flagged")
    assert watch.ceiling == math.inf


def test_full_gradients_at_once_are_those_one_at_a_time() -> None:
    rng = np.random.default_rng(1)
    for n in (1, 4, 5, 9, 33):
        x, y = rng.normal(size=n), rng.normal(size=n)
        ws, bs = rng.normal(size=6).tolist(), rng.normal(size=6).tolist()
        for scale, decay in ((1.0, 0.0), (float(n), 0.1)):
            grad_w, grad_b = full_gradients(x, y, ws, bs, scale, decay)
            assert grad_b is not None
            for w, b, gw, gb in zip(ws, bs, grad_w, grad_b, strict=True):
                assert (gw, gb) == full_gradient(x, y, w, b, scale, decay)
            grad_w, none = full_gradients(x, y, ws, None, scale, decay)
            assert none is None
            assert grad_w == [full_gradient(x, y, w, None, scale, decay)[0] for w in ws]


def test_a_block_leaves_the_cycle_collector_as_it_found_it() -> None:
    trainer = Trainer(RunConfig(variant="numpy-manual"))
    assert gc.isenabled()
    trainer.run(5, 0.0)
    assert gc.isenabled()
    gc.disable()
    try:
        trainer.run(5, 0.0)
        assert not gc.isenabled()
    finally:
        gc.enable()
