"""The Textual app. :func:`make_app` is the one factory the CLI and the tests use."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

# Textual paints a changed screen at most TEXTUAL_FPS times a second (60 by default), so a key's
# frame may wait 16.7 ms for its turn. At 120 the key-to-frame p99 of a flat-out run fell from
# 53 to 36 ms (benchmarks/app.py); redraws while running stay at --fps. Read when Textual is
# first imported, which is after this; a value the user set wins.
os.environ.setdefault("TEXTUAL_FPS", "120")

DEFAULT_FPS = 15.0
"""Redraws per second while a run goes flat out, unless ``--fps`` says otherwise."""
OUTPUT_DIR = "gdtui-output"
"""Where screenshots and exports go, in the working directory, unless ``--output-dir`` says
otherwise: a checkout's own files stay as they were. Made on first use."""

if TYPE_CHECKING:
    from pathlib import Path

    from gdtui.app.app import GdtuiApp
    from gdtui.core.lessons.lesson import Lesson
    from gdtui.core.settings.config import RunConfig


def make_app(
    config: RunConfig | None = None,
    *,
    fps: float = DEFAULT_FPS,
    output_dir: Path | None = None,
    settings: Path | None = None,
    theme: str | None = None,
    notice: str | None = None,
    files_root: Path | None = None,
    remembered: RunConfig | None = None,
    greeting: str | None = None,
    lesson: Lesson | None = None,
    record: Path | None = None,
    present: bool = False,
) -> GdtuiApp:
    """The app, preset with ``config`` (the seeds' defaults when None); screenshots and
        exports go to ``output_dir`` (:data:`OUTPUT_DIR` in the working directory when None),
        made when first needed. With ``settings`` the app saves its theme and settings there
        when it exits: ``remembered`` (what was saved before; ``config`` when None) with the
        changes made in the app. ``greeting`` (what was restored) and ``notice`` (a warning) are
        said once the app is on screen. With ``files_root`` (a served tab) a CSV file is loaded
        from inside that folder only. With ``lesson`` the app plays it (enter, backspace) from
        its settings, which are then ``config``. With ``record`` what the user does is written
        there as a lesson file, after each key that acts on the run and at exit. With ``present``
    the app starts in presenter mode."""
    from gdtui.app.app import GdtuiApp
    from gdtui.core.settings.config import RunConfig

    app = GdtuiApp(
        config or RunConfig(),
        fps=fps,
        output_dir=output_dir,
        settings=settings,
        notice=notice,
        files_root=files_root,
        remembered=remembered,
        greeting=greeting,
        lesson=lesson,
        record=record,
        present=present,
    )
    if theme is not None and theme in app.available_themes:
        app.theme = theme
    return app
