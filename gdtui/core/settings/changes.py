"""Settings changed mid-run: from which epoch (and, where the loop was stepped line by line,
after how many of its lines) a run's live settings took new values.

An export writes a run as the settings it started with and its changes, a settings file's
``[[changes]]`` tables, which ``gdtui run --config`` and ``gdtui --config`` replay::

    lr = 0.0025

    [[changes]]
    epoch = 80            # from epoch 80 on,
    set = { lr = 0.005 }  # these settings (live ones only)

    [[changes]]
    epoch = 120
    lines = 3             # after 3 lines of epoch 120 (the . key's steps)
    set = { zero_grad = false }
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gdtui.core.settings.config import ConfigError, RunConfig, config_from_options
from gdtui.core.settings.fields import FIELDS, LIVE_FIELDS, option_name
from gdtui.core.settings.rules import MAX_EPOCHS

LIVE_KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS if f.key in LIVE_FIELDS)
"""The settings a run may change mid-run, in the table's order."""
CHANGE_KEYS: tuple[str, ...] = ("epoch", "lines", "set")
"""The keys of one change in a file."""
MAX_LINES = 10**6
"""The most lines of an epoch a change may come after."""


@dataclass(frozen=True)
class MidRunChange:
    """Live settings that took new values mid-run."""

    epoch: int
    """The first epoch that ran (at least its later lines) with the new values."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """The new values, by setting (``{"lr": 0.005}``)."""
    lines: int = 0
    """How many lines of ``epoch`` had run before the change (0: none, between epochs)."""

    @property
    def at(self) -> tuple[int, int]:
        """Where in the run it came: (epoch, lines), which orders changes."""
        return (self.epoch, self.lines)

    def words(self) -> str:
        """``lr 0.005 at epoch 80`` (``…, after 3 lines of it``)."""
        values = ", ".join(f"{key} {_shown(value)}" for key, value in self.values.items())
        lines = f", after {self.lines} line{'s' * (self.lines != 1)} of it" if self.lines else ""
        return f"{values} at epoch {self.epoch:,}{lines}"


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


def live_changes(old: RunConfig, new: RunConfig) -> dict[str, Any]:
    """The live settings that differ between ``old`` and ``new``, with ``new``'s values."""
    return {key: getattr(new, key) for key in LIVE_KEYS if getattr(old, key) != getattr(new, key)}


def normalise(
    start: RunConfig, changes: Iterable[MidRunChange]
) -> tuple[RunConfig, tuple[MidRunChange, ...]]:
    """``start`` and ``changes`` (in the order they were made) as a file writes them: changes
    made before epoch 1 are part of the start, changes made at the same place are one, and a
    setting changed and changed back there is no change at all, except zero_grad switched on
    between epochs after epochs without it, which clears the gradient they accumulated: that
    stays a change of its own, so a replay clears it too."""
    grouped: list[tuple[tuple[int, int], RunConfig, RunConfig]] = []
    config, merges, place = start, False, (start, (0, 0))
    for change in changes:
        before, config = config, config.replace(**change.values)
        if change.at != place[1]:
            place = (before, change.at)
        # Between epochs, after epochs that let .grad accumulate.
        clears = not change.lines and not place[0].zero_grad
        clears = clears and config.zero_grad and not before.zero_grad
        if merges and grouped[-1][0] == change.at and not clears:
            grouped[-1] = (change.at, grouped[-1][1], config)
        else:
            grouped.append((change.at, before, config))
        merges = not clears
    while grouped and grouped[0][0] == (1, 0):
        start = grouped.pop(0)[2]
    kept = []
    for (epoch, lines), before, after in grouped:
        values = live_changes(before, after)
        if values:
            kept.append(MidRunChange(epoch, values, lines))
    return start, tuple(kept)


def parse_changes(data: object, start: RunConfig) -> tuple[MidRunChange, ...]:
    """A settings file's ``changes`` (a list of tables, see the module docstring), checked
    on top of ``start``: each one live settings only, valid where it comes, in the order of
    the run. Raises ConfigError (``config``: which change, which key, what it accepts)."""
    if not isinstance(data, list) or not all(isinstance(item, Mapping) for item in data):
        raise _fail("changes: expects a list of tables, each with epoch and set")
    parsed: list[MidRunChange] = []
    config = start
    for number, item in enumerate(data, start=1):
        where = f"changes {number}"
        unknown = sorted(set(item) - set(CHANGE_KEYS))
        if unknown:
            raise _fail(f"{where}: unknown key {unknown[0]!r}; a change has epoch, lines and set")
        epoch = _whole(item.get("epoch"), f"{where}: epoch", 1, MAX_EPOCHS)
        lines = _whole(item.get("lines", 0), f"{where}: lines", 0, MAX_LINES)
        values = item.get("set")
        if not isinstance(values, Mapping) or not values:
            raise _fail(f"{where}: set: expects a table of settings, like set = {{ lr = 0.005 }}")
        fixed = sorted(key for key in values if key not in LIVE_FIELDS)
        if fixed:
            live = ", ".join(LIVE_KEYS)
            raise _fail(
                f"{where}: set: {fixed[0]} cannot change mid-run (that starts the run again); "
                f"the settings that can are {live}"
            )
        if parsed and (epoch, lines) < parsed[-1].at:
            raise _fail(f"{where}: comes before the change above it; list them in run order")
        try:
            config = config_from_options(dict(values), base=config)
        except ConfigError as error:
            key = error.field
            raise _fail(f"{where}: set: {option_name(key)[2:]}: {error.errors[key]}") from None
        parsed.append(MidRunChange(epoch, {key: getattr(config, key) for key in values}, lines))
    return tuple(parsed)


def _whole(value: object, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(f"{where}: expects a whole number from {low:,} to {high:,}, got {value!r}")
    return value


def _fail(message: str) -> ConfigError:
    return ConfigError({"config": message})


def changes_data(changes: Iterable[MidRunChange]) -> list[dict[str, Any]]:
    """``changes`` as a settings file's ``changes`` list (JSON's, or TOML's tables)."""
    data = []
    for change in changes:
        item: dict[str, Any] = {"epoch": change.epoch}
        if change.lines:
            item["lines"] = change.lines
        item["set"] = dict(change.values)
        data.append(item)
    return data
