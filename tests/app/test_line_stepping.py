"""Line stepping through the keys a person presses: ``.`` runs the next line of the loop in
the Code view; ``n`` finishes the epoch; ``space`` runs on; ``r`` discards a partial epoch."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from gdtui.app import make_app
from gdtui.core.engine.program import build_program
from gdtui.core.engine.record import GRAD_VALUE
from gdtui.core.engine.stops import RunState
from gdtui.core.engine.trainer import Trainer
from gdtui.core.settings.config import RunConfig

from .conftest import core_records, press_and_settle

LINE = "full_stop"


def _code_text(app) -> str:
    return "\n".join(
        str(app.query_one(f"#code-{part}").render())
        for part in ("listing", "values", "arithmetic", "graph")
    )


@pytest.mark.parametrize(
    "config",
    [RunConfig(variant="numpy-manual"), RunConfig(variant="torch-optim", optimizer="adam")],
    ids=lambda c: c.variant,
)
async def test_an_epoch_stepped_by_lines_is_the_epoch_n_steps(config: RunConfig) -> None:
    lines = len(build_program(config).loop)
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, *[LINE] * (lines - 1))
        session = app.main.session
        assert session.epoch == 0 and session.line is not None
        assert app.query_one("#views").active == "code"
        status = str(app.query_one("#status").render())
        program = build_program(config)
        assert f"epoch 0/{config.epochs}" in status
        assert f"in epoch 1: ran line {program.number(lines - 2)}" in status
        await press_and_settle(app, pilot, LINE)
        assert list(session.history) == core_records(config, 1)
        assert "ran line" not in str(app.query_one("#status").render())
        await press_and_settle(app, pilot, *[LINE] * lines)
        assert list(session.history) == core_records(config, 2)
        assert session.state is RunState.PAUSED
        # The last line run is marked, and its number is the zeroing line's.
        assert f"▶ {build_program(config).number(lines - 1)} " in _code_text(app)


async def test_line_then_n_then_space_keep_the_records_contiguous() -> None:
    config = RunConfig(variant="numpy-manual", epochs=300)
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, LINE, LINE, LINE, "n")
        session = app.main.session
        assert list(session.history) == core_records(config, 1)
        assert session.line is None  # the loop stands at the start of epoch 2
        await press_and_settle(app, pilot, LINE, LINE)
        await pilot.press("space")
        while not session.finished:
            await pilot.pause(0.05)
        assert list(session.history) == core_records(config, 300)


async def test_reset_mid_epoch_discards_the_partial_epoch() -> None:
    config = RunConfig(variant="numpy-manual")
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n", LINE, LINE, LINE, "r")
        session = app.main.session
        assert session.epoch == 0 and session.line is None
        await press_and_settle(app, pilot, "n")
        assert list(session.history) == core_records(config, 1)


async def test_zero_grad_switched_mid_epoch_acts_at_the_zeroing_line() -> None:
    config = RunConfig()  # torch-autograd, zero_grad on
    lines = len(build_program(config).loop)
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n", *[LINE] * (lines - 1), "z", LINE, "n")
        reference = Trainer(config)
        expected = [reference.run_epoch()]
        for _ in range(lines - 1):
            reference.run_line()
        reference.set_zero_grad(False)  # before the zeroing line: it is skipped
        expected += [reference.run_line().record, reference.run_epoch()]
        history = list(app.main.session.history)
        assert history == expected
        assert history[1].grad_state == GRAD_VALUE
        # Epoch 3 added to the gradient epoch 2 left, unlike the run that zeroes it.
        assert history[2].grad_w != core_records(config, 3)[2].grad_w


async def test_the_code_view_shows_accumulation_the_arithmetic_and_the_graph() -> None:
    config = RunConfig(zero_grad=False)
    lines = len(build_program(config).loop)
    backward = build_program(config).index("backward")
    assert backward is not None
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, *[LINE] * (lines + backward + 1))
        text = _code_text(app)
        assert "w.grad = -55.5" in text and "accumulated: was -30" in text
        assert "Σ2x(ŷ−y) = -102, ÷ N = 4: mean = -25.5" in text
        assert "AccumulateGrad(w)  ← -25.5" in text  # this epoch's part of .grad
        assert "MeanBackward0" in text and "MulBackward0" in text
        assert "# w.grad.zero_()  ← skipped: zero_grad is off" in text
        await press_and_settle(app, pilot, LINE)
        assert "w ← w − lr × grad = 0.29999998 − 0.01 × (-55.5) = 0.855" in _code_text(app)


async def test_the_code_view_says_when_its_graph_is_old_and_when_the_run_has_ended():
    app = make_app(RunConfig(variant="torch-autograd", epochs=3))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, *["full_stop"] * 4)  # epoch 1 through backward()
        graph = app.main.query_one("#code-graph", Static)
        assert "went through, epoch 1\n" in str(graph.render()) + "\n"
        await press_and_settle(app, pilot, "n", "n")  # the rest of epoch 1, then epoch 2
        assert "epoch 1 (the last run line by line)" in str(graph.render())
        await press_and_settle(app, pilot, "n")
        values = str(app.main.query_one("#code-values", Static).render())
        assert "the run has ended after epoch 3" in values and ".: run the next line" not in values
