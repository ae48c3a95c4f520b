"""Text that comes from a file or from the user is shown as written: brackets in a lesson's note
or title, in a typed value quoted by an error, in a notice, are never taken as markup."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdtui.app import make_app
from gdtui.app.widgets.settings_form import SettingsForm
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
        form = app.query_one(SettingsForm)
        form.focus_field("lr")
        form.editor.value = ""
        await pilot.press(*typed, "enter")
        await pilot.pause()
        lines = form.lines
        error = " ".join(lines.render_line(y).text for y in range(lines.size.height))
        assert typed in form.error("lr") and typed in error, error
        await pilot.press("escape")
        await pilot.pause()
        assert any(typed in n.message for n in app._notifications)
        toasts = [str(toast.render()) for toast in app.screen.query("Toast")]
        assert any(typed in toast for toast in toasts), toasts


CONTROLLED = "Red \\u001b[31mtext\\u001b[0m, a title \\u001b]0;pwned\\u0007 and [/] closing"


async def test_control_characters_and_markup_in_a_lesson_are_shown_not_obeyed() -> None:
    from textual.command import CommandList

    lesson = read_lesson(
        f'title = "T [/] \\u001b[1m"\n[[steps]]\nnote = "{CONTROLLED}"\nepochs = 1\n', "ctl"
    )
    app = make_app(lesson=lesson)
    async with app.run_test(size=(200, 50)) as pilot:
        await press_and_settle(app, pilot, "enter")  # "[/]" once ended the app here
        note = _flat(app.query_one("#lesson-note"))
        assert "Red ␛[31mtext␛[0m, a title ␛]0;pwned␇ and [/] closing" in note
        assert "\x1b" not in str(app.query_one("#lesson-head").render())
        await pilot.press("ctrl+p", *"lesson step")
        await pilot.pause(0.5)
        options = app.screen.query_one(CommandList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("␛]0;pwned␇ and [/] closing" in prompt for prompt in prompts), prompts
        svg = app.export_screenshot()  # every widget drawn: nothing to obey in it
        assert "\x1b" not in svg and app.is_running


FIELDS_TYPED = ("lr", "epochs", "w0", "seed", "eps", "data", "predict", "batch_size")


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(FIELDS_TYPED), st.text(max_size=20)), min_size=10, max_size=15
    )
)
def test_any_text_typed_into_any_field_leaves_the_app_running(typed) -> None:
    """Each text entered with enter, then left with escape: a refusal or a value, a notice
    quoting it, never the app's end; the screen draws."""
    import asyncio

    async def enter_all() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50), notifications=True) as pilot:
            for name, text in typed:
                form = app.query_one(SettingsForm)
                form.focus_field(name)
                form.editor.value = text
                await pilot.press("enter")
                await pilot.press("escape")
                assert app.is_running, (name, text)
            await pilot.pause(0.2)
            app.export_screenshot()
            for notice in app._notifications:
                assert "\x1b" not in notice.message
            assert app.is_running

    asyncio.run(enter_all())
