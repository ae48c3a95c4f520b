"""Writing files so that they are either whole or absent, never half-written."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
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
    import tempfile  # ~8 ms to import, and only needed once something is saved

    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
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
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
