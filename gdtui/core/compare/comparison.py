"""Compare mode: several variants (or optimizers) in lockstep on the same data and settings,
and how far apart their numbers drift."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gdtui.core.compare.workers import run_in_workers, run_lanes
from gdtui.core.engine.runner import Stretch
from gdtui.core.engine.stops import RunState
from gdtui.core.run.history import RunHistory
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.variants import (
    GRAD_FORMULAS,
    NUMPY_MANUAL,
    OPTIMIZERS,
    TORCH_OPTIM,
    VARIANTS,
)

ACROSS = ("variants", "optimizers", "zero-grad", "formula")
"""What a comparison runs side by side: the four variants, torch-optim's optimizers, the run
with zero_grad on and off, or numpy-manual's mean gradient against the seeds' tutorial one."""
COMPARED = ("loss", "w", "grad_w")
SLICE_SECONDS = 0.02
"""A comparison in one process steps each lane this long in turn, then reports its progress
(and can be cancelled)."""
PARALLEL_EPOCHS = 20_000
"""From this many epochs a comparison runs its lanes in processes of their own, one per core
(fewer, and starting them costs more than it saves)."""


def describe(config: RunConfig, across: str) -> str:
    """What the lanes share: ``lr = 0.01, 100 epochs, data line4, zero_grad on`` (and what
    only one lane takes, the tutorial's gradient in numpy-manual's, and mini-batches)."""
    parts = [f"lr = {config.lr:g}", f"{config.epochs:,} epochs", f"data {config.dataset.name}"]
    if across == "zero-grad":
        parts.append(config.variant)
    else:
        parts.append(f"zero_grad {'on' if config.zero_grad else 'off'}")
    if across == "formula":
        parts.append(NUMPY_MANUAL)
    elif across == "variants" and config.grad_formula != "mean":  # numpy-manual's lane only
        parts.append(f"{NUMPY_MANUAL}'s gradient {config.grad_formula}")
    if config.batched:
        parts.append(f"batches of {config.batch}" + (", shuffled" if config.shuffle else ""))
    return ", ".join(parts)


def lanes(config: RunConfig, across: str = "variants") -> dict[str, RunConfig]:
    """One configuration per run to compare, each as close to ``config`` as it can be.

    Across variants: all four, without a bias and from the same w0 (0 when unset), so that
    their numbers should agree; across optimizers: torch-optim with each optimizer; across
    zero-grad: the run itself with zero_grad on and off; across formula: numpy-manual with
    each gradient formula (the tutorial's is N times too large).
    """
    w0 = config.w0 if config.w0 is not None else 0.0
    if across == "zero-grad":
        return {
            f"zero_grad {state}": config.replace(zero_grad=state == "on") for state in ("on", "off")
        }
    if across == "formula":
        base = config.replace(variant=NUMPY_MANUAL, w0=w0, b0=None, device="auto")
        return {name: base.replace(grad_formula=name) for name in GRAD_FORMULAS}
    if across == "optimizers":
        base = config.replace(variant=TORCH_OPTIM, w0=w0, b0=None, grad_formula="mean")
        return {name: base.replace(optimizer=name) for name in OPTIMIZERS}
    result = {}
    for name, variant in VARIANTS.items():
        optimizer = config.optimizer if config.optimizer in variant.optimizers else "sgd"
        formula = config.grad_formula if config.grad_formula in variant.grad_formulas else "mean"
        device = config.device if variant.uses_torch else "auto"
        result[name] = config.replace(
            variant=name,
            w0=w0,
            b0=None,
            bias=False,
            optimizer=optimizer,
            grad_formula=formula,
            device=device,
        )
    return result


IGNORED: dict[str, dict[str, str]] = {
    "variants": {
        "variant": "every variant runs",
        "bias": "the lanes have no bias, so that the variants can agree",
        "b0": "the lanes have no bias, so that the variants can agree",
    },
    "optimizers": {
        "variant": "the lanes are torch-optim",
        "optimizer": "every optimizer runs",
        "bias": "the lanes are torch-optim, which has no bias",
        "b0": "the lanes are torch-optim, which has no bias",
        "grad_formula": "the lanes are torch-optim, which uses autograd's gradient",
    },
    "zero-grad": {"zero_grad": "one lane has it on, the other off"},
    "formula": {
        "variant": "the lanes are numpy-manual, the one variant with a hand-written gradient",
        "grad_formula": "each formula runs",
        "optimizer": "numpy-manual is plain gradient descent",
        "bias": "numpy-manual has no bias",
        "b0": "numpy-manual has no bias",
        "device": "numpy-manual runs on the CPU",
    },
}
"""Per kind of comparison, the settings it sets itself, and why: given, they are refused
rather than silently overridden."""


class CompareCancelled(Exception):
    """A comparison was given up before it finished."""


@dataclass
class Comparison:
    """The runs' histories, and where they end."""

    histories: dict[str, RunHistory]
    stops: dict[str, RunState | None] = field(default_factory=dict)

    @property
    def epochs(self) -> int:
        """Epochs that every run completed (the lockstep's common length)."""
        return min(len(h) for h in self.histories.values())

    def ended_early(self) -> list[str]:
        """``sgd diverged after epoch 12``, for each run that stopped on its own: diverged or
        diverging (its last kept epoch named), or converged."""
        how = {
            RunState.DIVERGED: "diverged after epoch",
            RunState.DIVERGING: "was diverging: stopped after epoch",
            RunState.CONVERGED: "converged at epoch",
        }
        return [
            f"{name} {how[state]} {len(self.histories[name]):,}"
            for name, state in self.stops.items()
            if state in how
        ]

    def spread(self, name: str) -> np.ndarray:
        """Per common epoch, the largest minus the smallest value of ``name`` across runs."""
        n = self.epochs
        table = np.vstack([h.column(name)[:n] for h in self.histories.values()])
        spread: np.ndarray = table.max(axis=0) - table.min(axis=0)
        return spread

    def largest_difference(self, name: str) -> tuple[float, int]:
        """(the largest spread of ``name`` over the common epochs, the epoch it occurs at)."""
        spread = self.spread(name)
        if len(spread) == 0:
            return 0.0, 0
        index = int(np.argmax(spread))
        return float(spread[index]), index + 1


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


Progress = Callable[["Comparison", int], bool]
"""``progress(the comparison so far, epochs per lane)``: False cancels it."""


def compare(
    config: RunConfig,
    across: str = "variants",
    progress: Progress | None = None,
    workers: int | None = None,
) -> Comparison:
    """Run every lane of ``config`` for its epochs; a lane stops on its own when it
    converges or diverges (its diverged epoch is not kept, as in a single run).

    The lanes run in ``workers`` processes of their own (by default one per core, from
    :data:`PARALLEL_EPOCHS` epochs), or here, each in turn for :data:`SLICE_SECONDS`, when
    that is 1. ``progress`` is called with the comparison so far as it grows (after each
    slice of a lane); when it returns False the comparison stops with
    :class:`CompareCancelled`.
    """
    configs = lanes(config, across)
    if workers is None:
        workers = min(len(configs), cores()) if config.epochs >= PARALLEL_EPOCHS else 1
    comparison = Comparison(
        {
            name: RunHistory(has_bias=lane.has_bias, batched=lane.batched)
            for name, lane in configs.items()
        },
        dict.fromkeys(configs),
    )

    def take(name: str, stretch: Stretch) -> None:
        history = comparison.histories[name]
        history.extend(stretch.records)
        if stretch.updates:
            history.extend_updates(stretch.updates)
        if stretch.stop is not None:
            comparison.stops[name] = stretch.stop.state

    def going() -> bool:
        return progress is None or progress(comparison, config.epochs)

    if workers > 1:
        if not run_in_workers(configs, workers, take, lambda: not going()):
            raise CompareCancelled
        return comparison

    def take_here(name: str, stretch: Stretch) -> None:
        take(name, stretch)
        if not going():
            raise CompareCancelled

    run_lanes(configs, take_here, SLICE_SECONDS)
    return comparison
