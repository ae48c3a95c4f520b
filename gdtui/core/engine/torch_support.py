"""Torch helpers the trainer needs outside the program's own lines."""

from __future__ import annotations

import threading

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
    """Pay torch's one-off costs now, so that the first epoch answers at once: its import
    (done by now) and a first ``backward()`` here; the optimizers' own on a thread. Making
    a ``torch.optim`` optimizer imports ``torch._dynamo`` (about 1 s, 800 modules), which
    torch-autograd's loop never needs: it is ready without waiting for them, and a loop
    with an optimizer waits only for what is left of them."""
    w = torch.zeros((), requires_grad=True)
    (w * w).backward()
    threading.Thread(target=_warm_up_optimizers, name="gdtui-warm-up", daemon=True).start()


def _warm_up_optimizers() -> None:
    w = torch.zeros((), requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.0)
    (w * w).backward()
    optimizer.step()
