"""SVG snapshots of the telling states (the same states as the README's screenshots).

The training process runs with the math libraries pinned to the paths every machine of ours
takes alike (:data:`~gdtui.app.showcase.SAME_ON_EVERY_MACHINE`), and each state is also played
as another machine would (one thread, numpy without AVX-512): a digit on a snapshotted screen
that moves between the two fails the test, for it would fail on some machine.
"""

from __future__ import annotations

import asyncio
import re
from html import unescape

import pytest

from gdtui.app import make_app
from gdtui.app.showcase import SAME_ON_EVERY_MACHINE, STATES, play

ANOTHER_MACHINE = {
    **SAME_ON_EVERY_MACHINE,
    "OMP_NUM_THREADS": "1",  # torch.set_num_threads(1) in the training process
    "MKL_NUM_THREADS": "1",
    "NPY_DISABLE_CPU_FEATURES": "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL",
}


@pytest.fixture(autouse=True)
def same_on_every_machine(monkeypatch):
    for name, value in SAME_ON_EVERY_MACHINE.items():
        monkeypatch.setenv(name, value)


def screen_lines(svg: str) -> list[str]:
    """The text of an SVG screenshot, line by line (to show what differs)."""
    rows: dict[float, str] = {}
    for y, text in re.findall(r'<text [^>]*y="([0-9.]+)"[^>]*>([^<]*)</text>', svg):
        rows[float(y)] = rows.get(float(y), "") + unescape(text)
    return [rows[y].rstrip() for y in sorted(rows)]


@pytest.mark.parametrize("state", STATES, ids=lambda s: s.name)
def test_state(snap_compare, monkeypatch, state):
    """The snapshot, and the same state played as another machine would: not one digit moves."""
    there = asyncio.run(_screen_on_another_machine(monkeypatch, state))

    async def run_before(pilot):
        await play(pilot.app, pilot, state.keys)
        here = screen_lines(pilot.app.export_screenshot())
        moved = [(a, b) for a, b in zip(here, there, strict=True) if a != b]
        assert not moved, "\n".join(f"here:  {a}\nthere: {b}" for a, b in moved)

    assert snap_compare(make_app(state.config), run_before=run_before, terminal_size=state.size)


async def _screen_on_another_machine(monkeypatch, state) -> list[str]:
    with monkeypatch.context() as patch:
        for name, value in ANOTHER_MACHINE.items():
            patch.setenv(name, value)
        app = make_app(state.config)
        async with app.run_test(size=state.size) as pilot:
            await play(app, pilot, state.keys)
            return screen_lines(app.export_screenshot())


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
