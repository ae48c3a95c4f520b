"""The program and its trace: the code executed afresh reproduces every traced value, the
trace reaches ``gdtui run``'s numbers, ``.grad`` goes through the states torch gives it, and
stepping lines through an epoch is the same as stepping the epoch."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from gdtui.core.engine.program import ZERO, build_program
from gdtui.core.engine.runner import Runner
from gdtui.core.engine.trace import plain, trace
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import Dataset
from gdtui.core.settings.schedules import SCHEDULES
from gdtui.core.settings.variants import VARIANTS
from tests.core.references import scheduled_lr

from .references import first_mismatch

EPOCHS = 3
SCATTERED = Dataset("custom", (-2.0, -0.5, 1.0, 3.0, 0.25), (-3.9, -1.4, 0.8, 3.6, -0.2))


def _matrix() -> list[RunConfig]:
    configs = []
    for variant in VARIANTS.values():
        for optimizer, formula, zero_grad in itertools.product(
            variant.optimizers, variant.grad_formulas, (True, False)
        ):
            configs.append(
                RunConfig(
                    variant=variant.name,
                    optimizer=optimizer,
                    grad_formula=formula,
                    zero_grad=zero_grad,
                    epochs=EPOCHS,
                )
            )
    # A schedule, other data, starts, and torch-module without its bias.
    configs += [
        RunConfig(variant="torch-optim", schedule="cosine", lr=0.05, epochs=4, w0=-1.5),
        RunConfig(variant="numpy-manual", schedule="step", dataset=SCATTERED, epochs=8),
        RunConfig(variant="torch-module", bias=False, w0=0.5, epochs=EPOCHS),
        RunConfig(variant="torch-module", w0=0.5, b0=-0.25, dataset=SCATTERED, epochs=EPOCHS),
    ]
    # The knobs: a bias for every variant, weight decay, momentum's β and Nesterov, Adam's
    # betas, float64.
    knobs = dict(bias=True, b0=0.5, weight_decay=0.1, dataset=SCATTERED, epochs=EPOCHS)
    configs += [
        RunConfig(variant="numpy-manual", zero_grad=False, dtype="float64", **knobs),
        RunConfig(variant="torch-autograd", **knobs),
        RunConfig(
            variant="torch-optim", optimizer="momentum", momentum=0.5, nesterov=True, **knobs
        ),
        RunConfig(variant="torch-module", optimizer="adam", betas=(0.8, 0.9), dtype="float64"),
    ]
    # Mini-batches: 2 of 5 points (batches of 2, 2, 1), shuffled or in order.
    batches = dict(dataset=SCATTERED, batch_size=2, epochs=EPOCHS)
    configs += [
        RunConfig(variant="numpy-manual", shuffle=True, zero_grad=False, **batches),
        RunConfig(variant="torch-autograd", shuffle=True, bias=True, **batches),
        RunConfig(variant="torch-optim", optimizer="momentum", **batches),
        RunConfig(variant="torch-module", shuffle=True, zero_grad=False, **batches),
    ]
    return configs


def _id(config: RunConfig) -> str:
    zero = "zero" if config.zero_grad else "accumulate"
    knobs = f"-b-wd{config.weight_decay:g}-{config.dtype}" if config.bias else ""
    if config.batched:
        knobs += f"-batch{config.batch_size}{'-shuffle' if config.shuffle else ''}"
    name = f"{config.variant}-{config.optimizer}-{config.grad_formula}"
    return f"{name}-{zero}-{config.schedule}{knobs}"


@pytest.mark.parametrize("config", _matrix(), ids=_id)
def test_executing_the_traced_code_reproduces_every_value(config: RunConfig) -> None:
    lines = list(trace(config))
    assert first_mismatch(lines, [line.runs or line.code for line in lines]) is None
    assert [line.epoch for line in lines if line.record] == list(range(1, config.epochs + 1))
    for line in lines:
        assert ("values" in line.as_json()) and line.code.strip()
        if line.skipped:
            assert line.code.startswith("# ") and not config.zero_grad


@pytest.mark.parametrize("config", _matrix(), ids=_id)
def test_the_trace_reaches_the_records_of_a_run(config: RunConfig) -> None:
    program = build_program(config)
    records = Runner(config).run(config.epochs).records
    ends = [line for line in trace(config) if line.record is not None]
    assert [line.record for line in ends] == records
    for line, record in zip(ends, records, strict=True):
        weight = np.ravel(line.values[program.parameters[0]])[0]
        assert weight == record.w
        if record.b is not None:
            assert np.ravel(line.values[program.parameters[1]])[0] == record.b


def test_a_mutated_program_is_caught() -> None:
    """Skipping a line, or swapping two, no longer reproduces the traced values."""
    lines = list(trace(RunConfig(variant="torch-autograd", epochs=2)))
    codes = [line.code for line in lines]
    backward = codes.index("l.backward()")
    skipped = [*codes[:backward], "pass", *codes[backward + 1 :]]
    assert first_mismatch(lines, skipped) is not None
    loss = codes.index("l = ((y_pred - Y) ** 2).mean()")
    swapped = list(codes)
    swapped[loss - 1], swapped[loss] = swapped[loss], swapped[loss - 1]
    with pytest.raises(NameError):  # the loss before its prediction exists
        first_mismatch(lines, swapped)
    update = next(i for i, code in enumerate(codes) if code.startswith("with torch.no_grad()"))
    swapped = list(codes)
    swapped[update], swapped[update + 1] = swapped[update + 1], swapped[update]  # zero first
    assert first_mismatch(lines, swapped) is not None


def _grads_after_each_loop_line(config: RunConfig) -> list[Any]:
    program = build_program(config)
    gradient = program.gradients[0]
    return [line.values[gradient] for line in trace(config) if line.epoch]


@pytest.mark.parametrize("zero_grad", [True, False])
def test_grad_states_of_torch_autograd_are_torchs(zero_grad: bool) -> None:
    """Against the seeds' loop written out here: w.grad after each statement."""
    x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    y = torch.tensor([2.0, 4.0, 6.0, 8.0])
    w = torch.tensor(0.0, requires_grad=True)
    expected: list[Any] = []
    for _ in range(EPOCHS):
        expected.append(plain(w.grad))  # epoch += 1
        y_pred = w * x
        expected.append(plain(w.grad))
        loss = ((y_pred - y) ** 2).mean()
        expected.append(plain(w.grad))
        loss.backward()
        expected.append(plain(w.grad))
        with torch.no_grad():
            w -= 0.01 * w.grad
        expected.append(plain(w.grad))
        if zero_grad:
            w.grad.zero_()
        expected.append(plain(w.grad))
    found = _grads_after_each_loop_line(
        RunConfig(variant="torch-autograd", zero_grad=zero_grad, epochs=EPOCHS)
    )
    assert found == expected
    assert found[:3] == [None, None, None]  # no .grad before the first backward()
    if zero_grad:
        assert found[5] == 0.0  # zero_() leaves tensor(0.), not None
    else:
        assert found[9] == -55.5  # -30 + -25.5: added to, not replaced


@pytest.mark.parametrize("variant", ["torch-optim", "torch-module"])
@pytest.mark.parametrize("zero_grad", [True, False])
def test_grad_states_under_an_optimizer_are_torchs(variant: str, zero_grad: bool) -> None:
    torch.manual_seed(0)
    column = variant == "torch-module"
    x = (
        torch.tensor([1.0, 2.0, 3.0, 4.0]).reshape(-1, 1)
        if column
        else torch.tensor([1.0, 2.0, 3.0, 4.0])
    )
    y = 2 * x
    if column:
        model = nn.Linear(1, 1)
        parameter, parameters = model.weight, list(model.parameters())
    else:
        parameter = torch.tensor(0.0, requires_grad=True)
        parameters = [parameter]
    optimizer = torch.optim.SGD(parameters, lr=0.01)
    expected: list[Any] = []
    for _ in range(EPOCHS):
        expected.append(plain(parameter.grad))
        y_pred = model(x) if column else parameter * x
        expected.append(plain(parameter.grad))
        loss = nn.MSELoss()(y_pred, y)
        expected.append(plain(parameter.grad))
        loss.backward()
        expected.append(plain(parameter.grad))
        optimizer.step()
        expected.append(plain(parameter.grad))  # still there after step()
        if zero_grad:
            optimizer.zero_grad()
        expected.append(plain(parameter.grad))
    found = _grads_after_each_loop_line(
        RunConfig(variant=variant, zero_grad=zero_grad, epochs=EPOCHS)
    )
    assert found == expected
    assert (found[5] is None) == zero_grad  # set_to_none: None, not tensor(0.)


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("zero_grad", [True, False])
def test_stepping_lines_through_an_epoch_is_stepping_the_epoch(
    variant: str, zero_grad: bool
) -> None:
    config = RunConfig(variant=variant, zero_grad=zero_grad, optimizer="sgd", epochs=10)
    by_epoch, by_line = Trainer(config), Trainer(config)
    lines = len(by_line.program.loop)
    for epoch in range(1, 6):
        expected = by_epoch.run_epoch()
        runs = [by_line.run_line() for _ in range(lines)]
        assert [run.record for run in runs[:-1]] == [None] * (lines - 1)
        assert runs[-1].record == expected and expected.epoch == epoch
    # Part of an epoch by lines, the rest by step(): the same record again.
    by_line.run_line()
    by_line.run_line()
    assert by_line.run_epoch() == by_epoch.run_epoch()


@pytest.mark.parametrize("variant", ["torch-autograd", "torch-optim", "numpy-manual"])
def test_zero_grad_switched_mid_epoch_acts_at_the_zeroing_line(variant: str) -> None:
    trainer = Trainer(RunConfig(variant=variant, zero_grad=True, epochs=10))
    trainer.run_epoch()
    zero = len(trainer.program.loop) - 1
    assert trainer.program.loop[zero].role == ZERO
    for _ in range(zero):
        trainer.run_line()
    before = trainer.names  # the gradient this epoch computed, not yet cleared
    gradient = trainer.program.gradients[0]
    kept = plain(eval(gradient, before))
    trainer.set_zero_grad(False)  # mid-epoch: nothing is cleared now …
    assert plain(eval(gradient, trainer.names)) == kept
    run = trainer.run_line()  # … and the zeroing line is skipped
    assert run.skipped and run.record is not None and run.record.grad_state == 0
    assert plain(eval(gradient, trainer.names)) == kept


@pytest.mark.parametrize("schedule", [s for s in SCHEDULES if s != "constant"])
def test_the_schedules_line_is_the_schedule(schedule: str) -> None:
    """The line shown evaluates to exactly the rate :mod:`gdtui.core.settings.schedules` defines."""
    config = RunConfig(schedule=schedule, lr=0.03, epochs=37)
    line = next(line for line in build_program(config).loop if line.role == "schedule")
    import math

    for epoch in range(1, 38):
        names = {"epoch": epoch, "math": math}
        exec(line.code, names)
        assert names["lr"] == scheduled_lr(schedule, 0.03, epoch, 37)


def test_the_code_is_in_the_seeds_idioms_with_the_values_filled_in() -> None:
    def listing(**settings: Any) -> str:
        config = RunConfig(**settings)
        return "\n".join(build_program(config).listing(config.zero_grad))

    numpy = listing(variant="numpy-manual")
    assert "dw = (2 * X * (y_pred - Y)).mean()" in numpy
    assert "X = np.array([1, 2, 3, 4], dtype=np.float32)" in numpy
    assert "np.dot(2 * X, y_pred - Y).mean()" in listing(
        variant="numpy-manual", grad_formula="tutorial"
    )
    autograd = listing(variant="torch-autograd", lr=0.02)
    assert "lr = 0.02" in autograd and "    with torch.no_grad(): w -= lr * w.grad" in autograd
    assert "    # w.grad.zero_()" in listing(variant="torch-autograd", zero_grad=False)
    assert "optimizer = torch.optim.Adam([w], lr=lr)" in listing(
        variant="torch-optim", optimizer="adam"
    )
    module = listing(variant="torch-module", optimizer="momentum", seed=7)
    assert "torch.manual_seed(7)" in module and "momentum=0.9" in module
    assert "    y_pred = model(X)" in module and "    optimizer.zero_grad()" in module
    assert "lr = 0.01 * 0.5 ** ((epoch - 1) // 25)" in listing(schedule="step")
