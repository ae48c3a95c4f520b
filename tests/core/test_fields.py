"""The settings table: every setting of RunConfig has its entry, and the command line and the
config files offer each one (the form and the palette: tests/app/test_form.py)."""

from __future__ import annotations

import dataclasses

import pytest

from gdtui.cli.app import build_parser
from gdtui.cli.options import parse_config
from gdtui.cli.run import build_parser as build_run_parser
from gdtui.core.run.session import needs_reset
from gdtui.core.settings.commands import commands
from gdtui.core.settings.config import RunConfig, config_from_options
from gdtui.core.settings.fields import BY_KEY, FIELDS, LIVE_FIELDS
from gdtui.core.settings.files import config_options, config_text, load_options

EXAMPLES: dict[str, tuple[str, object]] = {
    # key: (as typed on the command line, what RunConfig then holds), none of them defaults.
    "variant": ("torch-module", "torch-module"),
    "lr": ("0.05", 0.05),
    "epochs": ("7", 7),
    "w0": ("-1.5", -1.5),
    "b0": ("0.25", 0.25),
    "bias": ("--no-bias", False),
    "dataset": ("line5", "line5"),
    "zero_grad": ("--no-zero-grad", False),
    "optimizer": ("adam", "adam"),
    "momentum": ("0.5", 0.5),
    "nesterov": ("--nesterov", True),
    "betas": ("0.8,0.99", (0.8, 0.99)),
    "weight_decay": ("0.01", 0.01),
    "dtype": ("float64", "float64"),
    "batch_size": ("2", 2),
    "shuffle": ("--shuffle", True),
    "schedule": ("cosine", "cosine"),
    "grad_formula": ("tutorial", "tutorial"),
    "eps": ("1e-9", 1e-9),
    "seed": ("42", 42),
    "device": ("cpu", "cpu"),
    "predict": ("17", 17.0),
}
"""One value per setting; a setting added to the table without one here fails below."""
DATA_EXAMPLES = {"x": "1,2,3", "y": "2,4,6", "data": "points.csv"}


def test_every_setting_of_runconfig_has_an_entry_and_an_example():
    settings = [f.name for f in dataclasses.fields(RunConfig)]
    entries = [field.key for field in FIELDS if not field.data] + ["dataset"]
    assert sorted(entries) == sorted(settings)
    assert set(EXAMPLES) == set(settings)
    assert {field.key for field in FIELDS if field.data} == {"dataset", *DATA_EXAMPLES}


def test_every_setting_has_what_each_place_needs():
    for field in FIELDS:
        assert field.accepts and field.help, field.key
        if field.key in EXAMPLES:  # a setting of the run, not another way to give the data
            assert field.label and field.widget, f"{field.key} is not on the form"
            assert commands(field), f"{field.key} is not in the command palette"


def _command_line(key: str) -> list[str]:
    typed = EXAMPLES[key][0]
    assert isinstance(typed, str)
    return [typed] if typed.startswith("--") else [BY_KEY[key].flag, typed]


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_each_setting_is_an_option_of_every_command(key):
    # torch-module trains a bias; numpy-manual is the one with a choice of formula.
    variant = {"grad_formula": "numpy-manual", "variant": None}.get(key, "torch-module")
    base = ["--variant", variant] if variant else []
    if key == "b0":
        base.append("--bias")
    if key in ("momentum", "nesterov", "betas"):  # each is for one optimizer
        base += ["--optimizer", "adam" if key == "betas" else "momentum"]
    for parser in (build_parser(), build_run_parser()):
        config = parse_config(parser.parse_args([*base, *_command_line(key)]))
        value = config.dataset.name if key == "dataset" else getattr(config, key)
        assert value == EXAMPLES[key][1]
    assert "--" + key.replace("_", "-") in build_parser().format_help()


def test_a_config_with_every_setting_changed_goes_through_a_file_and_back(tmp_path):
    # (torch-module with a bias to start from: numpy-manual's formula stays the default)
    skip = {"grad_formula", "bias"}
    options = {key: value for key, (_, value) in EXAMPLES.items() if key not in skip}
    config = config_from_options(options)
    assert set(config_options(config)) == set(EXAMPLES) - {"bias"}  # unset: the variant's own
    for suffix in (".toml", ".json"):
        path = tmp_path / f"run{suffix}"
        path.write_text(config_text(config, suffix))
        assert config_from_options(load_options(path)) == config


def test_live_settings_change_a_run_in_place_and_the_others_reset_it():
    for key, (_, value) in EXAMPLES.items():
        if key in ("variant", "dataset"):
            continue
        base = RunConfig(variant="numpy-manual" if key == "grad_formula" else "torch-module")
        changed = base.replace(**{key: value})
        assert needs_reset(base, changed) is (key not in LIVE_FIELDS), key
    assert {"lr", "epochs", "zero_grad", "schedule", "eps", "predict"} == LIVE_FIELDS
