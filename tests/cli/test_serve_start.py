"""``gdtui serve`` where it cannot listen (one line, the status exits.py gives: 2 for a --host
that is no address of this machine, 4 for a port it may not have), and the cookie that keeps
its token, named for the host and port the browser reached it on."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from gdtui import exits
from tests.cli.cli_support import run_gdtui
from tests.cli.test_serve import Served, free_port


def serve_once(*args: str) -> tuple[int, list[str], str]:
    result = run_gdtui("serve", "--allow-root", "--variant", "numpy-manual", *args, timeout=60)
    return result.returncode, result.err_lines, result.stdout


def test_a_busy_port_is_one_line_and_the_environments_status():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        status, errors, printed = serve_once("--port", str(port))
    assert status == exits.ENVIRONMENT, errors
    assert errors == [
        f"gdtui serve: port {port} is in use (another program, or another gdtui serve, "
        "listens on it): choose another with --port N"
    ]
    assert "open http" not in printed


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("example.invalid", "not an address, nor a name that resolves"),
        ("256.1.1.1", "not an address, nor a name that resolves"),
        ("10.99.99.99", "not this machine's"),
        ("198.51.100.7", "not this machine's"),  # TEST-NET-2: no machine's own
    ],
)
def test_a_host_that_is_not_this_machines_is_bad_input(host, why):
    status, errors, _ = serve_once("--host", host, "--port", str(free_port()))
    assert status == exits.BAD_INPUT, errors
    assert len(errors) == 1, errors
    assert errors[0].startswith("gdtui serve: error: --host: expects an address of this machine")
    assert errors[0].endswith(f"got {host!r}: {why}")


def test_an_empty_host_is_bad_input_not_every_interface():
    """aiohttp takes "" for every interface, while the address printed said 127.0.0.1."""
    for host in ("", "  "):
        status, errors, _ = serve_once("--host", host, "--port", str(free_port()))
        assert status == exits.BAD_INPUT, errors
        assert errors == [
            "gdtui serve: error: --host: expects an address of this machine (127.0.0.1, ::1, "
            f"or 0.0.0.0 for all) or its name, got {host!r}"
        ], errors


def fetch(url: str, cookie: str | None = None) -> tuple[int, str | None]:
    """The status, and the cookie the answer sets (``name=value``)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers = response.status, response.headers
    except urllib.error.HTTPError as error:
        status, headers = error.code, error.headers
    set_cookie = headers.get("Set-Cookie")
    return status, set_cookie.split(";")[0] if set_cookie else None


def test_the_token_cookie_is_named_for_the_servers_host_and_port(tmp_path):
    served = Served(tmp_path)
    try:
        name = f"gdtui-token-127-0-0-1-{served.port}"
        status, cookie = fetch(served.printed)
        assert status == 200 and cookie == f"{name}={served.token}"
        assert fetch(f"{served.base}/", f"{name}={served.token}")[0] == 200  # a reload
        # Another server's cookie (another port of the same host) is not this one's; nor is
        # a cookie without a port, which every port of the host would be sent.
        other = f"gdtui-token-127-0-0-1-{served.port + 1}"
        for cookie in (f"{other}={served.token}", f"gdtui-token={served.token}"):
            assert fetch(f"{served.base}/", cookie)[0] == 403
    finally:
        served.stop()
