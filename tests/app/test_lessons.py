"""Playing lessons: every built-in lesson plays to its end with enter, its numbers at each
step equal to plain numpy and torch loops written here, and backspace goes back exactly."""

from __future__ import annotations

import pytest

from gdtui.app import make_app
from gdtui.core.lessons.lesson import Lesson, builtin_lessons
from gdtui.core.settings.config import RunConfig, config_from_options
from tests.core.references import (
    ACCUMULATED_GRADS,
    Row,
    assert_rows_close,
    closed_form,
    record_row,
    torch_loop,
)
from tests.showcase import settle

from .conftest import press_and_settle

LOOP_LINES = {"numpy-manual": 7, "torch-autograd": 6, "torch-optim": 6, "torch-module": 6}
"""The loop's lines per variant, counted from the seeds' code (``epoch += 1`` is one)."""
RESETS = ("variant", "grad_formula", "dataset", "w0", "b0", "bias", "optimizer", "seed")


def _reference(config: RunConfig, zero_grads: list[bool]) -> list[Row]:
    """The run's epochs from plain loops (none of gdtui's arithmetic)."""
    if not zero_grads:
        return []
    x, y, lrs = config.dataset.x, config.dataset.y, [config.lr] * len(zero_grads)
    w0 = config.w0 or 0.0
    if config.variant == "numpy-manual":
        rows = closed_form(x, y, w0, lrs, zero_grads)
        if config.grad_formula == "tutorial":  # np.dot(2x, ŷ−y).mean(): N times the mean
            n, w, rows = len(x), w0, []
            for lr in lrs:
                residual = [w * xi - yi for xi, yi in zip(x, y, strict=True)]
                loss = sum(r * r for r in residual) / n
                grad = sum(2 * xi * r for xi, r in zip(x, residual, strict=True))
                w -= lr * grad
                rows.append((loss, w, None, grad, None))
        return rows
    if config.variant == "torch-module":
        import torch

        torch.manual_seed(config.seed)
        layer = torch.nn.Linear(1, 1)
        w0, b0 = layer.weight.item(), layer.bias.item()
        return torch_loop(x, y, w0, lrs, zero_grads, b0=b0, optimizer=config.optimizer)
    optimizer = config.optimizer if config.variant == "torch-optim" else None
    return torch_loop(x, y, w0, lrs, zero_grads, optimizer=optimizer)


def _expected(lesson: Lesson) -> list[list[Row]]:
    """The run's records after each step, counted here from the steps."""
    config, zero_grads, position, out = lesson.config, [], 0, []
    for step in lesson.steps:
        if step.set:
            new = config_from_options(step.set, base=config)
            if any(getattr(new, key) != getattr(config, key) for key in RESETS):
                zero_grads, position = [], 0
            config = new
        if step.epochs:
            zero_grads += [config.zero_grad] * step.epochs
            position = 0
        lines = LOOP_LINES[config.variant]
        done, position = divmod(position + step.lines, lines)
        zero_grads += [config.zero_grad] * done
        out.append(_reference(config, zero_grads))
    return out


LESSONS = builtin_lessons()


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.name for lesson in LESSONS])
async def test_a_builtin_lesson_plays_to_its_end_with_the_plain_loops_numbers(
    lesson: Lesson,
) -> None:
    app = make_app(lesson=lesson)
    expected = _expected(lesson)
    seen = []
    async with app.run_test(size=(120, 40)) as pilot:
        main = app.main
        head, note = app.query_one("#lesson-head"), app.query_one("#lesson-note")
        assert lesson.title in str(head.render()) and "step 0/" in str(head.render())
        assert lesson.about[:40] in str(note.render())
        for number, want in enumerate(expected, start=1):
            await press_and_settle(app, pilot, "enter")
            got = [record_row(record) for record in main.session.history]
            assert_rows_close(got, want)
            seen.append(list(main.session.history))
            assert f"step {number}/{len(lesson.steps)}" in str(head.render())
            assert lesson.steps[number - 1].note in " ".join(str(note.render()).split())
            view = lesson.view_at(number)
            assert app.query_one("#views").active == view
            if lesson.steps[number - 1].note.startswith("The rest"):  # of the run: all of it
                assert main.session.epoch == main.session.config.epochs
        # Back one step: played again from the start, the same records exactly.
        await press_and_settle(app, pilot, "backspace")
        assert list(main.session.history) == seen[-2]
        assert main.player.at == len(lesson.steps) - 1
        await press_and_settle(app, pilot, "enter")
        assert list(main.session.history) == seen[-1]


async def test_lesson_numbers_are_the_seeds() -> None:
    """The notes' numbers: 004's accumulating .grad, 003's N-times gradient, 002's first epoch."""
    by_number = {lesson.name[:3]: lesson for lesson in LESSONS}
    rows = _expected(by_number["004"])
    assert [row[3] for row in rows[3][:3]] == pytest.approx(ACCUMULATED_GRADS, rel=1e-6)
    tutorial, mean = _expected(by_number["003"])[1][0], _expected(by_number["003"])[2][0]
    assert tutorial[3] == pytest.approx(4 * mean[3]) and mean[3] == pytest.approx(-30)
    first = _expected(by_number["002"])[2][0]
    assert (first[0], first[1], first[3]) == pytest.approx((11.0, 1.22, -22.0), rel=1e-6)
    assert _expected(by_number["000"])[3][0][1] == pytest.approx(1.2)


async def test_enter_in_a_field_is_the_fields_and_the_ends_say_so() -> None:
    lesson = LESSONS[3]
    app = make_app(lesson=lesson)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await press_and_settle(app, pilot, "backspace")
        assert app.main.player.at == 0
        assert any("lesson's start" in n.message for n in app._notifications)
        await press_and_settle(app, pilot, *["enter"] * len(lesson.steps), "enter")
        assert app.main.player.at == len(lesson.steps)
        assert any("last step" in n.message for n in app._notifications)
        # Step 3 starts the run again (grad_formula): its note says so, no notice covers it.
        assert not any("Started again" in n.message for n in app._notifications)


async def test_keys_of_ones_own_between_steps_are_off_script_and_enter_gets_back_on_it() -> None:
    lesson = next(lesson for lesson in LESSONS if lesson.name.startswith("004"))
    expected = _expected(lesson)
    app = make_app(lesson=lesson)
    async with app.run_test(size=(120, 40)) as pilot:
        main, head = app.main, app.query_one("#lesson-head")
        await press_and_settle(app, pilot, "enter")
        assert "off script" not in str(head.render())
        await press_and_settle(app, pilot, "g")  # a view changes no number: still on script
        assert not main.player.off_script
        await press_and_settle(app, pilot, "n", "plus", "n")  # the learner's own epochs
        assert main.player.off_script and "off script" in str(head.render())
        await press_and_settle(app, pilot, "enter")  # replayed to step 1, then step 2
        assert not main.player.off_script and "off script" not in str(head.render())
        assert main.player.at == 2
        assert_rows_close([record_row(r) for r in main.session.history], expected[1])
        assert main.session.config.lr == lesson.config.lr


async def test_at_80x24_a_lessons_chart_keeps_the_larger_part_of_the_screen() -> None:
    app = make_app(lesson=LESSONS[2])
    async with app.run_test(size=(80, 24)) as pilot:
        await press_and_settle(app, pilot, "enter", "enter", "enter", "enter")
        chart = app.query_one("#loss-pane")
        debug = app.query_one("#debug")
        assert chart.size.height > debug.size.height
        assert chart.size.height >= 9  # was 5 rows, 1 of them the plot's
        assert not app.query_one("#views ContentTabs").display


async def test_a_lessons_end_off_script_says_what_enter_does_and_enter_does_it() -> None:
    lesson = LESSONS[3]
    expected = _expected(lesson)
    app = make_app(lesson=lesson)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        head = app.query_one("#lesson-head")
        await press_and_settle(app, pilot, *["enter"] * len(lesson.steps))
        assert "the end · backspace: back" in str(head.render())
        await press_and_settle(app, pilot, "n")
        words = str(head.render())
        assert "off script: enter replays to the end" in words and "the end ·" not in words
        await press_and_settle(app, pilot, "enter")
        assert not app.main.player.off_script and "the end · backspace" in str(head.render())
        assert_rows_close([record_row(r) for r in app.main.session.history], expected[-1])


async def test_a_step_is_reached_by_number_from_the_start_or_with_a_key() -> None:
    lesson = LESSONS[0]
    expected = _expected(lesson)
    app = make_app(lesson=lesson, lesson_step=3)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        await settle(app, pilot)
        main, head = app.main, app.query_one("#lesson-head")
        assert main.player.at == 3 and "step 3/" in str(head.render())
        assert main.player.note == lesson.steps[2].note
        await press_and_settle(app, pilot, "6")
        assert main.player.at == 6
        assert_rows_close([record_row(r) for r in main.session.history], expected[5])
        await press_and_settle(app, pilot, "0")
        assert main.player.at == 0 and len(main.session.history) == 0
        await press_and_settle(app, pilot, "n", "9")  # a key of one's own, then the end
        assert main.player.at == 9 and not main.player.off_script
        await press_and_settle(app, pilot, "8")
        assert main.player.at == 8
        assert_rows_close([record_row(r) for r in main.session.history], expected[7])


async def test_keys_0_to_9_are_the_runs_own_without_a_lesson() -> None:
    app = make_app(RunConfig())
    async with app.run_test(size=(120, 40)) as pilot:
        await press_and_settle(app, pilot, "3")
        assert len(app.main.session.history) == 0 and app.main.player is None
