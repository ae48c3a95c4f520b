"""Datasets: the seeds' presets, lists typed by hand, and CSV files with columns x,y."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from gdtui.core.files import Unreadable, read_text
from gdtui.core.numbers import FLOAT32_MAX
from gdtui.core.settings.parse import ParseError, parse_float, parse_int

MAX_POINTS = 100_000
"""The most points a dataset may have, from a file or generated."""


@dataclass(frozen=True)
class Dataset:
    """Points (x, y) to fit with y ≈ w·x (+ b), and a name to show for them."""

    name: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    source: str | None = None
    """The CSV file the points were read from (remembered by path, not copied), or None."""

    def __post_init__(self) -> None:
        if not self.x:
            raise ParseError("the data has no points")
        if len(self.x) > MAX_POINTS:
            raise ParseError(f"the data has {len(self.x):,} points; at most {MAX_POINTS:,}")
        if len(self.x) != len(self.y):
            raise ParseError(f"x has {len(self.x)} values but y has {len(self.y)}; they must match")
        if not all(math.isfinite(v) for v in (*self.x, *self.y)):
            raise ParseError("every x and y must be a finite number")
        # Checked once, here, rather than by every configuration built on this data.
        if not all(abs(v) <= FLOAT32_MAX for v in (*self.x, *self.y)):
            raise ParseError("every x and y must be within ±3.4e38 (float32)")

    def __len__(self) -> int:
        return len(self.x)


PRESETS: dict[str, Dataset] = {
    "line4": Dataset("line4", (1.0, 2.0, 3.0, 4.0), (2.0, 4.0, 6.0, 8.0)),
    "line5": Dataset("line5", (1.0, 2.0, 3.0, 4.0, 5.0), (2.0, 4.0, 6.0, 8.0, 10.0)),
}
"""The seeds' data: y = 2x on x = 1..4 (seeds 000, 001, 003, 004) and on x = 1..5 (seed 002)."""

DEFAULT_PRESET = "line4"


def load_csv(path: str | Path) -> Dataset:
    """Read a CSV file with a header row naming columns ``x`` and ``y`` (other columns ignored).

    Raises ParseError with a message naming the row and column of the first bad cell.
    """
    path = Path(path)
    try:
        text = read_text(path, "a CSV file")
    except Unreadable as error:
        raise ParseError(str(error)) from None
    dataset = parse_csv(text, name=path.name)
    return Dataset(dataset.name, dataset.x, dataset.y, source=str(path.absolute()))


def parse_csv(text: str, name: str = "csv") -> Dataset:
    """Parse CSV text with a header naming columns ``x`` and ``y``."""
    reader = csv.reader(io.StringIO(text))
    # (the file's line number, the row): errors name the line, blank lines included
    numbered: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                numbered.append((reader.line_num, row))
                if len(numbered) > MAX_POINTS + 1:  # a header and more rows than allowed
                    raise ParseError(f"the CSV file has more than {MAX_POINTS:,} data rows")
    except csv.Error as error:
        raise ParseError(
            f"not a valid CSV file: line {reader.line_num} has {_csv_problem(error)}"
        ) from None
    if not numbered:
        raise ParseError("the CSV file is empty; it needs a header row x,y and data rows")
    rows = [row for _, row in numbered]
    header = [cell.strip().lower() for cell in rows[0]]
    positions: dict[str, list[int]] = {}
    for index, cell in enumerate(header, start=1):
        if cell:
            positions.setdefault(cell, []).append(index)
    twice = [(cell, columns) for cell, columns in positions.items() if len(columns) > 1]
    if twice:
        # By number, not by name: whatever file this is, its content stays unquoted.
        raise ParseError(
            f"the CSV header (line {numbered[0][0]}) gives "
            f"{'; '.join(_same_name(cell, columns) for cell, columns in twice)}; "
            "each column needs a name of its own"
        )
    missing = [column for column in ("x", "y") if column not in header]
    if missing:
        # Not the header's own text: whatever file this is, its content stays unquoted.
        count = f"{len(header)} column{'s' if len(header) != 1 else ''}"
        raise ParseError(
            f"the CSV header (line {numbered[0][0]}) has no column "
            f"{' or '.join(repr(m) for m in missing)}; it needs columns named x and y "
            f"(it has {count})"
        )
    ix, iy = header.index("x"), header.index("y")
    xs: list[float] = []
    ys: list[float] = []
    for line, row in numbered[1:]:
        values = []
        for column, index in (("x", ix), ("y", iy)):
            if index >= len(row):
                raise ParseError(f"row {line} has no value in column {column!r}")
            try:
                values.append(parse_float(row[index]))
            except ParseError as error:
                raise ParseError(f"row {line}, column {column!r}: {error}") from None
        xs.append(values[0])
        ys.append(values[1])
    if not xs:
        raise ParseError("the CSV file has a header but no data rows")
    return Dataset(name, tuple(xs), tuple(ys))


def _csv_problem(error: csv.Error) -> str:
    """What the csv module found wrong, in a user's words (its messages quote no content)."""
    text = str(error)
    if text.startswith("field larger than field limit"):
        return f"a value longer than {csv.field_size_limit():,} characters"
    if text.startswith("new-line character seen in unquoted field"):
        return "a line break (a lone carriage return) inside a value that is not in quotes"
    return f"what a CSV reader cannot take ({text})"


def _same_name(name: str, columns: list[int]) -> str:
    """``columns 1 and 3 the same name``, and which of ours it is (``x`` or ``y``) where it is
    one: never a name from the file."""
    *first, last = columns
    ours = f" ({name})" if name in ("x", "y") else ""
    return f"columns {', '.join(map(str, first))} and {last} the same name{ours}"


NOISY_DEFAULTS: dict[str, float] = {
    "slope": 2.0,
    "intercept": 0.0,
    "noise": 0.5,
    "n": 10,
    "seed": 0,
}
"""A generated line's parameters when ``noisy`` names none: ones the default settings fit (no
bias to learn an intercept; lr 0.01 well under the 0.026 that x up to 10 allows, where x up
to 20 would diverge)."""


def noisy_line(
    slope: float = 2.0, intercept: float = 0.0, noise: float = 0.5, n: int = 10, seed: int = 0
) -> Dataset:
    """``n`` points y = slope·x + intercept + noise·N(0, 1) at x = 1 … n, seeded."""
    if not (1 <= n <= MAX_POINTS):
        raise ParseError(f"n must be from 1 to {MAX_POINTS}, got {n}")
    if noise < 0:
        raise ParseError(f"noise must be >= 0, got {noise:g}")
    if seed < 0:
        raise ParseError(f"seed must be >= 0, got {seed}")
    import numpy as np  # here, not above: settings are read without numpy (the app's first frame)

    rng = np.random.default_rng(seed)
    x = np.arange(1, n + 1, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # said below, in a line of our own
        y = slope * x + intercept + noise * rng.standard_normal(n)
    beyond = np.flatnonzero(~(np.abs(y) <= FLOAT32_MAX))
    if beyond.size:
        raise ParseError(
            f"y = slope·x + intercept + noise·N(0, 1) goes beyond ±3.4e38 (float32) at x = "
            f"{beyond[0] + 1}: give a smaller slope, intercept or noise"
        )
    name = f"noisy:slope={slope:g},intercept={intercept:g},noise={noise:g},n={n},seed={seed}"
    return Dataset(name, tuple(x.tolist()), tuple(float(v) for v in y))


def parse_noisy(spec: str) -> Dataset:
    """``noisy`` or ``noisy:slope=2,intercept=0,noise=0.5,n=10,seed=0`` (any subset)."""
    head, _, rest = spec.strip().partition(":")
    if head.strip() != "noisy":
        raise ParseError(f"a generated line is written noisy:slope=2,noise=0.5,…, got {spec!r}")
    values: dict[str, float] = dict(NOISY_DEFAULTS)
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, equals, text = (piece.strip() for piece in item.partition("="))
        if not equals or key not in NOISY_DEFAULTS:
            raise ParseError(f"{item!r}: the parameters are {', '.join(NOISY_DEFAULTS)}")
        values[key] = parse_int(text) if key in ("n", "seed") else parse_float(text)
    return noisy_line(
        values["slope"], values["intercept"], values["noise"], int(values["n"]), int(values["seed"])
    )
