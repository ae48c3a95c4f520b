"""Exporting a run, on a worker thread: the history as CSV and JSON lines, each row with the
learning rate and zero_grad it ran with, and the settings as TOML, as the run started and with
every change made mid-run, so that ``--config`` replays it; all three files or none. A served
tab sends the three to the browser in one zip instead (the server's folder is out of the
student's reach)."""

from __future__ import annotations

import contextlib
import shutil
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from textual.worker import get_current_worker

from gdtui.app.delivery import offer
from gdtui.core.files import MAX_NUMBER, Cancelled, free_stem, write_new
from gdtui.core.run.export import csv_chunks, export_bytes, jsonl_chunks, replayed_settings
from gdtui.core.run.history import RunHistory
from gdtui.core.run.session import TrainingSession
from gdtui.core.settings.changes import MidRunChange
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.files import config_text

if TYPE_CHECKING:
    from gdtui.app.screens.main import MainScreen

LONG_EXPORT = 100_000
"""Exports of this many epochs or more say how big they will be before they are written
(they take a second or more)."""
SUFFIXES = (".csv", ".jsonl", ".toml")
"""An export's files: ``stem`` and each of these."""
Notify = Callable[..., None]
"""``notify(message, severity=...)``, safe to call from the worker's thread."""


@dataclass(frozen=True)
class Export:
    """One export: the first ``epochs`` of ``history``, and the settings that replay them:
    ``start`` and the ``changes`` made mid-run."""

    history: RunHistory
    epochs: int
    start: RunConfig
    changes: Sequence[MidRunChange]
    stem: Path
    """The files' path without a suffix (in a served tab, only their names count)."""

    def files(self) -> list[tuple[str, str | Iterable[str]]]:
        """Each file's suffix and text (the records as pieces, written one by one)."""
        note = (
            f"gdtui export: {self.epochs:,} epoch{'' if self.epochs == 1 else 's'} of this run "
            f"({self.stem.name}.csv, .jsonl);\n"
            f"gdtui run --config {self.stem.name}.toml --format jsonl replays them, changes "
            "and all"
        )
        return [
            (".csv", csv_chunks(self.history, self.epochs)),
            (".jsonl", jsonl_chunks(self.history, self.epochs)),
            (".toml", config_text(self.start, ".toml", self.changes, note)),
        ]

    def size(self) -> int:
        """About how many bytes the files take (the records; the settings are a few lines)."""
        return export_bytes(self.history, self.epochs) + 2_000

    def words(self) -> str:
        """``1,000 epochs`` and, with summarised updates, which rows stand for them."""
        count = f"{self.epochs:,} epoch" + ("" if self.epochs == 1 else "s")
        updates = self.history.updates
        if updates is not None and updates.kept_from:
            count += (
                f" (before update {updates.kept_from + 1:,}, each epoch's last update: the "
                f"latest {updates.window:,} are kept in full)"
            )
        return count

    def made(self) -> str:
        """``the change made mid-run (lr 0.02 at epoch 3)``, or "" for a run without."""
        changes = self.changes
        if not changes:
            return ""
        listed = "; ".join(change.words() for change in changes[:3])
        more = f"; and {len(changes) - 3} more" if len(changes) > 3 else ""
        plural = "s" if len(changes) > 1 else ""
        return f"the change{plural} made mid-run ({listed}{more})"

    def replay_words(self, toml: str) -> str:
        """What the settings file holds and how to replay it."""
        if not self.changes:
            return f"the settings to {toml} (gdtui --config {toml} replays the run)"
        return (
            f"the settings and {self.made()} to {toml} "
            f"(gdtui --config {toml} replays the run, changes and all)"
        )


def megabytes(size: int) -> str:
    """``91 MB``, ``2.4 MB``, ``310 kB``, ``424 bytes``."""
    if size >= 10**7:
        return f"{size / 1e6:,.0f} MB"
    if size >= 10**6:
        return f"{size / 1e6:.1f} MB"
    if size >= 10**4:
        return f"{round(size / 1e3)} kB"
    return f"{size:,} bytes"


def export_run(
    history: RunHistory,
    epochs: int,
    start: RunConfig,
    stem: Path,
    changes: Sequence[MidRunChange],
    notify: Notify,
    cancelled: Callable[[], bool],
) -> None:
    """Write the first ``epochs`` records to ``stem``.csv and .jsonl and the settings that
    replay them (``start`` and the ``changes`` made mid-run) to ``stem``.toml, then say what
    was written. A long export says its size first; one that cannot fit writes nothing.
    Nothing is written over: where any of the three names is taken (an earlier export of as
    many epochs), the three go under the first free ``stem-2``, ``stem-3`` …, claimed
    together, and the notice says so."""
    export = Export(history, epochs, start, changes, stem)
    size = export.size()
    asked = stem
    if epochs >= LONG_EXPORT:
        notify(f"Exporting {export.words()}: about {megabytes(size)}…", timeout=4)
    try:
        stem.parent.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(stem.parent).free
        if size > free:
            notify(
                f"Could not export to {stem.parent}: No space left on device (about "
                f"{megabytes(size)} needed, {megabytes(free)} free). Nothing was written.",
                severity="error",
            )
            return
        for _ in range(MAX_NUMBER):
            stem = free_stem(asked, SUFFIXES)
            export = Export(history, epochs, start, changes, stem)  # its TOML names its files
            files = [(Path(f"{stem}{suffix}"), text) for suffix, text in export.files()]
            try:
                write_new(files, cancelled)
                break
            except FileExistsError:  # taken since free_stem looked: the next free one
                continue
        else:
            raise FileExistsError(0, "every name tried was taken", str(asked))
    except Cancelled:
        return
    except OSError as error:
        notify(
            f"Could not export to {stem.parent}: {error.strerror or error}. Nothing was written.",
            severity="error",
        )
        return
    renamed = "" if stem == asked else f"; a new name, as {asked.name}.* are kept from before"
    written = sum(path.stat().st_size for path, _ in files if path.suffix != ".toml")
    notify(
        f"Exported {export.words()} to {stem}.csv and .jsonl ({megabytes(written)}{renamed}); "
        f"{export.replay_words(stem.name + '.toml')}"
    )


def zip_run(export: Export, file: BinaryIO, cancelled: Callable[[], bool]) -> None:
    """Write ``export``'s three files into ``file`` as one zip (Cancelled if cancelled)."""
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
        for suffix, text in export.files():
            with archive.open(export.stem.name + suffix, "w") as member:
                for piece in [text] if isinstance(text, str) else text:
                    if cancelled():
                        raise Cancelled(export.stem)
                    member.write(piece.encode())


def send_run(
    export: Export,
    deliver: Callable[[BinaryIO, str], None],
    notify: Notify,
    cancelled: Callable[[], bool],
) -> None:
    """Zip ``export`` into a temporary file (gone once delivered) and hand it to
    ``deliver`` (the browser's download, from the UI thread)."""
    import tempfile

    if export.epochs >= LONG_EXPORT:
        size = megabytes(export.size())
        notify(f"Exporting {export.words()}: about {size}, less once zipped for your browser…")
    file = tempfile.TemporaryFile()  # noqa: SIM115 - the delivery closes it once sent
    try:
        zip_run(export, file, cancelled)
    except Cancelled:
        file.close()
        return
    except OSError as error:
        file.close()
        notify(f"Could not export: {error.strerror or error}", severity="error")
        return
    deliver(file, export.stem.name + ".zip")


def start_export(screen: MainScreen, session: TrainingSession, output_dir: Path) -> None:
    """Export ``session``'s run into ``output_dir`` (in a served tab, to the browser) on a
    worker of ``screen``'s: a million epochs take seconds to write, and the keys and the run
    go on meanwhile. The files hold the epochs up to now; a newer export replaces an
    unfinished one."""
    if not len(session.history):
        screen.notify("Nothing to export yet: step at least one epoch.", severity="warning")
        return
    epochs = session.epoch
    start, changes = replayed_settings(session, epochs)
    stem = output_dir / f"gdtui-{session.config.variant}-{epochs}-epochs"
    export = Export(session.history, epochs, start, changes, stem)
    app = screen.app

    def notify(message: str, severity: Any = "information", timeout: float | None = None) -> None:
        if screen.quitting:
            return
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            app.call_from_thread(screen.notify, message, severity=severity, timeout=timeout)

    def cancelled() -> bool:
        return get_current_worker().is_cancelled or screen.quitting

    if app.is_web:
        made = export.made()
        what = f"Exported {export.words()}" + (f", with {made}," if made else "")

        def deliver(file: BinaryIO, name: str) -> None:
            with contextlib.suppress(RuntimeError):
                app.call_from_thread(offer, app, file, name, "application/zip", what)

        work = partial(send_run, export, deliver, notify, cancelled)
    else:
        work = partial(export_run, export.history, epochs, start, stem, changes, notify, cancelled)
    screen.run_worker(
        work, name="export", thread=True, exclusive=True, group="export", exit_on_error=False
    )
