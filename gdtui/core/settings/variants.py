"""Names of the training variants and what each offers, without importing torch.

The CLI, the app and the tests all list variants from here, so they always agree. Each
variant's code is written by :mod:`gdtui.core.engine.program`; the trainer loads on first use, and
the numpy variant never waits for ``import torch``.
"""

from __future__ import annotations

from dataclasses import dataclass

OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "adam", "rmsprop", "adagrad")
"""``momentum`` is SGD with momentum (its β is the ``momentum`` setting, 0.9 by default); all
but plain ``sgd`` need ``torch.optim``."""
DEFAULT_BETAS: tuple[float, float] = (0.9, 0.999)
"""Adam's betas unless told (torch's own defaults)."""
DTYPES: tuple[str, ...] = ("float32", "float64")
"""What the data and parameters are computed in (float32, as the seeds do, by default)."""

GRAD_FORMULAS: tuple[str, ...] = ("mean", "tutorial")
"""``mean`` is mean(2x(ŷ−y)); ``tutorial`` is the seeds' np.dot(2x, ŷ−y).mean(), which is
N times too large: the dot product is already a sum."""


@dataclass(frozen=True)
class Variant:
    """One way of writing the training loop, as the seed notebooks do."""

    name: str
    description: str
    uses_torch: bool
    default_bias: bool = False
    """Whether it trains a bias unless told (``nn.Linear`` has one; every variant can)."""

    def trains_bias(self, bias: bool | None) -> bool:
        """Whether a run with the ``bias`` setting trains one (None: the variant's own way)."""
        return self.default_bias if bias is None else bias

    optimizers: tuple[str, ...] = ("sgd",)
    grad_formulas: tuple[str, ...] = ("mean",)


VARIANTS: dict[str, Variant] = {
    variant.name: variant
    for variant in (
        Variant(
            "numpy-manual",
            "numpy; dw = mean(2x(ŷ−y)) derived by hand",
            uses_torch=False,
            grad_formulas=GRAD_FORMULAS,
        ),
        Variant(
            "torch-autograd",
            "autograd; w -= lr·w.grad under no_grad()",
            uses_torch=True,
        ),
        Variant(
            "torch-optim",
            "nn.MSELoss + torch.optim step, zero_grad",
            uses_torch=True,
            optimizers=OPTIMIZERS,
        ),
        Variant(
            "torch-module",
            "nn.Module around nn.Linear(1, 1): w and b",
            uses_torch=True,
            default_bias=True,
            optimizers=OPTIMIZERS,
        ),
    )
}

VARIANT_NAMES: tuple[str, ...] = tuple(VARIANTS)
DEFAULT_VARIANT = "torch-autograd"
