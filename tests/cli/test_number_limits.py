"""Numbers beyond what gdtui computes with are one line of bad input: a generated line whose
y overflows says so in its own words (numpy's RuntimeWarning does not reach the terminal), and
the limit on a number says what it is with either dtype."""

from __future__ import annotations

import pytest

from gdtui import exits
from tests.cli.cli_support import run_gdtui


@pytest.mark.parametrize(
    "spec",
    ["noisy:slope=1e308,n=3", "noisy:slope=1e308,intercept=1e308,n=3", "noisy:noise=1e308,n=3"],
)
def test_a_generated_line_beyond_float32_is_one_line(spec):
    result = run_gdtui("run", "--variant", "numpy-manual", "--dataset", spec)
    assert result.returncode == exits.BAD_INPUT, result
    assert len(result.err_lines) == 1 and "Warning" not in result.stderr, result
    assert result.err_lines[0].endswith(
        "y = slope·x + intercept + noise·N(0, 1) goes beyond ±3.4e38 (float32) at x = 1: "
        "give a smaller slope, intercept or noise"
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_start_beyond_float32_says_the_limit_holds_with_float64_too(dtype):
    result = run_gdtui("run", "--variant", "numpy-manual", "--dtype", dtype, "--w0", "1e39")
    assert result.returncode == exits.BAD_INPUT and len(result.err_lines) == 1, result
    assert "every variant computes in float32" not in result.stderr
    assert result.err_lines[0].endswith(
        "got '1e39': beyond ±3.4e38, the largest float32: every number stays within it, "
        "with dtype float64 too"
    )
