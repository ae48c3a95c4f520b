"""Pieces the torch variants share: tensors on the chosen device, optimizers, read-back."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from gdtui.core.config import RunConfig
from gdtui.core.trainers.registry import MOMENTUM

DTYPE = torch.float32


def data_tensors(config: RunConfig, column: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """The dataset as float32 tensors on the run's device; ``column`` gives shape (N, 1)."""
    device = config.resolved_device
    x = torch.tensor(config.dataset.x, dtype=DTYPE, device=device)
    y = torch.tensor(config.dataset.y, dtype=DTYPE, device=device)
    if column:
        return x.reshape(-1, 1), y.reshape(-1, 1)
    return x, y


def make_optimizer(
    name: str, params: Iterable[torch.nn.Parameter | torch.Tensor], lr: float
) -> torch.optim.Optimizer:
    """``sgd``, ``momentum`` (SGD with momentum :data:`MOMENTUM`), ``adam``, ``rmsprop`` or
    ``adagrad``."""
    params = list(params)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=MOMENTUM)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}")


def set_optimizer_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Change the learning rate of every parameter group."""
    for group in optimizer.param_groups:
        group["lr"] = lr


def optimizer_state(optimizer: torch.optim.Optimizer, names: dict[int, str]) -> dict[str, float]:
    """Scalar optimizer state per parameter, e.g. ``{"w.momentum_buffer": -30.0}``."""
    state: dict[str, float] = {}
    for group in optimizer.param_groups:
        for param in group["params"]:
            name = names.get(id(param), "p")
            for key, value in optimizer.state.get(param, {}).items():
                if isinstance(value, torch.Tensor) and value.numel() == 1 and key != "step":
                    state[f"{name}.{key}"] = float(value.reshape(()))
    return state


def read_floats(values: list[torch.Tensor], on_cuda: bool) -> list[float]:
    """Scalars as Python floats. On a GPU this is one transfer, so one sync per epoch."""
    if on_cuda:
        return torch.stack([value.detach().reshape(()) for value in values]).tolist()
    return [value.item() for value in values]


def warm_up() -> None:
    """Pay torch's one-off costs now: its import, and the lazy imports (``torch._dynamo``,
    about 2 s) behind the first ``optimizer.step()``, so the first epoch answers at once."""
    w = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.0)
    (w * w).backward()
    optimizer.step()
