"""Standard output closed (``>&-``), full (``/dev/full``) or taken with standard error closed
too: every command ends with one line on stderr (where there is one) and status 74, never a
traceback, 0 or 120. The cause was one: Python leaves ``sys.stdout`` None when descriptor 1
is closed, and argparse's help is written unchecked, so each is handled where gdtui starts
(:func:`gdtui.cli.output.claim_standard_streams` and the flush in :func:`gdtui.cli.main.main`)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gdtui import exits
from tests.cli.cli_support import ROOT, Result, cli_env

needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")


def gdtui_redirected(redirections: str, *args: str) -> Result:
    """``gdtui ARGS`` run by a shell with ``redirections`` (``>&-``, ``>/dev/full``)."""
    script = f'exec "$@" {redirections}'
    completed = subprocess.run(
        ["sh", "-c", script, "sh", sys.executable, "-m", "gdtui", *args],
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    return Result(
        tuple(args),
        completed.returncode,
        completed.stdout.decode("utf-8", errors="replace"),
        completed.stderr.decode("utf-8", errors="replace"),
    )


@pytest.mark.parametrize(
    "args",
    [
        ("run", "--epochs", "3", "--variant", "numpy-manual"),
        ("trace", "--variant", "numpy-manual"),
        ("compare", "--epochs", "3", "--across", "formula"),
        ("lessons",),
        ("--help",),
        ("run", "--help"),
    ],
    ids=["run", "trace", "compare", "lessons", "help", "run-help"],
)
def test_a_closed_standard_output_is_one_line_and_status_74(args):
    result = gdtui_redirected(">&-", *args)
    command = "gdtui" if args[0].startswith("-") else f"gdtui {args[0]}"
    assert result.returncode == exits.OUTPUT_FAILED, result
    assert result.err_lines == [f"{command}: cannot write the output: standard output is closed"]


@needs_dev_full
@pytest.mark.parametrize(
    ("redirections", "args"),
    [
        (">/dev/full", ("--help",)),
        (">/dev/full", ("lessons", "--help")),
        ("2>&- >/dev/full", ("run", "--epochs", "3", "--variant", "numpy-manual")),
        ("2>&- >&-", ("run", "--epochs", "3", "--variant", "numpy-manual")),
    ],
    ids=["help", "lessons-help", "run-no-stderr", "run-neither"],
)
def test_output_that_cannot_be_written_is_status_74(redirections, args):
    result = gdtui_redirected(redirections, *args)
    assert result.returncode == exits.OUTPUT_FAILED, result
    assert "Traceback" not in result.stderr


def test_with_standard_error_closed_an_error_does_not_go_into_the_output():
    result = gdtui_redirected("2>&-", "run", "--lr", "-1", "--variant", "numpy-manual")
    assert result.returncode == exits.BAD_INPUT and result.stdout == "", result


def test_with_standard_input_closed_a_run_runs():
    result = gdtui_redirected("<&-", "run", "--epochs", "2", "--variant", "numpy-manual")
    assert result.returncode == exits.OK and len(result.lines) == 3, result
