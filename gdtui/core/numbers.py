"""How numbers are written, on screen and by the CLI: short where that is enough, with every
digit float32 has where it matters, legible from the back of a room."""

from __future__ import annotations

import math
from typing import Any

FLOAT32_MAX = 3.4028234663852886e38
"""The largest finite float32: every variant computes in float32 unless told otherwise."""
LIST_ITEMS = 6
"""A longer list shows this many items, then how many there are."""


def number(value: float | None, digits: int = 7) -> str:
    """``value`` with ``digits`` significant digits; ``—`` for None."""
    if value is None:
        return "—"
    if value == 0:
        return "0"
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}g}"


def exact(value: float | None, double: bool = False) -> str:
    """``value`` with as many significant digits as tell it from its neighbours: a float32
    (what the variants compute in unless told) as the shortest text that reads back as it,
    up to 9 digits, so 1.9999996 never shows as 2; any other value with 9, or, for a float64
    run (``double``), as the shortest text that reads back as that float64, up to 17."""
    if value is None or value == 0 or not math.isfinite(value):
        return number(value)
    import numpy as np  # here, not above: the app's first frame shows no number of a run

    scalar: np.floating[Any] | None = np.float32(value) if abs(value) <= FLOAT32_MAX else None
    if scalar is None or float(scalar) != value:
        if not double:
            return f"{value:.9g}"
        scalar = np.float64(value)
    mantissa, exponent = np.format_float_scientific(scalar, unique=True, trim="-").split("e")
    power = int(exponent)
    if -4 <= power < 7:
        return np.format_float_positional(scalar, unique=True, trim="-")
    return f"{mantissa}e{power:+03d}"


def shown(value: Any, items: int = LIST_ITEMS) -> str:
    """A traced value (a number, a list of them, None, a name) with float32's digits:
    ``[0.29999998, 0.59999996, … (1000 values)]``."""
    if isinstance(value, list):
        parts = [shown(item, items) for item in value[:items]]
        if len(value) > items:
            parts.append(f"… ({len(value)} values)")
        return "[" + ", ".join(parts) + "]"
    if isinstance(value, float):
        return exact(value)
    return str(value)


def single(value: Any) -> float | None:
    """A value the training loop holds as one number, as a float: ``model.weight``'s
    ``[[w]]`` unwrapped; None (``.grad`` before any ``backward()``) stays None."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return None if value is None else float(value)
