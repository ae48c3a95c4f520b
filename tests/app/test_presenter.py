"""Presenter mode (``p``, ``--present``): the numbers that matter in big digits, equal to a
plain torch loop's, the form and the table out of the way, readable without colour."""

from __future__ import annotations

import math

import pytest
from textual.widgets import Digits, Static

from gdtui.app import make_app
from gdtui.app.widgets.presenter import big_number
from gdtui.core.lessons.lesson import load_lesson
from gdtui.core.numbers import exact, number
from gdtui.core.settings.config import RunConfig
from tests.core.references import torch_loop

from .conftest import press_and_settle


def _cells(app) -> dict[str, tuple[str, str]]:
    """Each cell's label name → (the big digits, the words after the name on its first line)."""
    out = {}
    for index in range(6):
        label = str(app.query_one(f"#present-label-{index}", Static).content)
        name, _, rest = label.split("\n")[0].partition("  ")
        out[name] = (app.query_one(f"#present-{index}", Digits).value, rest)
    return out


def _under(app, name: str) -> tuple[str, bool]:
    """The words under cell ``name``'s first line, and whether its digits are drawn in red."""
    for index in range(6):
        label = str(app.query_one(f"#present-label-{index}", Static).content)
        first, _, under = label.partition("\n")
        if first.partition("  ")[0] == name:
            return under, app.query_one(f"#present-{index}", Digits).has_class("-wrong")
    raise AssertionError(f"no cell {name}")


@pytest.mark.parametrize(
    ("value", "big"),
    [
        (1.9751868, "1.9752"),
        (-72.675, "-72.675"),
        (300.0, "300"),
        (0.00090506324, "9.051E-4"),
        (99999.99, "1.000E5"),  # rounds up past the plain form's reach
        (1234567.0, "1.235E6"),
        (0.0, "0"),
        (math.inf, ""),
        (None, ""),
    ],
)
def test_big_numbers_are_what_the_font_draws_and_fit_a_third_of_80_columns(value, big):
    assert big_number(value) == big
    # Digits draws 3 columns a character, 1 for the point: three cells in 80 columns.
    assert 3 * len(big.replace(".", "")) + big.count(".") <= 26


async def test_p_shows_the_numbers_big_and_exact_and_hides_the_form_and_table():
    app = make_app(RunConfig(zero_grad=False))  # torch-autograd, .grad accumulating
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "p", "n", "n", "n")
        main = app.main
        assert main.has_class("-present")
        assert not main.query_one("#left").display and not main.query_one("#debug").display
        assert main.query_one("#present").display
        loss, w, _, grad, _ = torch_loop([1, 2, 3, 4], [2, 4, 6, 8], 0.0, [0.01] * 3, [False] * 3)[
            -1
        ]
        _, w_before, _, _, _ = torch_loop([1, 2, 3, 4], [2, 4, 6, 8], 0.0, [0.01] * 2, [False] * 2)[
            -1
        ]
        cells = _cells(app)
        assert cells["epoch"] == ("3", "of 100")
        assert cells["w.grad"][0] == big_number(grad) == "-72.675"  # -30 - 25.5 - 17.175
        for name, value in (("loss", loss), ("w", w), ("update Δw", w - w_before)):
            big, words = cells[name]
            assert big == big_number(value)
            assert words == ("" if exact(value) == big else f"= {exact(value)}")
        assert cells["lr"][0] == "0.01"
        await press_and_settle(app, pilot, "p")
        assert main.query_one("#debug").display and not main.query_one("#present").display


async def test_inside_an_epoch_the_cells_are_the_values_after_the_line():
    app = make_app(RunConfig(zero_grad=False), present=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(app, pilot, "n", *["full_stop"] * 4)  # epoch 2 to backward()
        cells = _cells(app)
        assert cells["epoch"] == ("2", "after line 11")
        assert cells["w.grad"][0] == "-55.5"  # accumulated: -30 still there, -25.5 added
        assert cells["loss"][0] == "21.675"  # this epoch's, from its loss line
        assert cells["update Δw"] == ("", "—")
        listing = str(app.main.query_one("#code-listing", Static).render())
        (marked,) = [line for line in listing.splitlines() if line.startswith("▶")]
        assert marked.split() == ["▶", "11", "l.backward()"]  # in sight at 80×24
        await press_and_settle(app, pilot, "r", "full_stop")
        assert _cells(app)["w.grad"] == ("", "= None")  # before the first backward()


async def test_present_starts_there_and_tab_still_brings_the_settings():
    app = make_app(RunConfig(), present=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        main = app.main
        assert main.has_class("-present") and not main.query_one("#left").display
        await pilot.press("tab")
        await pilot.pause()
        assert main.query_one("#left").display
        await pilot.press("escape")
        await pilot.pause()
        assert not main.query_one("#left").display and main.has_class("-present")


async def test_under_no_color_the_digits_still_read(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(RunConfig(variant="numpy-manual"), present=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(app, pilot, "n")
        assert app.no_color
        svg = app.export_screenshot()
        assert "╶─╮" in svg or "╺━┓" in svg  # the digit 3 of the 0.3 drawn, not a colour
        assert _cells(app)["w"][0] == "0.3"


async def test_a_float64_run_shows_every_digit_float64_has():
    # The closed form in float64: w ← w − lr·mean(2x(wx − y)), from 0.
    x, y, w = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0], 0.0
    for _ in range(2):
        w -= 0.01 * sum(2 * a * (w * a - b) for a, b in zip(x, y, strict=True)) / 4
    assert repr(w) == "0.5549999999999999"  # more than float32's 9 digits say
    app = make_app(RunConfig(variant="numpy-manual", dtype="float64"), present=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n", "n")
        assert f"w {w!r}" in str(app.main.query_one("#status", Static).render())
        assert _cells(app)["w"] == ("0.555", f"= {w!r}")
        await press_and_settle(app, pilot, "p")
        table = str(app.main.query_one("#debug-table").render())
        assert repr(w) in table


def _code_values(app) -> dict[str, str]:
    """What the Code view lists after the line just run: name → its value's first word."""
    text = str(app.main.query_one("#code-values", Static).render())
    out = {}
    for row in text.splitlines()[1:]:
        name, equals, value = row.partition(" = ")
        if equals and not row.startswith(" "):
            out[name] = value.split()[0].removeprefix("tensor(").rstrip("):,◀")
    return out


async def test_after_a_line_the_big_digits_are_the_code_views_values_under_its_names():
    """Lesson 000 steps numpy's loop, then autograd's, a few lines at a time: at each step the
    w and gradient cells show what the Code view lists under the same names (numpy's ``dw``
    once computed, ``grad`` reset to 0 after the update; ``w.grad`` zeroed in place)."""
    lesson = load_lesson("000")
    app = make_app(lesson=lesson, present=True)
    seen = []
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in lesson.steps:
            await press_and_settle(app, pilot, "enter")
            if app.main.session.line is None:
                continue
            cells, code = _cells(app), _code_values(app)
            gradient = next(name for name in cells if name in ("dw", "grad", "w.grad"))
            seen.append((gradient, cells[gradient][0], _under(app, gradient)[0]))
            for name in ("w", gradient):
                value = code[name]
                want = "" if value == "None" else big_number(float(value))
                assert cells[name][0] == want, (name, cells, code)
    # numpy: computed, then reset; autograd: then zeroed. What the update used is said.
    assert ("dw", "-120", "numerical -30: 4×") in seen
    assert ("grad", "0", "cleared; was -120") in seen
    assert ("w.grad", "-30", "numerical -30") in seen
    assert ("w.grad", "0", "cleared; was -30") in seen


def _true_gradient(w: float) -> float:
    """d/dw mean((w·x − 2x)²) over x = 1..4, by hand: mean(2x(wx − 2x))."""
    return sum(2 * x * (w * x - 2 * x) for x in (1, 2, 3, 4)) / 4


async def test_the_numerical_gradient_stands_beside_w_grad_and_a_wrong_one_is_red():
    """Lesson 003's notes point at .grad in red beside the numerical gradient: in presenter
    mode both are on screen, at the gradient's line and at the epoch's end."""
    app = make_app(lesson=load_lesson("003"), present=True)
    async with app.run_test(size=(80, 24)) as pilot:
        true = _true_gradient(0.0)
        await press_and_settle(app, pilot, "enter")  # the tutorial's gradient line
        assert _cells(app)["dw"][0] == big_number(4 * true)
        assert _under(app, "dw") == (f"numerical {number(true)}: 4×", True)
        await press_and_settle(app, pilot, "enter")  # the epoch's end
        assert _cells(app)["w.grad"][0] == big_number(4 * true)
        assert _under(app, "w.grad") == (f"numerical {number(true)}: 4×", True)
        await press_and_settle(app, pilot, "enter")  # the mean: right, so not red
        assert _cells(app)["w.grad"][0] == big_number(true)
        assert _under(app, "w.grad") == (f"numerical {number(true)}", False)


async def test_with_zero_grad_off_the_numerical_gradient_is_this_epochs_part():
    app = make_app(RunConfig(zero_grad=False), present=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(app, pilot, "n", "n")
        w1 = 0.3  # after epoch 1, from the true gradient -30 at lr 0.01
        under, red = _under(app, "w.grad")
        assert under == f"numerical {number(_true_gradient(w1))} (own)"
        assert not red
