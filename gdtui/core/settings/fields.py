"""The settings, one entry each: the one place that says what a setting is called, what it
accepts, how it is read, whether it changes a run in place, and how the command line, the
config files, the form and the command palette offer it. They are all built by looping over
:data:`FIELDS`; only the rules *between* settings live in :mod:`gdtui.core.settings.config`.

A new setting is one entry here and one attribute of
:class:`~gdtui.core.settings.config.RunConfig` (a test checks that they match).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from gdtui.core.settings import rules
from gdtui.core.settings.data import PRESETS
from gdtui.core.settings.parse import (
    parse_batch_size,
    parse_betas,
    parse_bool,
    parse_float,
    parse_int,
    parse_name,
    parse_start,
)
from gdtui.core.settings.rules import MAX_BATCH, MAX_EPOCHS, MAX_SEED, Check
from gdtui.core.settings.schedules import SCHEDULES
from gdtui.core.settings.variants import (
    DTYPES,
    GRAD_FORMULAS,
    OPTIMIZERS,
    VARIANT_NAMES,
)

if TYPE_CHECKING:
    from gdtui.core.settings.config import RunConfig

DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")

Widget = Literal["input", "select", "switch", "variants"]
"""How the app edits a setting: a text field, a list to pick from, an on/off switch, or the
variant pane."""


def _always(config: RunConfig) -> bool:
    return True


@dataclass(frozen=True)
class Field:
    """One setting."""

    key: str
    """Its name in RunConfig, config files and settings.json; ``--key`` (``_`` as ``-``) on
    the command line."""
    accepts: str
    """What it accepts, in the words every error message about it uses."""
    help: str
    """The command line's help for it."""
    parse: Callable[[Any], Any] = parse_name
    """Reads a typed string (or a file's number or boolean); raises ParseError."""
    metavar: str | None = None
    """The command line's placeholder; None for an on/off setting (``--x`` / ``--no-x``)."""
    live: bool = False
    """Whether changing it mid-run changes the run in place from the next epoch (otherwise
    the run starts again)."""
    marked: bool = False
    """Whether a change mid-run changes the path the run takes from the next epoch, and is
    marked there on the chart (the other live settings change when the run ends, or what is
    reported)."""
    label: str | None = None
    """Its name on the form and in the palette; None: not on the form."""
    widget: Widget | None = None
    choices: tuple[str, ...] = ()
    """For a setting picked from a list: the list."""
    placeholder: str = ""
    check: Check | None = None
    """Its own rule on a parsed value; None: it must be one of :attr:`choices`. (The ways to
    give the data are checked as the dataset they make.)"""
    applies: Callable[[RunConfig], bool] = _always
    """Whether it means anything for a configuration (the form hides it when not)."""
    data: bool = False
    """One of the ways to give the dataset (``dataset``, ``x`` and ``y``, ``data``), which
    become RunConfig's one ``dataset``."""
    only: str = ""
    """Where :attr:`applies` is narrower than every run, whom it is for (``the momentum
    optimizer (--optimizer momentum)``): the command line refuses it elsewhere."""
    unset: str = "default"
    """How a setting left unset (None) is said: ``batch size all``."""
    enables: tuple[tuple[str, Any], ...] = ()
    """Where :attr:`applies` is narrower: the settings that make it apply (the palette's
    entries for it set them too, so ``tutorial`` is found from any variant)."""
    current: Callable[[RunConfig], Any] | None = None
    """What the form shows for it, when that is not the attribute as it stands (``bias``
    unset shows the variant's own way)."""

    def value(self, config: RunConfig) -> Any:
        """The value the form shows for ``config``."""
        return getattr(config, self.key) if self.current is None else self.current(config)

    def problem(self, value: object) -> str | None:
        """Why ``value`` is not a valid setting on its own (see :data:`Check`), or None."""
        if self.check is not None:
            return self.check(value)
        return None if value in self.choices else ""

    @property
    def flag(self) -> str:
        """The command-line spelling: ``grad_formula`` → ``--grad-formula``."""
        return option_name(self.key)


def shown_value(value: object) -> str:
    """A setting's value as the form writes it: on/off, 0.02, 1,000, a dataset's name."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ",".join(f"{item:g}" for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    if value is None:
        return "default"
    return str(getattr(value, "name", value))


def setting_label(name: str) -> str:
    """The form's name for a setting (``grad_formula`` → ``Gradient``), or its key."""
    field = BY_KEY.get(name)
    return field.label if field is not None and field.label else name


def setting_words(name: str, value: object) -> str:
    """``learning rate 0.02``: a setting in the form's words, with its value."""
    return f"{setting_label(name).lower()} {setting_value(name, value)}"


def setting_value(name: str, value: object) -> str:
    """A setting's value in the form's words (unset: what that means for it, ``all``)."""
    field = BY_KEY.get(name)
    return field.unset if value is None and field is not None else shown_value(value)


def option_name(key: str) -> str:
    """The command-line spelling of a setting: ``grad_formula`` → ``--grad-formula``."""
    return f"--{key.replace('_', '-')}"


FIELDS: tuple[Field, ...] = (
    Field(
        "variant",
        f"one of {', '.join(VARIANT_NAMES)}",
        "how the loop is written: " + ", ".join(VARIANT_NAMES),
        metavar="NAME",
        label="Variant",
        widget="variants",
        choices=VARIANT_NAMES,
    ),
    Field(
        "lr",
        "a finite number > 0, like 0.01 or 1e-3",
        "learning rate, finite and > 0 (default 0.01)",
        parse_float,
        metavar="F",
        live=True,
        marked=True,
        label="learning rate",
        widget="input",
        check=rules.rate,
    ),
    Field(
        "epochs",
        "a whole number from 1 to 10^9 (digits 0-9 only)",
        "number of epochs, 1 to 10^9 (default 100)",
        parse_int,
        metavar="N",
        live=True,
        label="epochs",
        widget="input",
        check=rules.whole(1, MAX_EPOCHS),
    ),
    Field(
        "w0",
        "a finite number, or nothing for the default start",
        "initial weight (default 0; torch-module: seeded)",
        parse_start,
        metavar="F",
        label="w0",
        widget="input",
        placeholder="seeded init",
        check=rules.start,
    ),
    Field(
        "b0",
        "a finite number, or nothing for the default start",
        "initial bias, with a bias (default 0; torch-module: seeded)",
        parse_start,
        metavar="F",
        label="b0",
        widget="input",
        placeholder="seeded init",
        applies=rules.has_bias,
        enables=(("bias", True),),
        check=rules.start,
    ),
    Field(
        "bias",
        "true or false",
        "train a bias b too: y = w*x + b (default: torch-module on, the others off)",
        parse_bool,
        label="bias",
        widget="switch",
        check=rules.bias,
        current=rules.has_bias,
    ),
    Field(
        "dataset",
        f"one of {', '.join(PRESETS)}, or a generated line noisy:slope=2,intercept=0,"
        "noise=0.5,n=10,seed=0 (any of them; an intercept needs --bias)",
        f"a preset: {', '.join(PRESETS)}, or noisy:slope=2,intercept=0,noise=0.5,n=10,seed=0",
        metavar="NAME",
        label="data",
        widget="select",
        choices=(*PRESETS, "noisy"),
        data=True,
    ),
    Field(
        "x",
        "comma-separated finite numbers like 1,2,3,4",
        "inputs, e.g. 1,2,3,4 (with --y)",
        metavar="LIST",
        data=True,
    ),
    Field(
        "y",
        "comma-separated finite numbers like 2,4,6,8",
        "targets, e.g. 2,4,6,8 (with --x)",
        metavar="LIST",
        data=True,
    ),
    Field(
        "data",
        "a readable CSV file with a header row naming columns x and y",
        "a CSV file with columns x,y",
        metavar="FILE.csv",
        label="load CSV",
        widget="input",
        placeholder="path/to/file.csv",
        data=True,
    ),
    Field(
        "zero_grad",
        "true or false",
        "clear .grad after each update; --no-zero-grad lets it accumulate (default on)",
        parse_bool,
        live=True,
        marked=True,
        label="zero_grad",
        widget="switch",
        check=rules.boolean,
    ),
    Field(
        "optimizer",
        f"one of {', '.join(OPTIMIZERS)}",
        f"one of {', '.join(OPTIMIZERS)} (torch-optim and torch-module; default sgd)",
        metavar="NAME",
        label="optimizer",
        widget="select",
        choices=OPTIMIZERS,
    ),
    Field(
        "momentum",
        "a number from 0 up to (not including) 1, like 0.9",
        "the momentum optimizer's beta, 0 to <1 (default 0.9)",
        parse_float,
        metavar="B",
        label="momentum β",
        widget="input",
        check=rules.fraction,
        applies=rules.momentum_optimizer,
        enables=(("optimizer", "momentum"),),
        only="the momentum optimizer (--optimizer momentum)",
    ),
    Field(
        "nesterov",
        "true or false",
        "Nesterov momentum (the momentum optimizer; default off)",
        parse_bool,
        label="nesterov",
        widget="switch",
        check=rules.boolean,
        applies=rules.momentum_optimizer,
        enables=(("optimizer", "momentum"),),
        only="the momentum optimizer (--optimizer momentum)",
    ),
    Field(
        "betas",
        "two numbers from 0 up to (not including) 1, like 0.9,0.999",
        "Adam's beta1,beta2, each 0 to <1 (default 0.9,0.999)",
        parse_betas,
        metavar="B1,B2",
        label="adam betas",
        widget="input",
        check=rules.betas,
        applies=rules.adam_optimizer,
        enables=(("optimizer", "adam"),),
        only="Adam (--optimizer adam)",
    ),
    Field(
        "weight_decay",
        "a finite number >= 0 (0: none)",
        "L2 weight decay: torch's optimizers' weight_decay; the hand-written updates add "
        "weight_decay*w to the gradient (default 0)",
        parse_float,
        metavar="L",
        label="weight decay",
        widget="input",
        check=rules.at_least_zero,
    ),
    Field(
        "dtype",
        f"one of {', '.join(DTYPES)}",
        "what the data and parameters are computed in: float32 (as the seeds) or float64 "
        "(shows what float32 rounded)",
        metavar="NAME",
        label="dtype",
        widget="select",
        choices=DTYPES,
    ),
    Field(
        "batch_size",
        f"a whole number from 1 to {MAX_BATCH:,}, or all",
        "points per update: mini-batches of B (default all: one update an epoch, as the seeds)",
        parse_batch_size,
        metavar="B",
        label="batch size",
        widget="input",
        placeholder="all",
        unset="all",
        check=rules.batch_size,
    ),
    Field(
        "shuffle",
        "true or false",
        "draw each epoch's batches in a new random order, from the seed (default off)",
        parse_bool,
        label="shuffle",
        widget="switch",
        check=rules.boolean,
    ),
    Field(
        "schedule",
        f"one of {', '.join(SCHEDULES)}",
        f"learning-rate schedule: {', '.join(SCHEDULES)} (default constant)",
        metavar="NAME",
        live=True,
        marked=True,
        label="lr schedule",
        widget="select",
        choices=SCHEDULES,
    ),
    Field(
        "grad_formula",
        f"one of {', '.join(GRAD_FORMULAS)}",
        f"numpy-manual's gradient: {', '.join(GRAD_FORMULAS)} (tutorial is N times too large)",
        metavar="NAME",
        label="gradient",
        widget="select",
        choices=GRAD_FORMULAS,
        applies=rules.has_formulas,
        enables=(("variant", "numpy-manual"),),
    ),
    Field(
        "eps",
        "a finite number >= 0 (0: never stop early)",
        "stop once loss < eps (default 0: never)",
        parse_float,
        metavar="F",
        live=True,
        label="stop at loss <",
        widget="input",
        check=rules.at_least_zero,
    ),
    Field(
        "seed",
        "a whole number from 0 to 2^63-1",
        "random seed: torch-module's init and --shuffle's order (default 0)",
        parse_int,
        metavar="N",
        label="seed",
        widget="input",
        check=rules.whole(0, MAX_SEED),
    ),
    Field(
        "device",
        f"one of {', '.join(DEVICES)}",
        f"one of {', '.join(DEVICES)} (default auto: the CPU)",
        metavar="NAME",
        label="device",
        widget="select",
        choices=DEVICES,
    ),
    Field(
        "predict",
        "a finite number",
        "report f(X) after training (default 5)",
        parse_float,
        metavar="X",
        live=True,
        label="f(x) at x",
        widget="input",
        check=rules.number,
    ),
)
"""Every setting, in the order the form, ``--help`` and the files list them."""

BY_KEY: dict[str, Field] = {field.key: field for field in FIELDS}
ACCEPTS: dict[str, str] = {field.key: field.accepts for field in FIELDS}
"""What each setting accepts, in the words every error message uses."""
DATA_OPTIONS: tuple[str, ...] = tuple(field.key for field in FIELDS if field.data)
OPTION_KEYS: tuple[str, ...] = tuple(field.key for field in FIELDS)
"""Every key that the command line, files and the form may give."""
LIVE_FIELDS = frozenset(field.key for field in FIELDS if field.live)
"""Settings that change a run in place from the next epoch; any other change resets it."""
MARKED: tuple[str, ...] = tuple(field.key for field in FIELDS if field.marked)
"""The live settings whose mid-run changes are marked on the chart."""
FORM_FIELDS: tuple[Field, ...] = tuple(
    field for field in FIELDS if field.widget not in (None, "variants")
)
"""The settings on the form, in its order (the variant has a pane of its own)."""
