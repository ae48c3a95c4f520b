"""A run's history as the files an export writes: CSV and JSON lines, a piece at a time (a
million epochs are written on a thread that checks between pieces whether to stop), and how
big they will be, said before they are written."""

from __future__ import annotations

import json
from collections.abc import Iterator

from gdtui.core.run.history import EXPORT_CHUNK, RunHistory, record_fields
from gdtui.core.run.session import TrainingSession
from gdtui.core.settings.changes import MidRunChange, live_changes, normalise
from gdtui.core.settings.config import RunConfig

SAMPLE_ROWS = 2_000
"""Rows formatted to estimate an export's size: spread over the run, so late epochs' longer
numbers count as much as the first epochs' round ones."""


def csv_chunks(
    history: RunHistory, stop: int | None = None, rows: int = EXPORT_CHUNK
) -> Iterator[str]:
    """The first ``stop`` epochs' records (all when None) as CSV text with a header,
    ``rows`` records at a time (with mini-batches, a record per update)."""
    fields = record_fields(history.has_bias, history.batched)
    yield ",".join(fields) + "\n"
    for chunk in history.export_rows(fields, stop, rows):
        yield "".join(csv_line(row) for row in chunk)


def jsonl_chunks(
    history: RunHistory, stop: int | None = None, rows: int = EXPORT_CHUNK
) -> Iterator[str]:
    """The first ``stop`` epochs' records (all when None) as JSON lines, ``rows`` at a time
    (with mini-batches, a record per update)."""
    fields = record_fields(history.has_bias, history.batched)
    for chunk in history.export_rows(fields, stop, rows):
        yield "".join(json_line(fields, row) for row in chunk)


def export_bytes(history: RunHistory, stop: int | None = None) -> int:
    """About how many bytes :func:`csv_chunks` and :func:`jsonl_chunks` write together for
    the first ``stop`` epochs: a sample of rows spread over the run, formatted, each standing
    for the rows it skipped (within a few per cent on a long run)."""
    fields = record_fields(history.has_bias, history.batched)
    rows = history.export_length(stop)
    stride = max(1, rows // SAMPLE_ROWS)
    sampled = total = 0
    for chunk in history.export_rows(fields, stop, SAMPLE_ROWS, stride):
        for row in chunk:
            sampled += 1
            total += len(csv_line(row)) + len(json_line(fields, row))
    header = len(",".join(fields)) + 1
    return header + (round(total * rows / sampled) if sampled else 0)


def replayed_settings(
    session: TrainingSession, epochs: int
) -> tuple[RunConfig, tuple[MidRunChange, ...]]:
    """The settings ``session``'s run started with and the changes made to it mid-run, as a
    settings file replays them: each where the training process applied it, and the settings
    changed since the last of ``epochs`` came back (still to be applied, or not yet heard of)
    from the epoch after it. Replayed, they give the same first ``epochs`` epochs, each with
    the settings it ran with."""
    applied = list(session.applied)
    config = session.start
    for change in applied:
        config = config.replace(**change.values)
    pending = live_changes(config, session.config)
    if pending:
        applied.append(MidRunChange(epochs + 1, pending))
    return normalise(session.start, applied)


def csv_line(row: tuple[float | int | bool, ...]) -> str:
    """One record as a CSV line."""
    return ",".join(map(_cell, row)) + "\n"


def json_line(fields: tuple[str, ...], row: tuple[float | int | bool, ...]) -> str:
    """One record as a JSON line."""
    return json.dumps(dict(zip(fields, map(_json, row), strict=True))) + "\n"


def _cell(value: float | int | bool) -> str:
    """A CSV cell: the number's repr, ``true`` or ``false``, or empty where a record has
    none (nan)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value != value else repr(value)


def _json(value: float | int | bool) -> float | int | bool | None:
    """A JSON value: null where a record has none (nan)."""
    return None if value != value else value
