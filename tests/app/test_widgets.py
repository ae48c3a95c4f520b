"""The app's own widgets: the key bar, the plot drawn from plotext's output, the text table."""

from __future__ import annotations

import re

import numpy as np
import pytest
from rich.console import Console
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from gdtui.app import make_app
from gdtui.app.widgets.key_bar import KeyBar
from gdtui.app.widgets.plot import Plot, ansi_lines
from gdtui.app.widgets.settings_form import SettingsForm
from gdtui.app.widgets.text_table import TextTable
from gdtui.core.settings.config import RunConfig
from tests.showcase import finish_work

from .conftest import press_and_settle


def _bar_text(app: App[None]) -> str:
    return app.screen.query_one(KeyBar).render().plain


async def test_key_bar_keeps_help_and_quit_and_fits_every_width() -> None:
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        wide = _bar_text(app)
        for shown in ("space Run/Pause", "n Epoch", "+ - lr", "t Tour", "e Export", "^p Palette"):
            assert shown in wide, wide
        assert "…" not in wide
        for width in (120, 80, 60, 40):
            await pilot.resize_terminal(width, 24)
            await pilot.pause()
            text = _bar_text(app)
            assert len(text) <= width, (width, text)
            assert text.rstrip().endswith("? Help  q Quit"), (width, text)
            # Below 100 columns the settings are a drawer: its key comes first.
            firsts = ("esc Close settings", "tab Settings") if width < 100 else ("space Run/Pause",)
            assert "…" in text and text.startswith(tuple(f" {f}" for f in firsts)), (width, text)
        # Keys that are on screen act when clicked, as the footer's did.
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        column = _bar_text(app).index("n Epoch")
        await pilot.click(KeyBar, offset=(column, 0))
        await press_and_settle(app, pilot)
        assert app.main.session.epoch == 1


async def test_key_bar_shows_the_screens_own_keys() -> None:
    app = make_app(RunConfig(variant="numpy-manual", epochs=20))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "c")
        text = _bar_text(app)
        assert "esc Back" in text and "o Compare other" in text
        # The run's keys do nothing behind the compare screen, so they are not offered.
        assert "Epoch" not in text and "Run/Pause" not in text


def _plotext_output(width: int, height: int) -> str:
    from textual_plotext.plotext_plot import Plot as PlotextFigure

    figure = PlotextFigure()
    x = np.arange(1, 151)
    figure.plot(x.tolist(), (30 * np.exp(-x / 30)).tolist(), marker="braille")
    figure.vline(50, "yellow")
    figure.title("lr 0.01 -> 0.02 at 50")
    figure.xlabel("epoch")
    figure.plotsize(width, height)
    figure._set_size(width, height)
    figure.theme("dark")
    return figure.build()


def test_plot_lines_match_richs_own_reading_of_plotexts_output() -> None:
    output = _plotext_output(78, 22)
    console = Console(color_system="truecolor", width=1_000)
    lines = ansi_lines(output, 78, 22)
    assert len(lines) == 22 and all(line.cell_length == 78 for line in lines)
    for strip, source in zip(lines, output.split("\n")[:22], strict=True):
        expected = [(s.text, s.style) for s in Text.from_ansi(source).render(console) if s.text]
        assert [(s.text, s.style) for s in strip if s.text] == expected


def test_plot_lines_fall_back_for_codes_they_do_not_know() -> None:
    # Italic (3) is not among plotext's codes today; Rich's decoder still reads it.
    lines = ansi_lines("\x1b[3;38;5;12mtilted\x1b[0m ok", 12, 2)
    first = list(lines[0])
    assert "".join(s.text for s in first) == "tilted ok   "
    assert first[0].style is not None and first[0].style.italic
    assert lines[1].cell_length == 12


class _PlotApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Plot()


@pytest.mark.parametrize("size", [(60, 20), (90, 30)])
async def test_plot_is_drawn_again_when_its_data_or_size_changes(size: tuple[int, int]) -> None:
    app = _PlotApp()
    async with app.run_test(size=size) as pilot:
        plot = app.query_one(Plot)
        plot.plt.plot([1, 2, 3], [3, 1, 2])
        plot.refresh()
        await pilot.pause()
        first = "".join(s.text for s in plot.render_line(5))
        assert plot.render_line(0).cell_length == plot.size.width == size[0]
        plot.plt.clear_data()
        plot.plt.plot([1, 2, 3], [1, 2, 30])
        plot.refresh()
        await pilot.pause()
        assert "".join(s.text for s in plot.render_line(5)) != first
        await pilot.resize_terminal(size[0] - 20, size[1])
        await pilot.pause()
        assert plot.render_line(0).cell_length == plot.size.width == size[0] - 20


class _TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TextTable()


async def test_text_table_aligns_columns_to_their_widest_cell() -> None:
    app = _TableApp()
    async with app.run_test(size=(60, 8)) as pilot:
        table = app.query_one(TextTable)
        table.show(["epoch", "loss"], [["10", "0.5"], ["9", Text("12.25", style="bold")]])
        await pilot.pause()
        lines = ["".join(s.text for s in table.render_line(y)).rstrip() for y in range(3)]
        assert lines == [" epoch  loss", " 10     0.5", " 9      12.25"]
        assert str(table.rows[1][1]) == "12.25"


def _labels(plot: Plot) -> str:
    """What a chart writes besides its plotted dots and its frame: titles, ticks, legends."""
    text = "\n".join("".join(s.text for s in plot.render_line(y)) for y in range(plot.size.height))
    braille, box_drawing = range(0x2800, 0x2900), range(0x2500, 0x2580)
    quadrants = range(0x2596, 0x25A0)  # the data points' markers: one cell wide everywhere
    return "".join(
        c for c in text if not any(ord(c) in marks for marks in (braille, box_drawing, quadrants))
    )


async def test_chart_labels_are_ascii_so_they_never_misalign() -> None:
    # Characters such as → · × are "ambiguous width": a terminal with a CJK locale draws them
    # two cells wide, which would shift the rest of the chart's line.
    app = make_app(RunConfig(variant="torch-module", epochs=50))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n", "n", "plus", "n", "z", "n", "z", "n")
        seen = ""
        for _ in range(3):  # loss, data and fit, landscape
            for plot in app.screen.query(Plot):
                if plot.display and plot.size.height:
                    seen += _labels(plot)
            await press_and_settle(app, pilot, "g")
        await press_and_settle(app, pilot, "c")
        await finish_work(app)
        for _ in range(100):
            if not app.main.busy:
                break
            await pilot.pause(0.05)
        seen += _labels(app.screen.query_one(Plot))
        drawn = ("lr 0.01 -> 0.02 at 3", "zero_grad off at 4", "f(x) = ", "path", "torch-optim")
        for label in drawn:
            assert label in seen  # the labels were drawn at all
        assert {c for c in seen if not c.isascii()} == set()


async def test_text_table_leaves_out_optional_columns_in_order_until_the_rest_fit() -> None:
    app = _TableApp()
    async with app.run_test(size=(34, 6)) as pilot:
        table = app.query_one(TextTable)
        header = ["epoch", "numerical", "update", ".grad after"]
        rows = [["12", "-5.0203", "-0.050203", "accumulating"]]
        table.show(header, rows, optional=[2, 1])
        await pilot.pause()
        assert table.hidden == ["update"]  # dropping one column was enough
        text = "".join(s.text for s in table.render_line(0))
        assert text.split() == ["epoch", "numerical", ".grad", "after"]
        await pilot.resize_terminal(22, 6)
        await pilot.pause()
        assert table.hidden == ["update", "numerical"]  # in the order they gave way
        await pilot.resize_terminal(60, 6)
        await pilot.pause()
        assert table.hidden == []
        await pilot.resize_terminal(16, 6)  # too narrow for the columns that stay too
        await pilot.pause()
        assert table.hidden == ["update", "numerical", ".grad after"]  # whole, from the end
        lines = ["".join(s.text for s in table.render_line(y)).split() for y in range(2)]
        assert lines == [["epoch"], ["12"]]  # no number cut short


async def test_debug_pane_says_which_columns_a_narrow_terminal_hides() -> None:
    app = make_app(RunConfig(variant="torch-module"))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n")
        table = app.query_one(TextTable)
        # The step taken stays; what the note above already says (.grad after) gives way.
        assert "Δw applied" in table.header and "Δw applied" not in table.hidden
        assert table.hidden[:3] == ["−lr·b.grad", "−lr·w.grad", ".grad after"]
        subtitle = str(app.query_one("#debug").border_subtitle)
        assert subtitle.endswith(": wider terminal") and ".grad after" in subtitle
        assert "zero_grad on: .grad set to None" in str(app.query_one("#grad-note").render())
        await pilot.resize_terminal(64, 24)  # too many names for the border: how many
        await press_and_settle(app, pilot, "n")
        subtitle = str(app.query_one("#debug").border_subtitle)
        assert subtitle == f"{len(set(table.hidden))} more columns at a wider terminal", subtitle
        await pilot.resize_terminal(240, 40)
        await pilot.pause()
        await press_and_settle(app, pilot, "n")
        assert table.hidden == [] and not app.query_one("#debug").border_subtitle


async def test_without_colour_each_compare_lane_has_a_marker_of_its_own(monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(RunConfig(variant="numpy-manual", epochs=40))
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.no_color
        await press_and_settle(app, pilot, "c")
        for _ in range(100):
            if not app.main.busy:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        chart = app.screen.query_one(Plot)
        text = "\n".join(
            "".join(s.text for s in chart.render_line(y)) for y in range(chart.size.height)
        )
        markers = set()
        for lane in ("numpy-manual", "torch-autograd", "torch-optim", "torch-module"):
            (line,) = [line for line in text.splitlines() if f" {lane}" in line]
            markers.add(line[: line.index(f" {lane}")].split("│")[-1].strip())
        assert len(markers) == 4, markers  # the legend shows each lane's own marker


async def test_compare_never_cuts_a_number_it_drops_whole_columns_and_says_which() -> None:
    # One comparison, the terminal resized under it: 80, 120 and 200 columns.
    from gdtui.core.numbers import exact
    from tests.showcase import play

    app = make_app(RunConfig(lr=0.02, epochs=200))
    async with app.run_test(size=(80, 40)) as pilot:
        await play(app, pilot, ("c",))
        for width in (80, 120, 200):
            await pilot.resize_terminal(width, 40)
            await pilot.pause()
            table = app.screen.query_one("#compare-table", TextTable)
            comparison = app.screen.comparison
            lines = table.render().plain.splitlines()
            assert all(len(line.rstrip()) <= table.size.width for line in lines)
            shown = [t for t in table.titles if t not in table.hidden]
            assert shown[:3] == ["epoch", "max Δw", "numpy-manual w"]
            for title in shown[2:]:
                lane, what = title.rsplit(" ", 1)
                record = comparison.histories[lane].record(-1)
                cell = exact(record.w if what == "w" else record.grad_w)
                assert f" {cell} " in lines[1], (width, title, cell, lines[1])  # whole, never cut
            note = app.screen.query_one("#compare-hidden").render()
            if table.hidden:
                assert str(note) == (
                    f"not shown at this width: {', '.join(table.hidden)} "
                    "(a wider terminal shows them)"
                )
            else:
                assert str(note) == "" and width == 200


FIELD_BARS = {
    "lr": " ⏎ Apply  esc Leave field  ^p Palette",
    "schedule": " ⏎ Choose  esc Leave field  ^p Palette",
    "zero_grad": " space Toggle  esc Leave field  ^p Palette",
}


async def test_in_a_field_the_bar_shows_only_its_keys_and_the_runs_keys_rest() -> None:
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        for epochs, field in enumerate(FIELD_BARS):  # a text field, a choice, a switch
            before = app.main.session.config
            app.screen.query_one(SettingsForm).focus_field(field)
            await pilot.pause()
            assert _bar_text(app).rstrip() == FIELD_BARS[field]
            await pilot.press(*"nnnnn", "g", "z", "r")  # typed into a text field, or nothing
            await pilot.pause(0.3)
            session = app.main.session
            assert session.epoch == epochs and app.query_one("TabbedContent").active == "loss"
            if field != "lr":
                assert session.config == before  # no letter changed a choice or a switch
            await pilot.press("escape")
            await pilot.pause()
            assert type(app.screen.focused).__name__ == "VariantPane"
            assert "n Epoch" in _bar_text(app)
            await press_and_settle(app, pilot, "n")
            assert app.main.session.epoch == epochs + 1


async def test_an_entry_that_cannot_apply_reverts_when_left_saying_why() -> None:
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        form = app.screen.query_one(SettingsForm)
        form.focus_field("lr")
        await pilot.press("end", *"abc")
        await pilot.pause()
        assert form.editor.value == "0.01abc" and form.error("lr")  # shown while typing
        await pilot.press("tab")  # leave the field
        await pilot.pause()
        await pilot.pause()
        assert form.rows["lr"].text == "0.01" and not form.error("lr")
        assert form.focused_field == "epochs" and form.editor.value == "100"
        assert app.main.session.config.lr == 0.01
        (notice,) = [n.message for n in app._notifications]
        assert notice.startswith("learning rate: '0.01abc' not applied (expects a finite number")
        assert notice.endswith("; back to 0.01.")


async def test_the_help_screens_bar_shows_only_what_acts_there(tmp_path) -> None:
    app = make_app(RunConfig(variant="numpy-manual"), output_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpScreen"
        assert _bar_text(app).rstrip() == " esc Close help"
        await pilot.press("s", "n")  # not keys of this screen: nothing happens
        await pilot.pause(0.3)
        assert not list(tmp_path.iterdir()) and app.main.session.epoch == 0
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "MainScreen"


async def test_the_layout_follows_the_breakpoints_and_the_drawer_opens_on_tab() -> None:
    app = make_app(RunConfig(variant="torch-module"))
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(app, pilot, *"nnnnnnnnnn")
        screen = app.screen
        assert screen.has_class("-narrow") and not screen.query_one("#left").display
        assert screen.query_one("#views").size.width >= 78  # the chart has the width
        table = screen.query_one("#debug-table", TextTable)
        assert len(table.rows) >= 6 and len(table.rows) == table.size.height - 1
        lines = table.render().plain.splitlines()
        assert all(len(line.rstrip()) <= table.size.width for line in lines)
        assert _bar_text(app).startswith(" tab Settings")
        await pilot.press("tab")
        await pilot.pause()
        await pilot.pause()
        assert screen.query_one("#left").display and type(screen.focused).__name__ == "VariantPane"
        assert _bar_text(app).startswith(" esc Close settings")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        assert not screen.query_one("#left").display and screen.focused is None
        await press_and_settle(app, pilot, "n")  # the keys act on the run again
        assert app.main.session.epoch == 11
        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        await press_and_settle(app, pilot, "n")
        assert screen.has_class("-wide") and screen.query_one("#left").display
        debug = screen.query_one("#debug")
        assert debug.region.x == 0 and debug.region.width == 200  # under the settings and chart
        assert table.hidden == [] and len(table.rows) >= 12


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_notice_hides_neither_the_status_line_nor_the_newest_epochs(size, tmp_path) -> None:
    from textual.widgets._toast import Toast

    app = make_app(RunConfig(variant="numpy-manual"), output_dir=tmp_path)
    async with app.run_test(size=size, notifications=True) as pilot:
        await press_and_settle(app, pilot, *"nnnnnnnnnnnn", "s")  # a long notice: the path
        await finish_work(app)
        await pilot.pause(0.2)
        (toast,) = app.screen.query(Toast)
        status, table = app.screen.query_one("#status").region, app.screen.query_one("#debug-table")
        shown = app.screen.find_widget(toast).visible_region
        assert shown == toast.region  # every line of it shows, none scrolled or clipped off
        assert toast.region.bottom <= status.y  # above the status line and the key bar
        newest = table.region.y + 2  # the header and the latest epoch's row
        assert toast.region.y >= newest and len(table.rows) >= 3
        settings = app.screen.query_one("#left")
        if settings.display:
            assert not toast.region.overlaps(settings.region)  # nor the form being edited


CROWDED_TICKS = """
import re
import gdtui.app.widgets.plot  # noqa: F401  (what the app's charts import)
from plotext._figure import _figure_class
figure = _figure_class()
figure.plot([1, 2, 3], [30, 21.675, 15.66])
figure.yticks([30, 26.4, 22.7, 19.2, 15.7], ["30", "26.4", "22.7", "19.2", "15.7"])
figure.plotsize(78, 6)
print(re.findall(r"[0-9.]+(?=\\S*┤)", re.sub(r"\\x1b\\[[0-9;]*m", "", figure.build())))
"""


def test_a_chart_with_more_ticks_than_rows_is_drawn_the_same_in_every_process() -> None:
    """Which of two ticks sharing a row keeps its label once followed the process's string
    hashing (plotext drops duplicates through a set): seeds 1 and 3 drew different axes."""
    import os
    import subprocess
    import sys

    drawn = {
        subprocess.run(
            [sys.executable, "-c", CROWDED_TICKS],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(drawn) == 1 and "30" in drawn.pop()


async def test_the_status_line_leaves_parts_out_whole_and_never_cuts_a_number() -> None:
    # One diverging run, the terminal resized under it: 80×24, 120×40, 200×50.
    from gdtui.core.engine.stops import RunState
    from gdtui.core.numbers import exact

    from .conftest import run_to_end

    app = make_app(RunConfig(variant="torch-module", lr=0.2, epochs=1000))
    async with app.run_test(size=(80, 24)) as pilot:
        await run_to_end(app, pilot)
        session = app.main.session
        assert session.state is RunState.DIVERGING
        for size in ((80, 24), (120, 40), (200, 50)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            text = str(app.query_one("#status").render())
            assert len(text.rstrip()) <= size[0] and text.startswith(" diverging at epoch 6")
            record = session.viewed_record
            shown = dict(re.findall(r"\b(loss|w|b) (\S+)", text))
            assert shown == {"loss": exact(record.loss), "w": exact(record.w), "b": exact(record.b)}
            prediction = re.search(r"f\(5\) = (\S+)", text)
            assert prediction is None or prediction.group(1) == exact(session.predict(5.0))
            assert (prediction is not None) == (size[0] >= 120)  # left out whole at 80
            assert ("grows ×" in text) == (size[0] >= 200)  # the why gives way before numbers


async def test_the_drawer_comes_back_as_it_was_left() -> None:
    """Back from compare, the tour or help, Textual focused the first focusable widget, which
    is in the closed drawer: the drawer opened by itself and the chart lost half its width."""
    app = make_app(RunConfig(variant="numpy-manual", epochs=20))
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.main
        await pilot.pause()
        for keys in (("c", "escape"), ("t", "escape"), ("question_mark", "escape")):
            assert not main.has_class("-open") and main.focused is None
            for key in keys:
                await pilot.press(key)
                await pilot.pause(0.3)
            assert app.screen is main and not main.has_class("-open") and main.focused is None
            assert "tab Settings" in _bar_text(app)
            await pilot.press("tab")  # and it opens on tab as before, at the variants
            await pilot.pause()
            assert main.has_class("-open") and type(main.focused).__name__ == "VariantPane"
            await pilot.press("tab")  # the next stop is the first field, not the form around it
            await pilot.pause()
            form = main.query_one(SettingsForm)
            assert form.focused_field == "lr" and main.focused is form.editor
            await pilot.press("escape", "escape", "ctrl+p")
            await pilot.pause()
            await pilot.press(*"Edit epochs")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause(0.3)
            assert main.has_class("-open") and form.focused_field == "epochs"
            assert main.focused is form.editor
            await pilot.press("escape", "escape")  # leave the field, close the drawer
            await pilot.pause()


async def test_the_debug_notes_height_follows_its_text() -> None:
    """The note is laid out again only when its height changes: it must still be as tall as
    its text wraps to, whichever way it changed."""
    app = make_app(RunConfig(variant="numpy-manual", grad_formula="tutorial"))
    async with app.run_test(size=(80, 24)) as pilot:
        note = app.query_one("#grad-note", Static)

        def rows() -> int:
            text = note.content
            assert isinstance(text, Text)
            width = note.content_region.width
            return len(text.wrap(Console(width=width), width))

        await press_and_settle(app, pilot, "n", "n")  # the tutorial gradient's long note
        tall = note.size.height
        assert tall == rows() and tall >= 2
        await press_and_settle(app, pilot, "v")  # torch-autograd: the one-line zero_grad note
        await press_and_settle(app, pilot, "n", "n")
        assert note.size.height == rows() < tall
        await press_and_settle(app, pilot, "n")  # a new epoch, the same height
        assert note.size.height == rows()
