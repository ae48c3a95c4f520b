"""How ``gdtui serve`` listens and whom it lets in: its options, the names it answers to, the
cookie that keeps its token, and what it says when it cannot listen where it was told."""

from __future__ import annotations

import errno
import ipaddress
import re
import secrets
import socket
from dataclasses import dataclass, field
from pathlib import Path

from gdtui import exits
from gdtui.cli.options import UsageError


@dataclass(frozen=True)
class ServeOptions:
    """How ``gdtui serve`` listens and whom it lets in."""

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = field(default_factory=lambda: secrets.token_urlsafe(24))
    """None: no token (allowed on a loopback address only)."""
    allowed_hosts: frozenset[str] = frozenset()
    """Host names besides the loopback's that the Host header may carry."""
    max_sessions: int = 10
    idle_timeout: float | None = 30 * 60.0
    """Seconds without input after which a session ends; None: never."""
    root: Path = field(default_factory=Path.cwd)
    """The folder a session's files (CSV to load, exports, screenshots) stay inside."""
    public_url: str | None = None
    """The address to print, when the browser reaches the server under another name."""

    @property
    def url(self) -> str:
        """The address a browser opens, token included."""
        base = self.public_url or f"http://{_url_host(self.host)}:{self.port}/"
        base = base if base.endswith("/") else base + "/"
        return f"{base}?token={self.token}" if self.token else base


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this
    machine's loopback."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def host_name(host_header: str) -> str:
    """The name in a Host header, without its port."""
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")] if "]" in host_header else host_header
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def token_cookie(host_header: str) -> str:
    """The name of the cookie that keeps the token for the server a browser reaches as
    ``host_header``: its name and port in the cookie's name, as Jupyter Server does
    (``gdtui-token-127-0-0-1-8000``). A browser sends a host's cookies to every port of that
    host, so two servers on one machine would otherwise overwrite each other's."""
    return "gdtui-token-" + re.sub(r"[^A-Za-z0-9]", "-", host_header)[:100]


class CannotListen(Exception):
    """The port is not this server's to listen on (in use, or kept for the administrator):
    ``str()`` says so in a line, and ``status`` is the exit status."""

    status = exits.ENVIRONMENT


def cannot_listen(error: OSError, host: str, port: int) -> UsageError | CannotListen:
    """What to end with when listening on ``host``:``port`` failed with ``error``: a
    :class:`UsageError` when ``--host`` names no address of this machine, else
    :class:`CannotListen`."""
    accepts = "an address of this machine (127.0.0.1, ::1, or 0.0.0.0 for all) or its name"
    if isinstance(error, socket.gaierror):
        return UsageError(
            f"--host: expects {accepts}, got {host!r}: not an address, nor a name that resolves"
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return UsageError(f"--host: expects {accepts}, got {host!r}: not this machine's")
    if error.errno == errno.EAFNOSUPPORT:
        return UsageError(f"--host: expects {accepts}, got {host!r}: this machine has no IPv6")
    if error.errno == errno.EADDRINUSE:
        return CannotListen(
            f"port {port} is in use (another program, or another gdtui serve, listens on it): "
            "choose another with --port N"
        )
    if error.errno == errno.EACCES:
        return CannotListen(
            f"port {port} is not allowed to this user (ports below 1024 need privileges): "
            "choose another with --port N"
        )
    address = f"[{host}]" if ":" in host else host
    return CannotListen(f"cannot listen on {address}:{port}: {error.strerror or error}")
