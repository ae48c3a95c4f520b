"""Text that comes from a file or from the user is shown as written: brackets in a lesson's note
or title, in a typed value quoted by an error, in a notice, are never taken as markup."""

from __future__ import annotations

from gdtui.app import make_app
from gdtui.core.lessons.lesson import read_lesson

from .conftest import press_and_settle

BRACKETS = "optim.SGD([w], lr=0.01), state[w], X[0], [red]red[/red], [link=x]linked[/link], [b]"

LESSON = f"""
title = "A title with [bold]markup[/bold]"
about = "About: {BRACKETS}"

[[steps]]
note = "Step one: {BRACKETS}"
epochs = 1
"""


def _flat(widget: object) -> str:
    return " ".join(str(widget.render()).split())  # type: ignore[attr-defined]


async def test_a_lessons_words_are_shown_as_written() -> None:
    app = make_app(lesson=read_lesson(LESSON, "brackets"))
    async with app.run_test(size=(200, 50)) as pilot:
        note = app.query_one("#lesson-note")
        assert f"About: {BRACKETS}" in _flat(note)
        assert "A title with [bold]markup[/bold]" in _flat(app.query_one("#lesson-head"))
        await press_and_settle(app, pilot, "enter")
        assert f"Step one: {BRACKETS}" in _flat(note)


async def test_a_typed_value_is_quoted_as_written_in_the_error_and_the_notice() -> None:
    app = make_app()
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        typed = "[red]2[/red]"
        field = app.query_one("#field-lr")
        field.focus()
        field.value = ""
        await pilot.press(*typed, "enter")
        await pilot.pause()
        error = app.query_one("#error-lr")
        assert typed in _flat(error), _flat(error)
        await pilot.press("escape")
        await pilot.pause()
        assert any(typed in n.message for n in app._notifications)
        toasts = [str(toast.render()) for toast in app.screen.query("Toast")]
        assert any(typed in toast for toast in toasts), toasts
