"""Each setting's own rule, as the settings table (:mod:`gdtui.core.settings.fields`) names
them: None when a parsed value is fine, else why not ("" when what the setting accepts, said
by the table, says it all). The rules *between* settings are the configuration's
(:mod:`gdtui.core.settings.config`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gdtui.core.numbers import FLOAT32_MAX
from gdtui.core.settings.data import MAX_POINTS
from gdtui.core.settings.variants import VARIANTS

if TYPE_CHECKING:
    from gdtui.core.settings.config import RunConfig

MAX_EPOCHS = 10**9
MAX_SEED = 2**63 - 1
MAX_BATCH = MAX_POINTS
"""The most points a batch can hold: as many as a dataset may have."""
FLOAT32_TINY = 1.401298464324817e-45
"""The smallest positive float32 (a subnormal): a learning rate below it trains nothing."""

Check = Callable[[Any], "str | None"]
"""A setting's own rule: None if the value is fine, else why not ("" when what it accepts
says it all)."""


def is_number(value: object) -> bool:
    """A finite float within float32's range (every number's, whichever the dtype)."""
    return isinstance(value, float) and math.isfinite(value) and abs(value) <= FLOAT32_MAX


def _not_a_number(value: object) -> str:
    """Why ``value`` is not a number a variant can compute with: "" when what the setting
    accepts says it all, or that it is finite but beyond float32."""
    if isinstance(value, float) and math.isfinite(value) and abs(value) > FLOAT32_MAX:
        return (
            "beyond ±3.4e38, the largest float32: every number stays within it, "
            "with dtype float64 too"
        )
    return ""


def number(value: object) -> str | None:
    return None if is_number(value) else _not_a_number(value)


def start(value: object) -> str | None:
    return None if value is None or is_number(value) else _not_a_number(value)


def rate(value: object) -> str | None:
    if not is_number(value):
        return _not_a_number(value)
    if not value > 0:  # type: ignore[operator]
        return ""
    if value < FLOAT32_TINY:  # type: ignore[operator]
        return "too small for float32: it rounds to 0"
    return None


def at_least_zero(value: object) -> str | None:
    if not is_number(value):
        return _not_a_number(value)
    return None if value >= 0 else ""  # type: ignore[operator]


def whole(low: int, high: int) -> Check:
    def check(value: object) -> str | None:
        whole = isinstance(value, int) and not isinstance(value, bool)
        return None if whole and low <= value <= high else ""  # type: ignore[operator]

    return check


def boolean(value: object) -> str | None:
    return None if isinstance(value, bool) else ""


def bias(value: object) -> str | None:
    return None if value is None or isinstance(value, bool) else ""


def batch_size(value: object) -> str | None:
    if value is None:
        return None
    return whole(1, MAX_BATCH)(value)


def fraction(value: object) -> str | None:
    """A number in [0, 1): a decay rate (momentum's β, Adam's betas)."""
    if not is_number(value):
        return _not_a_number(value)
    return None if 0 <= value < 1 else ""  # type: ignore[operator]


def betas(value: object) -> str | None:
    if not isinstance(value, tuple) or len(value) != 2:
        return ""
    return next((why for why in map(fraction, value) if why is not None), None)


# -- where a setting applies -------------------------------------------------------------


def has_bias(config: RunConfig) -> bool:
    """Whether the run trains a bias (the bias settings apply)."""
    return config.has_bias


def momentum_optimizer(config: RunConfig) -> bool:
    """Whether the run's optimizer is SGD with momentum (its β and Nesterov apply)."""
    return config.optimizer == "momentum"


def adam_optimizer(config: RunConfig) -> bool:
    """Whether the run's optimizer is Adam (its betas apply)."""
    return config.optimizer == "adam"


def has_formulas(config: RunConfig) -> bool:
    """Whether the variant has a gradient written by hand, in more than one formula."""
    return len(VARIANTS[config.variant].grad_formulas) > 1
