"""What the app remembers between sessions: its theme and the last run's settings, in the
user's config directory. A missing, unreadable or read-only directory is never an error: the
app starts from its defaults and says nothing."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdtui.core.config import ConfigError, RunConfig, config_from_options
from gdtui.core.config_file import config_options
from gdtui.core.export import write_atomic


def settings_path() -> Path:
    """``$XDG_CONFIG_HOME/gdtui/settings.json`` (``~/.config`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "gdtui" / "settings.json"


@dataclass(frozen=True)
class Remembered:
    """The theme and the run settings from last time (either may be missing)."""

    theme: str | None = None
    config: RunConfig | None = None


def load(path: Path) -> Remembered:
    """What was saved at ``path``; anything unreadable or invalid is left out."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Remembered()
    if not isinstance(data, dict):
        return Remembered()
    theme = data.get("theme") if isinstance(data.get("theme"), str) else None
    config = None
    if isinstance(data.get("run"), dict):
        try:
            config = config_from_options(data["run"])
        except ConfigError:
            config = None  # a stale or hand-edited file: start from the defaults
    return Remembered(theme, config)


def save(path: Path, theme: str, config: RunConfig) -> bool:
    """Remember ``theme`` and ``config``; False (and nothing written) if that is impossible."""
    text = json.dumps({"theme": theme, "run": config_options(config)}, indent=2) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    except OSError:
        return False
    return True
