"""Learning-rate schedules against torch's own schedulers on a plain torch.optim loop."""

from __future__ import annotations

import pytest
import torch

from gdtui.core.engine.runner import Runner
from gdtui.core.settings.config import ConfigError, RunConfig, config_from_options
from gdtui.core.settings.schedules import SCHEDULES
from tests.core.references import scheduled_lr

EPOCHS = 40


def torch_reference(schedule: str, lr: float) -> list[tuple[float, float]]:
    """(lr used, w after) per epoch, from torch.optim.SGD with torch's scheduler."""
    w = torch.tensor(0.0, requires_grad=True)
    x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    optimizer = torch.optim.SGD([w], lr=lr)
    scheduler = {
        "constant": lambda: torch.optim.lr_scheduler.LambdaLR(optimizer, lambda k: 1.0),
        "step": lambda: torch.optim.lr_scheduler.StepLR(optimizer, EPOCHS // 4, 0.5),
        "exponential": lambda: torch.optim.lr_scheduler.ExponentialLR(
            optimizer, 0.01 ** (1 / EPOCHS)
        ),
        "cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, EPOCHS),
    }[schedule]()
    result = []
    for _ in range(EPOCHS):
        used = optimizer.param_groups[0]["lr"]
        torch.nn.functional.mse_loss(w * x, 2 * x).backward()
        optimizer.step()
        optimizer.zero_grad()
        scheduler.step()
        result.append((used, w.item()))
    return result


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_variant_follows_torchs_scheduler(schedule):
    expected = torch_reference(schedule, 0.02)
    for variant in ("numpy-manual", "torch-autograd", "torch-optim", "torch-module"):
        config = RunConfig(
            variant=variant, lr=0.02, epochs=EPOCHS, schedule=schedule, w0=0.0, bias=False
        )
        batch = Runner(config).run(EPOCHS)
        assert [r.lr for r in batch.records] == pytest.approx([e[0] for e in expected], rel=1e-9)
        assert [r.w for r in batch.records] == pytest.approx([e[1] for e in expected], rel=1e-5)


def test_schedule_values_and_validation():
    assert scheduled_lr("cosine", 1.0, 1, 10) == 1.0
    assert scheduled_lr("exponential", 1.0, 11, 10) == pytest.approx(0.01)
    assert scheduled_lr("step", 1.0, 6, 20) == 0.5
    with pytest.raises(ConfigError) as error:
        config_from_options({"schedule": "warp"})
    assert "schedule" in error.value.errors


def test_a_schedule_puts_no_lr_markers_on_the_chart():
    batch = Runner(RunConfig(schedule="cosine", epochs=20)).run(20)
    assert len(set(r.lr for r in batch.records)) == 20 and batch.changes == ()
