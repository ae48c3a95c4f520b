"""Every lesson and every teaching topic is reachable from the command palette, whatever the
run's settings: a lesson opens in the running app and can be left, its steps are listed while
it plays, and a setting that needs another (``tutorial`` needs numpy-manual) sets both."""

from __future__ import annotations

from textual.command import CommandList

from gdtui.app import make_app
from gdtui.core.lessons.lesson import builtin_lessons
from gdtui.core.settings.config import RunConfig
from tests.showcase import settle


async def _search(app, pilot, query: str) -> list[str]:
    """Type ``query`` into the palette and return what it lists (the palette stays open)."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*query)
    await pilot.pause(0.4)
    options = app.screen.query_one(CommandList)
    return [
        str(options.get_option_at_index(i).prompt).split("\n")[0]
        for i in range(options.option_count)
    ]


async def _choose(app, pilot, query: str, title: str) -> None:
    """Run the palette's entry ``title``, found by typing ``query``."""
    found = await _search(app, pilot, query)
    index = next(i for i, prompt in enumerate(found) if prompt.startswith(title))
    await pilot.press(*["down"] * index, "enter")
    await pilot.pause(0.2)
    await settle(app, pilot)


async def test_lesson_finds_every_lesson_and_one_opens_plays_and_is_left(tmp_path) -> None:
    mine = RunConfig(variant="torch-optim", lr=0.02)
    settings = tmp_path / "settings.json"
    app = make_app(mine, settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        found = await _search(app, pilot, "lesson")
        await pilot.press("escape")
        lessons = builtin_lessons()
        for lesson in lessons:
            assert any(f"Lesson {lesson.name[:3]}: {lesson.title}" in p for p in found), found
        await _choose(app, pilot, "lesson 003", "Lesson 003")
        main = app.main
        assert main.player is not None and main.player.lesson.name == lessons[3].name
        assert main.query_one("#lesson-banner").display
        assert main.session.config == lessons[3].config
        await pilot.press("enter")
        await settle(app, pilot)
        assert main.player.at == 1
        steps = await _search(app, pilot, "lesson step")
        await pilot.press("escape")
        assert len([p for p in steps if p.startswith("Lesson step")]) == len(lessons[3].steps) + 1
        await _choose(app, pilot, "leave", "Leave the lesson")
        assert main.player is None and not main.query_one("#lesson-banner").display
        assert main.session.config == mine and main.session.epoch == 0
        await _choose(app, pilot, "lesson 004", "Lesson 004")  # and at exit, yours are kept
    assert '"lr": 0.02' in settings.read_text() and "torch-optim" in settings.read_text()


async def test_bug_and_tutorial_are_found_from_any_variant_and_show_the_bug() -> None:
    app = make_app(RunConfig(variant="torch-autograd"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        found = await _search(app, pilot, "tutorial")
        await pilot.press("escape")
        assert "gradient: tutorial (with variant numpy-manual)" in found, found
        await _choose(app, pilot, "bug", "Show the tutorial's gradient bug")
        config = app.main.session.config
        assert (config.variant, config.grad_formula) == ("numpy-manual", "tutorial")
        await _choose(app, pilot, "accumulat", "Show .grad accumulating")
        assert app.main.session.config.zero_grad is False
