"""Seeds 000/001/004: torch autograd computes the gradient; the update is written by hand."""

from __future__ import annotations

import torch

from gdtui.core.config import RunConfig
from gdtui.core.record import GRAD_VALUE, GRAD_ZERO, EpochRecord
from gdtui.core.trainers.base import Trainer
from gdtui.core.trainers.torch_common import DTYPE, data_tensors, read_floats


class TorchAutogradTrainer(Trainer):
    """Leaf tensor ``w``; ``loss.backward()``; ``with torch.no_grad(): w -= lr * w.grad``;
    ``w.grad.zero_()`` (skipped when zero_grad is off, so ``.grad`` accumulates)."""

    def __init__(self, config: RunConfig) -> None:
        super().__init__(config)
        self._x, self._y = data_tensors(config)
        self._on_cuda = config.resolved_device == "cuda"
        self._w = torch.tensor(
            config.w0 or 0.0, dtype=DTYPE, device=config.resolved_device, requires_grad=True
        )

    @property
    def w(self) -> float:
        return self._w.item()

    def step(self) -> EpochRecord:
        w = self._w
        y_pred = w * self._x
        loss = ((y_pred - self._y) ** 2).mean()
        loss.backward()
        grad = w.grad
        assert grad is not None
        with torch.no_grad():
            w -= self.lr * grad
        loss_value, w_value, grad_value = read_floats([loss, w, grad], self._on_cuda)
        if self.zero_grad:
            grad.zero_()
        self.epoch += 1
        return EpochRecord(
            self.epoch,
            loss_value,
            w_value,
            grad_value,
            lr=self.lr,
            grad_state=GRAD_ZERO if self.zero_grad else GRAD_VALUE,
        )

    def _clear_grad(self) -> None:
        if self._w.grad is not None:
            self._w.grad.zero_()
