"""Writing files so that they are either whole or absent, never half-written."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path


def _new_file_mode() -> int:
    """The mode ``open()`` would give a new file under this process's umask."""
    mask = os.umask(0)  # the only way to read it before Python 3.13; done once, at import
    os.umask(mask)
    return 0o666 & ~mask


NEW_FILE_MODE = _new_file_mode()


class Cancelled(Exception):
    """A write was given up before it finished; the file was left as it was."""


def write_atomic(
    path: Path,
    text: str | Iterable[str],
    cancelled: Callable[[], bool] = lambda: False,
) -> None:
    """Write ``text`` (a string, or pieces of one) to a temporary file beside ``path``, then
    rename it into place. If ``cancelled()`` turns true between pieces, the temporary file is
    removed and :class:`Cancelled` raised: ``path`` is never seen half-written."""
    write_all_atomic([(path, text)], cancelled)


class PartlyWritten(OSError):
    """Renaming finished files into place failed part way: ``written`` lists those that
    are there (the rest are as they were)."""

    def __init__(self, error: OSError, written: list[Path]) -> None:
        super().__init__(error.errno, error.strerror, error.filename)
        self.written = written


def write_all_atomic(
    files: Sequence[tuple[Path, str | Iterable[str]]],
    cancelled: Callable[[], bool] = lambda: False,
) -> None:
    """Write several files, all or none: each is written whole to a temporary file beside
    it, and only once every one is complete are they renamed into place. Any failure (a full
    disk, a read-only folder) or a cancel removes the temporary files and leaves the targets
    as they were; if a rename fails after others succeeded, :class:`PartlyWritten` says which."""
    temporaries: list[Path] = []
    try:
        for path, text in files:
            temporaries.append(_write_temporary(path, text, cancelled))
    except BaseException:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
        raise
    written: list[Path] = []
    for (path, _), temporary in zip(files, temporaries, strict=True):
        try:
            os.replace(temporary, path)
        except OSError as error:
            for left in temporaries[len(written) :]:
                left.unlink(missing_ok=True)
            if not written:
                raise
            raise PartlyWritten(error, written) from error
        written.append(path)


def _write_temporary(path: Path, text: str | Iterable[str], cancelled: Callable[[], bool]) -> Path:
    """``text`` in a new temporary file beside ``path``, flushed to disk; removed on failure."""
    import tempfile  # ~8 ms to import, and only needed once something is saved

    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        # mkstemp makes the file private (0600); the result should read like any file the
        # user saves: the mode of the file it replaces, or the umask's default for a new one.
        try:
            mode = path.stat().st_mode & 0o7777
        except OSError:
            mode = NEW_FILE_MODE
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            for piece in [text] if isinstance(text, str) else text:
                if cancelled():
                    raise Cancelled(path)
                stream.write(piece)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary
