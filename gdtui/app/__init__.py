"""The Textual app. :func:`make_app` is the one factory the CLI and the tests use."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from gdtui.app.app import GdtuiApp
    from gdtui.core.config import RunConfig


def make_app(
    config: RunConfig | None = None,
    *,
    fps: float = 15.0,
    output_dir: Path | None = None,
    settings: Path | None = None,
    theme: str | None = None,
) -> GdtuiApp:
    """The app, preset with ``config`` (the seeds' defaults when None); screenshots and
    exports go to ``output_dir`` (the working directory when None). With ``settings`` the
    app saves its theme and last settings there when it exits."""
    from gdtui.app.app import GdtuiApp
    from gdtui.core.config import RunConfig

    app = GdtuiApp(config or RunConfig(), fps=fps, output_dir=output_dir, settings=settings)
    if theme is not None and theme in app.available_themes:
        app.theme = theme
    return app
