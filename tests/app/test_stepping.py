"""Stepping, running, resetting and mid-run changes, through the keys a person presses."""

from __future__ import annotations

import csv
import json
import time

import numpy as np
import pytest
from rich.text import Text

from gdtui.app import make_app
from gdtui.app.widgets.settings_form import SettingsForm
from gdtui.core.engine.stops import RunState
from gdtui.core.engine.trainer import Trainer
from gdtui.core.numbers import exact
from gdtui.core.settings.config import RunConfig, config_from_options
from gdtui.core.settings.fields import FIELDS
from gdtui.core.settings.files import load_options
from tests.core.references import ACCUMULATED_GRADS
from tests.showcase import finish_work, settle

from .conftest import core_records, press_and_settle, run_to_end


async def test_n_steps_exactly_one_epoch_with_the_cores_numbers():
    # Each variant in turn, in one session: a new variant starts the run again, in the same
    # training process (which loads torch once).
    configs = [
        RunConfig(variant="numpy-manual"),
        RunConfig(),
        RunConfig(variant="torch-optim", optimizer="momentum"),
        RunConfig(variant="torch-module", seed=3),
    ]
    app = make_app(configs[0])
    async with app.run_test(size=(120, 40)) as pilot:
        for config in configs:
            if config != app.main.session.config:
                assert app.main.change(config)
            await press_and_settle(app, pilot, *"nnnnn")
            assert list(app.main.session.history) == core_records(config, 5), config.variant
            assert app.main.session.state is RunState.PAUSED
            table = app.query_one("#debug-table")
            assert len(table.rows) == 5
            assert "epoch 5/100" in str(app.query_one("#status").render())


async def test_quick_presses_of_n_each_make_one_epoch():
    config = RunConfig(variant="numpy-manual")
    app = make_app(config)
    async with app.run_test() as pilot:
        await pilot.press(*"nnnnnnn")
        await settle(app, pilot)
        assert list(app.main.session.history) == core_records(config, 7)


async def test_zero_grad_toggled_mid_run_accumulates_from_that_epoch():
    app = make_app(RunConfig())
    async with app.run_test() as pilot:
        await press_and_settle(app, pilot, "n", "n", "z", "n", "n", "z", "n")
        reference = Trainer(RunConfig())
        expected = [reference.run_epoch(), reference.run_epoch()]
        reference.set_zero_grad(False)
        expected += [reference.run_epoch(), reference.run_epoch()]
        reference.set_zero_grad(True)
        expected.append(reference.run_epoch())
        assert list(app.main.session.history) == expected
        grads = [r.grad_w for r in app.main.session.history]
        # Off from epoch 3: epoch 4's gradient is epoch 3's plus its own.
        assert abs(grads[3]) > abs(grads[2])


async def test_zero_grad_off_shows_the_seed_004_accumulation():
    app = make_app(RunConfig(zero_grad=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n", "n", "n")
        grads = [round(r.grad_w, 3) for r in app.main.session.history]
        assert tuple(grads) == ACCUMULATED_GRADS
        note = str(app.query_one("#grad-note").render())
        assert "accumulates" in note and "-30 → -55.5 → -72.675" in note


async def test_learning_rate_changed_mid_run_from_the_form_and_keys():
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test() as pilot:
        await press_and_settle(app, pilot, "n", "n")
        app.query_one(SettingsForm).focus_field("lr")
        await pilot.press(*"0.02", "enter", "escape")
        await press_and_settle(app, pilot, "n", "plus", "n", "minus", "minus", "n")
        reference = Trainer(RunConfig(variant="numpy-manual"))
        expected = [reference.run_epoch(), reference.run_epoch()]
        for lr in (0.02, 0.04, 0.01):
            reference.set_lr(lr)
            expected.append(reference.run_epoch())
        assert list(app.main.session.history) == expected
        assert app.main.session.config.lr == 0.01


async def test_reset_starts_again_and_variant_change_resets():
    app = make_app(RunConfig())
    async with app.run_test() as pilot:
        await press_and_settle(app, pilot, "n", "n", "n", "r")
        assert len(app.main.session.history) == 0
        assert app.main.session.state is RunState.READY
        await press_and_settle(app, pilot, "n")
        assert app.main.session.last_record.epoch == 1
        await press_and_settle(app, pilot, "v")
        assert app.main.session.config.variant == "torch-optim"
        assert len(app.main.session.history) == 0
        assert any(
            n.title == "Run reset"
            and n.message == "Started again from epoch 0: variant torch-optim (was torch-autograd)."
            for n in app._notifications
        )


async def test_run_to_completion_matches_the_core():
    config = RunConfig(variant="numpy-manual", epochs=300)
    app = make_app(config)
    async with app.run_test() as pilot:
        await run_to_end(app, pilot)
        assert app.main.session.state is RunState.DONE
        assert list(app.main.session.history) == core_records(config, 300)
        await press_and_settle(app, pilot, "n")
        assert len(app.main.session.history) == 300  # a finished run takes no more epochs


async def test_eps_ends_the_run_early():
    config = RunConfig(variant="numpy-manual", epochs=1000, eps=1e-6)
    app = make_app(config)
    async with app.run_test() as pilot:
        await run_to_end(app, pilot)
        losses = [r.loss for r in app.main.session.history]
        assert app.main.session.state is RunState.CONVERGED
        assert losses[-1] < 1e-6 and all(loss >= 1e-6 for loss in losses[:-1])


async def _run_on_past_diverging(app, pilot) -> None:
    """Run until the run is told diverging, then go on to its end, as a person asks."""
    await run_to_end(app, pilot)
    assert app.main.session.state is RunState.DIVERGING
    await run_to_end(app, pilot)


async def test_a_diverging_run_pauses_early_names_the_stable_rate_and_runs_on_when_asked():
    config = RunConfig(lr=0.2, epochs=1000)
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await run_to_end(app, pilot)
        session = app.main.session
        # w − 2 doubles each epoch (1 − 2·0.2·7.5 = −2): the loss grows ×4, told at epoch 6.
        assert session.state is RunState.DIVERGING and session.epoch == 6
        assert [r.loss for r in session.history] == pytest.approx([30 * 4**k for k in range(6)])
        status = str(app.query_one("#status").render())
        assert "diverging at epoch 6: the loss grows ×4 an epoch" in status
        note = str(app.query_one("#run-note").render())
        assert "lr 0.2 is above 0.1333, the largest stable rate here (1/mean(x²))" in note
        assert "space or n runs on" in note
        await press_and_settle(app, pilot, "n")  # asked: one more epoch, and not told again
        assert session.epoch == 7 and session.state is RunState.PAUSED
        await press_and_settle(app, pilot, "minus", "minus")  # lr 0.05: it settles
        await run_to_end(app, pilot)
        assert session.state is RunState.DONE and session.message == "done: 1000 epochs"


async def test_divergence_stops_with_a_message_and_keeps_the_chart():
    app = make_app(RunConfig(variant="numpy-manual", lr=1.0, epochs=1000))
    async with app.run_test(size=(120, 40)) as pilot:
        await _run_on_past_diverging(app, pilot)
        session = app.main.session
        assert session.state is RunState.DIVERGED
        reference = Trainer(RunConfig(variant="numpy-manual", lr=1.0))
        with np.errstate(over="ignore", invalid="ignore"):  # how numpy's loop diverges
            first_bad = next(k for k in range(1, 1000) if not reference.run_epoch().is_finite())
        assert session.message.startswith(f"diverged at epoch {first_bad}")
        assert len(session.history) == first_bad - 1
        assert app.query_one("#loss-pane").points == first_bad - 1
        assert f"diverged at epoch {first_bad}" in str(app.query_one("#status").render())
        await press_and_settle(app, pilot, "l")  # the log axis copes with 1e38 too
        assert app.query_one("#loss-pane").points == first_bad - 1


async def test_zero_grad_off_explosion_stops_keeps_its_records_and_exports(tmp_path):
    config = RunConfig(variant="torch-autograd", zero_grad=False, lr=0.5, epochs=1000)
    app = make_app(config, output_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _run_on_past_diverging(app, pilot)
        reference = Trainer(config)
        records = [reference.run_epoch() for _ in range(1000)]
        first_bad = next(r.epoch for r in records if not r.is_finite())
        session = app.main.session
        assert session.state is RunState.DIVERGED
        assert session.message.startswith(f"diverged at epoch {first_bad}")
        assert list(session.history) == records[: first_bad - 1]
        # The last finite losses reach ~1e37: the chart still plots every one, on both axes.
        assert app.query_one("#loss-pane").points == first_bad - 1
        await press_and_settle(app, pilot, "l", "e")
        assert app.query_one("#loss-pane").points == first_bad - 1
        await finish_work(app)
        (exported,) = tmp_path.glob("*.csv")
        rows = list(csv.DictReader(exported.open()))
        assert [float(row["loss"]) for row in rows] == [r.loss for r in records[: first_bad - 1]]


async def test_pause_and_resume_lose_no_epoch():
    config = RunConfig(variant="numpy-manual", epochs=10**9)
    app = make_app(config)
    async with app.run_test() as pilot:
        await pilot.press("space")
        await pilot.pause(0.3)
        await press_and_settle(app, pilot, "space")
        assert app.main.session.state is RunState.PAUSED
        await press_and_settle(app, pilot, "space")
        await pilot.pause(0.2)
        await press_and_settle(app, pilot, "n")
        epochs = app.main.session.history.column("epoch")
        assert len(epochs) > 10
        assert (epochs == range(1, len(epochs) + 1)).all()
        assert app.main.session.state is RunState.PAUSED


async def test_quitting_mid_run_is_prompt():
    app = make_app(RunConfig(epochs=10**9))
    async with app.run_test() as pilot:
        await pilot.press("space")
        await pilot.pause(0.3)
        assert app.main.session.state is RunState.RUNNING
        start = time.perf_counter()
        await pilot.press("q")
        await finish_work(app)
    assert time.perf_counter() - start < 1.0
    assert app.return_code in (0, None)


async def test_help_screen_and_command_palette():
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"
        text = app.export_screenshot().replace("&#160;", " ")
        assert "Run / pause" in text and "zero_grad on / off" in text
        # Which settings change a run in place, read off the settings table: every live one.
        about = str(app.screen.query_one("#help-about").render())
        in_place = about.split("change the run in place")[0]
        live = [field for field in FIELDS if field.live]
        assert len(live) == 6 and all(field.label and field.label in in_place for field in live)
        await pilot.press("escape")
        assert app.screen.__class__.__name__ != "HelpScreen"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Variant: torch-module")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.main.session.config.variant == "torch-module"


async def test_s_saves_an_svg_and_e_exports_the_history(tmp_path):
    config = RunConfig(variant="numpy-manual")
    app = make_app(config, output_dir=tmp_path)
    async with app.run_test() as pilot:
        await press_and_settle(app, pilot, "e")  # nothing to export yet: a warning, no file
        assert not list(tmp_path.glob("*.csv"))
        await press_and_settle(app, pilot, "n", "n", "n", "s", "e")
        await finish_work(app)
        svg = list(tmp_path.glob("*.svg"))
        assert len(svg) == 1 and svg[0].read_text().startswith("<svg")
        (exported,) = tmp_path.glob("*.csv")
        rows = list(csv.DictReader(exported.open()))
        expected = core_records(config, 3)
        assert [float(row["w"]) for row in rows] == [r.w for r in expected]
        assert [float(row["loss"]) for row in rows] == [r.loss for r in expected]
        lines = exported.with_suffix(".jsonl").read_text().splitlines()
        assert [json.loads(line)["grad_w"] for line in lines] == [r.grad_w for r in expected]
        saved = config_from_options(load_options(exported.with_suffix(".toml")))
        assert saved == config
        assert not list(tmp_path.glob(".*.tmp"))  # written whole, then renamed


async def test_by_default_files_go_to_a_gdtui_output_folder_made_on_first_use(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test() as pilot:
        notices: list[str] = []
        notify = app.notify
        monkeypatch.setattr(
            app, "notify", lambda m, *a, **k: notices.append(m) or notify(m, *a, **k)
        )
        main_notify = app.main.notify
        monkeypatch.setattr(
            app.main, "notify", lambda m, *a, **k: notices.append(m) or main_notify(m, *a, **k)
        )
        await press_and_settle(app, pilot, "n")
        assert not (tmp_path / "gdtui-output").exists()  # nothing written yet, nothing made
        await press_and_settle(app, pilot, "s", "e")
        await finish_work(app)
        await pilot.pause()
        folder = tmp_path / "gdtui-output"
        assert [p.parent for p in tmp_path.rglob("*.*")] == [folder] * 4  # svg, csv, jsonl, toml
        (svg,) = folder.glob("*.svg")
        assert f"Saved {svg}" in notices  # the full path
        assert any(n.startswith(f"Exported 1 epoch to {folder}/") for n in notices), notices


async def test_export_says_the_changes_made_mid_run_that_its_settings_file_replays(tmp_path):
    app = make_app(RunConfig(variant="numpy-manual"), output_dir=tmp_path)
    async with app.run_test() as pilot:
        await press_and_settle(app, pilot, "n", "plus", "n", "e")
        await finish_work(app)
        await pilot.pause()
        (notice,) = [n.message for n in app._notifications if "Exported" in n.message]
        assert "the change made mid-run (lr 0.02 at epoch 2)" in notice
        assert "replays the run, changes and all" in notice


async def test_debug_pane_flags_the_tutorial_gradient_with_n():
    app = make_app(RunConfig(variant="numpy-manual", grad_formula="tutorial"))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n", "n")
        note = str(app.query_one("#grad-note").render())
        assert "4× the numerical gradient" in note and "N = 4 points" in note
        # The wrong value is marked: .grad, never the numerical gradient beside it.
        table = app.query_one("#debug-table")
        header = [str(cell) for cell in table.header]
        grad, numerical = (table.rows[0][header.index(name)] for name in ("w.grad", "numerical"))
        assert isinstance(grad, Text) and "red" in str(grad.style)
        assert float(str(grad)) == pytest.approx(4 * float(str(numerical)), rel=1e-6)
        assert not (isinstance(numerical, Text) and "red" in str(numerical.style))
        await press_and_settle(app, pilot, "v")  # torch-autograd: the right gradient
        await press_and_settle(app, pilot, "n", "n")
        assert "gradient check" not in str(app.query_one("#grad-note").render())


async def test_debug_pane_shows_the_step_applied_and_lr_grad_only_where_they_agree():
    momentum = RunConfig(variant="torch-optim", optimizer="momentum")
    app = make_app(momentum)
    async with app.run_test(size=(160, 40)) as pilot:
        await press_and_settle(app, pilot, *"nnnnn")
        table = app.query_one("#debug-table")
        header = [str(cell) for cell in table.header]
        assert "Δw applied" in header and "−lr·w.grad" not in header
        w = [r.w for r in app.main.session.history]
        applied = [float(str(row[header.index("Δw applied")])) for row in table.rows]
        assert applied[:2] == pytest.approx([w[4] - w[3], w[3] - w[2]], rel=1e-6)
        assert applied[0] == pytest.approx(0.576, abs=1e-3)  # not lr·grad's 0.0205
        await press_and_settle(app, pilot, "r")
        app.main.change({"optimizer": "sgd"})
        await press_and_settle(app, pilot, "n", "n")
        header = [str(cell) for cell in table.header]
        row = table.rows[0]
        step = float(str(row[header.index("Δw applied")]))
        meant = float(str(row[header.index("−lr·w.grad")]))
        assert step == pytest.approx(meant, rel=1e-6)


async def test_a_value_shows_every_digit_float32_has_and_a_rounded_away_update_is_told():
    w0 = 1.9999996  # float32's 1.99999964...: 2 is seven float32 steps away
    app = make_app(RunConfig(variant="numpy-manual", lr=1e-9, w0=w0))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n")
        status = str(app.query_one("#status").render())
        assert "w 1.9999996 " in status and "w 2 " not in status
        table = app.query_one("#debug-table")
        header = [str(cell) for cell in table.header]
        assert str(table.rows[0][header.index("w")]) == "1.9999996"
        assert str(table.rows[0][header.index("Δw applied")]) == "0 rounded"
        note = str(app.query_one("#grad-note").render())
        assert "float32 resolution: w stayed 1.9999996 at epoch 1" in note
        assert "below half of the float32 spacing there (1.19e-07)" in note


async def test_debug_pane_shows_adams_moments():
    import torch

    config = RunConfig(variant="torch-optim", optimizer="adam", lr=0.1)
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n", "n", "n")
        w = torch.tensor(0.0, requires_grad=True)
        optimizer = torch.optim.Adam([w], lr=0.1)
        x = torch.tensor(config.dataset.x)
        for _ in range(3):
            torch.nn.functional.mse_loss(w * x, 2 * x).backward()
            optimizer.step()
            optimizer.zero_grad()
        state = optimizer.state[w]
        assert app.main.session.optimizer_state == {
            "w.exp_avg": state["exp_avg"].item(),
            "w.exp_avg_sq": state["exp_avg_sq"].item(),
        }
        assert "adam state: w.exp_avg" in str(app.query_one("#optimizer-state").render())


async def test_compare_mode_shows_the_cores_comparison_and_switches_to_optimizers():
    from gdtui.core.compare.comparison import compare
    from gdtui.core.settings.variants import OPTIMIZERS
    from tests.showcase import play

    config = RunConfig(lr=0.02, epochs=60)
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await play(app, pilot, ("n", "c"))
        screen = app.screen
        expected = compare(config, "variants")
        assert {n: list(h) for n, h in screen.comparison.histories.items()} == {
            n: list(h) for n, h in expected.histories.items()
        }
        table = screen.query_one("#compare-table")
        assert len(table.rows) == 12
        spread = str(screen.query_one("#compare-spread").render())
        for name in ("loss", "w"):  # every digit float32 has, never 3 significant ones
            value, epoch = expected.largest_difference(name)
            assert f"{name}: {exact(value)} (epoch {epoch})" in spread
        await play(app, pilot, ("o", "n", "space", "r"))  # the run's keys do nothing here
        assert list(screen.comparison.histories) == list(OPTIMIZERS)
        assert app.main.session.epoch == 1 and app.main.session.state.value == "paused"
        await play(app, pilot, ("escape",))
        assert app.main.session.epoch == 1  # the run under compare mode is untouched


async def test_compare_mode_says_which_lane_stopped_early_and_why():
    from gdtui.core.compare.comparison import compare
    from tests.showcase import play

    config = RunConfig(variant="torch-optim", lr=0.2, epochs=200)  # sgd's limit: 1/7.5
    expected = compare(config, "optimizers")
    diverged = [n for n, state in expected.stops.items() if state and "diverg" in state.value]
    assert "sgd" in diverged
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await play(app, pilot, ("c", "o"))
        for _ in range(200):
            if (
                app.screen.comparison is not None
                and next(iter(app.screen.comparison.histories)) == "sgd"
            ):
                break
            await pilot.pause(0.05)
        spread = " ".join(str(app.screen.query_one("#compare-spread").render()).split())
        for name in diverged:
            kept = len(expected.histories[name])
            assert f"{name} was diverging: stopped after epoch {kept}" in spread
        assert f"cover the {expected.epochs} epochs every run completed" in spread


async def test_autograd_tour_steps_through_the_lessons_with_their_output():
    from gdtui.core.lessons.tour import CELLS
    from tests.showcase import play

    app = make_app(RunConfig())
    async with app.run_test(size=(120, 40)) as pilot:
        await play(app, pilot, ("t", "n", "n", "n", "n", "n", "p"))
        screen = app.screen
        assert screen.query_one("#tour-code").border_title.startswith("In [5]")
        assert "4.3283" in str(screen.query_one("#tour-output").render())  # seed 0's x
        for _ in CELLS:
            await pilot.press("right")
        assert str(screen.query_one("#tour-output").render()).endswith("tensor(-1.)")
        await play(app, pilot, ("escape",))
        assert app.screen.__class__.__name__ != "TourScreen"


async def test_g_cycles_loss_data_landscape_and_code_views():
    from tests.showcase import play

    app = make_app(RunConfig(variant="numpy-manual", lr=0.2, epochs=300))
    async with app.run_test(size=(120, 40)) as pilot:
        await play(app, pilot, ("space", "space", "g"))  # told diverging, then on to inf
        assert app.query_one("TabbedContent").active == "data"
        data_chart = app.query_one("#data-pane")
        assert "f(x) =" in str(data_chart.render())
        await play(app, pilot, ("g",))
        assert app.query_one("TabbedContent").active == "landscape"
        assert "leaves the valley" in str(app.query_one("#landscape-pane").render())
        await play(app, pilot, ("g",))
        assert app.query_one("TabbedContent").active == "code"
        assert app.main.has_class("-code") and not app.query_one("#debug").display
        assert "while epoch < 300:" in str(app.query_one("#code-listing").render())
        await play(app, pilot, ("g",))
        assert app.query_one("TabbedContent").active == "loss"
        assert not app.main.has_class("-code") and app.query_one("#debug").display


async def test_loading_a_csv_and_choosing_a_noisy_line(tmp_path):
    from tests.showcase import play

    good, bad = tmp_path / "points.csv", tmp_path / "bad.csv"
    good.write_text("x,y\n1,3\n2,5\n3,7\n")
    bad.write_text("x,z\n1,2\n")
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40)) as pilot:
        await play(app, pilot, ("n",))
        form = app.query_one(SettingsForm)
        form.focus_field("data")
        form.editor.value = str(bad)  # typing a long path key by key would prove nothing more
        await pilot.press("enter")
        await settle(app, pilot)  # the file is read on a worker thread
        assert "no column 'y'" in form.error("data")
        assert app.main.session.config.dataset.name == "line4" and app.main.session.epoch == 1
        form.editor.value = str(good)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.main.session.config.dataset.y == (3.0, 5.0, 7.0) and app.main.session.epoch == 0
        form.choose("dataset", "noisy")
        await pilot.pause()
        assert app.main.session.config.dataset.name.startswith("noisy:")


async def test_left_and_right_step_through_history_and_markers_show_changes():
    config = RunConfig(variant="numpy-manual")
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, *"nnnnn", "plus", *"nnnnn")
        await press_and_settle(app, pilot, "left", "left", "left")
        session = app.main.session
        assert session.cursor == 7 and session.viewed_record == session.history.record(6)
        assert "viewing epoch 7 of 10" in str(app.query_one("#status").render())
        table = app.query_one("#debug-table")
        assert str(table.rows[0][0]) == "7"
        assert session.changes == [(6, "lr 0.01 -> 0.02")]
        assert "lr 0.01 -> 0.02 at 6" in str(app.query_one("#loss-pane").render())
        await press_and_settle(app, pilot, "n")  # stepping goes on from the latest epoch
        assert session.epoch == 11 and session.cursor == 7
        await press_and_settle(app, pilot, *["right"] * 10)
        assert session.cursor is None and "epoch 11/100" in str(app.query_one("#status").render())


async def test_looking_back_the_grad_note_tells_what_that_epoch_did():
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "z", "n", "n", "z", "n", "n")
        note = app.query_one("#grad-note")
        assert "zero_grad on" in str(note.render())
        await press_and_settle(app, pilot, "left", "left")  # epoch 2: .grad was kept
        assert "zero_grad OFF" in str(note.render())
        await press_and_settle(app, pilot, "right", "right")
        assert "zero_grad on" in str(note.render())


async def test_a_run_replays_exactly_after_a_reset():
    config = RunConfig(variant="torch-module", optimizer="adam", lr=0.05, epochs=200, seed=5)
    app = make_app(config)
    async with app.run_test() as pilot:
        await run_to_end(app, pilot)
        first = list(app.main.session.history)
        await press_and_settle(app, pilot, "r")
        await run_to_end(app, pilot)
        assert list(app.main.session.history) == first and len(first) == 200


async def test_the_app_remembers_its_theme_and_settings_and_survives_an_unwritable_dir(tmp_path):
    from gdtui.core.settings import remembered as remembered_settings

    path = tmp_path / "gdtui" / "settings.json"
    config = RunConfig(variant="torch-optim", lr=0.03, optimizer="rmsprop")
    app = make_app(config, settings=path)
    async with app.run_test() as pilot:
        app.theme = "nord"
        await press_and_settle(app, pilot, "plus")
    remembered = remembered_settings.load(path)
    assert remembered.theme == "nord" and remembered.config == config.replace(lr=0.06)
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    app = make_app(config, settings=blocked / "settings.json", theme="nord")
    async with app.run_test():
        assert app.theme == "nord"
    assert blocked.read_text() == "not a directory"  # nothing lost, nothing raised


async def test_resizing_down_to_40x12_shows_a_notice_and_keeps_working():
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40)) as pilot:
        for size, small in [
            ((80, 24), False),
            ((59, 30), True),
            ((40, 12), True),
            ((80, 24), False),
            ((120, 17), True),
            ((120, 40), False),
        ]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert app.query_one("#too-small").display is small
            assert app.query_one("#main").display is not small
            await press_and_settle(app, pilot, "n")
        assert app.main.session.epoch == 6
        # Back at full size the variant pane is as it was at the start: every variant in
        # sight, no scrollbar left over from a narrow size.
        variants = app.query_one("#variants")
        lines = ["".join(s.text for s in variants.render_line(y)) for y in range(12)]
        assert variants.scrollbars_enabled == (False, False)
        assert all(name in "".join(lines) for name in ("numpy-manual", "torch-module"))
        assert any(line.strip() == "no_grad()" for line in lines)  # wrapped, not cut
