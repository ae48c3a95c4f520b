"""Your own loop in the app: a learner's file stepped by line and by epoch to the numbers
``gdtui run FILE`` gives, its mistake marked at its line, an error that stops it at its
line, an edit that fixes it and runs again, a syntax error kept out."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import Log, Static, TextArea

from gdtui.app import make_app
from gdtui.app.screens.own import OwnScreen
from gdtui.app.screens.own_editor import EditorScreen
from gdtui.core.own import gallery
from tests.own.own_support import records_here


async def _until(pilot, test, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if test():
            break
        await pilot.pause(0.05)
    assert test()


async def _press(pilot, screen: OwnScreen, *keys: str) -> None:
    """Press each key and wait until the program has answered it."""
    for key in keys:
        await pilot.press(key)
        await _until(pilot, lambda: not screen.link.busy)
        await pilot.pause(0.1)


def _as_run(records: list[dict]) -> list[dict]:
    """Records as ``gdtui run`` writes them (the app's have two more columns)."""
    return [{k: v for k, v in r.items() if k not in ("update", "numerical")} for r in records]


async def _opened(pilot, app) -> OwnScreen:
    screen = app.screen
    assert isinstance(screen, OwnScreen)
    await _until(pilot, lambda: bool(screen.text) and not screen.link.busy)
    return screen


async def test_stepping_gives_the_files_numbers() -> None:
    path = gallery.program_path("correct")
    expected = records_here(path, 3)
    app = make_app(program=path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _opened(pilot, app)
        assert screen.state["next_line"] == 22  # the loop's header, in the file's numbers
        await _press(pilot, screen, "full_stop", "full_stop", "full_stop", "full_stop")
        assert screen.last_line == 25 and screen.values == {"w.grad": -30.0}
        listing = str(screen.query_one("#own-listing", Static).render())
        assert "▶ 25     l.backward()" in listing
        values = str(screen.query_one("#own-values", Static).render())
        assert "MeanBackward0  ← 1" in values and "AccumulateGrad(w)  ← -30" in values
        await _press(pilot, screen, "n")
        assert _as_run(screen.records) == expected[:1]
        await _press(pilot, screen, "n", "n")
        assert _as_run(screen.records) == expected
        first = screen.records[0]  # the table's extra columns: the update, the numerical
        assert first["update"] == {"w": first["params"]["w"]}  # from w = 0
        assert abs(first["numerical"]["w"] - first["backward"]["w"]) < 1e-3
        output = screen.query_one("#own-output", Log)
        assert "epoch 1: w = 0.300, loss = 30.00000000" in "\n".join(output.lines)
        await _press(pilot, screen, "left")
        assert screen.viewed == 2 and "epoch 2's record" in str(
            screen.query_one("#own-values", Static).render()
        )


async def test_a_mistake_is_marked_and_an_error_stops_at_its_line() -> None:
    app = make_app(program=gallery.program_path("not-a-leaf"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _opened(pilot, app)
        await _press(pilot, screen, "n", "n")
        assert screen.state["stopped"]["line"] == 28
        assert [f["kind"] for f in screen.state["findings"]] == ["not-a-leaf"]
        listing = str(screen.query_one("#own-listing", Static).render())
        assert "w = w - learning_rate * w.grad  ← not-a-leaf" in listing
        assert "← stopped here" in listing
        status = str(screen.query_one("#own-status", Static).render())
        assert "stopped at line 28: AttributeError" in status
        await _press(pilot, screen, "r")  # the app is still there: r starts over
        await _until(pilot, lambda: screen.state.get("stopped") is None)
        assert screen.state["next_line"] == 22


async def test_an_edit_fixes_the_mistake_and_runs_again(tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    shutil.copy(gallery.program_path("diverging"), path)
    app = make_app(program=path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _opened(pilot, app)
        await pilot.press("space")
        await _until(pilot, lambda: screen.state.get("ended"))
        assert [f["kind"] for f in screen.state["findings"]] == ["diverging"]
        await pilot.press("e")
        await _until(pilot, lambda: isinstance(app.screen, EditorScreen))
        area = app.screen.query_one(TextArea)
        assert area.language == "python"  # highlighted
        area.text = area.text.replace("for epoch in", "for epoch in in")
        await pilot.press("ctrl+s")  # a syntax error: not saved, still editing
        await pilot.pause(0.2)
        assert isinstance(app.screen, EditorScreen)
        problem = str(app.screen.query_one("#editor-problem", Static).render())
        assert problem.startswith("line 22: syntax error") and "not saved" in problem
        assert "learning_rate = 0.2" in path.read_text()
        area.text = area.text.replace("for epoch in in", "for epoch in").replace(
            "learning_rate = 0.2", "learning_rate = 0.05"
        )
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: app.screen is screen)
        assert "learning_rate = 0.05" in path.read_text()
        await _until(pilot, lambda: bool(screen.text) and not screen.link.busy)
        assert screen.records == [] and screen.state["findings"] == []
        await pilot.press("space")
        await _until(pilot, lambda: screen.state.get("ended"))
        assert screen.state["findings"] == [] and len(screen.records) == 20
        assert _as_run(screen.records) == records_here(path, 20)


async def test_v_goes_back_to_the_variants_and_ends_the_programs_process() -> None:
    app = make_app(program=gallery.program_path("correct"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _opened(pilot, app)
        process = screen.link.process
        assert process is not None
        await pilot.press("v")
        await pilot.pause(0.2)
        assert app.screen is app.main
        assert process.poll() is not None


async def test_a_statement_that_hangs_is_said_and_r_still_acts(tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text(
        "import time\nw = 0.0\nfor epoch in range(3):\n    w -= 0.1 * (w - 1)\n"
        "    time.sleep(60)\n",
        encoding="utf-8",
    )
    app = make_app(program=path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _opened(pilot, app)
        await _press(pilot, screen, "full_stop", "full_stop")
        await pilot.press("full_stop")  # the sleep: no answer comes
        await _until(
            pilot,
            lambda: "not responding" in str(screen.query_one("#own-status", Static).render()),
            10,
        )
        status = str(screen.query_one("#own-status", Static).render())
        assert "not responding at line 5" in status and "r starts over" in status
        stuck = screen.link.process
        await pilot.press("r")
        await _until(pilot, lambda: bool(screen.text) and not screen.link.busy)
        assert stuck is not None and stuck.poll() is not None  # the stuck process is gone
        assert screen.state["next_line"] == 3 and screen.state["epoch"] == 0


async def test_the_learning_rate_field_edits_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    shutil.copy(gallery.program_path("diverging"), path)
    app = make_app(program=path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _opened(pilot, app)
        await pilot.press("f")
        field = screen.query_one("#knob-learning-rate")
        assert screen.focused is field and field.value == "0.2"
        await pilot.press(*["backspace"] * 3, *"abc", "enter")  # refused, file untouched
        await pilot.pause(0.2)
        assert "learning_rate = 0.2\n" in path.read_text()
        await pilot.press(*["backspace"] * 3, *"0.05", "enter")
        await _until(pilot, lambda: "learning_rate = 0.05\n" in path.read_text())
        await _until(pilot, lambda: bool(screen.text) and not screen.link.busy)
        await _until(pilot, lambda: len(screen.query("#own-knobs Label")) == 2)
        assert screen.query_one("#knob-learning-rate").value == "0.05"
        epochs = screen.query_one("#knob-epochs")
        assert epochs.value == "20" and "n_iters" in str(
            screen.query("#own-knobs Label")[1].render()
        )
        await pilot.press("space")
        await _until(pilot, lambda: screen.state.get("ended"))
        assert screen.state["findings"] == []


async def test_g_shows_the_landscape_or_why_not() -> None:
    app = make_app(program=gallery.program_path("correct"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _opened(pilot, app)
        await _press(pilot, screen, "n", "n", "n", "g")
        await _until(pilot, lambda: screen.landscape is not None)
        assert screen.query_one("#own-landscape").display
        assert not screen.query_one("#own-chart").display
        view = screen.landscape["view"]
        ws = [r["params"]["w"] for r in screen.records]
        assert view["path"][0] == [0.0, *ws]  # from the start, each epoch's w
        # On the curve the program computes again, loss(w) = mean((w·x - 2x)²) = 7.5 (w - 2)²
        for w, loss in zip(*view["curve"], strict=True):
            assert abs(loss - 7.5 * (w - 2) ** 2) <= 1e-5 * max(1.0, loss)
    path = Path(__file__).resolve().parents[1] / "own/programs/public/polynomial_numpy.py"
    app = make_app(program=path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _opened(pilot, app)
        await _press(pilot, screen, "g")
        await _until(pilot, lambda: screen.landscape is not None)
        assert screen.landscape["why"].startswith("a landscape needs one or two numbers")
        assert "hold 4 (a, b, c, d)" in screen.landscape["why"]


async def test_c_sets_the_mistakes_beside_the_correct_loop(monkeypatch) -> None:
    from gdtui.app.screens.own_compare import MistakesScreen
    from gdtui.core.own import lanes

    # Three lanes of the ten (gdtui compare --across mistakes's tests run them all).
    monkeypatch.setattr(lanes, "names", lambda: ["correct", "not-a-leaf", "diverging"])
    names = lanes.names
    app = make_app(program=gallery.program_path("correct"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _opened(pilot, app)
        await pilot.press("c")
        await _until(pilot, lambda: isinstance(app.screen, MistakesScreen))
        mistakes = app.screen
        await _until(pilot, lambda: mistakes.lanes is not None, 120)
        assert [lane.name for lane in mistakes.lanes] == names()
        table = mistakes.query_one("#lanes")
        assert [row[0] for row in table.rows] == names()
        correct = mistakes.lanes[0]
        assert _as_run(correct.records) == records_here(gallery.program_path("correct"), 20)
        errors = str(mistakes.query_one("#lanes-errors", Static).render())
        assert "not-a-leaf: not-a-leaf.py:28: AttributeError" in errors
        await pilot.press("escape")
        assert app.screen is screen


LESSON = """title = "The gradient that piles up"
about = "This loop forgets to clear w.grad."

[settings]
program = "mine.py"

[[steps]]
note = "The forward pass, the loss, backward(): w.grad = -30."
lines = 4

[[steps]]
note = "Two epochs: the second's backward() adds to the first's."
epochs = 2

[[steps]]
note = "The loss landscape."
view = "landscape"
"""


async def test_a_lesson_steps_a_program_and_goes_back(tmp_path: Path) -> None:
    from gdtui.core.lessons.lesson import load_lesson

    shutil.copy(gallery.program_path("accumulating-grad"), tmp_path / "mine.py")
    (tmp_path / "bug.toml").write_text(LESSON, encoding="utf-8")
    lesson = load_lesson(str(tmp_path / "bug.toml"))
    assert lesson.program == tmp_path / "mine.py"
    app = make_app(lesson=lesson, program=lesson.program)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _opened(pilot, app)
        banner = str(screen.query_one("#own-lesson", Static).render())
        assert "step 0 of 3" in banner and "forgets to clear" in banner
        await _press(pilot, screen, "enter")
        await _until(pilot, lambda: screen.last_line == 25 and not screen.link.busy)
        assert screen.values == {"w.grad": -30.0}
        await _press(pilot, screen, "enter")
        await _until(pilot, lambda: len(screen.records) == 2 and not screen.link.busy)
        assert [r["backward"]["w"] for r in screen.records] == [-30.0, -55.5]
        assert [f["kind"] for f in screen.state["findings"]] == ["accumulating-grad"]
        await _press(pilot, screen, "enter")
        assert screen.show_landscape
        await _press(pilot, screen, "backspace", "backspace")  # back to step 1: replayed
        await _until(pilot, lambda: screen.last_line == 25 and not screen.link.busy, 30)
        assert screen.records == [] and screen.values == {"w.grad": -30.0}
        assert "step 1 of 3" in str(screen.query_one("#own-lesson", Static).render())


async def test_programs_as_learners_write_them(tmp_path: Path) -> None:
    """A module class in the namespace, 600 lines printed in an epoch, input()."""
    seeds = Path(__file__).resolve().parents[1] / "own/programs/seeds"
    app = make_app(program=seeds / "001_nn_module.py")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _opened(pilot, app)
        await _press(pilot, screen, "n")
        assert screen.state["stopped"] is None and len(screen.records) == 1
    path = tmp_path / "chatty.py"
    path.write_text(
        "w = 0.0\nfor epoch in range(2):\n    for i in range(600):\n        print('line', i)\n"
        "    w -= 0.1 * (w - 1)\n    x = input()\n",
        encoding="utf-8",
    )
    app = make_app(program=path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _opened(pilot, app)
        await _press(pilot, screen, "n")
        log = screen.query_one("#own-output", Log)
        assert log.lines[-1] == "line 599" and len(log.lines) == 500
        assert screen.state["stopped"]["message"].startswith("EOFError")
        (finding,) = screen.state["findings"]
        assert "input() reads from a keyboard" in finding["message"]


async def test_a_hang_while_running_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text(
        "import time\nw = 0.0\nfor epoch in range(9):\n    w -= 0.1 * (w - 1)\n"
        "    if epoch == 2:\n        time.sleep(60)\n",
        encoding="utf-8",
    )
    app = make_app(program=path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _opened(pilot, app)
        await pilot.press("space")
        status = screen.query_one("#own-status", Static)
        await _until(pilot, lambda: "not responding" in str(status.render()), 15)
        assert "not responding at line 6" in str(status.render())
