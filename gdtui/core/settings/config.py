"""The run configuration: one frozen dataclass and the one validation that the CLI, the app's
form and config files all go through."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gdtui.core.numbers import FLOAT32_MAX
from gdtui.core.settings.data import (
    DEFAULT_PRESET,
    PRESETS,
    Dataset,
    load_csv,
    parse_noisy,
)
from gdtui.core.settings.fields import (
    ACCEPTS,
    BY_KEY,
    DATA_OPTIONS,
    FIELDS,
    OPTION_KEYS,
    option_name,
)
from gdtui.core.settings.parse import ParseError, parse_float_list
from gdtui.core.settings.rules import is_number
from gdtui.core.settings.variants import DEFAULT_BETAS, DEFAULT_VARIANT, VARIANTS


class ConfigError(ValueError):
    """Invalid settings: ``errors`` maps each bad field to a message saying what it accepts."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(f"{option_name(self.field)}: {self.errors[self.field]}")

    @property
    def field(self) -> str:
        """The first bad field."""
        return next(iter(self.errors))


def _expects(field_name: str, value: object, detail: str = "") -> str:
    """``expects a finite number > 0, like 0.01 or 1e-3, got 'abc'``."""
    message = f"expects {ACCEPTS[field_name]}, got {value!r}"
    return f"{message}: {detail}" if detail else message


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a run; constructing one validates it.

    The defaults are the seeds' own setup: torch autograd on y = 2x, x = 1..4, w0 = 0,
    lr = 0.01, 100 epochs, zero_grad on, plain SGD, seed 0.
    """

    variant: str = DEFAULT_VARIANT
    lr: float = 0.01
    epochs: int = 100
    w0: float | None = None
    """Initial weight; None means 0, or the seeded ``nn.Linear`` init for ``torch-module``."""
    b0: float | None = None
    """Initial bias; None means 0, or the seeded ``nn.Linear`` init for ``torch-module``."""
    bias: bool | None = None
    """Whether a bias b is trained too; None: the variant's own way (``torch-module``'s
    ``nn.Linear`` has one, the seeds' other loops do not)."""
    dataset: Dataset = field(default_factory=lambda: PRESETS[DEFAULT_PRESET])
    zero_grad: bool = True
    optimizer: str = "sgd"
    momentum: float = 0.9
    """The ``momentum`` optimizer's β."""
    nesterov: bool = False
    """Nesterov momentum (the ``momentum`` optimizer only)."""
    betas: tuple[float, float] = DEFAULT_BETAS
    """Adam's β1 and β2."""
    weight_decay: float = 0.0
    """L2 penalty: torch's optimizers take it as ``weight_decay``; the hand-written updates add
    ``weight_decay * w`` to the gradient, as they do."""
    dtype: str = "float32"
    """What the data and parameters are in: float32 as the seeds, or float64."""
    batch_size: int | None = None
    """Points per update: mini-batches of this size; None: all of them (one update an
    epoch, as the seeds)."""
    shuffle: bool = False
    """Whether each epoch's batches come in a new order drawn from the seed."""
    eps: float = 0.0
    """Stop once the loss is below this; 0 never stops early."""
    seed: int = 0
    device: str = "auto"
    grad_formula: str = "mean"
    schedule: str = "constant"
    """How the learning rate changes over the run (see :mod:`gdtui.core.settings.schedules`)."""
    predict: float = 5.0
    """The input x at which the status line and ``gdtui run`` report f(x)."""

    def __post_init__(self) -> None:
        errors = _check(self)
        if errors:
            raise ConfigError(errors)

    @property
    def has_bias(self) -> bool:
        """True when the run trains a bias b as well as the weight w."""
        return VARIANTS[self.variant].trains_bias(self.bias)

    @property
    def batched(self) -> bool:
        """Whether the loop runs over batches (``--batch-size`` or ``--shuffle``): the
        program then has the batch loop, and a record per update."""
        return self.batch_size is not None or self.shuffle

    @property
    def batch(self) -> int:
        """The points in each batch (the last of an epoch may have fewer)."""
        n = len(self.dataset.x)
        return n if self.batch_size is None else min(self.batch_size, n)

    @property
    def batches(self) -> int:
        """The updates in each epoch."""
        return -(-len(self.dataset.x) // self.batch)

    @property
    def plain_sgd(self) -> bool:
        """Whether each update is exactly w -= lr·grad (no momentum, no adaptive step, no
        weight decay added to the gradient .grad holds)."""
        return self.optimizer == "sgd" and not self.weight_decay

    @property
    def resolved_device(self) -> str:
        """``cpu`` or ``cuda``. ``auto`` is the CPU: for two parameters it is the faster one."""
        return "cuda" if self.device == "cuda" else "cpu"

    def replace(self, **changes: Any) -> RunConfig:
        """A validated copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def _check(config: RunConfig) -> dict[str, str]:
    """The rules every configuration obeys, whatever its source; returns field → message.

    Each setting's own rule is in its :data:`~gdtui.core.settings.fields.FIELDS` entry; here are the
    rules between settings.
    """
    errors: dict[str, str] = {}
    for setting in FIELDS:
        if setting.data:
            continue  # the ways to give the data make one dataset, checked below
        value = getattr(config, setting.key)
        detail = setting.problem(value)
        if detail is not None:
            errors[setting.key] = _expects(setting.key, value, detail)
    if not isinstance(config.dataset, Dataset):  # a Dataset has checked its own values
        errors["dataset"] = _expects("dataset", config.dataset)
    variant = VARIANTS.get(config.variant)
    if variant is None:
        return errors
    if "b0" not in errors and config.b0 is not None and not variant.trains_bias(config.bias):
        errors["b0"] = "this run has no bias to start from: turn bias on, or leave b0 unset"
    if "nesterov" not in errors and config.nesterov and config.momentum == 0:
        errors["nesterov"] = "Nesterov momentum needs a momentum above 0"
    if "optimizer" not in errors and config.optimizer not in variant.optimizers:
        errors["optimizer"] = (
            f"{variant.name} is plain gradient descent (sgd only); "
            f"use torch-optim or torch-module for {config.optimizer}"
        )
    if "grad_formula" not in errors and config.grad_formula not in variant.grad_formulas:
        errors["grad_formula"] = (
            f"only numpy-manual has a hand-written gradient; {variant.name} uses autograd "
            "(mean only)"
        )
    if "device" not in errors and config.device == "cuda":
        if not variant.uses_torch:
            errors["device"] = "numpy-manual runs on the CPU only; use a torch variant for cuda"
        elif not errors:  # imports torch: only for otherwise good input
            problem = cuda_problem()
            if problem is not None:
                errors["device"] = f"cuda was asked for, but {problem}; use cpu or auto"
    return errors


def changed_fields(old: RunConfig, new: RunConfig) -> list[str]:
    """The names of the settings that differ, in declaration order."""
    return [
        f.name
        for f in dataclasses.fields(RunConfig)
        if getattr(old, f.name) != getattr(new, f.name)
    ]


def cuda_problem() -> str | None:
    """Why torch cannot run on a CUDA GPU here, telling a CPU-only build of torch (on a GPU
    box too) from a CUDA build that finds no GPU; None if it can. Imports torch: called only
    when cuda is asked for."""
    import torch

    if torch.version.cuda is None:
        return (
            f"this torch ({torch.__version__}) is a CPU-only build: install a CUDA build "
            "(pytorch.org/get-started) to use a GPU"
        )
    if not torch.cuda.is_available():
        return (
            f"torch {torch.__version__}, built for CUDA {torch.version.cuda}, finds no CUDA GPU "
            "(none here, or its driver does not load: nvidia-smi tells)"
        )
    return None


def config_from_options(options: Mapping[str, Any], base: RunConfig | None = None) -> RunConfig:
    """Validate user-supplied values on top of ``base`` and return the new configuration.

    Values may be strings (the CLI, the form) or numbers and booleans (TOML/JSON files).
    ``None`` means not given; an empty ``w0``/``b0`` means the default start. Settings that
    the chosen variant has no choice about fall back to their defaults when the variant
    changes, so switching variant never leaves an impossible combination.

    Raises ConfigError naming every bad field.
    """
    base = base or RunConfig()
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for key, value in options.items():
        field = BY_KEY.get(key)
        if field is None:
            close = difflib.get_close_matches(str(key), OPTION_KEYS, n=1)
            guess = f" (did you mean {close[0]}?)" if close else ""
            errors[key] = f"unknown setting{guess}; the settings are {', '.join(OPTION_KEYS)}"
        elif field.data or value is None:
            continue
        else:
            try:
                changes[key] = field.parse(value)
            except ParseError as error:
                errors[key] = _expects(key, value, str(error))
    try:
        dataset = dataset_from_options(options)
    except ConfigError as error:
        errors.update(error.errors)
    else:
        if dataset is not None:
            changes["dataset"] = dataset
    variant = VARIANTS.get(changes.get("variant", base.variant))
    if variant is not None:
        if "optimizer" not in changes and base.optimizer not in variant.optimizers:
            changes["optimizer"] = "sgd"
        if "grad_formula" not in changes and base.grad_formula not in variant.grad_formulas:
            changes["grad_formula"] = "mean"
        unbiased = not variant.trains_bias(changes.get("bias", base.bias))
        if "b0" not in changes and base.b0 is not None and unbiased:
            changes["b0"] = None  # switched to a run without a bias: nothing to start
        if "device" not in changes and base.device == "cuda" and not variant.uses_torch:
            changes["device"] = "auto"
    try:
        config = dataclasses.replace(base, **changes)
    except ConfigError as error:
        # Also name what is wrong among the values that did parse (rules between fields),
        # quoting what the user typed ("0", not 0.0).
        for key, message in error.errors.items():
            if key in errors:
                continue
            typed, parsed = options.get(key), _expects(key, changes.get(key))
            if isinstance(typed, str) and message.startswith(parsed):
                message = _expects(key, typed) + message[len(parsed) :]
            errors[key] = message
    if errors:
        raise ConfigError(errors)
    return config


def scale_lr(config: RunConfig, factor: float) -> RunConfig:
    """``config`` with its learning rate times ``factor`` (the app's + and - keys)."""
    lr = config.lr * factor
    if not (is_number(lr) and lr > 0):
        raise ConfigError({"lr": f"{config.lr:g} × {factor:g} is out of range; {ACCEPTS['lr']}"})
    return config.replace(lr=lr)


def dataset_from_options(options: Mapping[str, Any]) -> Dataset | None:
    """The dataset named by ``dataset`` (or that dataset itself), ``x`` and ``y``, or ``data``
    (a CSV path); None if none is given. Raises ConfigError."""
    given = {key for key in DATA_OPTIONS if options.get(key) is not None}
    if "data" in given and given & {"x", "y", "dataset"}:
        other = option_name(sorted(given & {"x", "y", "dataset"})[0])
        raise ConfigError({"data": f"give either --data or {other}, not both"})
    if "dataset" in given and given & {"x", "y"}:
        raise ConfigError({"dataset": "give either --dataset or --x and --y, not both"})
    if given & {"x", "y"}:
        if not {"x", "y"} <= given:
            missing = "y" if "x" in given else "x"
            raise ConfigError({missing: "--x and --y must be given together"})
        columns = {}
        for key in ("x", "y"):
            try:
                columns[key] = parse_float_list(options[key])
            except ParseError as error:
                raise ConfigError({key: _expects(key, options[key], str(error))}) from None
            beyond = [i for i, v in enumerate(columns[key], start=1) if abs(v) > FLOAT32_MAX]
            if beyond:
                detail = f"item {beyond[0]} is beyond ±3.4e38 (float32)"
                raise ConfigError({key: _expects(key, options[key], detail)})
        try:
            return Dataset("custom", columns["x"], columns["y"])
        except ParseError as error:
            raise ConfigError({"y": str(error)}) from None
    if "data" in given:
        try:
            return load_csv(str(options["data"]))
        except ParseError as error:
            raise ConfigError({"data": str(error)}) from None
    if "dataset" in given:
        name = options["dataset"]
        if isinstance(name, Dataset):  # read already (a file, on the app's worker thread)
            return name
        if isinstance(name, str) and name.strip().startswith("noisy"):
            try:
                return parse_noisy(name)
            except ParseError as error:
                raise ConfigError({"dataset": _expects("dataset", name, str(error))}) from None
        if not isinstance(name, str) or name.strip() not in PRESETS:
            raise ConfigError({"dataset": _expects("dataset", name)})
        return PRESETS[name.strip()]
    return None


def acceptable(options: Mapping[str, Any], base: RunConfig) -> bool:
    """Whether ``options`` on top of ``base`` make a valid run."""
    try:
        config_from_options(options, base=base)
    except ConfigError:
        return False
    return True
