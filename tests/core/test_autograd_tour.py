"""The autograd tour's lessons print what seed 004's cells printed, computed live."""

from __future__ import annotations

import re

import pytest
import torch

from gdtui.core.lessons.tour import CELLS, run_tour


def numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+\.\d*(?:e-?\d+)?", text)]


@pytest.fixture(scope="module")
def outputs() -> list[str]:
    return run_tour(seed=0)


def test_every_lesson_prints_something(outputs):
    assert len(outputs) == len(CELLS) and all(outputs)


def test_grad_of_x_plus_2_then_accumulated_grad_of_the_mean(outputs):
    torch.manual_seed(0)
    x = torch.rand(3)
    assert numbers(outputs[0]) == pytest.approx(x.tolist(), abs=1e-4)
    assert "AddBackward0" in outputs[1]
    assert numbers(outputs[2]) == [1.0, 1.0, 1.0]
    # z = mean(2(x + 2)²): dz/dx = 4(x + 2)/3, added to the ones already in x.grad.
    expected = (1 + 4 * (x + 2) / 3).tolist()
    assert numbers(outputs[4]) == pytest.approx(expected, abs=1e-4)


def test_accumulation_three_six_nine_and_zeroing(outputs):
    assert numbers(outputs[5]) == [3.0] * 4 + [6.0] * 4 + [9.0] * 4
    assert numbers(outputs[6]) == [3.0] * 12


def test_untracking_and_the_chain_rule(outputs):
    assert "requires_grad=True" in outputs[7].splitlines()[0]
    assert "requires_grad" not in outputs[7].splitlines()[1]
    assert outputs[8].splitlines()[-1] == "False"
    assert outputs[9].splitlines()[-1] == "False"
    assert numbers(outputs[10]) == [0.25, -1.0]
