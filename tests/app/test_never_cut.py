"""Numbers and names are never cut without a mark: the Code view's state entries under their
own keys, its arithmetic wrapped between words, the tour's code ended by "…", the chart's
title made of whole labels."""

from __future__ import annotations

import re

from textual.widgets import Static

from gdtui.app import make_app
from gdtui.app.widgets.loss_chart import _fit
from gdtui.core.lessons.tour import CELLS
from gdtui.core.settings.config import RunConfig

from .conftest import press_and_settle


def _rendered(widget: Static) -> list[str]:
    return [
        "".join(s.text for s in widget.render_line(y)).rstrip() for y in range(widget.size.height)
    ]


async def test_adams_state_entries_are_told_apart_and_numbers_are_never_cut():
    app = make_app(RunConfig(variant="torch-optim", optimizer="adam"))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n", *["full_stop"] * 5)  # epoch 2's step()
        pane = app.main.query_one("#code-pane")
        values = _rendered(pane.query_one("#code-values", Static))
        line = app.main.session.line
        state = {key: value for key, value in line.values.items() if "['" in key}
        assert len(state) == 3  # step, exp_avg, exp_avg_sq
        assert "optimizer.state[w]:" in [row.strip() for row in values]
        for key, value in state.items():
            item = key[key.index("['") :]
            (at,) = [i for i, row in enumerate(values) if row.strip().startswith(f"{item} =")]
            entry = " ".join(values[at : at + 2])  # a value may wrap onto the next row, whole
            digits = f"{value:g}"[:6]
            assert "…" not in entry, entry
            assert any(word.startswith(digits) for word in entry.split()), (entry, value)
        arithmetic = _rendered(pane.query_one("#code-arithmetic", Static))
        words = " ".join(arithmetic).split()
        for number in re.findall(r"\d[\d.e+-]*", "\n".join(line.arithmetic)):
            assert any(number in word for word in words), number  # whole on some row
        assert max(len(row) for row in arithmetic) <= pane.size.width


async def test_the_tours_code_fits_at_80_columns_or_ends_in_an_ellipsis():
    app = make_app(RunConfig())
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(app, pilot, "t")
        for index, cell in enumerate(CELLS):
            app.screen.show_cell(index)
            await pilot.pause()
            code = app.screen.query_one("#tour-code", Static)
            rows = _rendered(code)
            assert len(rows) == len(cell.code.splitlines())
            written = [line.strip() for line in cell.code.splitlines()]
            for row, line in zip(rows, written, strict=True):
                assert row.strip() == line or (
                    row.endswith("…") and line.startswith(row[:-1].strip())
                )
        app.screen.show_cell(5)  # 3, 6, 9: the 3 is in sight
        await pilot.pause()
        assert "(weights * 3).sum()" in " ".join(_rendered(app.screen.query_one("#tour-code")))


def test_the_charts_title_keeps_the_latest_changes_whole():
    labels = [
        "lr 0.01 -> 0.02 at 87615",
        "lr 0.02 -> 0.005 at 90000",
        "lr 0.005 -> 0.0025 at 99999",
    ]
    assert _fit("", labels, 100) == "; ".join(labels)
    assert _fit("", labels, 60) == "2 earlier changes; lr 0.005 -> 0.0025 at 99999"
    assert _fit("", labels, 30) == "lr 0.005 -> 0.0025 at 99999"
    assert _fit("diverging", labels, 45) == "diverging; lr 0.005 -> 0.0025 at 99999"
    assert _fit("", labels, 12) == "lr 0.005..."  # only when nothing else fits
