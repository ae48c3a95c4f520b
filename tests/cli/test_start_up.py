"""How ``gdtui`` decides what the app starts with: the remembered settings with the command
line's options on top, for that session only (:func:`gdtui.cli.app.start_up`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdtui.cli.app import build_parser, start_up
from gdtui.cli.options import UsageError
from gdtui.core.settings import remembered as remembered_settings
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.files import config_text

MOMENTUM = RunConfig(variant="torch-optim", optimizer="momentum", momentum=0.8, lr=0.02)


def _start(settings: Path, *args: str, served: str | None = None):
    return start_up(build_parser().parse_args(list(args)), served, settings)


@pytest.fixture
def settings(tmp_path: Path) -> Path:
    """Settings remembered from a session that chose the momentum optimizer in the app."""
    path = tmp_path / "gdtui" / "settings.json"
    assert remembered_settings.save(path, "nord", MOMENTUM) is None
    return path


def test_a_one_off_option_for_the_remembered_optimizer_is_taken(settings: Path) -> None:
    # It was refused ("this run's optimizer is sgd"): the rule was checked against the
    # defaults before the remembered settings applied.
    start = _start(settings, "--momentum", "0.5")
    assert start.config == MOMENTUM.replace(momentum=0.5)
    assert start.remembered == MOMENTUM  # for this session only: 0.8 stays remembered
    assert start.theme == "nord"
    assert start.greeting is not None and "This time only: momentum β 0.5" in start.greeting


def test_an_option_for_another_optimizer_than_the_remembered_one_is_refused(
    settings: Path,
) -> None:
    with pytest.raises(UsageError, match=r"--betas: is for Adam .* optimizer is momentum"):
        _start(settings, "--betas", "0.8,0.9")
    with pytest.raises(UsageError, match=r"--momentum: .* optimizer is sgd"):
        _start(settings, "--defaults", "--momentum", "0.5")  # the defaults: plain sgd


def test_a_config_file_is_a_whole_run_and_the_remembered_settings_stay(
    settings: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "run.toml"
    exported.write_text(config_text(RunConfig(epochs=7), ".toml"))
    start = _start(settings, "--config", str(exported))
    assert start.config == RunConfig(epochs=7)
    assert (start.remembered, start.greeting) == (MOMENTUM, None)


def test_a_served_tab_and_a_lesson_remember_nothing(settings: Path, tmp_path: Path) -> None:
    served = _start(settings, "--lr", "0.05", served=str(tmp_path))
    assert served.config == RunConfig(lr=0.05)  # not the remembered settings: someone else's
    assert (served.settings, served.files_root, served.output_dir) == (None, tmp_path, tmp_path)
    lesson = _start(settings, "--lesson", "004")
    assert lesson.lesson is not None and lesson.config == lesson.lesson.config
    assert (lesson.settings, lesson.theme) == (None, "nord")
