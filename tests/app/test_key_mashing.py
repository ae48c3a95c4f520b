"""No sequence of keys ends the app but its own quit keys: thousands of seeded random keys,
one at a time and in bursts faster than the screen keeps up (as a terminal delivers a paste or
a held key), through the run, its form, the command palette, help, compare, the tour and a
lesson, leave the app running, and q still quits it."""

from __future__ import annotations

import random

import pytest
from textual import events

from gdtui.app import make_app
from gdtui.core.lessons.lesson import load_lesson
from gdtui.core.settings.config import RunConfig

KEYS = (
    *"nrzvlgcpteo.+-0123456789",
    "space", "enter", "backspace", "escape", "tab", "shift+tab", "ctrl+p", "question_mark",
    "left", "right", "up", "down", "full_stop", "plus", "minus", "s",
    *"[]/x1e-",  # typed into a field or the palette's search
)  # fmt: skip
"""Every key the app binds but the ones that end it (q, ctrl+c) or leave it (ctrl+z), and
some text."""
CHARACTERS = {"space": " ", "enter": "\r", "full_stop": ".", "plus": "+", "minus": "-"}


def _burst(app, keys: list[str]) -> None:
    """Keys queued all at once, none waiting for the one before to be handled."""
    for key in keys:
        character = CHARACTERS.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, character))


@pytest.mark.parametrize(("seed", "lesson"), [(1, None), (2, "004")])
async def test_random_keys_never_end_the_app_and_q_still_quits(seed, lesson, tmp_path):
    rng = random.Random(seed)
    config = RunConfig(variant="numpy-manual", epochs=500)
    played = load_lesson(lesson) if lesson else None
    app = make_app(config, lesson=played, output_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(200):
            gesture = rng.random()
            if gesture < 0.15:  # a palette command chosen, and enter pressed again meanwhile
                typed = rng.choice(("zero", "lesson", "help", "tour", "log", "theme", "", "x"))
                _burst(app, ["ctrl+p", *typed, *["enter"] * rng.randint(1, 3)])
                await pilot.pause(0.01)
            elif gesture < 0.35:
                _burst(app, [rng.choice(KEYS) for _ in range(rng.randint(2, 8))])
                await pilot.pause(0.01)
            else:
                await pilot.press(rng.choice(KEYS))
            assert app.is_running, "the app ended"
        await pilot.pause(0.3)
        assert app.is_running and app.return_code is None
        while len(app.screen_stack) > 1:  # back to the run's screen
            app.pop_screen()
            await pilot.pause()
        app.main.set_focus(None)
        await pilot.press("q")
        await pilot.pause(0.5)
    assert app.return_code == 0
