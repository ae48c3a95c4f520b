"""The settings form: every field validated by the core, errors beside the field, and an
invalid value never reaching the run."""

from __future__ import annotations

import pytest

from gdtui.app import make_app
from gdtui.app.widgets.settings_form import SettingsForm
from gdtui.core.settings.config import RunConfig

from .conftest import press_and_settle

BAD_VALUES = [
    ("lr", "abc"),
    ("lr", "0"),
    ("lr", ""),
    ("epochs", "1.5"),
    ("epochs", "١٢"),
    ("w0", "1e39"),
    ("eps", "-1"),
    ("seed", "-3"),
]
"""One of each kind of refusal, in each field; every rule of the parsers is tested in the core
(tests/core/test_parse.py, test_config.py)."""


def form_of(app) -> SettingsForm:
    return app.main.query_one(SettingsForm)


def drawn(form: SettingsForm) -> str:
    """The form's text as it is drawn, its spaces one (an error wraps)."""
    lines = form.lines
    return " ".join(" ".join(lines.render_line(y).text for y in range(lines.size.height)).split())


def shown(form: SettingsForm, name: str) -> bool:
    """Whether setting ``name`` has a row on the form (and it is drawn so)."""
    assert form.rows[name].shown is (form.lines.line_of(name) >= 0)
    return form.rows[name].shown


async def type_into(app, pilot, name: str, text: str) -> None:
    form = form_of(app)
    form.focus_field(name)
    await pilot.pause()
    assert app.focused is form.editor and form.focused_field == name
    form.editor.value = ""
    await pilot.press(*text) if text else None
    await pilot.press("enter")
    await pilot.pause()


@pytest.mark.parametrize(
    ("variant", "bad_values"),
    [("numpy-manual", BAD_VALUES), ("torch-module", [("b0", "nan"), ("b0", "1,2")])],
)
async def test_bad_values_show_an_error_and_keep_the_run(variant, bad_values):
    # One app for the whole table: each value is typed, refused, and the run goes on.
    app = make_app(RunConfig(variant=variant))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n", "n")
        for name, text in bad_values:
            before_config, before = app.main.session.config, list(app.main.session.history)
            await type_into(app, pilot, name, text)
            assert "expects" in form_of(app).error(name), (name, text)
            assert app.main.session.config == before_config, (name, text)
            assert list(app.main.session.history) == before, (name, text)
            await pilot.press("escape")
            await press_and_settle(app, pilot, "n")  # the run goes on
            assert len(app.main.session.history) == len(before) + 1, (name, text)


async def test_good_value_clears_the_error_and_applies():
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40)) as pilot:
        await type_into(app, pilot, "epochs", "abc")
        form = form_of(app)
        assert form.error("epochs") and " ".join(form.error("epochs").split()) in drawn(form)
        await type_into(app, pilot, "epochs", "250")
        assert not form.error("epochs")
        assert app.main.session.config.epochs == 250


async def test_fewer_epochs_than_run_so_far_is_refused_and_as_many_ends_the_run():
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n", "n", "n", "n")
        await type_into(app, pilot, "epochs", "2")
        assert "the run is at epoch 4" in form_of(app).error("epochs")
        assert app.main.session.config.epochs == 100 and app.main.session.epoch == 4
        await press_and_settle(app, pilot, "escape")
        await type_into(app, pilot, "epochs", "4")
        assert app.main.session.config.epochs == 4
        assert app.main.session.finished and app.main.session.message == "done: 4 epochs"
        await press_and_settle(app, pilot, "escape", "n")
        assert app.main.session.epoch == 4  # n says the run is done instead of stepping past it


async def test_initial_value_change_resets_and_says_so():
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n", "n")
        await type_into(app, pilot, "w0", "1.5")
        assert app.main.session.config.w0 == 1.5
        assert len(app.main.session.history) == 0
        assert any("w0" in n.message for n in app._notifications)


async def test_cuda_without_a_gpu_is_refused_beside_the_device_field(monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    app = make_app(RunConfig())
    async with app.run_test(size=(120, 40)) as pilot:
        form_of(app).choose("device", "cuda")
        await pilot.pause()
        error = form_of(app).error("device")
        import torch

        # This machine's torch is a CPU-only build: said so, not "no GPU".
        words = "a CPU-only build" if torch.version.cuda is None else "finds no CUDA GPU"
        assert "cuda was asked for, but" in error and words in error
        assert app.main.session.config.device == "auto"


async def test_optimizer_and_dataset_selects_apply():
    app = make_app(RunConfig(variant="torch-optim"))
    async with app.run_test(size=(120, 40)) as pilot:
        form = form_of(app)
        form.choose("optimizer", "adam")
        form.choose("dataset", "line5")
        await pilot.pause()
        assert app.main.session.config.optimizer == "adam"
        assert app.main.session.config.dataset.name == "line5"
        assert form.rows["optimizer"].disabled is False
        await press_and_settle(app, pilot, "v")  # torch-module
        await press_and_settle(app, pilot, "v")  # numpy-manual: sgd only
        assert app.main.session.config.optimizer == "sgd"
        assert form.rows["optimizer"].disabled is True


@pytest.mark.parametrize("variant", ["torch-module", "numpy-manual"])
async def test_every_setting_is_on_the_form_and_in_the_palette(variant):
    from textual.widgets import OptionList

    from gdtui.core.settings.commands import commands
    from gdtui.core.settings.config import acceptable
    from gdtui.core.settings.fields import FIELDS

    config = RunConfig(variant=variant)
    app = make_app(config)
    async with app.run_test(size=(120, 40)):
        titles = {command.title for command in app.get_system_commands(app.main)}
        for field in FIELDS:
            if field.widget == "variants":
                options = app.query_one("#variants", OptionList)
                ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
                assert ids == list(field.choices)
            elif field.widget is not None:
                assert shown(form_of(app), field.key) is field.applies(config)
            for title, _, _ in commands(field):
                assert (title in titles) is field.applies(config), title
            if not field.applies(config):  # its choices set what it needs: found from here
                for title, _, change in commands(field, config):
                    assert title.endswith(")") and "(with " in title
                    assert (title in titles) is acceptable(change or {}, config), title


async def test_palette_sets_a_choice_goes_to_a_field_and_resets_to_defaults():
    app = make_app(RunConfig(variant="torch-optim", lr=0.5, zero_grad=False))
    async with app.run_test(size=(120, 40)) as pilot:
        for query in ("optimizer: adam", "Edit learning rate"):
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*query)
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause(0.2)
        assert app.main.session.config.optimizer == "adam"
        assert form_of(app).focused_field == "lr" and app.focused is form_of(app).editor
        await pilot.press("escape", "ctrl+p")
        await pilot.pause()
        await pilot.press(*"defaults")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.main.session.config == RunConfig()
        assert form_of(app).rows["lr"].text == "0.01"


async def test_a_palette_setting_refused_is_told_in_the_forms_words():
    app = make_app(RunConfig(variant="torch-autograd"))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        app.main.edit("optimizer", {"optimizer": "adam"})  # what "optimizer: adam" runs
        await pilot.pause()
        (notice,) = [n.message for n in app._notifications]
        assert notice.startswith("optimizer: torch-autograd is plain gradient descent (sgd only)")
        assert "--" not in notice.split(":")[0]  # the form's name, not the command line's
        assert app.main.session.config.optimizer == "sgd"


async def test_the_knobs_show_for_their_optimizer_and_apply_from_the_form():
    app = make_app(RunConfig(variant="torch-optim"))
    async with app.run_test(size=(120, 40)) as pilot:
        main, form = app.main, form_of(app)
        rows = {key: shown(form, key) for key in ("momentum", "betas")}
        assert rows == {"momentum": False, "betas": False}
        assert shown(form, "bias") and shown(form, "weight_decay")
        main.change({"optimizer": "momentum"})
        await pilot.pause()
        assert shown(form, "momentum") and shown(form, "nesterov")
        await type_into(app, pilot, "momentum", "0.5")
        assert main.session.config.momentum == 0.5
        main.change({"optimizer": "adam"})
        await pilot.pause()
        assert form.rows["betas"].text == "0.9,0.999"
        await type_into(app, pilot, "betas", "0.8,0.99")
        await type_into(app, pilot, "weight_decay", "0.01")
        config = main.session.config
        assert (config.betas, config.weight_decay, config.momentum) == ((0.8, 0.99), 0.01, 0.5)
        await type_into(app, pilot, "betas", "0.8")
        assert main.session.config.betas == (0.8, 0.99)  # refused, beside the field
        assert "1 number, not 2" in form.error("betas")
        await pilot.press("escape")
        main.change({"bias": True})
        await pilot.pause()
        assert main.session.config.has_bias and shown(form, "b0")


async def test_narrowing_to_a_drawer_closes_it_as_a_fresh_start_has_it_but_not_mid_typing():
    app = make_app(RunConfig())
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "n")
        main = app.main
        assert main.query_one("#variants").has_focus  # a wide screen gives them the focus
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not main.has_class("-open") and not main.query_one("#left").display
        assert main.focused is None
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        form_of(app).focus_field("lr")
        await pilot.press("backspace")  # typing in a field: the drawer keeps it in sight
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert main.has_class("-open") and form_of(app).focused_field == "lr"
        assert form_of(app).editor.has_focus


async def test_enter_on_a_value_that_applies_gives_the_keys_back_to_the_run():
    app = make_app(RunConfig())
    async with app.run_test(size=(120, 40)) as pilot:
        await type_into(app, pilot, "epochs", "50")
        assert app.main.session.config.epochs == 50
        assert not app.main.in_field
        await press_and_settle(app, pilot, "n")  # a key of the run's again, not typed
        assert len(app.main.session.history) == 1
        assert form_of(app).rows["epochs"].text == "50"
        await type_into(app, pilot, "epochs", "50")  # the run's own value: done too
        assert not app.main.in_field
        await type_into(app, pilot, "epochs", "5x")  # refused: stays, to be corrected
        assert app.main.in_field and app.main.session.config.epochs == 50


async def test_up_down_tab_and_shift_tab_go_through_the_settings_then_on_to_the_panes():
    app = make_app(RunConfig(variant="numpy-manual"))  # one optimizer: its choice is passed
    async with app.run_test(size=(120, 40)) as pilot:
        main, form = app.main, form_of(app)
        stops = [key for key, row in form.rows.items() if row.shown and not row.disabled]
        assert "optimizer" not in stops and "momentum" not in stops and stops[0] == "lr"
        await pilot.press("tab")  # from the variants: the first setting
        await pilot.pause()
        assert form.focused_field == "lr" and app.focused is form.editor and main.in_field
        for key in stops[1:]:
            await pilot.press("down")
            await pilot.pause()
            assert form.focused_field == key
            editing = form.rows[key].kind == "input"
            assert (app.focused is form.editor) is editing, key
        await pilot.press("down")  # the last stays the last
        await pilot.pause()
        assert form.focused_field == stops[-1]
        for key in reversed(stops[:-1]):
            await pilot.press("up")
            await pilot.pause()
            assert form.focused_field == key
        await pilot.press("up")
        await pilot.pause()
        assert form.focused_field == "lr"
        await pilot.press("shift+tab")  # before the first: back to the variants
        await pilot.pause()
        assert type(app.focused).__name__ == "VariantPane" and not main.in_field
        await pilot.press("tab", *["tab"] * (len(stops) - 1))
        await pilot.pause()
        assert form.focused_field == stops[-1]
        await pilot.press("tab")  # past the last: on to the views
        await pilot.pause()
        assert form.focused_field is None and not main.in_field
        await pilot.press("shift+tab")  # and back into the form at its last setting
        await pilot.pause()
        assert form.focused_field == stops[-1] and app.focused is form.editor


async def test_a_choice_opens_on_enter_or_space_and_a_letter_or_escape_changes_nothing():
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40)) as pilot:
        main, form = app.main, form_of(app)
        form.focus_field("dtype")
        await pilot.pause()
        assert app.focused is form.lines and "▼" in form.lines.render_line(9).text
        for opening in ("enter", "space"):
            await pilot.press(opening)
            await pilot.pause()
            choices = form.query_one("ChoiceList")
            assert app.focused is choices and main.in_field
            assert form.lines.expanded == "dtype"  # its arrow points up while the list is open
            await pilot.press(*"f64q")  # typed letters pick nothing
            await pilot.pause()
            assert main.session.config.dtype == "float32" and app.is_running
            await pilot.press("escape")  # closes the list; the field keeps the focus
            await pilot.pause()
            assert not choices.display and app.focused is form.lines and main.in_field
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        assert main.session.config.dtype == "float64" and form.rows["dtype"].text == "float64"
        assert not main.in_field  # applied: the keys are the run's again


async def test_space_or_enter_toggles_a_switch_and_its_words_follow():
    app = make_app(RunConfig(variant="torch-optim"))
    async with app.run_test(size=(120, 40)) as pilot:
        main, form = app.main, form_of(app)
        form.focus_field("zero_grad")
        await pilot.pause()
        assert "zero_grad" in drawn(form) and " on " in drawn(form)
        await pilot.press("space")
        await pilot.pause()
        assert main.session.config.zero_grad is False
        assert "zero_grad OFF: accumulate" in drawn(form) and not main.in_field  # cut at the edge
        form.focus_field("zero_grad")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert main.session.config.zero_grad is True


async def test_a_click_on_a_row_edits_it_and_on_a_value_toggles_or_opens():
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40)) as pilot:
        main, form = app.main, form_of(app)
        lines = form.lines
        await pilot.click(lines, offset=(2, lines.line_of("epochs")))
        await pilot.pause()
        assert form.focused_field == "epochs" and app.focused is form.editor
        await pilot.click(lines, offset=(20, lines.line_of("shuffle")))
        await pilot.pause()
        assert main.session.config.shuffle is True
        await pilot.click(lines, offset=(20, lines.line_of("device")))
        await pilot.pause()
        assert app.focused is form.query_one("ChoiceList") and form.focused_field == "device"


async def test_the_rows_read_as_the_form_always_has():
    app = make_app(RunConfig(variant="torch-module", lr=0.5))
    async with app.run_test(size=(120, 40)) as pilot:
        form = form_of(app)
        await pilot.pause()
        text = [form.lines.render_line(y).text for y in range(form.lines.size.height)]
        assert text[0] == f"{'learning rate':16}{'0.5':20}"
        assert text[2] == f"{'w0':16}{'seeded init':20}"  # nn.Linear draws its own start
        assert text[3] == f"{'b0':16}{'seeded init':20}"
        assert text[4].startswith(f"{'bias':16}") and text[4].endswith(" on".ljust(16))
        assert text[5] == f"{'data':16}{'line4':17} ▼ "
        assert not any(line.startswith(("momentum", "adam betas", "gradient")) for line in text)


async def test_a_list_left_open_closes_when_the_focus_goes_elsewhere():
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40)) as pilot:
        main, form = app.main, form_of(app)
        form.focus_field("device")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        choices = form.query_one("ChoiceList")
        assert app.focused is choices
        await pilot.click("#variants")
        await pilot.pause()
        assert not choices.display and type(app.focused).__name__ == "VariantPane"
        assert not main.in_field and form.lines.expanded is None
        await pilot.press("tab")  # back in at the first setting, no list open
        await pilot.pause()
        assert form.focused_field == "lr" and app.focused is form.editor
