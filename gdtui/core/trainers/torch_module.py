"""Seeds 001/004: an ``nn.Module`` wrapping ``nn.Linear(1, 1)``, with weight and bias."""

from __future__ import annotations

import torch
from torch import nn

from gdtui.core.config import RunConfig
from gdtui.core.record import GRAD_NONE, GRAD_VALUE, EpochRecord
from gdtui.core.trainers.base import Trainer
from gdtui.core.trainers.torch_common import (
    data_tensors,
    make_optimizer,
    optimizer_state,
    read_floats,
    set_optimizer_lr,
)


class LinearRegression(nn.Module):
    """The seeds' model: one ``nn.Linear`` layer from one feature to one output."""

    def __init__(self, bias: bool = True) -> None:
        super().__init__()
        self.lin = nn.Linear(1, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        prediction: torch.Tensor = self.lin(x)
        return prediction


class TorchModuleTrainer(Trainer):
    """``model(x)``; ``nn.MSELoss``; ``loss.backward()``; ``optimizer.step()``;
    ``optimizer.zero_grad()``. Parameters not given start from ``nn.Linear``'s own
    initialisation, seeded with the run's seed so a run replays exactly."""

    def __init__(self, config: RunConfig) -> None:
        super().__init__(config)
        self._x, self._y = data_tensors(config, column=True)
        self._on_cuda = config.resolved_device == "cuda"
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            model = LinearRegression(bias=config.has_bias)
        with torch.no_grad():
            if config.w0 is not None:
                model.lin.weight.fill_(config.w0)
            if config.b0 is not None and model.lin.bias is not None:
                model.lin.bias.fill_(config.b0)
        self.model = model.to(config.resolved_device)
        self._weight = self.model.lin.weight
        self._bias = self.model.lin.bias
        self._loss = nn.MSELoss()
        self._optimizer = make_optimizer(config.optimizer, self.model.parameters(), config.lr)

    @property
    def w(self) -> float:
        return self._weight.item()

    @property
    def b(self) -> float | None:
        return None if self._bias is None else self._bias.item()

    def step(self) -> EpochRecord:
        loss = self._loss(self.model(self._x), self._y)
        loss.backward()
        self._optimizer.step()
        weight, bias = self._weight, self._bias
        assert weight.grad is not None
        if bias is None:
            loss_value, w_value, grad_w = read_floats([loss, weight, weight.grad], self._on_cuda)
            b_value = grad_b = None
        else:
            assert bias.grad is not None
            loss_value, w_value, grad_w, b_value, grad_b = read_floats(
                [loss, weight, weight.grad, bias, bias.grad], self._on_cuda
            )
        if self.zero_grad:
            self._optimizer.zero_grad()
        self.epoch += 1
        return EpochRecord(
            self.epoch,
            loss_value,
            w_value,
            grad_w,
            b_value,
            grad_b,
            self.lr,
            GRAD_NONE if self.zero_grad else GRAD_VALUE,
        )

    def set_lr(self, lr: float) -> None:
        super().set_lr(lr)
        set_optimizer_lr(self._optimizer, lr)

    def _clear_grad(self) -> None:
        self._optimizer.zero_grad()

    def optimizer_state(self) -> dict[str, float]:
        names = {id(self._weight): "w"}
        if self._bias is not None:
            names[id(self._bias)] = "b"
        return optimizer_state(self._optimizer, names)
