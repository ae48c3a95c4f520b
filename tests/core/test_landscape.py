"""The loss landscape against direct computation."""

from __future__ import annotations

import numpy as np
import pytest

from gdtui.core.engine.model import losses, optimum
from gdtui.core.engine.trainer import Trainer
from gdtui.core.run.history import RunHistory
from gdtui.core.run.landscape import landscape
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.data import PRESETS, Dataset, noisy_line, parse_noisy

DATA = Dataset("d", (-2.0, 0.5, 3.0, 4.0), (1.0, -1.5, 4.0, 9.0))


def run(config: RunConfig, epochs: int) -> tuple[RunHistory, tuple[float, float | None]]:
    trainer = Trainer(config)
    initial = (trainer.w, trainer.b)
    history = RunHistory(config.has_bias)
    for _ in range(epochs):
        record = trainer.run_epoch()
        if not record.is_finite():
            break
        history.append(record)
    return history, initial


def test_losses_are_the_mean_squared_error():
    w, b = np.array([[0.5, -1.0], [2.0, 3.0]]), np.array([[0.0, 1.0], [-2.0, 0.5]])
    expected = [
        [
            np.mean((wi * np.array(DATA.x) + bi - np.array(DATA.y)) ** 2)
            for wi, bi in zip(rw, rb, strict=True)
        ]
        for rw, rb in zip(w, b, strict=True)
    ]
    assert losses(DATA, w, b) == pytest.approx(np.array(expected))


def test_the_optimum_is_least_squares():
    slope, intercept = np.polyfit(DATA.x, DATA.y, 1)
    assert optimum(DATA, True) == pytest.approx((slope, intercept))
    x, y = np.array(DATA.x), np.array(DATA.y)
    assert optimum(DATA, False)[0] == pytest.approx(x @ y / (x @ x))
    assert optimum(PRESETS["line4"], False) == (2.0, None)


def test_the_curve_bottoms_out_at_the_optimum_and_the_path_follows_the_run():
    history, initial = run(RunConfig(lr=0.01), 30)
    view = landscape(PRESETS["line4"], history, initial, has_bias=False)
    ws, curve = np.array(view.curve[0]), np.array(view.curve[1])
    assert ws[np.argmin(curve)] == pytest.approx(2.0, abs=(ws[1] - ws[0]))
    assert view.path[0][0] == 0.0 and view.path[0][1:] == list(history.column("w"))
    assert view.path[1] == pytest.approx(list(losses(PRESETS["line4"], np.array(view.path[0]))))
    assert not view.left


def test_a_bouncing_run_crosses_the_valley_and_a_diverging_one_leaves_it():
    bouncing, initial = run(RunConfig(lr=0.1), 20)
    view = landscape(PRESETS["line4"], bouncing, initial, has_bias=False)
    sides = np.sign(np.array(view.path[0][1:]) - 2.0)
    assert (sides[1:] != sides[:-1]).all() and not view.left  # every step crosses w = 2
    diverging, initial = run(RunConfig(lr=0.2), 200)
    assert landscape(PRESETS["line4"], diverging, initial, has_bias=False).left


def test_with_a_bias_level_lines_surround_the_optimum_and_the_path_starts_at_the_init():
    config = RunConfig(variant="torch-module", epochs=100, dataset=DATA, lr=0.02)
    history, initial = run(config, 100)
    view = landscape(DATA, history, initial, has_bias=True)
    assert view.best == pytest.approx(optimum(DATA, True))
    assert (view.path[0][0], view.path[1][0]) == pytest.approx(initial)
    assert sum(len(ws) for ws, _ in view.levels) > 50
    for ws, bs in view.levels:
        assert all(view.w_range[0] <= w <= view.w_range[1] for w in ws)
        assert all(view.b_range[0] <= b <= view.b_range[1] for b in bs)


def test_noisy_line_is_seeded_and_parsed():
    data = parse_noisy("noisy:slope=3, intercept=-1, noise=0.25, n=50, seed=7")
    again = noisy_line(3.0, -1.0, 0.25, 50, 7)
    assert data == again and len(data) == 50 and data.x[0] == 1.0 and data.x[-1] == 50.0
    rng = np.random.default_rng(7)
    expected = 3 * np.arange(1, 51) - 1 + 0.25 * rng.standard_normal(50)
    assert data.y == pytest.approx(tuple(expected))
    slope, _ = np.polyfit(data.x, data.y, 1)
    assert slope == pytest.approx(3.0, abs=0.05)
    assert parse_noisy("noisy") == noisy_line()
    assert noisy_line(seed=1) != noisy_line(seed=2)
