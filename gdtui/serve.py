"""``gdtui serve``: the same app in a browser, through textual-serve, for a projector or an
SSH tunnel. Each browser tab starts its own ``gdtui`` with the options given here."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

TEMPLATES = Path(__file__).parent / "app" / "serve_templates"


def serve(app_args: list[str], host: str, port: int) -> int:
    """Serve the app on ``host:port`` until interrupted."""
    from textual_serve.server import Server

    command = shlex.join([sys.executable, "-m", "gdtui", *app_args])
    server = Server(command, host=host, port=port, title="gdtui", templates_path=TEMPLATES)
    server.serve()
    return 0
