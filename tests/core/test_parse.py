"""The strict number parsers: plain ASCII notation only, and ParseError for anything else."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdtui.core.settings.parse import (
    ParseError,
    parse_bool,
    parse_float,
    parse_float_list,
    parse_int,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", 1.0),
        ("-2.5", -2.5),
        ("+.5", 0.5),
        ("7.", 7.0),
        ("1e3", 1000.0),
        ("1E-3", 0.001),
        (" 4 ", 4.0),
        ("0", 0.0),
        ("-0", -0.0),
        (3, 3.0),
        (2.5, 2.5),
        ("0.0e-400", 0.0),
    ],
)
def test_parse_float_accepts(text: object, value: float) -> None:
    assert parse_float(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "nan",
        "inf",
        "-Infinity",
        "1e999",
        "1_0",
        "0x1",
        "١",
        "１",
        "1,0",
        "1.2.3",
        ".",
        "e3",
        "1e",
        "--1",
        "1 2",
        "∞",
        float("nan"),
        float("inf"),
        10**400,
        True,
        None,
        [1.0],
        {},
        "1e-400",
        "-2.5e-330",
    ],
)
def test_parse_float_rejects(text: object) -> None:
    with pytest.raises(ParseError):
        parse_float(text)  # type: ignore[arg-type]


def test_parse_float_says_why() -> None:
    with pytest.raises(ParseError, match="too large"):
        parse_float("1e999")
    with pytest.raises(ParseError, match="empty"):
        parse_float("  ")
    with pytest.raises(ParseError, match="decimal"):
        parse_float("1_000")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("42", 42),
        (" 7 ", 7),
        ("-3", -3),
        ("007", 7),
        (5, 5),
        (6.0, 6),
        ("9" * 40, int("9" * 40)),
    ],
)
def test_parse_int_accepts(text: object, value: int) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1_000",
        "١٢",
        "1e3",
        "1.5",
        "1.0",
        "0x10",
        "²",
        "12a",
        "9" * 5000,
        1.5,
        float("nan"),
        float("inf"),
        True,
        None,
        ["1"],
    ],
)
def test_parse_int_rejects(text: object) -> None:
    with pytest.raises(ParseError):
        parse_int(text)  # type: ignore[arg-type]


def test_parse_float_list() -> None:
    assert parse_float_list("1, 2.5 ,-3") == (1.0, 2.5, -3.0)
    assert parse_float_list([1, 2.5]) == (1.0, 2.5)
    assert parse_float_list(("4",)) == (4.0,)
    with pytest.raises(ParseError, match=r"item 2 \('x'\)"):
        parse_float_list("1, x ,3")
    with pytest.raises(ParseError, match="item 2"):
        parse_float_list([1.0, float("nan")])
    with pytest.raises(ParseError, match="item 1"):
        parse_float_list([None])  # type: ignore[list-item]
    for bad in ("", "  ", "1,,2", "1,", 5, None, {"x": 1}):
        with pytest.raises(ParseError):
            parse_float_list(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("on", True),
        ("yes", True),
        ("1", True),
        (True, True),
        ("false", False),
        (" Off ", False),
        ("no", False),
        ("0", False),
        (False, False),
    ],
)
def test_parse_bool(text: object, value: bool) -> None:
    assert parse_bool(text) is value


@pytest.mark.parametrize("text", ["", "y", "2", "truthy", 1, 0, None])
def test_parse_bool_rejects(text: object) -> None:
    with pytest.raises(ParseError):
        parse_bool(text)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_parse_float_any_text(text: str) -> None:
    try:
        value = parse_float(text)
    except ParseError:
        return
    assert math.isfinite(value)
    # only ASCII digits, signs, '.', 'e' and surrounding white space get through
    assert set(text.strip()) <= set("0123456789+-.eE")


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_float_round_trips_repr(value: float) -> None:
    assert parse_float(repr(value)) == value
