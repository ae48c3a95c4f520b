"""Writing files so that they are either whole or absent, never half-written."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path


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
