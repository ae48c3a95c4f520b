"""SVG snapshots of your own loop in the app: the file's code with the line just run, the
values, the records, the chart and the program's output (120×40); a mistake marked and the
error that stopped the program (80×24). The program's process runs with the math libraries
on the paths every machine takes alike."""

from __future__ import annotations

import pytest

from gdtui.app import make_app
from gdtui.core.own import gallery
from tests.app.test_own_program import _opened, _press
from tests.showcase import SAME_ON_EVERY_MACHINE


@pytest.fixture(autouse=True)
def same_on_every_machine(monkeypatch):
    for name, value in SAME_ON_EVERY_MACHINE.items():
        monkeypatch.setenv(name, value)


def test_a_file_stepped(snap_compare):
    async def run_before(pilot):
        screen = await _opened(pilot, pilot.app)
        await _press(pilot, screen, "n", "n", "n", *["full_stop"] * 4)
        screen.redraw()
        await pilot.pause(0.2)

    app = make_app(program=gallery.program_path("correct"))
    assert snap_compare(app, run_before=run_before, terminal_size=(120, 40))


def test_a_mistake_at_80_by_24(snap_compare):
    async def run_before(pilot):
        screen = await _opened(pilot, pilot.app)
        await _press(pilot, screen, "n", "n")
        pilot.app.clear_notifications()
        screen.redraw()
        await pilot.pause(0.2)

    app = make_app(program=gallery.program_path("not-a-leaf"))
    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))
