"""The loss chart with values plotext cannot take raw: inf, nan, 0, negatives, 1e308, 1e-320."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdtui.app import make_app
from gdtui.app.widgets.loss_chart import LossChart
from gdtui.core.engine.record import EpochRecord
from gdtui.core.run.chart import LOG_FLOOR, PLOT_LIMIT, linear_ticks, series, tick_label
from gdtui.core.run.history import RunHistory

NASTY = [math.inf, math.nan, 0.0, -3.0, 1e308, 1e-320, -math.inf, 30.0, 5e-324, 2.5]


@pytest.mark.parametrize("log", [False, True])
def test_series_drops_non_finite_values_and_keeps_the_rest_plottable(log):
    data = series(np.arange(1.0, len(NASTY) + 1), np.array(NASTY), log)
    finite = [v for v in NASTY if math.isfinite(v)]
    assert len(data.y) == len(finite) and all(math.isfinite(v) for v in data.y)
    if log:
        assert min(data.y) >= math.log10(LOG_FLOOR) and max(data.y) <= math.log10(PLOT_LIMIT)
        assert data.ylabels and all(label.isascii() for label in data.ylabels)
    else:
        assert max(abs(v) for v in data.y) <= PLOT_LIMIT


@pytest.mark.parametrize("log", [False, True])
async def test_the_widget_draws_them(log):
    history = RunHistory()
    history.extend(EpochRecord(k + 1, loss, 1.0, 0.0) for k, loss in enumerate(NASTY))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(LossChart)
        chart.log_scale = log
        chart.draw(history)
        await pilot.pause()
        assert chart.points == sum(math.isfinite(v) for v in NASTY)
        assert drawn(chart)
        for values in ([0.0] * 5, [1e-320, 5e-324, 0.0], [1e308] * 3, [3e38, 1.0, -2e38]):
            history = RunHistory()
            history.extend(EpochRecord(k + 1, v, 1.0, 0.0) for k, v in enumerate(values))
            chart.draw(history)
            await pilot.pause()
            assert drawn(chart), values


def drawn(chart: LossChart) -> bool:
    """Axes with ticks and braille dots: plotext drew the data, not an empty frame."""
    text = str(chart.render())
    return "┤" in text and any("\u2800" < c <= "\u28ff" for c in text)


def test_a_loss_of_exactly_zero_sits_a_decade_below_the_smallest_positive_one():
    # At 1e-300 it squashed every other loss into the chart's top row.
    data = series(np.arange(1.0, 5.0), np.array([30.0, 0.5, 0.01, 0.0]), log=True)
    assert data.y[-1] == pytest.approx(math.log10(0.001))
    assert data.ylabels[0] == "1e2" and data.ylabels[-1] == "1e-4"  # 2 decades a tick
    assert data.ylim is not None and data.ylim[0] <= data.y[-1]  # the 0 is on the chart


def test_linear_ticks_are_short_whatever_the_values():
    # plotext spelt 7.26e35 out in 36 digits, leaving the plot a third of its width.
    data = series(np.arange(1.0, 4.0), np.array([1.0, 3e20, 7.26e35]), log=False)
    assert data.ylabels[-1] == "726e33" and data.yticks[-1] == pytest.approx(7.26e35)
    assert max(len(label) for label in data.ylabels) <= 9
    plain = series(np.arange(1.0, 4.0), np.array([30.0, 15.66019, 0.8401124]), log=False)
    assert plain.ylabels == ["0.84", "8.13", "15.4", "22.7", "30"]


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_tick_label_is_short_and_reads_back_as_its_value(value):
    label = tick_label(value)
    assert len(label) <= 10, label  # -36.4e-135
    # (read exactly: 1.795e308 rounds to 180e306, beyond float64's largest)
    assert abs(Decimal(label) - Decimal(value)) <= Decimal("5e-3") * abs(Decimal(value))
    if "e" in label:  # engineering notation: an exponent that is a multiple of three
        mantissa, exponent = label.split("e")
        assert int(exponent) % 3 == 0 and 1 <= abs(Decimal(mantissa)) < 1000
    else:
        assert value == 0 or Decimal("1e-3") <= abs(Decimal(label)) < Decimal("1e6")


def test_a_tick_at_zero_reads_zero():
    ticks, labels = linear_ticks([-1.2831 + 3e-16, 1.2831 + 3e-16])  # centred on ~0
    assert ticks[2] == 0.0 and labels[2] == "0"


async def test_no_chart_spells_a_large_number_out():
    from gdtui.app.widgets.data_chart import DataChart
    from gdtui.core.settings.config import RunConfig
    from gdtui.core.settings.data import Dataset

    huge = Dataset("custom", (-6.6e14, 1.0, 3.3e14), (1e30, -2.0, 5e29))
    app = make_app(RunConfig(variant="numpy-manual", dataset=huge))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")  # the data and its fit
        chart = app.query_one(DataChart)
        chart.draw(huge, 2.0, None)
        await pilot.pause()
        text = str(chart.render())
        assert "-660e12" in text and "1e30" in text
        numbers = re.findall(r"-?[0-9][0-9.]*(?:e-?[0-9]+)?", text)
        assert max(len(number) for number in numbers) <= 8, text


async def test_a_changing_rate_is_shown_in_the_status_line_the_table_and_on_a_second_axis():
    from gdtui.core.settings.config import RunConfig
    from tests.core.references import scheduled_lr

    from .conftest import press_and_settle

    app = make_app(RunConfig(variant="numpy-manual", lr=0.02, schedule="cosine", epochs=40))
    async with app.run_test(size=(240, 50)) as pilot:
        await press_and_settle(app, pilot, *"nnnnn")
        rate = scheduled_lr("cosine", 0.02, 5, 40)  # what epoch 5 used, from the formula
        assert app.main.session.history.record(-1).lr == pytest.approx(rate, rel=1e-12)
        status = str(app.query_one("#status").render())
        assert re.search(r"\blr (\S+)  f\(5\)", status).group(1) == f"{rate:.9g}"
        table = app.query_one("#debug-table")
        header = [str(cell) for cell in table.header]
        assert [float(str(row[header.index("lr")])) for row in table.rows] == pytest.approx(
            [scheduled_lr("cosine", 0.02, k, 40) for k in range(5, 0, -1)]
        )
        chart = app.query_one(LossChart)
        last_line = str(chart.render()).rstrip().splitlines()[-1]
        assert last_line.startswith("loss") and last_line.endswith("lr")  # the right axis
    constant = make_app(RunConfig(variant="numpy-manual", lr=0.02, epochs=40))
    async with constant.run_test(size=(240, 50)) as pilot:
        await press_and_settle(constant, pilot, *"nnnnn")
        assert " lr " not in str(constant.query_one("#status").render())
        assert "lr" not in [str(cell) for cell in constant.query_one("#debug-table").header]
        last_line = str(constant.query_one(LossChart).render()).rstrip().splitlines()[-1]
        assert not last_line.endswith("lr")


QUADRANTS = "▖▗▘▙▚▛▜▝▞▟"


async def test_the_data_points_are_drawn_over_the_fit_line_where_they_lie():
    from gdtui.core.settings.config import RunConfig
    from gdtui.core.settings.data import PRESETS

    from .conftest import run_to_end

    app = make_app(RunConfig(variant="numpy-manual", lr=0.05, epochs=300))
    async with app.run_test(size=(120, 40)) as pilot:
        await run_to_end(app, pilot)
        assert app.main.session.last_record.w == 2.0  # the line runs through every point
        await pilot.press("g")
        await pilot.pause()
        lines = str(app.query_one("#data-pane").render()).splitlines()
        top = next(i for i, line in enumerate(lines) if "┌" in line)
        bottom = next(i for i, line in enumerate(lines) if "└" in line)
        left, right = lines[top].index("┌"), lines[top].index("┐")
        found = sorted(
            (column, row)
            for row in range(top + 1, bottom)
            for column, char in enumerate(lines[row])
            if left < column < right and char in QUADRANTS and "data" not in lines[row]
        )
        data = PRESETS["line4"]
        assert len(found) == len(data.x)  # every point shows: none hidden under the line
        width, height = right - left - 1, bottom - top - 1
        for (column, row), x, y in zip(found, data.x, data.y, strict=True):
            expected_column = left + 1 + (x - 1) / 3 * (width - 1)
            expected_row = bottom - 1 - (y - 2) / 6 * (height - 1)
            assert abs(column - expected_column) <= 1 and abs(row - expected_row) <= 1


@pytest.mark.parametrize(
    "losses",
    [np.geomspace(30, 0.033, 300), np.geomspace(30, 3e-12, 200), 30 * 4.0 ** np.arange(12)],
    ids=["to-0.033", "to-3e-12", "growing-x4"],
)
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_log_tick_is_on_the_axis_and_every_point_between_two(losses, size):
    """Ticks at whole decades beyond the data once landed above the frame and on the epoch
    row, where 1e-2 read as an epoch."""
    history = RunHistory()
    history.extend(EpochRecord(k + 1, float(v), 1.0, 0.0) for k, v in enumerate(losses))
    app = make_app()
    async with app.run_test(size=size) as pilot:
        chart = app.query_one(LossChart)
        chart.log_scale = True
        chart.draw(history)
        await pilot.pause()
        lines = str(chart.render()).splitlines()
        top = next(i for i, line in enumerate(lines) if "┌" in line)
        bottom = next(i for i, line in enumerate(lines) if "└" in line)
        labelled = {
            i: m.group(1) for i, line in enumerate(lines) if (m := re.match(r"\s*(1e-?\d+)", line))
        }
        assert labelled and all(top < i < bottom for i in labelled), lines
        assert all(lines[i][len(lines[i].split("┤")[0])] == "┤" for i in labelled)
        decades = sorted(int(label[2:]) for label in labelled.values())
        assert decades[0] <= math.log10(losses.min()) and math.log10(losses.max()) <= decades[-1]
