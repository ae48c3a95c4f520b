"""Files the app writes and reads, where the disk is full or read-only and where a path
names something that is not a file: one clear message, the run kept, nothing half-written."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path

import pytest

from gdtui.app import make_app
from gdtui.app.widgets.settings_form import SettingsForm
from gdtui.core.settings import remembered
from gdtui.core.settings.config import RunConfig
from tests.showcase import finish_work, settle

from .conftest import press_and_settle


@contextlib.contextmanager
def small_disk(directory: Path, size: str, read_only: bool = False):
    """A tmpfs of ``size`` mounted at ``directory`` (root only; skipped elsewhere)."""
    directory.mkdir()
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def _fill(directory: Path) -> None:
    with contextlib.suppress(OSError), (directory / "filler").open("wb") as stream:
        while True:
            stream.write(b"\0" * 4096)
            stream.flush()


def _notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


@pytest.mark.parametrize("trouble", ["full", "read-only"])
async def test_s_where_it_cannot_write_says_so_and_keeps_the_run(tmp_path, trouble):
    with small_disk(tmp_path / "out", "64k", read_only=trouble == "read-only") as out:
        if trouble == "full":
            _fill(out)
        before = set(os.listdir(out))
        app = make_app(RunConfig(variant="numpy-manual"), output_dir=out)
        async with app.run_test(size=(120, 40)) as pilot:
            await press_and_settle(app, pilot, "n", "n", "s")
            (notice,) = [n for n in _notices(app) if "screenshot" in n]
            reason = "No space left on device" if trouble == "full" else "Read-only file system"
            assert notice.startswith(f"Could not save the screenshot in {out}") and reason in notice
            await press_and_settle(app, pilot, "n")
            assert app.main.session.epoch == 3 and app.return_code is None  # alive, run kept
        assert set(os.listdir(out)) == before  # no truncated SVG, no temporary file


async def test_an_export_that_fills_the_disk_writes_nothing(tmp_path):
    with small_disk(tmp_path / "out", "400k") as out:
        app = make_app(RunConfig(variant="numpy-manual", epochs=20_000), output_dir=out)
        async with app.run_test(size=(120, 40)) as pilot:
            await press_and_settle(app, pilot, "space")
            while not app.main.session.finished:
                await pilot.pause(0.05)
            await press_and_settle(app, pilot, "e")
            await finish_work(app)
            await pilot.pause()
            (notice,) = [n for n in _notices(app) if "export" in n]
            assert "No space left on device" in notice and "Nothing was written" in notice
        assert os.listdir(out) == []  # neither a CSV without its JSONL nor a temporary file


async def test_a_fifo_typed_as_the_csv_file_is_refused_at_once(tmp_path):
    fifo = tmp_path / "points.csv"
    os.mkfifo(fifo)
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40)) as pilot:
        form = app.query_one(SettingsForm)
        form.focus_field("data")
        form.editor.value = str(fifo)
        start = time.monotonic()
        await pilot.press("enter")
        await settle(app, pilot)
        assert time.monotonic() - start < 10  # not blocked waiting for a writer that never comes
        assert "is a FIFO, not a CSV file" in form.error("data")
        await press_and_settle(app, pilot, "escape", "n")
        assert app.main.session.epoch == 1


async def test_a_large_csv_loads_on_a_thread_and_is_remembered_by_its_path(tmp_path):
    data = tmp_path / "many.csv"
    data.write_text("x,y\n" + "".join(f"{i / 1000},{i / 500}\n" for i in range(100_000)))
    settings = tmp_path / "settings.json"
    app = make_app(RunConfig(variant="numpy-manual"), settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        form = app.query_one(SettingsForm)
        form.focus_field("data")
        form.editor.value = str(data)
        await pilot.press("enter")
        await settle(app, pilot)
        assert len(app.main.session.config.dataset) == 100_000
        await press_and_settle(app, pilot, "escape", "n", "plus")
        assert app.main.session.epoch == 1
    assert settings.stat().st_size < 1000  # the path, not 100,000 points
    assert remembered.load(settings).config == app.main.session.config


async def test_reading_a_csv_that_fails_unexpectedly_says_so_and_keeps_the_run(monkeypatch):
    """The form reads a CSV file on a thread of its own: whatever goes wrong there is told
    (a worker's failure reaches only the widget that runs it)."""
    from gdtui.app.widgets import settings_form

    def broken(options: object) -> None:
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(settings_form, "dataset_from_options", broken)
    app = make_app(RunConfig(variant="numpy-manual"))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await press_and_settle(app, pilot, "n")
        app.screen.query_one(SettingsForm).focus_field("data")
        await pilot.press(*"points.csv", "enter")
        await finish_work(app)
        await pilot.pause()
        (notice,) = [n for n in _notices(app) if "reading the file failed" in n]
        assert "the disk went away" in notice
        assert app.main.session.epoch == 1 and app.main.session.config.dataset.name == "line4"
