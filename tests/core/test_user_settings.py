"""Remembered settings: a round trip, and silence on anything broken."""

from __future__ import annotations

import pytest

from gdtui.core.settings import remembered as remembered_settings
from gdtui.core.settings.config import RunConfig


def test_round_trip_and_the_xdg_location(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = remembered_settings.settings_path()
    assert path == tmp_path / "gdtui" / "settings.json"
    config = RunConfig(variant="torch-module", w0=0.5, b0=-1.0, seed=9, zero_grad=False)
    assert remembered_settings.save(path, "gruvbox", config) is None
    assert remembered_settings.load(path) == remembered_settings.Remembered("gruvbox", config)


@pytest.mark.parametrize(
    "content",
    ["", "{", "[]", '{"theme": 3}', '{"run": {"lr": -1}}', '{"run": {"speed": 2}}', "\xff"],
)
def test_broken_files_are_ignored_saying_why_and_kept_aside_when_saving(tmp_path, content):
    path = tmp_path / "settings.json"
    path.write_text(content, encoding="latin-1")
    remembered = remembered_settings.load(path)
    assert (remembered.theme, remembered.config) == (None, None)
    if content == '{"theme": 3}':
        assert remembered.problem is None  # nothing wrong worth a word: no settings in it
        return
    assert remembered.problem
    assert remembered_settings.save(path, "nord", RunConfig()) is None
    kept = tmp_path / "settings.json.invalid"
    assert kept.read_text(encoding="latin-1") == content  # not lost
    assert remembered_settings.load(path) == remembered_settings.Remembered("nord", RunConfig())


def test_missing_file_and_unwritable_place(tmp_path):
    assert remembered_settings.load(tmp_path / "none.json") == remembered_settings.Remembered()
    (tmp_path / "file").write_text("x")
    problem = remembered_settings.save(tmp_path / "file" / "s.json", "nord", RunConfig())
    assert problem is not None and "could not remember the settings in" in problem


def test_data_from_a_file_is_remembered_by_its_path_not_copied(tmp_path):
    import json

    from gdtui.core.settings.config import config_from_options

    csv = tmp_path / "points.csv"
    csv.write_text("x,y\n" + "".join(f"{i},{2 * i}\n" for i in range(1, 5001)))
    config = config_from_options({"data": str(csv), "lr": "0.001"})
    path = tmp_path / "settings.json"
    assert remembered_settings.save(path, "nord", config) is None
    saved = json.loads(path.read_text())
    assert saved["run"]["data"] == str(csv.absolute())
    assert "x" not in saved["run"] and path.stat().st_size < 1000
    assert remembered_settings.load(path).config == config
    csv.unlink()  # gone since: the other settings still hold, and the notice says why
    remembered = remembered_settings.load(path)
    assert remembered.config is not None and remembered.config.lr == 0.001
    assert remembered.config.dataset == RunConfig().dataset
    assert "no such file" in (remembered.problem or "")


@pytest.mark.parametrize(
    "content",
    ["[" * 100_000 + "]" * 100_000, '{"run": {"epochs": ' + "9" * 5000 + "}}"],
    ids=["nested", "digits"],
)
def test_files_no_parser_survives_are_ignored(tmp_path, content):
    path = tmp_path / "settings.json"
    path.write_text(content)
    remembered = remembered_settings.load(path)
    assert (remembered.theme, remembered.config) == (None, None)
    assert "not valid JSON" in (remembered.problem or "")


def test_a_fifo_in_place_of_the_file_is_ignored_at_once(tmp_path):
    import os
    import time

    path = tmp_path / "settings.json"
    os.mkfifo(path)
    start = time.monotonic()
    remembered = remembered_settings.load(path)
    assert time.monotonic() - start < 1.0
    assert remembered.config is None and "is a FIFO" in (remembered.problem or "")


def test_the_command_lines_options_are_for_that_session_only_the_apps_changes_are_kept():
    base = RunConfig(lr=0.02, zero_grad=False)  # what the user chose last time
    launched = base.replace(epochs=1_000_000, variant="numpy-manual")  # gdtui --epochs … once
    final = launched.replace(lr=0.05, seed=3)  # then changed in the app
    kept = remembered_settings.to_remember(base, launched, final)
    assert kept == RunConfig(lr=0.05, zero_grad=False, seed=3)  # epochs and variant: one-offs
    # An option the app changed is the user's own choice now.
    assert remembered_settings.to_remember(base, launched, final.replace(epochs=500)).epochs == 500
    # A choice that holds only with the one-off (adam needs torch-optim) keeps the session's.
    optim = RunConfig(variant="torch-optim")
    chosen = optim.replace(optimizer="adam")
    assert remembered_settings.to_remember(RunConfig(), optim, chosen) == chosen


def test_the_start_up_notice_names_what_was_restored_and_what_is_for_this_time_only():
    base = RunConfig(lr=0.02, zero_grad=False)
    assert remembered_settings.restored_notice(base, base) == (
        "Restored your last settings: learning rate 0.02, zero_grad off. "
        "gdtui --defaults starts from the defaults."
    )
    once = base.replace(epochs=1_000_000)
    assert remembered_settings.restored_notice(base, once) == (
        "Restored your last settings: learning rate 0.02, zero_grad off. "
        "This time only: epochs 1,000,000. gdtui --defaults starts from the defaults."
    )
    assert remembered_settings.restored_notice(RunConfig(), RunConfig(epochs=5)) is None
    many = RunConfig(lr=0.5, epochs=7, w0=1.0, zero_grad=False, seed=2, predict=3.0)
    assert "w0 1, zero_grad off, and 2 more." in remembered_settings.restored_notice(many, many)
