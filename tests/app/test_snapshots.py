"""SVG snapshots of the telling states (the same states as the README's screenshots)."""

from __future__ import annotations

import pytest

from gdtui.app import make_app
from gdtui.app.showcase import STATES, play


@pytest.mark.parametrize("state", STATES, ids=lambda s: s.name)
def test_state(snap_compare, state):
    async def run_before(pilot):
        await play(pilot.app, pilot, state.keys)

    assert snap_compare(make_app(state.config), run_before=run_before, terminal_size=state.size)


def test_help_screen(snap_compare):
    async def run_before(pilot):
        await play(pilot.app, pilot, ("question_mark",))

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(120, 40))


def test_invalid_field(snap_compare):
    async def run_before(pilot):
        await play(pilot.app, pilot, ())
        pilot.app.query_one("#field-lr").focus()
        await pilot.press(*"-0.5", "enter")
        await pilot.pause()

    assert snap_compare(make_app(), run_before=run_before, terminal_size=(120, 40))
