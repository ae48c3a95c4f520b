"""How ``gdtui serve`` listens and whom it lets in: its options, the names it answers to, the
cookie that keeps its token, what it says when it cannot listen where it was told, and the
learner's own program its tabs may open (only with ``--allow-code``)."""

from __future__ import annotations

import argparse
import errno
import getpass
import ipaddress
import os
import re
import secrets
import socket
from dataclasses import dataclass, field
from pathlib import Path

from gdtui import exits
from gdtui.cli.options import UsageError, app_args
from gdtui.core.settings.parse import ParseError, parse_int

PROGRAM_SUFFIXES = (".py", ".ipynb")
"""What a served program may be: a Python file or a Jupyter notebook."""


@dataclass(frozen=True)
class Program:
    """A program of the user's own that each tab opens: ``gdtui PROGRAM [--cell N]``. Its code
    runs as the server's user for anyone with the link, hence ``--allow-code``."""

    path: Path
    """Absolute: a tab's app may start in another folder."""
    cell: int | None = None
    """A notebook's cell whose loop is trained (1-based); None: the app's default."""

    def args(self) -> list[str]:
        """The front of each tab's command line."""
        return [str(self.path), *(["--cell", str(self.cell)] if self.cell is not None else [])]

    def banner(self) -> str:
        """What the server says once it listens."""
        cell = f" (cell {self.cell})" if self.cell is not None else ""
        return (
            f"each tab runs the code of {self.path}{cell} as {server_user()} (--allow-code): "
            "anyone with the address can run any Python through it"
        )


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
    program: Program | None = None
    """The user's own program each tab opens (``--allow-code``); None: the built-in loops."""

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


def server_user() -> str:
    """The user this server (and every tab's code) runs as."""
    try:
        return getpass.getuser()
    except Exception:  # no name for this uid (a container's): say what it is
        return "this server's user"


def add_program_options(parser: argparse.ArgumentParser) -> None:
    """``[PROGRAM] [--cell N] [--allow-code]``: a program of the user's own for each tab."""
    parser.add_argument(
        "program",
        nargs="?",
        metavar="PROGRAM",
        help="a Python file (.py) or Jupyter notebook (.ipynb) of your own that each tab opens "
        "(gdtui PROGRAM); needs --allow-code",
    )
    group = parser.add_argument_group("your own program")
    group.add_argument(
        "--allow-code",
        action="store_true",
        help="let the tabs run PROGRAM: anyone with the link can then run any Python as the "
        "server's user; serve only a file you trust, on a link you trust",
    )
    group.add_argument(
        "--cell",
        metavar="N",
        help="with a notebook PROGRAM: the cell whose training loop is trained (1 is the first)",
    )


def parse_program(namespace: argparse.Namespace) -> Program | None:
    """The program each tab opens, checked now rather than in a tab, or None (raises
    UsageError: a program without ``--allow-code``, beside ``--lesson``, or that is no
    readable .py file or .ipynb notebook; ``--cell`` without a notebook)."""
    text: str | None = namespace.program
    if text is None:
        if namespace.cell is not None:
            raise UsageError("--cell: picks a cell of a notebook PROGRAM (.ipynb); none is given")
        return None
    if namespace.lesson is not None:
        raise UsageError(
            f"--lesson: a tab plays a lesson or opens your program ({text}): give one or the other"
        )
    if not namespace.allow_code:
        raise UsageError(
            f"PROGRAM: serving {text} runs its code as {server_user()} for anyone with the link: "
            "add --allow-code to allow it"
        )
    path = Path(text).expanduser()
    if not path.exists():
        raise UsageError(f"PROGRAM: {text}: no such file")
    if path.is_dir():
        raise UsageError(f"PROGRAM: {text}: a folder, not a .py file or a .ipynb notebook")
    if not path.is_file():
        raise UsageError(f"PROGRAM: {text}: not a regular file")
    if path.suffix not in PROGRAM_SUFFIXES:
        raise UsageError(
            f"PROGRAM: {text}: expects a Python file (.py) or a Jupyter notebook (.ipynb)"
        )
    if not os.access(path, os.R_OK):
        raise UsageError(f"PROGRAM: {text}: not readable by {server_user()}")
    return Program(path.resolve(), _cell(namespace.cell, text, path.suffix))


def _cell(given: str | None, program: str, suffix: str) -> int | None:
    if given is None:
        return None
    if suffix != ".ipynb":
        raise UsageError(f"--cell: picks a cell of a notebook (.ipynb); {program} is a Python file")
    accepts = f"--cell: expects a whole number from 1 (the first cell), got {given!r}"
    try:
        cell = parse_int(given)
    except ParseError as error:
        raise UsageError(f"{accepts}: {error}") from None
    if cell < 1:
        raise UsageError(accepts)
    return cell


def tab_args(namespace: argparse.Namespace, fps: float, program: Program | None) -> list[str]:
    """Each tab's ``gdtui`` arguments: the program first (``PROGRAM [--cell N]``), then the
    settings, display and lesson given to serve (:func:`gdtui.cli.options.app_args`)."""
    return [*(program.args() if program else []), *app_args(namespace, fps)]
