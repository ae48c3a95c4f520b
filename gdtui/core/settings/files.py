"""A run's configuration in TOML or JSON files: the keys are the long option names with ``_``
for ``-`` (``variant``, ``lr``, ``epochs``, ``w0``, ``zero_grad``, ``x``, ``y``, …)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gdtui.core.files import Unreadable, read_text
from gdtui.core.settings.changes import MidRunChange, changes_data
from gdtui.core.settings.config import ConfigError, RunConfig
from gdtui.core.settings.data import PRESETS, Dataset
from gdtui.core.settings.fields import DATA_OPTIONS, FIELDS

FORMATS = (".toml", ".json")
CHANGES = "changes"
"""The key of a file's changes mid-run (TOML's ``[[changes]]`` tables)."""


def _fail(message: str) -> ConfigError:
    return ConfigError({"config": message})


def load_options(path: str | Path) -> dict[str, Any]:
    """The settings in a ``.toml`` or ``.json`` file, not yet validated (that is
    :func:`~gdtui.core.settings.config.config_from_options`'s job), without the changes it
    makes mid-run (see :func:`read_settings`). Raises ConfigError."""
    return read_settings(path)[0]


def read_settings(path: str | Path) -> tuple[dict[str, Any], object | None]:
    """The settings in a ``.toml`` or ``.json`` file and its ``changes`` (the changes the run
    makes mid-run, not yet checked: see
    :func:`~gdtui.core.settings.changes.parse_changes`; None when it has none). Raises
    ConfigError."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise _fail(f"expects a .toml or .json file, got {str(path)!r}")
    try:
        text = read_text(path, "a config file")
    except Unreadable as error:
        raise _fail(str(error)) from None
    kind = path.suffix[1:].upper()
    try:
        data = parse_settings_text(text, kind)
    except ValueError as error:
        raise _fail(f"{str(path)!r} is not valid {kind}: {error}") from None
    if not isinstance(data, dict):
        raise _fail(f"{str(path)!r} must hold a table of settings, like lr = 0.01")
    changes = data.pop(CHANGES, None)
    nested = sorted(key for key, value in data.items() if isinstance(value, dict))
    if nested:
        raise _fail(f"settings are plain keys, not tables: {', '.join(nested)}")
    return data, changes


def parse_settings_text(text: str, kind: str) -> Any:
    """TOML or JSON text as Python values. Raises ValueError for anything that is not valid,
    in words: also a number too long to read (Python stops at 4,300 digits) and nesting too
    deep to follow, which would otherwise escape as other errors."""
    if kind == "TOML":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            import tomli as tomllib
        loads = tomllib.loads
    else:
        loads = json.loads
    try:
        return loads(text)
    except RecursionError:
        raise ValueError("it is nested too deeply") from None
    except ValueError as error:  # TOMLDecodeError and JSONDecodeError among them
        message = str(error)
        if "digits" in message and "limit" in message:
            message = "it holds a number with more digits than can be read"
        raise ValueError(message) from None


def merge_options(from_file: dict[str, Any], from_command_line: dict[str, Any]) -> dict[str, Any]:
    """The file's settings overridden by the command line's; data given on the command line
    replaces the file's data whichever way each gives it."""
    merged = dict(from_file)
    if any(from_command_line.get(key) is not None for key in DATA_OPTIONS):
        for key in DATA_OPTIONS:
            merged.pop(key, None)
    merged.update({k: v for k, v in from_command_line.items() if v is not None})
    return merged


def config_options(config: RunConfig, data_by_path: bool = False) -> dict[str, Any]:
    """Everything that determines ``config``, as file settings in the table's order (a preset
    by name, other data as x and y lists; unset initial values left out). With
    ``data_by_path``, data read from a CSV file is named by its path instead of copied."""
    options: dict[str, Any] = {}
    for field in FIELDS:
        if field.key == "dataset":
            options.update(_data_options(config.dataset, data_by_path))
        elif not field.data and (value := getattr(config, field.key)) is not None:
            options[field.key] = value
    return options


def _data_options(dataset: Dataset, by_path: bool) -> dict[str, Any]:
    if PRESETS.get(dataset.name) == dataset or dataset.name.startswith("noisy:"):
        return {"dataset": dataset.name}
    if by_path and dataset.source is not None:
        return {"data": dataset.source}
    return {"x": list(dataset.x), "y": list(dataset.y)}


def config_text(
    config: RunConfig, suffix: str, changes: Iterable[MidRunChange] = (), note: str = ""
) -> str:
    """``config`` as the text of a ``.toml`` or ``.json`` settings file, with the ``changes``
    the run made mid-run (and, in TOML, ``note`` as a comment at the top)."""
    options = config_options(config)
    listed = changes_data(changes)
    if suffix.lower() == ".json":
        return json.dumps({**options, CHANGES: listed} if listed else options, indent=2) + "\n"
    if suffix.lower() != ".toml":
        raise _fail(f"expects a .toml or .json file, got {suffix!r}")
    lines = [f"# {line}".rstrip() for line in note.splitlines()]
    lines += [f"{key} = {toml_value(value)}" for key, value in options.items()]
    if listed:
        lines += [
            "",
            "# Changed mid-run: each change's settings from its epoch on (with lines,",
            "# after that many lines of the epoch had run, stepped with the . key).",
        ]
    for item in listed:
        table = ", ".join(f"{key} = {toml_value(value)}" for key, value in item.pop("set").items())
        lines += ["", f"[[{CHANGES}]]"]
        lines += [f"{key} = {toml_value(value)}" for key, value in item.items()]
        lines.append(f"set = {{ {table} }}")
    return "\n".join(lines) + "\n"


def toml_value(value: Any) -> str:
    """A TOML literal for the flat values a config (or a lesson) holds."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)):  # (Adam's betas are a pair)
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


_SURROGATE = re.compile("[\ud800-\udfff]")


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string that reads back as ``text``: characters as they are,
    with JSON's escapes for quotes, backslashes and control characters (valid in TOML too),
    and DEL escaped, which JSON leaves alone and TOML refuses bare. Not ASCII-only: JSON's
    ``\\ud83d\\ude00`` for a character beyond the BMP is no TOML escape. A lone surrogate (a
    file name's undecodable byte) has no TOML form at all: it is written as U+FFFD."""
    text = _SURROGATE.sub("\ufffd", text)
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
