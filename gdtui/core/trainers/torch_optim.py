"""Seeds 001/002/004: ``nn.MSELoss`` and a ``torch.optim`` optimizer do the work."""

from __future__ import annotations

import torch
from torch import nn

from gdtui.core.config import RunConfig
from gdtui.core.record import GRAD_NONE, GRAD_VALUE, EpochRecord
from gdtui.core.trainers.base import Trainer
from gdtui.core.trainers.torch_common import (
    DTYPE,
    data_tensors,
    make_optimizer,
    optimizer_state,
    read_floats,
    set_optimizer_lr,
)


class TorchOptimTrainer(Trainer):
    """``loss = nn.MSELoss()(w·x, y)``; ``loss.backward()``; ``optimizer.step()``;
    ``optimizer.zero_grad()``, which leaves ``.grad`` as None (skipped when zero_grad is off)."""

    def __init__(self, config: RunConfig) -> None:
        super().__init__(config)
        self._x, self._y = data_tensors(config)
        self._on_cuda = config.resolved_device == "cuda"
        self._w = torch.tensor(
            config.w0 or 0.0, dtype=DTYPE, device=config.resolved_device, requires_grad=True
        )
        self._loss = nn.MSELoss()
        self._optimizer = make_optimizer(config.optimizer, [self._w], config.lr)

    @property
    def w(self) -> float:
        return self._w.item()

    def step(self) -> EpochRecord:
        loss = self._loss(self._w * self._x, self._y)
        loss.backward()
        self._optimizer.step()
        grad = self._w.grad
        assert grad is not None
        loss_value, w_value, grad_value = read_floats([loss, self._w, grad], self._on_cuda)
        if self.zero_grad:
            self._optimizer.zero_grad()
        self.epoch += 1
        return EpochRecord(
            self.epoch,
            loss_value,
            w_value,
            grad_value,
            lr=self.lr,
            grad_state=GRAD_NONE if self.zero_grad else GRAD_VALUE,
        )

    def set_lr(self, lr: float) -> None:
        super().set_lr(lr)
        set_optimizer_lr(self._optimizer, lr)

    def _clear_grad(self) -> None:
        self._optimizer.zero_grad()

    def optimizer_state(self) -> dict[str, float]:
        return optimizer_state(self._optimizer, {id(self._w): "w"})
