"""Remembered settings: a round trip, and silence on anything broken."""

from __future__ import annotations

import pytest

from gdtui.core import user_settings
from gdtui.core.config import RunConfig


def test_round_trip_and_the_xdg_location(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = user_settings.settings_path()
    assert path == tmp_path / "gdtui" / "settings.json"
    config = RunConfig(variant="torch-module", w0=0.5, b0=-1.0, seed=9, zero_grad=False)
    assert user_settings.save(path, "gruvbox", config) is None
    assert user_settings.load(path) == user_settings.Remembered("gruvbox", config)


@pytest.mark.parametrize(
    "content",
    ["", "{", "[]", '{"theme": 3}', '{"run": {"lr": -1}}', '{"run": {"speed": 2}}', "\xff"],
)
def test_broken_files_are_ignored(tmp_path, content):
    path = tmp_path / "settings.json"
    path.write_text(content, encoding="latin-1")
    assert user_settings.load(path) == user_settings.Remembered()


def test_missing_file_and_unwritable_place(tmp_path):
    assert user_settings.load(tmp_path / "none.json") == user_settings.Remembered()
    (tmp_path / "file").write_text("x")
    problem = user_settings.save(tmp_path / "file" / "s.json", "nord", RunConfig())
    assert problem is not None and "could not remember the settings in" in problem


def test_data_from_a_file_is_remembered_by_its_path_not_copied(tmp_path):
    import json

    from gdtui.core.config import config_from_options

    csv = tmp_path / "points.csv"
    csv.write_text("x,y\n" + "".join(f"{i},{2 * i}\n" for i in range(1, 5001)))
    config = config_from_options({"data": str(csv), "lr": "0.001"})
    path = tmp_path / "settings.json"
    assert user_settings.save(path, "nord", config) is None
    saved = json.loads(path.read_text())
    assert saved["run"]["data"] == str(csv.absolute())
    assert "x" not in saved["run"] and path.stat().st_size < 1000
    assert user_settings.load(path).config == config
    csv.unlink()  # gone since: the other settings still hold
    remembered = user_settings.load(path).config
    assert remembered is not None and remembered.lr == 0.001
    assert remembered.dataset == RunConfig().dataset


@pytest.mark.parametrize(
    "content",
    ["[" * 100_000 + "]" * 100_000, '{"run": {"epochs": ' + "9" * 5000 + "}}"],
    ids=["nested", "digits"],
)
def test_files_no_parser_survives_are_ignored(tmp_path, content):
    path = tmp_path / "settings.json"
    path.write_text(content)
    assert user_settings.load(path) == user_settings.Remembered()


def test_a_fifo_in_place_of_the_file_is_ignored_at_once(tmp_path):
    import os
    import time

    path = tmp_path / "settings.json"
    os.mkfifo(path)
    start = time.monotonic()
    assert user_settings.load(path) == user_settings.Remembered()
    assert time.monotonic() - start < 1.0
