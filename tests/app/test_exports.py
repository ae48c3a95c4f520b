"""What an export holds and says, through the keys a person presses: every row with the rate
and zero_grad it ran with, a settings file that replays the run with its changes mid-run
(also those made since the last epoch came back), its size before a long one is written, and
in a served tab, the files offered to the browser instead of the server's folder."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

from gdtui.app import make_app
from gdtui.app.app import GdtuiApp
from gdtui.app.widgets.settings_form import SettingsForm
from gdtui.core.engine.runner import Runner
from gdtui.core.settings.changes import MidRunChange, parse_changes
from gdtui.core.settings.config import RunConfig, config_from_options
from gdtui.core.settings.files import read_settings
from tests.core.references import assert_rows_close, torch_loop
from tests.showcase import finish_work

from .conftest import press_and_settle, run_to_end


def _notices(app: GdtuiApp) -> list[str]:
    return [notification.message for notification in app._notifications]


def _exported(folder: Path) -> tuple[list[dict], RunConfig, tuple[MidRunChange, ...]]:
    """The rows of the one export in ``folder`` and the settings file's run."""
    (jsonl,) = folder.glob("*.jsonl")
    rows = [json.loads(line) for line in jsonl.read_text().splitlines()]
    options, changes = read_settings(jsonl.with_suffix(".toml"))
    start = config_from_options(options)
    return rows, start, parse_changes(changes or [], start)


def _replayed(start: RunConfig, script: tuple[MidRunChange, ...], epochs: int) -> list:
    runner, records = Runner(start, script=script), []
    while len(records) < epochs:
        stretch = runner.run(epochs - len(records))
        records += stretch.records
        assert stretch.records or stretch.stop is None
    return records


async def test_every_row_says_the_rate_and_zero_grad_it_ran_with_and_the_toml_replays_them(
    tmp_path,
):
    config = RunConfig(lr=0.005)
    app = make_app(config, output_dir=tmp_path)
    async with app.run_test() as pilot:
        # 1-2 at 0.005; 3-4 at 0.01; 5-6 at 0.01 with zero_grad off; 7 at 0.005, zero_grad
        # still off; 8 with zero_grad on again (which clears the gradient accumulated).
        await press_and_settle(app, pilot, "n", "n", "plus", "n", "n", "z", "n", "n")
        await press_and_settle(app, pilot, "minus", "n", "z", "n", "e")
        await finish_work(app)
        await pilot.pause()
        notice = next(n for n in _notices(app) if n.startswith("Exported"))
    rows, start, script = _exported(tmp_path)
    lrs = [0.005] * 2 + [0.01] * 4 + [0.005] * 2
    zero_grads = [True] * 4 + [False] * 3 + [True]
    assert [row["lr"] for row in rows] == lrs
    assert [row["zero_grad"] for row in rows] == zero_grads
    # What the training used: a plain torch loop with those rates gives the same numbers.
    want = torch_loop([1, 2, 3, 4], [2, 4, 6, 8], 0.0, lrs, zero_grads)
    got = [(r["loss"], r["w"], None, r["grad_w"], None) for r in rows]
    assert_rows_close(got, want)
    # The settings file: the start, then each change where it took effect.
    assert start == config
    assert [(change.epoch, dict(change.values)) for change in script] == [
        (3, {"lr": 0.01}),
        (5, {"zero_grad": False}),
        (7, {"lr": 0.005}),
        (8, {"zero_grad": True}),
    ]
    assert _rows(_replayed(start, script, 8)) == rows
    assert "gdtui --config" in notice and "replays the run, changes and all" in notice
    assert "lr 0.01 at epoch 3" in notice and "zero_grad off at epoch 5" in notice


def _rows(records: list) -> list[dict]:
    """Records as an export's JSON lines have them."""
    fields = ("epoch", "step", "batch", "loss", "w", "grad_w", "lr", "zero_grad")
    return [{name: getattr(record, name) for name in fields} for record in records]


async def test_a_change_not_yet_applied_is_in_the_settings_file(tmp_path):
    """``n n z e``: zero_grad is off from epoch 3 on, which no epoch has run yet; the file
    says so, from epoch 3, so that the run replayed goes on as this one will."""
    config = RunConfig(variant="numpy-manual")
    app = make_app(config, output_dir=tmp_path)
    async with app.run_test() as pilot:
        await press_and_settle(app, pilot, "n", "n", "z", "e")
        await finish_work(app)
        await pilot.pause()
        notice = next(n for n in _notices(app) if n.startswith("Exported"))
        await press_and_settle(app, pilot, "n", "n")
        after = [record for record in app.main.session.history]
    rows, start, script = _exported(tmp_path)
    assert len(rows) == 2 and all(row["zero_grad"] for row in rows)
    assert start == config  # as the two epochs ran, not zero_grad off
    assert script == (MidRunChange(3, {"zero_grad": False}),)
    assert _replayed(start, script, 4) == after
    assert "zero_grad off at epoch 3" in notice


async def test_a_run_changed_while_going_flat_out_replays_exactly(tmp_path):
    """Changes made while the run goes flat out land where the training process was; the
    file puts each there."""
    config = RunConfig(variant="numpy-manual", epochs=400_000, lr=0.001)
    app = make_app(config, output_dir=tmp_path)
    async with app.run_test() as pilot:
        await pilot.press("space")
        for key in ("plus", "z", "minus", "z", "plus"):
            await pilot.pause(0.15)
            await pilot.press(key)
        await pilot.pause(0.15)
        await press_and_settle(app, pilot, "space")
        session = app.main.session
        epochs = session.epoch
        await press_and_settle(app, pilot, "e")
        await finish_work(app)
    rows, start, script = _exported(tmp_path)
    assert len(rows) == epochs and start == config and len(script) >= 3
    replayed = _replayed(start, script, epochs)
    assert _rows(replayed) == rows


async def test_a_long_export_says_its_size_before_it_is_written(tmp_path):
    config = RunConfig(variant="numpy-manual", epochs=120_000)
    app = make_app(config, output_dir=tmp_path)
    async with app.run_test() as pilot:
        await run_to_end(app, pilot)
        await press_and_settle(app, pilot, "e")
        await finish_work(app)
        await pilot.pause()
        notices = _notices(app)
    before = next(n for n in notices if n.startswith("Exporting 120,000 epochs: about "))
    after = next(n for n in notices if n.startswith("Exported"))
    assert notices.index(before) < notices.index(after)
    written = sum(p.stat().st_size for p in tmp_path.glob("*.*") if p.suffix != ".toml")
    said = float(re.search(r"about ([\d.]+) MB", before).group(1)) * 1e6
    assert abs(said - written) < 0.05 * written, (said, written)


async def test_a_served_tab_offers_the_files_to_the_browser(tmp_path, monkeypatch):
    """In a browser (``gdtui serve``) the server's folder is out of reach: ``e`` sends the
    three files in one zip, ``s`` the SVG, as downloads, and nothing is left on the server."""
    monkeypatch.setattr(GdtuiApp, "is_web", property(lambda app: True))
    config = RunConfig(variant="numpy-manual")
    app = make_app(config, output_dir=tmp_path / "served")
    offered: list[tuple[str, str, bytes]] = []

    def deliver_binary(file, *, save_filename, mime_type, name, **_) -> str:
        file.seek(0)  # as Textual's web driver does
        offered.append((save_filename, mime_type, file.read()))
        file.close()
        return "key"

    monkeypatch.setattr(app, "deliver_binary", deliver_binary)
    async with app.run_test() as pilot:
        await press_and_settle(app, pilot, "n", "n", "plus", "n", "e")
        await finish_work(app)
        await pilot.pause()
        await press_and_settle(app, pilot, "s")
        notices = _notices(app)
        history = list(app.main.session.history)
    (zip_name, zip_type, zipped), (svg_name, svg_type, svg) = offered
    assert zip_name == "gdtui-numpy-manual-3-epochs.zip" and zip_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        names = sorted(archive.namelist())
        assert names == [zip_name.replace(".zip", s) for s in (".csv", ".jsonl", ".toml")]
        rows = list(csv.DictReader(io.StringIO(archive.read(names[0]).decode())))
        toml = archive.read(names[2]).decode()
    assert [float(row["w"]) for row in rows] == [record.w for record in history]
    assert [float(row["lr"]) for row in rows] == [0.01, 0.01, 0.02]
    assert "[[changes]]\nepoch = 3\nset = { lr = 0.02 }" in toml
    assert svg_name.endswith(".svg") and svg_type == "image/svg+xml"
    assert svg.startswith(b"<svg")
    assert (
        "Exported 3 epochs, with the change made mid-run (lr 0.02 at epoch 3), to your browser: "
        f"it is downloading {zip_name}." in notices
    ) or any(f"it is downloading {zip_name}" in n for n in notices), notices
    assert any(
        f"Sent a screenshot to your browser: it is downloading {svg_name}" in n for n in notices
    )
    assert not (tmp_path / "served").exists()  # nothing written on the server


async def test_the_app_replays_a_files_changes_where_they_came(tmp_path):
    """``gdtui --config FILE`` with changes mid-run: the run takes them at their epochs, and
    the form shows the settings as they stand."""
    config = RunConfig(variant="numpy-manual", epochs=300, lr=0.001)
    script = (
        MidRunChange(50, {"lr": 0.004}),
        MidRunChange(120, {"zero_grad": False}),
        MidRunChange(121, {"zero_grad": True, "lr": 0.002}),
        MidRunChange(301, {"epochs": 400}),
    )
    app = make_app(config, output_dir=tmp_path, script=script)
    async with app.run_test(size=(120, 40)) as pilot:
        await run_to_end(app, pilot)
        session = app.main.session
        assert session.epoch == 400 and session.config.epochs == 400
        assert session.config.lr == 0.002 and session.config.zero_grad
        assert app.query_one(SettingsForm).rows["lr"].text == "0.002"
        assert list(session.history) == _replayed(config, script, 400)
        assert sorted({epoch for epoch, _ in session.changes}) == [50, 120, 121]
        # r starts the file's run again, from its own start.
        await press_and_settle(app, pilot, "r")
        assert session.config == config and session.script == script
        # A change of one's own ends the replay: the file's later changes no longer apply.
        await press_and_settle(app, pilot, "n", "plus")
        await run_to_end(app, pilot)
        assert session.script == () and session.config.lr == 0.002
        assert {record.lr for record in list(session.history)[1:]} == {0.002}
