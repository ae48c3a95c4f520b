"""Strict parsing of user-typed numbers, shared by the CLI, the form and config files.

Python's own ``float`` and ``int`` accept ``1_000``, non-ASCII digits and ``nan``; a typo
should never slip through as a number, so these parsers accept plain ASCII notation only.
"""

from __future__ import annotations

import math
import re

_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INT = re.compile(r"[+-]?[0-9]+")


class ParseError(ValueError):
    """A value that is not what its field accepts; the message says what it accepts."""


def parse_float(text: str | float | int) -> float:
    """A finite float from ASCII decimal or scientific notation (surrounding spaces allowed)."""
    if isinstance(text, bool):
        raise ParseError("not a number")
    if isinstance(text, (int, float)):
        try:
            value = float(text)
        except OverflowError:  # an int beyond float range, e.g. from a JSON file
            raise ParseError("not finite (too large for a float)") from None
    elif not isinstance(text, str):
        raise ParseError("not a number")
    else:
        stripped = text.strip()
        if not stripped:
            raise ParseError("empty")
        if not _FLOAT.fullmatch(stripped):
            raise ParseError("not a plain decimal number")
        value = float(stripped)
        mantissa = stripped.lower().split("e")[0]
        if value == 0 and any(digit in "123456789" for digit in mantissa):
            raise ParseError("too small: it rounds to 0")
    if not math.isfinite(value):
        overflowed = isinstance(text, str) and "e" in text.lower()
        raise ParseError("not finite (too large for a float)" if overflowed else "not finite")
    return value


def parse_int(text: str | int) -> int:
    """An integer written with ASCII digits only (no ``_``, no exponent, no fraction)."""
    if isinstance(text, bool):
        raise ParseError("not a whole number")
    if isinstance(text, int):
        return text
    if isinstance(text, float):
        if text.is_integer():
            return int(text)
        raise ParseError("not a whole number")
    if not isinstance(text, str):
        raise ParseError("not a whole number")
    stripped = text.strip()
    if not stripped:
        raise ParseError("empty")
    if not _INT.fullmatch(stripped):
        raise ParseError("not a whole number in digits 0-9")
    try:
        return int(stripped)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        raise ParseError("too many digits") from None


def parse_float_list(text: str | list[float] | tuple[float, ...]) -> tuple[float, ...]:
    """Comma-separated finite floats, e.g. ``1,2,3,4``."""
    items: list[str | float]
    if isinstance(text, (list, tuple)):
        items = list(text)
    elif isinstance(text, str):
        if not text.strip():
            raise ParseError("empty")
        items = list(text.split(","))
    else:
        raise ParseError("not a list of numbers")
    values = []
    for position, item in enumerate(items, start=1):
        try:
            values.append(parse_float(item))
        except ParseError as error:
            shown = item.strip() if isinstance(item, str) else item
            raise ParseError(f"item {position} ({shown!r}) is {error}") from None
    return tuple(values)


def parse_bool(text: str | bool) -> bool:
    """``true``/``false`` (also on/off, yes/no, 1/0) for config files and the form."""
    if isinstance(text, bool):
        return text
    if isinstance(text, str):
        lowered = text.strip().lower()
        if lowered in {"true", "on", "yes", "1"}:
            return True
        if lowered in {"false", "off", "no", "0"}:
            return False
    raise ParseError("not true or false")


def parse_name(value: object) -> str:
    """A name from a list of choices, as typed (checked against the choices by the config)."""
    if not isinstance(value, str):
        raise ParseError("not a name")
    return value.strip()


def parse_start(value: object) -> float | None:
    """An initial value: a number, or nothing (blank) for the default start."""
    if isinstance(value, str) and not value.strip():
        return None
    return parse_float(value)  # type: ignore[arg-type]


def parse_batch_size(value: object) -> int | None:
    """A batch size: a whole number, or ``all`` (or nothing) for the full batch."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "all")):
        return None
    return parse_int(value)  # type: ignore[arg-type]


def parse_betas(value: object) -> tuple[float, float]:
    """Adam's two betas: ``0.9,0.999`` (or a file's list of two numbers)."""
    betas = parse_float_list(value)  # type: ignore[arg-type]
    if len(betas) != 2:
        raise ParseError(f"{len(betas)} number{'' if len(betas) == 1 else 's'}, not 2")
    return (betas[0], betas[1])
