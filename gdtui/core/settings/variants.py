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


NUMPY_MANUAL = "numpy-manual"
TORCH_AUTOGRAD = "torch-autograd"
TORCH_OPTIM = "torch-optim"
TORCH_MODULE = "torch-module"


@dataclass(frozen=True)
class Variant:
    """One way of writing the training loop, as the seed notebooks do."""

    name: str
    description: str
    uses_torch: bool
    epoch_cost: float
    """An epoch's time, relative to numpy-manual's (benchmarks/headless.py): how compare
    mode shares its lanes among processes."""
    default_bias: bool = False
    """Whether it trains a bias unless told (``nn.Linear`` has one; every variant can)."""
    seeded_init: bool = False
    """Whether its parameters start where a seeded ``nn.Linear`` draws them (unless w0 and
    b0 say otherwise); the others start at 0."""
    optimizers: tuple[str, ...] = ("sgd",)
    grad_formulas: tuple[str, ...] = ("mean",)

    @property
    def gradient_by_hand(self) -> bool:
        """Whether its gradient is written by hand (with weight decay's L·w in it), not
        torch's ``.grad``."""
        return not self.uses_torch

    def trains_bias(self, bias: bool | None) -> bool:
        """Whether a run with the ``bias`` setting trains one (None: the variant's own way)."""
        return self.default_bias if bias is None else bias


VARIANTS: dict[str, Variant] = {
    variant.name: variant
    for variant in (
        Variant(
            NUMPY_MANUAL,
            "numpy; dw = mean(2x(ŷ−y)) derived by hand",
            uses_torch=False,
            epoch_cost=1.0,
            grad_formulas=GRAD_FORMULAS,
        ),
        Variant(
            TORCH_AUTOGRAD,
            "autograd; w -= lr·w.grad under no_grad()",
            uses_torch=True,
            epoch_cost=4.0,
        ),
        Variant(
            TORCH_OPTIM,
            "nn.MSELoss + torch.optim step, zero_grad",
            uses_torch=True,
            epoch_cost=6.5,
            optimizers=OPTIMIZERS,
        ),
        Variant(
            TORCH_MODULE,
            "nn.Module around nn.Linear(1, 1): w and b",
            uses_torch=True,
            epoch_cost=6.5,
            default_bias=True,
            seeded_init=True,
            optimizers=OPTIMIZERS,
        ),
    )
}

VARIANT_NAMES: tuple[str, ...] = tuple(VARIANTS)
DEFAULT_VARIANT = TORCH_AUTOGRAD
