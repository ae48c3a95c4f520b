"""Reading and writing files: a small text file read without hanging on a FIFO or a device,
and files written so that they are either whole or absent, never half-written."""

from __future__ import annotations

import os
import stat
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


MAX_FILE_BYTES = 10_000_000
"""Larger data, config and lesson files are refused: gdtui trains on a handful of points."""


class Unreadable(ValueError):
    """A file that cannot be read as text: the message says plainly why."""


def read_text(path: Path, kind: str, limit: int | None = None) -> str:
    """A small UTF-8 text file's contents; :class:`Unreadable` says plainly why it cannot be
    read (``kind`` names what the file should be: "a CSV file").

    Only a regular file is read: a FIFO or a device would block, or never end. Larger than
    ``limit`` bytes (:data:`MAX_FILE_BYTES` by default) is refused.
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        # Non-blocking, so that opening a FIFO returns at once instead of waiting for a writer.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise Unreadable(f"no such file: {str(path)!r}") from None
    except OSError as error:
        raise Unreadable(f"cannot read {str(path)!r}: {error.strerror or error}") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise Unreadable(f"{str(path)!r} is a directory, not {kind}")
        if not stat.S_ISREG(mode):
            what = "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
            raise Unreadable(f"{str(path)!r} is {what}, not {kind}: give a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit and (chunk := os.read(descriptor, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
        raw = b"".join(chunks)
    except OSError as error:
        raise Unreadable(f"cannot read {str(path)!r}: {error.strerror or error}") from None
    finally:
        os.close(descriptor)
    if len(raw) > limit:
        most = f"{limit // 1_000_000} MB" if limit >= 1_000_000 else f"{limit:,} bytes"
        raise Unreadable(f"{str(path)!r} is larger than {most}, the most gdtui reads")
    if b"\x00" in raw:
        raise Unreadable(f"{str(path)!r} is a binary file, not {kind}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable(f"{str(path)!r} is not UTF-8 text") from None
