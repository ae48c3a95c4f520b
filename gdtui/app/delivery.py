"""Files for a served tab's browser: ``gdtui serve`` runs the app on the server, whose folders
the student cannot reach, so a screenshot or an export is offered to the browser as a download
(textual-serve's channel, through :meth:`App.deliver_binary`)."""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from textual import events
from textual.app import App

DELIVERY = "gdtui-file"
"""The name gdtui's deliveries carry (Textual has its own for its screenshots)."""


def offer(app: App[Any], file: BinaryIO, name: str, mime_type: str, what: str) -> None:
    """Offer ``file`` (closed once sent) to the browser as a download named ``name``, and
    say so: ``what`` it holds, and what to do if the browser holds it back."""
    app.deliver_binary(file, save_filename=name, mime_type=mime_type, name=DELIVERY)
    app.notify(
        f"{what} to your browser: it is downloading {name}. No download? Let this page open "
        "pop-ups, then press the key again.",
        timeout=10,
    )


def delivery_failed(app: App[Any], event: events.DeliveryFailed) -> None:
    """Say that a file offered to the browser did not reach it."""
    if event.name == DELIVERY:
        app.notify(f"Could not send the file to your browser: {event.exception}", severity="error")


def offer_text(app: App[Any], name: str, text: str, mime_type: str, what: str) -> None:
    """Offer ``text`` to the browser as a file named ``name`` (see :func:`offer`)."""
    offer(app, io.BytesIO(text.encode()), name, mime_type, what)
