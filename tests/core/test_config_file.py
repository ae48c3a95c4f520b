"""Configuration files: round trips through TOML and JSON, and clear errors for bad files."""

from __future__ import annotations

import json

import pytest

from gdtui.core.settings.config import ConfigError, RunConfig, config_from_options
from gdtui.core.settings.data import PRESETS, Dataset
from gdtui.core.settings.files import config_text, load_options, merge_options

CONFIGS = [
    RunConfig(),
    RunConfig(
        variant="torch-module",
        lr=0.05,
        epochs=7,
        w0=-1.5,
        b0=0.25,
        optimizer="adam",
        zero_grad=False,
        eps=1e-9,
        seed=42,
        predict=17.0,
        dataset=PRESETS["line5"],
    ),
    RunConfig(
        variant="numpy-manual",
        grad_formula="tutorial",
        w0=1e-7,
        dataset=Dataset("custom", (-1.0, 0.5, 3.25), (2.0, -1e-3, 1e30)),
    ),
    RunConfig(variant="torch-module", bias=False, device="cpu"),
]


@pytest.mark.parametrize("suffix", [".toml", ".json"])
@pytest.mark.parametrize("config", CONFIGS, ids=range(len(CONFIGS)))
def test_a_saved_config_loads_back_equal(tmp_path, suffix, config):
    path = tmp_path / f"run{suffix}"
    path.write_text(config_text(config, suffix))
    loaded = config_from_options(load_options(path))
    assert loaded.replace(dataset=config.dataset) == config
    assert loaded.dataset.x == config.dataset.x and loaded.dataset.y == config.dataset.y


def test_hand_written_toml_with_the_option_names(tmp_path):
    path = tmp_path / "lesson.toml"
    path.write_text(
        'variant = "torch-optim"\nlr = 0.05\nepochs = 30\nzero_grad = false\n'
        "x = [1, 2, 3]\ny = [2, 4, 6]\n"
    )
    config = config_from_options(load_options(path))
    assert (config.variant, config.lr, config.epochs, config.zero_grad) == (
        "torch-optim",
        0.05,
        30,
        False,
    )
    assert config.dataset.x == (1.0, 2.0, 3.0)


def test_the_command_line_overrides_the_file_and_its_data(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"lr": 0.5, "epochs": 3, "dataset": "line5"}))
    merged = merge_options(load_options(path), {"lr": "0.02", "x": "1,2", "y": "3,4", "w0": None})
    config = config_from_options(merged)
    assert (config.lr, config.epochs, config.dataset.x) == (0.02, 3, (1.0, 2.0))


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("run.yaml", "lr: 1", "expects a .toml or .json file"),
        ("missing.toml", None, "no such file"),
        ("bad.toml", "lr = = 1", "not valid TOML"),
        ("bad.json", "{lr: 1}", "not valid JSON"),
        ("list.json", "[1, 2]", "must hold a table"),
        ("nested.toml", "[run]\nlr = 1\n", "not tables: run"),
        ("binary.toml", b"\xff\xfe\x00", "binary file"),
        ("latin1.json", b'{"lr": "\xe9"}', "not UTF-8"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path, name, content, words):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError) as error:
        load_options(path)
    assert error.value.field == "config" and words in str(error.value)
    assert str(error.value).startswith("--config: ")


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ('lr = "fast"', "lr"),
        ("lr = -1", "lr"),
        ("epochs = 1.5", "epochs"),
        ("speed = 3", "speed"),
        ('x = [1, "a"]\ny = [1, 2]', "x"),
        ("zero_grad = 3", "zero_grad"),
    ],
)
def test_bad_values_in_a_file_name_the_setting(tmp_path, content, field):
    path = tmp_path / "run.toml"
    path.write_text(content + "\n")
    with pytest.raises(ConfigError) as error:
        config_from_options(load_options(path))
    assert field in error.value.errors


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("deep.toml", "lr = " + "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("digits.json", '{"epochs": ' + "9" * 5000 + "}", "more digits than can be read"),
        ("digits.toml", "epochs = " + "9" * 5000, "more digits than can be read"),
    ],
)
def test_files_that_no_parser_survives_get_a_clear_message(tmp_path, name, text, why):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError, match=why) as error:
        load_options(path)
    assert error.value.field == "config"
    assert "is not valid" in str(error.value)


def test_a_fifo_config_is_refused(tmp_path):
    import os

    fifo = tmp_path / "settings.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="is a FIFO"):
        load_options(fifo)
