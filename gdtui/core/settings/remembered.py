"""What the app remembers between sessions: its theme and the last run's settings, in the
user's config directory. A missing, unreadable or read-only directory is never an error: the
app starts from its defaults and says nothing."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdtui.core.files import MAX_NUMBER, Unreadable, add_name, numbered, read_text, write_atomic
from gdtui.core.settings.config import ConfigError, RunConfig, changed_fields, config_from_options
from gdtui.core.settings.fields import DATA_OPTIONS, setting_words
from gdtui.core.settings.files import config_options, parse_settings_text


def settings_path() -> Path:
    """``$XDG_CONFIG_HOME/gdtui/settings.json`` (``~/.config`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "gdtui" / "settings.json"


@dataclass(frozen=True)
class Remembered:
    """The theme and the run settings from last time (either may be missing), and why a
    settings file that is there could not be used in full (None if it could, or if there is
    none)."""

    theme: str | None = None
    config: RunConfig | None = None
    problem: str | None = None

    @property
    def unusable(self) -> bool:
        """Whether a file was there of which nothing could be used (not a file, not JSON,
        no setting that holds)."""
        return self.problem is not None and self.theme is None and self.config is None


SETTINGS_LIMIT = 1_000_000
"""Bytes: a settings file is a few hundred; anything much larger is not ours."""


def load(path: Path) -> Remembered:
    """What was saved at ``path``; what is unreadable or invalid is left out, and said in
    ``problem``. Only a regular file of modest size is read (a FIFO there would block the
    start for good)."""
    if not os.path.exists(path):  # nothing there, or a link to nothing yet (dotfiles): the
        return Remembered()  # first save makes its target
    try:
        data: Any = parse_settings_text(read_text(path, "a settings file", SETTINGS_LIMIT), "JSON")
    except Unreadable as error:
        return Remembered(problem=str(error))
    except ValueError as error:
        return Remembered(problem=f"not valid JSON: {error}")
    if not isinstance(data, dict):
        return Remembered(problem="not a table of settings")
    theme = data.get("theme") if isinstance(data.get("theme"), str) else None
    config = problem = None
    run = data.get("run")
    if isinstance(run, dict):
        try:
            config = config_from_options(run)
        except ConfigError as error:
            # A stale or hand-edited file, or a data file that has gone since: keep what
            # still holds (the data falls back to the default), else start from the defaults.
            problem = str(error)
            without_data = {k: v for k, v in run.items() if k not in DATA_OPTIONS}
            with contextlib.suppress(ConfigError):
                config = config_from_options(without_data)
    return Remembered(theme, config, problem)


def _target(path: Path) -> Path:
    """The file ``path`` stands for: itself, or, for a link (settings kept with one's
    dotfiles), the file it leads to, which is what gets written."""
    return Path(os.path.realpath(path))


def _asides(path: Path) -> Iterator[Path]:
    aside = _target(path)
    aside = aside.with_name(aside.name + ".invalid")
    return (numbered(aside, number) for number in range(1, MAX_NUMBER + 1))


def set_aside(path: Path) -> Path:
    """Where :func:`save` would keep a file it could not read, rather than overwrite it:
    beside the file (a link's target), ``settings.json.invalid``, or where an earlier one has
    that name, ``settings.json-2.invalid`` and on."""
    return next((aside for aside in _asides(path) if not os.path.lexists(aside)), path)


def save(path: Path, theme: str, config: RunConfig) -> str | None:
    """Remember ``theme`` and ``config``, whole or not at all; None, or why it could not be
    done (the file as it was is left in place). A file there that held no settings is kept,
    under a name of its own (:func:`set_aside`), for its owner to look at. Where ``path`` is
    a link, the file it leads to is written (atomically): the link stays."""
    run = config_options(config, data_by_path=True)
    text = json.dumps({"theme": theme, "run": run}, indent=2) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        target = _target(path)
        if load(target).unusable:  # read again: it may have changed since the start
            _keep(target)
        write_atomic(target, text)
    except OSError as error:
        return f"could not remember the settings in {path}: {error.strerror or error}"
    return None


def _keep(path: Path) -> None:
    """Give the unusable file at ``path`` a name of its own (:func:`set_aside`), never one
    an earlier such file has (claimed, not just looked at: two sessions may save at once)."""
    for aside in _asides(path):
        try:
            add_name(path, aside)
            return
        except FileExistsError:
            continue
    raise FileExistsError(0, "every name tried was taken", str(path))


def to_remember(base: RunConfig, launched: RunConfig, final: RunConfig) -> RunConfig:
    """What to remember after a session that started from ``base`` (what was remembered, or
    the defaults), ran ``launched`` (``base`` with the command line's options on top) and
    ended at ``final``: ``base`` with the changes made in the app. An option given on the
    command line is for that session only, unless the app changed it; where the app's
    changes do not hold without the command line's (an optimizer only its variant offers),
    the session's own settings are remembered."""
    changes = {name: getattr(final, name) for name in changed_fields(launched, final)}
    try:
        return base.replace(**changes)
    except ConfigError:
        return final


MAX_LISTED = 4
"""Settings a start-up notice names before it says "and N more"."""


def restored_notice(base: RunConfig, launched: RunConfig) -> str | None:
    """What the app says at start when it carries on from last time: the settings that
    differ from the defaults, those the command line set for this time only, and how to
    start from the defaults; None when nothing differs from them."""
    restored = _listed(base, changed_fields(RunConfig(), base))
    once = _listed(launched, changed_fields(base, launched))
    if not restored:
        return None
    text = f"Restored your last settings: {restored}."
    if once:
        text += f" This time only: {once}."
    return text + " gdtui --defaults starts from the defaults."


def _listed(config: RunConfig, names: list[str]) -> str:
    words = [setting_words(name, getattr(config, name)) for name in names]
    if len(words) > MAX_LISTED:
        words = [*words[:MAX_LISTED], f"and {len(words) - MAX_LISTED} more"]
    return ", ".join(words)
