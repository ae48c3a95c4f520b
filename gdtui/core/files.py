"""Reading and writing files: a small text file read without hanging on a FIFO or a device,
and files written so that they are either whole or absent, never half-written."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import cast


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
    temporary = _write_temporary(path, text, cancelled)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


FileId = tuple[int, int, int]
"""A file itself, whatever its name: its device, inode and change time (a file deleted and
made again may get the same inode number, never the same change time)."""
MAX_NUMBER = 10_000
"""The most numbered names tried for a new file (``run-2.toml`` … ``run-10000.toml``)."""


def file_id(path: Path) -> FileId | None:
    """The file ``path`` names (not a link's target), or None if there is none."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino, status.st_ctime_ns


def numbered(path: Path, number: int) -> Path:
    """``path`` itself for 1, else ``path`` with ``-number`` before its suffix
    (``run-2.toml``)."""
    return path if number == 1 else path.with_name(f"{path.stem}-{number}{path.suffix}")


def free_stem(stem: Path, suffixes: Sequence[str]) -> Path:
    """The first of ``stem``, ``stem-2``, ``stem-3`` … with no file (nor link) there under any
    of ``suffixes`` (only a hint: :func:`write_new` is what claims the names)."""
    for number in range(1, MAX_NUMBER + 1):
        candidate = numbered(stem, number)
        if not any(os.path.lexists(f"{candidate}{suffix}") for suffix in suffixes):
            return candidate
    raise FileExistsError(errno.EEXIST, f"{MAX_NUMBER:,} names are taken", str(stem))


def write_new(
    files: Sequence[tuple[Path, str | Iterable[str]]],
    cancelled: Callable[[], bool] = lambda: False,
) -> list[FileId]:
    """Write new files, all or none, never replacing one: each is written whole to a
    temporary file beside it and only then given its name, which fails if anything has that
    name (a hard link is made, which cannot replace, or where links are not to be had the
    name is created exclusively first). If any name is taken (FileExistsError) or anything
    else fails, the files already named are removed again and nothing is left behind.
    Returns each file's :data:`FileId`, for :func:`replace_own`."""
    temporaries: list[Path] = []
    placed: list[tuple[Path, tuple[int, int]]] = []
    try:
        for path, text in files:
            temporaries.append(_write_temporary(path, text, cancelled))
        for (path, _), temporary in zip(files, temporaries, strict=True):
            status = os.stat(temporary)
            inode = status.st_dev, status.st_ino
            add_name(temporary, path)
            placed.append((path, inode))
    except BaseException:
        for path, inode in placed:
            given = file_id(path)
            if given is not None and given[:2] == inode:  # a name we gave, not one put since
                path.unlink(missing_ok=True)
        raise
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
    # Taken once the temporary names are gone: removing a link changes the change time.
    return [cast(FileId, file_id(path)) for path, _ in placed]


_NO_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, errno.EOPNOTSUPP}
"""What ``link()`` says on a file system that has no hard links."""


def add_name(source: Path, path: Path) -> None:
    """Give the file at ``source`` the name ``path`` too (or instead, on a file system
    without hard links), unless something has that name: FileExistsError, and nothing is
    replaced."""
    try:
        os.link(source, path, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in _NO_LINKS:
            raise
        # No hard links here (FAT, some network shares; or a folder): hold the name, then
        # move in. Making a file or a folder is exclusive, as a rename is not.
        folder = source.is_dir() and not source.is_symlink()
        if folder:
            path.mkdir()
        else:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        try:
            os.replace(source, path)
        except BaseException:
            if folder:
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
            raise


class NotOurs(OSError):
    """The name no longer holds the file written there last: something else took its
    place, or it was removed."""


def replace_own(path: Path, text: str, own: FileId) -> FileId:
    """Replace the file ``own`` at ``path`` with ``text``, atomically, as
    :func:`write_atomic` does, but only while ``path`` is still that file: a file put there
    since (or none) is left alone and :class:`NotOurs` raised. Returns the new file's
    :data:`FileId`. (The check and the rename are two steps: the one thing that can still be
    replaced is a file put there within the microseconds between them.)"""
    temporary = _write_temporary(path, text, lambda: False)
    try:
        if file_id(path) != own:
            raise NotOurs(errno.EEXIST, "not the file written there", str(path))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return cast(FileId, file_id(path))


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
