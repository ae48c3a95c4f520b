"""``gdtui serve``: the same app in a browser, through textual-serve, for a projector, a
classroom or an SSH tunnel. Each browser tab starts its own ``gdtui`` with the options given.

Safe by default, as Jupyter Server is: a random token in the printed URL (the page and the
websocket both need it, compared in constant time); a Host header that must name the loopback
or a host given with ``--allow-host`` (against DNS rebinding); a websocket that must come from
the page's own origin (against cross-site websockets); at most ``--max-sessions`` sessions,
each ended after ``--idle-timeout`` without input, its terminal no larger than
:data:`MAX_COLUMNS` × :data:`MAX_ROWS`, and its app and training process gone within
:data:`STOP_SECONDS` of its websocket closing, stalling or misbehaving. A program of the
user's own (``gdtui serve PROGRAM``) is served only with ``--allow-code``: every tab runs its
code, as the server's user, for anyone with the link.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import html
import json
import logging
import os
import shlex
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from gdtui import exits
from gdtui.cli.app import SERVE_ROOT_VARIABLE
from gdtui.cli.options import (
    Parser,
    UsageError,
    add_display_options,
    add_lesson_option,
    add_settings,
    bounded,
    load_lesson,
    parse_config,
    parse_fps,
)
from gdtui.cli.serve_console import ServerConsole, access_logger, start_logging
from gdtui.cli.serve_options import (
    CannotListen,
    ServeOptions,
    add_program_options,
    cannot_listen,
    host_name,
    is_loopback,
    parse_program,
    tab_args,
    token_cookie,
)
from gdtui.core.settings.parse import parse_float, parse_int

TEMPLATES = Path(__file__).parent / "serve_templates"
MAX_COLUMNS, MAX_ROWS = 500, 200
"""The largest terminal a browser may ask for (a 10000×10000 resize took gigabytes)."""
STOP_SECONDS = 1.5
"""How long a session's app may take to quit once its websocket has gone; then it is killed."""
HEARTBEAT_SECONDS = 5.0
"""The server pings each browser this often; one that does not answer is dropped."""
MAX_MESSAGE_BYTES = 64 * 1024
"""A browser's messages are keys and sizes: anything larger is not one."""

log = logging.getLogger("gdtui.cli.serve")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _page(status: int, title: str, text: str) -> web.Response:
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>gdtui</title></head>"
        "<body style='font-family: monospace; background: #0c181f; color: #eee; "
        f"padding: 2em'><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html")


class GdtuiServer(Server):
    """textual-serve's server with gdtui's guards (see the module's docstring)."""

    def __init__(self, args: list[str], options: ServeOptions) -> None:
        # exec: the shell becomes the app, so that the app itself is what gets stopped.
        command = "exec " + shlex.join([sys.executable, "-m", "gdtui", *args])
        super().__init__(
            command,
            host=options.host,
            port=options.port,
            title="gdtui",
            templates_path=TEMPLATES,
            public_url=options.public_url,
        )
        self.options = options
        self.sessions: set[AppService] = set()

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_get("/ws/{token}", self.handle_websocket)
        app.middlewares.append(self._guard)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every request: a Host that is allowed; the page and the websocket: the token."""
        name = host_name(request.host)
        if not (is_loopback(name) or name.lower() in self.options.allowed_hosts):
            return _page(
                403,
                "Host not allowed",
                f"gdtui serve answers to the loopback only, not to {name!r}: start it with "
                f"--allow-host {name} to let browsers reach it under that name.",
            )
        if request.path.startswith("/static/"):
            return await handler(request)  # the page's script and styles hold no secret
        given = request.match_info.get("token") or request.query.get("token")
        given = given or request.cookies.get(token_cookie(request.host))
        if not self._token_ok(given):
            return _page(
                403,
                "Token needed",
                "Open the address that gdtui serve printed when it started: it ends with "
                "?token=… (a wrong or missing token starts nothing).",
            )
        response: web.StreamResponse = await handler(request)
        if request.path == "/" and self.options.token and not response.prepared:
            cookie = token_cookie(request.host)
            response.set_cookie(cookie, self.options.token, httponly=True, samesite="Strict")
        return response

    def _token_ok(self, given: str | None) -> bool:
        token = self.options.token
        if token is None:
            return True
        return given is not None and hmac.compare_digest(given.encode(), token.encode())

    def serve(self, debug: bool = False) -> None:
        """Serve until SIGINT or SIGTERM; the address is printed once the port listens, and
        again on demand (see :mod:`gdtui.cli.serve_console`). Raises :class:`UsageError` or
        :class:`CannotListen` when it cannot listen where it was told."""
        start_logging()
        loop = asyncio.new_event_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signal_number, self.request_exit)
        console = ServerConsole(self.options, lambda: len(self.sessions))
        console.reprint_on_demand(loop)
        try:
            web.run_app(
                self._make_app(),
                host=self.host,
                port=self.port,
                handle_signals=False,
                loop=loop,
                print=lambda *_: self._announce(console),
                access_log_class=access_logger(self.options.token),
            )
        except OSError as error:
            if console.announced:  # it listened: this is no error of its options
                raise
            raise cannot_listen(error, self.host, self.port) from None

    def _announce(self, console: ServerConsole) -> None:
        console.announce()
        if self.options.program is not None:  # said every start: the tabs run the user's code
            log.warning("%s", self.options.program.banner())

    async def on_startup(self, app: web.Application) -> None:
        """Nothing to say before the port listens (see :meth:`ServerConsole.announce`)."""

    async def on_shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(self._stop(service) for service in list(self.sessions)))

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if len(self.sessions) >= self.options.max_sessions:
            return self._full()
        import aiohttp_jinja2

        token = self.options.token
        context = {
            "font_size": 16,
            # Relative: the page builds the absolute address from its own location, so a
            # tunnel on another port (or a proxy) works.
            "app_websocket_url": f"ws/{token}" if token else "ws",
            "config": {"static": {"url": "static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    def _full(self) -> web.Response:
        return _page(
            503,
            "All sessions in use",
            f"This gdtui serve runs at most {self.options.max_sessions} sessions at once; "
            "try again when one closes (or start it with a larger --max-sessions).",
        )

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        origin = request.headers.get("Origin")
        if origin not in (f"http://{request.host}", f"https://{request.host}"):
            return _page(403, "Origin not allowed", "Only gdtui's own page may open a session.")
        if len(self.sessions) >= self.options.max_sessions:
            return self._full()
        width = _clamp(request.query.get("width"), 80, MAX_COLUMNS)
        height = _clamp(request.query.get("height"), 24, MAX_ROWS)
        websocket = web.WebSocketResponse(
            heartbeat=HEARTBEAT_SECONDS, max_msg_size=MAX_MESSAGE_BYTES
        )
        await websocket.prepare(request)

        async def close() -> None:
            await websocket.close()

        service = AppService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=self.download_manager,
        )
        self.sessions.add(service)
        try:
            await service.start(width, height)
            await self._until_either_ends(websocket, service)
        except Exception as error:  # the session ends; the server goes on
            log.warning("session ended by an error: %r", error)
        finally:
            await self._stop(service)
            self.sessions.discard(service)
            with contextlib.suppress(Exception):
                await websocket.close()
        return websocket

    async def _until_either_ends(
        self, websocket: web.WebSocketResponse, service: AppService
    ) -> None:
        """Relay the browser's messages until the browser goes, or the app does: an app that
        fails at start says nothing on its way out, and its tab would otherwise hang on a
        blank page, holding a session, until the idle timeout."""
        relay = asyncio.ensure_future(self._relay(websocket, service))
        app = service._task  # textual-serve's reader of the app, which ends when the app does
        await asyncio.wait({relay} | ({app} if app else set()), return_when="FIRST_COMPLETED")
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay

    async def _relay(self, websocket: web.WebSocketResponse, service: AppService) -> None:
        """Pass the browser's keys and sizes to the app until the browser goes, falls
        silent for the idle timeout, or sends something that is not a message of ours."""
        while True:
            try:
                message = await asyncio.wait_for(websocket.receive(), self.options.idle_timeout)
            except asyncio.TimeoutError:
                return
            if message.type != WSMsgType.TEXT:
                return  # closed, an error, a ping unanswered, or binary: not a browser of ours
            try:
                envelope = json.loads(message.data)
            except ValueError:
                return
            if not await self._obey(envelope, websocket, service):
                return  # not a message of textual-serve's page: this is no browser of ours

    async def _obey(
        self, envelope: object, websocket: web.WebSocketResponse, service: AppService
    ) -> bool:
        """Carry out one message from the page; False if it is not one it sends."""
        if not (isinstance(envelope, list) and envelope and isinstance(envelope[0], str)):
            return False
        kind, rest = envelope[0], envelope[1:]
        if kind == "stdin" and len(rest) == 1 and isinstance(rest[0], str):
            await service.send_bytes(rest[0].encode("utf-8"))
        elif kind == "resize" and len(rest) == 1 and isinstance(rest[0], dict):
            size = rest[0]
            await service.set_terminal_size(
                _clamp(size.get("width"), 80, MAX_COLUMNS),
                _clamp(size.get("height"), 24, MAX_ROWS),
            )
        elif kind == "ping" and len(rest) == 1:
            await websocket.send_json(["pong", str(rest[0])[:32]])
        elif kind == "blur" and not rest:
            await service.blur()
        elif kind == "focus" and not rest:
            await service.focus()
        else:
            return False
        return True

    async def _stop(self, service: AppService) -> None:
        """Ask the session's app to quit; kill it if it has not within :data:`STOP_SECONDS`
        (its training process then ends by itself, its pipe closed)."""
        try:
            await asyncio.wait_for(asyncio.shield(service.stop()), STOP_SECONDS)
        except Exception:  # the time is up (TimeoutError), or stopping failed
            process = service._process  # textual-serve keeps it private; nothing else kills it
            if process is not None and process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(process.wait(), STOP_SECONDS)


def _clamp(value: object, default: int, high: int) -> int:
    """A terminal dimension from a browser: a whole number from 1 to ``high``."""
    try:
        number = int(str(value))
    except ValueError:
        return default
    return max(1, min(high, number))


def serve(args: list[str], options: ServeOptions) -> int:
    """Serve the app until interrupted."""
    os.environ[SERVE_ROOT_VARIABLE] = str(options.root)
    try:
        GdtuiServer(args, options).serve()
    except CannotListen as error:
        print(f"gdtui serve: {error}", file=sys.stderr)
        return error.status
    return exits.OK


def build_parser() -> argparse.ArgumentParser:
    """The ``gdtui serve`` parser: where to listen, whom to let in, and the app's settings."""
    parser = Parser(
        prog="gdtui serve",
        description="Serve the app to a browser (each tab runs its own gdtui with these "
        "settings, or on your own PROGRAM with --allow-code), behind a token. For a remote "
        "machine, tunnel the port over SSH rather than listening widely; for a classroom, see "
        "--host and --allow-host.",
        epilog="While it runs, Enter on its terminal (or SIGUSR1: kill -USR1 PID, the PID it "
        "prints) prints the address again, with the sessions in use. Its log is one line a "
        "request, the token shown as ?token=[secret].",
    )
    add_program_options(parser)
    server = parser.add_argument_group("server")
    server.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    server.add_argument("--port", metavar="N", default="8000", help="port (default 8000)")
    server.add_argument(
        "--allow-host",
        metavar="NAME",
        action="append",
        default=[],
        help="a host name or address browsers may use besides the loopback (repeatable): "
        "the Host header must be one of them",
    )
    server.add_argument(
        "--no-token",
        action="store_true",
        help="serve without a token (only on a loopback --host)",
    )
    server.add_argument(
        "--max-sessions",
        metavar="N",
        default="10",
        help="browser tabs served at once, 1 to 1000 (default 10; about 360 MB each)",
    )
    server.add_argument(
        "--idle-timeout",
        metavar="MIN",
        default="30",
        help="end a session after this many minutes without input (default 30; 0: never)",
    )
    server.add_argument(
        "--root",
        metavar="DIR",
        help="the folder a session may load CSV files from and exports into "
        "(default: the working directory)",
    )
    server.add_argument(
        "--public-url",
        metavar="URL",
        help="the address to print, when browsers reach the server under another one",
    )
    server.add_argument("--allow-root", action="store_true", help="serve even when running as root")
    add_lesson_option(server)
    add_settings(parser)
    add_display_options(parser)
    return parser


def main(args: list[str]) -> int:
    """``gdtui serve [PROGRAM] [OPTIONS]``: serve until interrupted; returns the exit status."""
    namespace = build_parser().parse_args(args)
    program = parse_program(namespace)  # first: a program is refused before anything runs
    port = bounded("--port", namespace.port, 1, 65535, parse_int, "a whole number")
    sessions = bounded(
        "--max-sessions", namespace.max_sessions, 1, 1000, parse_int, "a whole number"
    )
    idle = bounded("--idle-timeout", namespace.idle_timeout, 0, 7 * 24 * 60, parse_float, "minutes")
    fps = parse_fps(namespace.fps)
    if load_lesson(namespace) is None:  # bad settings or lessons are reported now, not in a tab
        parse_config(namespace)
    if not namespace.host.strip():  # aiohttp would take "" for every interface, unsaid
        raise UsageError(
            "--host: expects an address of this machine (127.0.0.1, ::1, or 0.0.0.0 for all) "
            f"or its name, got {namespace.host!r}"
        )
    if namespace.no_token and not is_loopback(namespace.host):
        raise UsageError(
            f"--no-token: only on a loopback --host (127.0.0.1, ::1), not {namespace.host!r}; "
            "anyone who reaches the port would drive the app"
        )
    if hasattr(os, "geteuid") and os.geteuid() == 0 and not namespace.allow_root:
        raise UsageError(
            "--allow-root: gdtui serve is running as root, and every browser tab would run "
            "as root too; run it as another user, or give --allow-root"
        )
    root = Path(namespace.root or os.getcwd())
    if not root.is_dir():
        raise UsageError(f"--root: expects a folder, got {namespace.root!r}")
    options = ServeOptions(
        host=namespace.host,
        port=port,
        allowed_hosts=frozenset(name.strip().lower() for name in namespace.allow_host),
        max_sessions=sessions,
        idle_timeout=idle * 60 if idle else None,
        root=root.resolve(),
        public_url=namespace.public_url,
        program=program,
        **({"token": None} if namespace.no_token else {}),
    )
    return serve(tab_args(namespace, fps, program), options)
