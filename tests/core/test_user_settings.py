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
    assert user_settings.save(path, "gruvbox", config)
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
    assert not user_settings.save(tmp_path / "file" / "s.json", "nord", RunConfig())
