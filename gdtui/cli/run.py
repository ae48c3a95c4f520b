"""``gdtui run``: train to the end and print records as text, JSON lines or CSV."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import TextIO

from gdtui import exits
from gdtui.cli.options import FORMATS, Parser, UsageError, add_settings, bounded, parse_run
from gdtui.cli.output import writing
from gdtui.cli.progress import Progress
from gdtui.core.engine.columns import RecordColumns
from gdtui.core.engine.divergence import divergence_hint
from gdtui.core.engine.record import GRAD_VALUE, EpochRecord
from gdtui.core.engine.runner import Runner
from gdtui.core.engine.stops import RunState
from gdtui.core.run.gradcheck import GradChecker, penalty
from gdtui.core.run.history import record_fields
from gdtui.core.settings.changes import MidRunChange
from gdtui.core.settings.config import RunConfig
from gdtui.core.settings.parse import parse_int

STRETCH_EPOCHS = 1024
"""Epochs run between writes of the records (each stretch holds a list of this many)."""


def build_parser() -> argparse.ArgumentParser:
    """The ``gdtui run`` parser: the settings plus output options."""
    parser = Parser(prog="gdtui run", description="Train headless and print every epoch's record.")
    add_settings(parser)
    output = parser.add_argument_group("output")
    output.add_argument(
        "--log-every",
        metavar="K",
        default="10",
        help="text: print epoch 1, 1+K, 1+2K, … (default 10)",
    )
    output.add_argument("--format", choices=FORMATS, default="text", help="output format")
    output.add_argument(
        "--check-grad",
        action="store_true",
        help="add num_grad_w (num_grad_b): central differences at the pre-update parameters; "
        "warn on stderr and exit with status 5 when the gradient disagrees",
    )
    output.add_argument(
        "--keep-going",
        action="store_true",
        help="run on when the loss grows geometrically (by default the run stops there, "
        "diverging, with status 3), to the last epoch or to inf",
    )
    return parser


def main(args: list[str]) -> int:
    """``gdtui run [OPTIONS]``: train headless; returns the exit status."""
    namespace = build_parser().parse_args(args)
    log_every = bounded("--log-every", namespace.log_every, 1, 10**9, parse_int, "a whole number")
    config, script = parse_run(namespace)
    if namespace.check_grad and config.batched:
        raise UsageError(
            "--check-grad: checks the full batch's gradient; leave out --batch-size and --shuffle"
        )
    return run_headless(
        config,
        namespace.format,
        log_every,
        check_grad=namespace.check_grad,
        keep_going=namespace.keep_going,
        script=script,
    )


def format_text_line(record: EpochRecord) -> str:
    """A seed-style line: ``epoch 1: w = 0.300, loss = 30.00000000``; with mini-batches the
    whole data's loss at the epoch's end, after its batches."""
    bias = "" if record.b is None else f", b = {record.b:.3f}"
    if record.full_loss is None:
        return f"epoch {record.epoch}: w = {record.w:.3f}{bias}, loss = {record.loss:.8f}"
    batches = f"{record.batch} batch{'es' if record.batch > 1 else ''}"
    return (
        f"epoch {record.epoch}: w = {record.w:.3f}{bias}, "
        f"full-data loss = {record.full_loss:.8f} (after {batches})"
    )


def run_headless(
    config: RunConfig,
    fmt: str,
    log_every: int,
    out: TextIO | None = None,
    check_grad: bool = False,
    keep_going: bool = False,
    script: Sequence[MidRunChange] = (),
) -> int:
    """Train ``config`` to the end, printing as ``fmt``; returns the exit status (0, 3 or 5).
    Raises :class:`~gdtui.cli.output.OutputError` if the output cannot be written.

    ``script`` changes settings mid-run where it says (an exported run's changes, replayed).
    While the records go to a file or a pipe, a long run's progress shows on standard error
    (when that is a terminal).

    With ``check_grad`` each record gains ``num_grad_w`` (and ``num_grad_b``), and the first
    epoch whose gradient disagrees with them is reported on stderr. A run found diverging
    stops there, unless ``keep_going``.
    """
    out = out or sys.stdout
    runner = Runner(config, script=script)
    progress = Progress(out, sys.stderr)
    checker = GradChecker(config.dataset, config.has_bias, penalty(config)) if check_grad else None
    fields = record_fields(config.has_bias, config.batched)
    writer = RecordWriter(out, fmt, fields, log_every, checker)
    write = out.write
    previous: EpochRecord | None = None
    with writing(), _cleared(progress), _overflow_unsaid():
        writer.start()
        while True:
            stretch = runner.run(STRETCH_EPOCHS)
            stop = stretch.stop
            if stretch.initial is not None:
                writer.before = stretch.initial
            going_on = keep_going and stop is not None and stop.state is RunState.DIVERGING
            # The last epoch is printed whatever --log-every says, unless it went inf.
            ends = stop is not None and stop.record is None and not going_on
            # With mini-batches the records are one per update; text shows epochs.
            rows = stretch.updates if config.batched and fmt != "text" else stretch.records
            writer.write(rows, ends)
            if stretch.records:
                previous = stretch.records[-1]
                progress.show(previous.epoch, runner.config.epochs)
            if going_on:
                assert stop is not None
                progress.done()
                print(f"gdtui run: {stop.message}; going on", file=sys.stderr)
                continue
            if stop is not None:
                break
        progress.done()
        warning = checker.warning() if checker is not None else None
        if warning is not None:
            out.flush()
            print(f"gdtui run: {warning}", file=sys.stderr)
        if stop is not None and stop.state in (RunState.DIVERGED, RunState.DIVERGING):
            # At inf, the text log ends with the last finite epoch, then the reason.
            at_inf = stop.state is RunState.DIVERGED and fmt == "text"
            if at_inf and previous is not None and previous.epoch != writer.last_logged:
                write(format_text_line(previous) + "\n")
            out.flush()
            hint = divergence_hint(config, stop.epoch, "--lr")
            then = "; --keep-going runs on" if stop.state is RunState.DIVERGING else ""
            print(f"gdtui run: {stop.message}; {hint}{then}", file=sys.stderr)
            return exits.DIVERGED
        if fmt == "text":
            write(
                f"Prediction after training: f({config.predict:g}) = "
                f"{runner.trainer.predict(config.predict):.3f}\n"
            )
        out.flush()
    return exits.OK if warning is None else exits.WRONG_GRADIENT


class RecordWriter:
    """Writes a run's records as ``fmt``: text's lines of epoch 1, 1+K, 1+2K, … (and the
    last), or every record as JSON lines or CSV, a stretch at a time. Without a gradient
    check it reads the records' columns, and text looks only at the epochs it prints."""

    def __init__(
        self,
        out: TextIO,
        fmt: str,
        fields: tuple[str, ...],
        log_every: int,
        checker: GradChecker | None = None,
    ) -> None:
        """``checker``: with ``--check-grad``, each record gains its numerical gradient (the
        checker's fields)."""
        self.out = out
        self.fmt = fmt
        self.fields = fields
        self.log_every = log_every
        self.checker = checker
        self.before: tuple[float, float | None] = (0.0, None)
        """The parameters the next record started from (the gradient check's)."""
        self.last_logged = 0
        """The epoch of the last text line written."""
        self._csv = csv.writer(out, lineterminator="\n") if fmt == "csv" else None

    def start(self) -> None:
        """The CSV header (the gradient check's fields too)."""
        if self._csv is not None:
            checked = self.checker.fields if self.checker is not None else ()
            self._csv.writerow((*self.fields, *checked))

    def write(self, rows: Sequence[EpochRecord], ends: bool) -> None:
        """Write ``rows``; ``ends``: the run ends with the last (text prints it)."""
        if self.checker is not None:
            self._write_checked(rows, ends)
        elif self.fmt == "text":
            write = self.out.write
            for record in logged(rows, self.log_every, ends):
                write(format_text_line(record) + "\n")
                self.last_logged = record.epoch
        elif len(rows):
            columns = rows if isinstance(rows, RecordColumns) else RecordColumns.of(rows)
            table = [_column(columns, name) for name in self.fields]
            self._rows(dict(zip(self.fields, row, strict=True)) for row in zip(*table, strict=True))

    def _write_checked(self, rows: Sequence[EpochRecord], ends: bool) -> None:
        checker, fields = self.checker, self.fields
        assert checker is not None
        fields = (*fields, *checker.fields)
        final = len(rows) - 1 if ends else -1
        values: list[dict[str, float | int | bool | None]] = []
        for index, record in enumerate(rows):
            extra = checker.observe(*self.before, record)
            self.before = (record.w, record.b)
            if self.fmt == "text":
                if (record.epoch - 1) % self.log_every == 0 or index == final:
                    self.out.write(format_text_line(record) + "\n")
                    self.last_logged = record.epoch
                continue
            row = {**record._asdict(), "zero_grad": record.zero_grad, **extra}
            values.append({name: row[name] for name in fields})
        self._rows(values)

    def _rows(self, rows: Iterable[dict[str, float | int | bool | None]]) -> None:
        write = self.out.write
        if self._csv is None:
            for row in rows:
                write(json.dumps(row) + "\n")
            return
        writerow = self._csv.writerow
        for row in rows:
            writerow([_cell(value) for value in row.values()])


def logged(records: Sequence[EpochRecord], every: int, ends: bool) -> Iterator[EpochRecord]:
    """The records a text log prints: those of epochs 1, 1+K, 1+2K, … (``every`` = K), and
    the last when the run ends with it."""
    count = len(records)
    if not count:
        return
    epochs = records.epoch if isinstance(records, RecordColumns) else [r.epoch for r in records]
    indices: Sequence[int]
    if epochs[-1] - epochs[0] == count - 1:  # one after another, as a stretch's are
        indices = range((1 - epochs[0]) % every, count, every)
    else:
        indices = [i for i, epoch in enumerate(epochs) if (epoch - 1) % every == 0]
    for index in indices:
        yield records[index]
    if ends and (not indices or indices[-1] != count - 1):
        yield records[count - 1]


def _column(records: RecordColumns, name: str) -> list[float | int | bool | None]:
    """A field's column, ``zero_grad`` too (whether ``.grad`` was cleared after the update)."""
    if name == "zero_grad":
        return [state != GRAD_VALUE for state in records.grad_state]
    return records.column(name)


def _cell(value: float | int | bool | None) -> str:
    """A CSV cell: the number's repr, ``true`` or ``false``, or empty where a record has none
    (a mini-batch's full-data loss before the epoch's last update)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else repr(value)


@contextlib.contextmanager
def _overflow_unsaid() -> Iterator[None]:
    """Numpy's warnings of an overflow not on stderr: overflow is how a run diverges, and
    the record says so. A warnings filter, not ``np.errstate``: under an error state of its
    own, numpy 2 reads it from a context variable at every operation, and a numpy run's
    epochs take about 2% longer."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "(overflow|invalid value) encountered", RuntimeWarning)
        yield


@contextlib.contextmanager
def _cleared(progress: Progress) -> Iterator[None]:
    """The progress line cleared however the run ends (a signal, a closed pipe)."""
    try:
        yield
    finally:
        progress.done()
