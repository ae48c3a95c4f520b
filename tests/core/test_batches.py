"""Mini-batches against a plain torch loop written here from the contract: one
``numpy.random.default_rng(seed)`` per run; each epoch ``order = rng.permutation(n)`` when
shuffling, else ``arange(n)``; the batches are consecutive slices of ``order`` of size B.
One record per update, with the batch's loss before it, the parameters after it and the
gradient it used."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.runner import Runner
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import Dataset

VARIANTS = ("numpy-manual", "torch-autograd", "torch-optim", "torch-module")
FIVE = Dataset("five", (1.0, 2.0, 3.0, 4.0, 5.0), (2.5, 4.0, 6.5, 8.0, 9.5))


def plain_torch(config: RunConfig) -> list[tuple[int, int, int, float, float, float, float | None]]:
    """(epoch, step, batch, loss, w, grad_w, full-data loss at the epoch's end or None) per
    update, from float32 torch tensors and an SGD update written out."""
    import torch
    from torch import nn

    x = torch.tensor(config.dataset.x, dtype=torch.float32)
    y = torch.tensor(config.dataset.y, dtype=torch.float32)
    n, size = len(x), config.batch_size or len(x)
    if config.variant == "torch-module":
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            model = nn.Linear(1, 1, bias=config.has_bias)
        w = model.weight.detach().reshape(()).clone().requires_grad_(True)
        b = (
            model.bias.detach().reshape(()).clone().requires_grad_(True)
            if config.has_bias
            else None
        )
    else:
        w = torch.tensor(config.w0 or 0.0, requires_grad=True)
        b = torch.tensor(config.b0 or 0.0, requires_grad=True) if config.has_bias else None
    rng = np.random.default_rng(config.seed)
    rows = []
    step = 0
    for epoch in range(1, config.epochs + 1):
        order = rng.permutation(n) if config.shuffle else np.arange(n)
        starts = list(range(0, n, size))
        for k, start in enumerate(starts, 1):
            index = torch.from_numpy(order[start : start + size])
            xb, yb = x[index], y[index]
            pred = w * xb + (b if b is not None else 0.0)
            loss = ((pred - yb) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                w -= config.lr * w.grad
                if b is not None:
                    b -= config.lr * b.grad
            step += 1
            full = None
            if k == len(starts):
                with torch.no_grad():
                    full = float((((w * x + (b if b is not None else 0.0)) - y) ** 2).mean())
            rows.append((epoch, step, k, loss.item(), w.item(), w.grad.item(), full))
            if config.zero_grad:
                w.grad.zero_()
                if b is not None:
                    b.grad.zero_()
    return rows


def updates(config: RunConfig) -> list[EpochRecord]:
    trainer = Trainer(config)
    found: list[EpochRecord] = []
    for _ in range(config.epochs):
        trainer.run_epoch()
        found += trainer.updates
    return found


def assert_same(found: list[EpochRecord], expected: list, rtol: float = 2e-5) -> None:
    assert len(found) == len(expected)
    for record, row in zip(found, expected, strict=True):
        assert (record.epoch, record.step, record.batch) == row[:3]
        np.testing.assert_allclose(
            (record.loss, record.w, record.grad_w), row[3:6], rtol=rtol, atol=1e-6
        )
        if row[6] is None:
            assert record.full_loss is None
        else:
            assert record.full_loss == pytest.approx(row[6], rel=rtol, abs=1e-6)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("zero_grad", [True, False])
@pytest.mark.parametrize("size", [1, 2, 5])  # 5 points: 2 does not divide them, 5 is all
def test_every_update_equals_a_plain_torch_loop(
    variant: str, shuffle: bool, zero_grad: bool, size: int
) -> None:
    lr = 0.01 if zero_grad else 0.002  # accumulating gradients need a smaller step
    config = RunConfig(
        variant=variant,
        dataset=FIVE,
        batch_size=size,
        shuffle=shuffle,
        zero_grad=zero_grad,
        lr=lr,
        epochs=4,
        seed=3,
        bias=variant == "torch-module" or None,
    )
    assert_same(updates(config), plain_torch(config))


@pytest.mark.parametrize("variant", ["numpy-manual", "torch-optim"])
def test_a_bias_is_trained_per_batch_too(variant: str) -> None:
    config = RunConfig(
        variant=variant, dataset=FIVE, batch_size=2, shuffle=True, bias=True, b0=0.5, epochs=3
    )
    expected = plain_torch(config)
    assert_same(updates(config), expected)


def test_shuffling_draws_a_new_order_each_epoch_from_the_seed() -> None:
    """Different seeds give different paths; the same seed the same one."""
    base = RunConfig(dataset=FIVE, batch_size=2, shuffle=True, epochs=3)
    first, again = updates(base), updates(base)
    assert first == again
    other = updates(base.replace(seed=1))
    assert [r.loss for r in other] != [r.loss for r in first]


def test_the_full_batch_gains_only_fields() -> None:
    """Without mini-batches a record is an epoch: step == epoch, batch == 1, no full_* values;
    and --batch-size n gives the same parameters, as one batch per epoch."""
    whole = Runner(RunConfig(epochs=5)).run(10).records
    assert [(r.epoch, r.step, r.batch) for r in whole] == [(k, k, 1) for k in range(1, 6)]
    assert all(r.full_loss is None and r.full_grad_w is None for r in whole)
    one = updates(RunConfig(epochs=5, batch_size=4))
    assert [(r.epoch, r.step, r.batch) for r in one] == [(k, k, 1) for k in range(1, 6)]
    assert [r.w for r in one] == [r.w for r in whole]


def test_the_full_data_gradient_is_taken_where_the_batch_gradient_was() -> None:
    """full_grad_w is mean(2x(wx−y)) over every point at the parameters before the update:
    for B = n it equals the batch's own gradient."""
    config = RunConfig(dataset=FIVE, batch_size=2, shuffle=True, epochs=2)
    found = updates(config)
    x, y = np.asarray(FIVE.x, dtype=np.float32), np.asarray(FIVE.y, dtype=np.float32)
    before = 0.0
    for record in found:
        assert record.full_grad_w == pytest.approx(np.mean(2 * x * (before * x - y)), rel=1e-6)
        before = record.w
    whole = updates(RunConfig(dataset=FIVE, batch_size=5, epochs=2))
    for record in whole:
        assert record.full_grad_w == pytest.approx(record.grad_w, rel=1e-6)


def test_stepping_lines_walks_the_batch_loop_and_equals_an_epoch() -> None:
    config = RunConfig(variant="torch-optim", dataset=FIVE, batch_size=2, shuffle=True, epochs=2)
    by_epoch = Trainer(config)
    record = by_epoch.run_epoch()
    by_line = Trainer(config)
    program = by_line.program
    seen = []
    while True:
        run = by_line.run_line()
        seen.append(program.loop[run.index].role)
        if run.record is not None:
            break
    assert run.record == record
    assert by_line.updates == by_epoch.updates
    assert seen.count("batch") == 3 and seen.count("update") == 3  # batches of 2, 2, 1
    assert seen[-1] == "full"
    assert len(seen) == program.epoch_lines(config.batches)  # what a lesson's lines count


def test_a_lesson_counts_the_batch_loop_s_lines() -> None:
    """A lesson's ``lines`` walk the batch loop: one line short of a 3-batch epoch is within
    a 1-epoch run, one line past it is beyond."""
    from gdtui.core.lessons.lesson import LessonError, read_lesson

    config = RunConfig(variant="torch-optim", dataset=FIVE, batch_size=2, epochs=1)
    lines = Trainer(config).program.epoch_lines(config.batches)
    settings = 'variant = "torch-optim"\nbatch_size = 2\nepochs = 1\nx = [1, 2, 3, 4, 5]\n'
    settings += "y = [2.5, 4, 6.5, 8, 9.5]\n"

    def lesson(count: int) -> str:
        return f'title = "t"\n[settings]\n{settings}[[steps]]\nnote = "n"\nlines = {count}\n'

    read_lesson(lesson(lines - 1), "t")
    with pytest.raises(LessonError, match="step 1: lines: goes beyond"):
        read_lesson(lesson(lines + 1), "t")


def test_the_shown_code_has_the_batch_loop() -> None:
    config = RunConfig(variant="torch-autograd", batch_size=2, shuffle=True)
    listing = Trainer(config).program.listing()
    assert "rng = np.random.default_rng(0)" in listing
    assert "    order = rng.permutation(len(X))" in listing
    assert "    for xb, yb in batches:" in listing
    assert "        l = ((y_pred - yb) ** 2).mean()" in listing
    assert listing[-1].startswith("    with torch.no_grad(): full_l")


def test_gdtui_run_writes_one_record_per_update() -> None:
    command = [sys.executable, "-m", "gdtui", "run", "--batch-size", "3", "--shuffle"]
    command += ["--epochs", "2", "--format", "jsonl", "--seed", "5"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    config = RunConfig(batch_size=3, shuffle=True, epochs=2, seed=5)
    expected = plain_torch(config)
    assert [(r["epoch"], r["step"], r["batch"]) for r in rows] == [e[:3] for e in expected]
    for row, want in zip(rows, expected, strict=True):
        assert row["w"] == pytest.approx(want[4], rel=1e-6)
        assert (row["full_loss"] is None) == (want[6] is None)


def test_the_stable_rate_is_the_worst_batch_s() -> None:
    """x = 1..4 in batches of 1: the batch x = 4 needs lr < 1/16 (the full batch 1/7.5);
    shuffled batches of 3 may draw 2, 3, 4 (mean x² = 29/3) or 4 alone as the last."""
    from gdtui.core.engine.divergence import stable_lr

    whole = stable_lr(RunConfig())
    assert whole is not None and whole.lr == pytest.approx(1 / 7.5)
    ones = stable_lr(RunConfig(batch_size=1))
    assert ones is not None and ones.lr == pytest.approx(1 / 16)
    assert "worst batch" in ones.why
    threes = stable_lr(RunConfig(batch_size=2))  # slices 1, 2 and 3, 4
    assert threes is not None and threes.lr == pytest.approx(1 / 12.5)
    shuffled = stable_lr(RunConfig(batch_size=3, shuffle=True))
    assert shuffled is not None and shuffled.lr == pytest.approx(1 / 16)  # 4 alone, last
    below = updates(RunConfig(batch_size=1, lr=0.99 / 16, epochs=200))
    assert abs(below[-1].w - 2) < 1e-3
    above = Runner(RunConfig(batch_size=1, lr=3 / 16, epochs=200)).run(200)
    assert above.stop is not None and above.stop.state.value in ("diverging", "diverged")
