"""How numbers are written on screen: short, aligned, legible from the back of a room."""

from __future__ import annotations

import math


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
