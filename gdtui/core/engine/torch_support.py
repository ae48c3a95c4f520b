"""Torch helpers the trainer needs outside the program's own lines."""

from __future__ import annotations

import torch


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


def warm_up() -> None:
    """Pay torch's one-off costs now: its import, and the lazy imports (``torch._dynamo``,
    about 2 s) behind the first ``optimizer.step()``, so the first epoch answers at once."""
    w = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.0)
    (w * w).backward()
    optimizer.step()
