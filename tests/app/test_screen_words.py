"""What a teacher and a learner found untrue or hidden on screen, each said now: presenter
mode's cells on a short screen, a rate changed for the next epoch, leaving a lesson, the Code
view's line in sight after a jump, an export's size, what compare's lanes share."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from gdtui.app import make_app
from gdtui.core.compare.comparison import describe
from gdtui.core.lessons.lesson import load_lesson
from gdtui.core.settings.config import RunConfig
from tests.showcase import finish_work, settle

from .conftest import press_and_settle


def _shown_cells(app) -> list[str]:
    return [
        str(app.query_one(f"#present-label-{i}", Static).content).split("  ")[0].split("\n")[0]
        for i in range(6)
        if app.query_one(f"#present-label-{i}").parent.display
    ]


async def test_a_short_screen_shows_the_cells_the_notes_quote_and_the_chart_keeps_rows():
    app = make_app(RunConfig(variant="numpy-manual"), present=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(app, pilot, "n")
        assert _shown_cells(app) == ["loss", "w", "w.grad"]
        assert app.query_one("#loss-pane").size.height >= 8
        await pilot.resize_terminal(120, 40)
        await press_and_settle(app, pilot)
        assert _shown_cells(app) == ["epoch", "loss", "w", "w.grad", "update Δw", "lr"]


async def test_a_rate_changed_for_the_next_epoch_is_said_at_once():
    app = make_app(RunConfig(variant="numpy-manual"), present=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await press_and_settle(app, pilot, "n", "plus")
        notices = [n.message for n in app._notifications]
        assert "From epoch 2: learning rate 0.02 (was 0.01)." in notices
        label = str(app.query_one("#present-label-5", Static).content)
        assert label.startswith("lr") and label.endswith("next epoch: 0.02")
        await press_and_settle(app, pilot, "n")
        assert "next epoch" not in str(app.query_one("#present-label-5", Static).content)


async def test_leaving_a_lesson_started_from_the_command_line_says_where_it_goes():
    app = make_app(lesson=load_lesson("002"), lesson_step=4)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        await settle(app, pilot)
        app.main.leave_lesson()
        await settle(app, pilot)
        assert app.main.session.config == RunConfig() and app.main.session.epoch == 0
        assert "Left the lesson: the seeds' setup, from epoch 0." in [
            n.message for n in app._notifications
        ]
        assert app.main.session.view == "loss"


async def test_after_a_jump_or_presenter_mode_the_line_just_run_is_in_sight():
    app = make_app(lesson=load_lesson("000"), present=True)
    async with app.run_test(size=(80, 24)) as pilot:
        for keys in (("4",), ("p", "p"), ("3",), ("p",)):
            await press_and_settle(app, pilot, *keys)
            listing = app.main.query_one("#code-listing", Static)
            pane = app.main.query_one("#code-pane")
            rows = [
                "".join(s.text for s in listing.render_line(y)) for y in range(listing.size.height)
            ]
            marked = [i for i, row in enumerate(rows) if row.startswith("▶")]
            assert marked, (keys, rows)
            assert pane.scroll_y <= marked[0] < pane.scroll_y + pane.size.height, (keys, rows)


async def test_an_export_says_the_size_it_wrote(tmp_path: Path):
    app = make_app(RunConfig(variant="numpy-manual"), output_dir=tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await press_and_settle(app, pilot, "n", "n", "e")
        await finish_work(app)
        await pilot.pause()
        (notice,) = [n.message for n in app._notifications if n.message.startswith("Exported")]
        written = sum(path.stat().st_size for path in tmp_path.glob("*.csv"))
        written += sum(path.stat().st_size for path in tmp_path.glob("*.jsonl"))
        assert f"({written:,} bytes" in notice, notice


def test_compare_says_what_only_one_lane_takes():
    config = RunConfig(variant="numpy-manual", grad_formula="tutorial", batch_size=3, lr=0.03)
    words = describe(config, "variants")
    assert "numpy-manual's gradient tutorial" in words and "batches of 3" in words


async def test_a_replayed_files_changes_are_said_and_so_is_their_end():
    from gdtui.core.settings.changes import MidRunChange

    script = (MidRunChange(3, {"zero_grad": False}),)
    app = make_app(RunConfig(variant="numpy-manual"), script=script)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await press_and_settle(app, pilot, "n")
        notices = [n.message for n in app._notifications]
        assert any("zero_grad off at epoch 3" in n and "ends the replay" in n for n in notices)
        await press_and_settle(app, pilot, "plus")
        notices = [n.message for n in app._notifications]
        assert any(
            "ends the replay" in n and "1 still to come" in n and "zero_grad off at epoch 3" in n
            for n in notices
        ), notices


async def test_a_screenshot_never_replaces_a_file(tmp_path: Path, monkeypatch):
    import time

    monkeypatch.setattr(time, "strftime", lambda _format: "2026-12-07T07_00_00")
    monkeypatch.setattr(time, "time_ns", lambda: 123456789)
    taken = tmp_path / "gdtui_2026-12-07T07_00_00_123456789.svg"
    taken.write_text("mine")
    app = make_app(RunConfig(variant="numpy-manual"), output_dir=tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await press_and_settle(app, pilot, "s")
        saved = tmp_path / "gdtui_2026-12-07T07_00_00_123456789-2.svg"
        assert taken.read_text() == "mine" and saved.read_text().startswith("<svg")
        assert f"Saved {saved}" in [n.message for n in app._notifications]


async def test_keys_typed_together_export_the_epochs_asked_for_before(tmp_path: Path):
    """``n e`` in one burst (as a terminal delivers typed-ahead keys): the export waits for
    the epoch asked for before it (it exported one epoch short; ``r n e`` said there was
    nothing to export)."""
    from textual import events

    app = make_app(RunConfig(variant="numpy-manual"), output_dir=tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await press_and_settle(app, pilot, "n")
        for key in ("n", "e"):  # the README's own: an epoch, then its export
            app.post_message(events.Key(key, key))
        for _ in range(100):
            await pilot.pause(0.05)
            if list(tmp_path.glob("*.jsonl")):
                break
        await finish_work(app)
        notices = [n.message for n in app._notifications]
        assert not any("Nothing to export" in n for n in notices), notices
        (jsonl,) = tmp_path.glob("*.jsonl")
        assert len(jsonl.read_text().splitlines()) == 2
