"""Exporting a run, on a worker thread: the history as CSV and JSON lines and the settings as
TOML, all three files or none."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.worker import get_current_worker

from gdtui.core.files import Cancelled, PartlyWritten, write_all_atomic
from gdtui.core.run.history import RunHistory
from gdtui.core.run.session import TrainingSession
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.files import config_text

if TYPE_CHECKING:
    from gdtui.app.screens.main import MainScreen

LONG_EXPORT = 100_000
"""Exports of this many epochs or more say that they have started (they take a second)."""
Notify = Callable[..., None]
"""``notify(message, severity=...)``, safe to call from the worker's thread."""


def export_run(
    history: RunHistory,
    epochs: int,
    config: RunConfig,
    stem: Path,
    changes: list[tuple[int, str]],
    notify: Notify,
    cancelled: Callable[[], bool],
) -> None:
    """Write the first ``epochs`` records to ``stem``.csv and .jsonl and the settings to
    ``stem``.toml, then say what was written (``changes``: what the settings file leaves out)."""
    files = [
        (stem.with_suffix(".csv"), history.csv_chunks(epochs)),
        (stem.with_suffix(".jsonl"), history.jsonl_chunks(epochs)),
        (stem.with_suffix(".toml"), config_text(config, ".toml")),
    ]
    try:
        stem.parent.mkdir(parents=True, exist_ok=True)
        write_all_atomic(files, cancelled)
    except Cancelled:
        return
    except PartlyWritten as error:
        written = ", ".join(path.name for path in error.written)
        notify(
            f"Could not export all of it ({error.strerror}): only {written} were written",
            severity="error",
        )
        return
    except OSError as error:
        notify(
            f"Could not export to {stem.parent}: {error.strerror or error}. Nothing was written.",
            severity="error",
        )
        return
    replay = "gdtui --config replays them"
    if changes:
        # A config file holds one set of settings: the run's mid-run changes are not in it.
        made = ", ".join(f"{label} at {epoch}" for epoch, label in changes[:3])
        more = f" and {len(changes) - 3} more" if len(changes) > 3 else ""
        replay = f"as they are now, without the changes made mid-run: {made}{more}"
    count = f"{epochs:,} epoch" + ("" if epochs == 1 else "s")
    updates = history.updates
    if updates is not None and updates.kept_from:
        count += (
            f" (before update {updates.kept_from + 1:,}, each epoch's last update: the latest "
            f"{updates.window:,} are kept in full)"
        )
    notify(
        f"Exported {count} to {stem}.csv and .jsonl; the settings to {stem.name}.toml ({replay})"
    )


def start_export(screen: MainScreen, session: TrainingSession, output_dir: Path) -> None:
    """Export ``session``'s run into ``output_dir`` on a worker of ``screen``'s: a million
    epochs take seconds to write, and the keys and the run go on meanwhile. The files hold
    the epochs up to now; a newer export replaces an unfinished one."""
    if not len(session.history):
        screen.notify("Nothing to export yet: step at least one epoch.", severity="warning")
        return
    epochs = session.epoch
    stem = output_dir / f"gdtui-{session.config.variant}-{epochs}-epochs"
    if epochs >= LONG_EXPORT:
        screen.notify(f"Exporting {epochs:,} epochs…", timeout=3)

    def notify(message: str, severity: Any = "information") -> None:
        if screen.quitting:
            return
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            screen.app.call_from_thread(screen.notify, message, severity=severity)

    work = partial(
        export_run,
        session.history,
        epochs,
        session.config,
        stem,
        list(session.changes),
        notify,
        lambda: get_current_worker().is_cancelled or screen.quitting,
    )
    screen.run_worker(
        work, name="export", thread=True, exclusive=True, group="export", exit_on_error=False
    )
