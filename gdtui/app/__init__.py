"""The Textual app. :func:`make_app` is the one factory the CLI and the tests use."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

DEFAULT_FPS = 15.0
"""Redraws per second while a run goes flat out, unless ``--fps`` says otherwise."""
OUTPUT_DIR = "gdtui-output"
"""Where screenshots and exports go, in the working directory, unless ``--output-dir`` says
otherwise: a checkout's own files stay as they were. Made on first use."""

if TYPE_CHECKING:
    from pathlib import Path

    from gdtui.app.app import GdtuiApp
    from gdtui.core.lessons.lesson import Lesson
    from gdtui.core.settings.changes import MidRunChange
    from gdtui.core.settings.config import RunConfig


def set_frame_rate() -> None:
    """Let Textual paint a changed screen up to 120 times a second, unless the user set
    ``TEXTUAL_FPS``. At its default 60 a key's frame may wait 16.7 ms for its turn; at 120 the
    key-to-frame p99 of a flat-out run fell from 53 to 36 ms (benchmarks/app.py), while
    redraws during a run stay at ``--fps``. Textual reads it when it is first imported, so
    this acts only before that (:func:`make_app` calls it first)."""
    os.environ.setdefault("TEXTUAL_FPS", "120")


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
    lesson_step: int = 0,
    record: Path | None = None,
    present: bool = False,
    script: tuple[MidRunChange, ...] = (),
    program: Path | None = None,
    cell: int | None = None,
) -> GdtuiApp:
    """The app, preset with ``config`` (the seeds' defaults when None); screenshots and
    exports go to ``output_dir`` (:data:`OUTPUT_DIR` in the working directory when None),
    made when first needed. With ``settings`` the app saves its theme and settings there
    when it exits: ``remembered`` (what was saved before; ``config`` when None) with the
    changes made in the app. ``greeting`` (what was restored) and ``notice`` (a warning) are
    said once the app is on screen. With ``files_root`` (a served tab) a CSV file is loaded
    from inside that folder only. With ``lesson`` the app plays it (enter, backspace) from
    its settings, which are then ``config``, and goes to its step ``lesson_step``. With
    ``record`` what the user does is written there as a lesson file, after each key that
    acts on the run and at exit. With ``present`` the app starts in presenter mode. The
    run replays ``script``'s changes mid-run (a ``--config`` file's)."""
    set_frame_rate()
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
        lesson_step=lesson_step,
        record=record,
        present=present,
        script=script,
        program=program,
        cell=cell,
    )
    if theme is not None and theme in app.available_themes:
        app.theme = theme
    return app
