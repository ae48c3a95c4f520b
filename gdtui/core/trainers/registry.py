"""Names of the training variants and what each offers, without importing torch.

The CLI, the app and the tests all list variants from here, so they always agree. Trainer
classes load on first use: the numpy variant must not wait for ``import torch``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gdtui.core.config import RunConfig
    from gdtui.core.trainers.base import Trainer

OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "adam", "rmsprop", "adagrad")
"""``momentum`` is SGD with momentum :data:`MOMENTUM`; all but plain ``sgd`` need
``torch.optim``."""
MOMENTUM = 0.9
"""The ``momentum`` optimizer's β."""

GRAD_FORMULAS: tuple[str, ...] = ("mean", "tutorial")
"""``mean`` is mean(2x(ŷ−y)); ``tutorial`` is the seeds' np.dot(2x, ŷ−y).mean(), which is
N times too large: the dot product is already a sum."""


@dataclass(frozen=True)
class Variant:
    """One way of writing the training loop, as the seed notebooks do."""

    name: str
    description: str
    module: str
    class_name: str
    uses_torch: bool
    has_bias: bool = False
    optimizers: tuple[str, ...] = ("sgd",)
    grad_formulas: tuple[str, ...] = ("mean",)

    def create(self, config: RunConfig) -> Trainer:
        """A fresh trainer for ``config`` (imports torch on first use of a torch variant)."""
        trainer_class = getattr(importlib.import_module(self.module), self.class_name)
        trainer: Trainer = trainer_class(config)
        return trainer


VARIANTS: dict[str, Variant] = {
    variant.name: variant
    for variant in (
        Variant(
            "numpy-manual",
            "numpy; dw = mean(2x(ŷ−y)) derived by hand",
            "gdtui.core.trainers.numpy_manual",
            "NumpyManualTrainer",
            uses_torch=False,
            grad_formulas=GRAD_FORMULAS,
        ),
        Variant(
            "torch-autograd",
            "autograd; w -= lr·w.grad under no_grad()",
            "gdtui.core.trainers.torch_autograd",
            "TorchAutogradTrainer",
            uses_torch=True,
        ),
        Variant(
            "torch-optim",
            "nn.MSELoss + torch.optim step, zero_grad",
            "gdtui.core.trainers.torch_optim",
            "TorchOptimTrainer",
            uses_torch=True,
            optimizers=OPTIMIZERS,
        ),
        Variant(
            "torch-module",
            "nn.Module around nn.Linear(1, 1): w and b",
            "gdtui.core.trainers.torch_module",
            "TorchModuleTrainer",
            uses_torch=True,
            has_bias=True,
            optimizers=OPTIMIZERS,
        ),
    )
}

VARIANT_NAMES: tuple[str, ...] = tuple(VARIANTS)
DEFAULT_VARIANT = "torch-autograd"


def create_trainer(config: RunConfig) -> Trainer:
    """A fresh trainer for a validated configuration."""
    return VARIANTS[config.variant].create(config)
