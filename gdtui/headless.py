"""``gdtui run``: train to the end and print records as text, JSON lines or CSV."""

from __future__ import annotations

import csv
import json
import sys
from typing import TextIO

import numpy as np

from gdtui.core.config import RunConfig
from gdtui.core.gradcheck import GradChecker
from gdtui.core.history import record_fields
from gdtui.core.record import EpochRecord
from gdtui.core.run import StopReason, divergence_message, stop_reason
from gdtui.core.schedule import apply_schedule
from gdtui.core.trainers import create_trainer
from gdtui.output import writing

EXIT_DIVERGED = 3
"""``gdtui run``'s exit status when a loss, parameter or gradient went inf or nan."""


def format_text_line(record: EpochRecord) -> str:
    """A seed-style line: ``epoch 1: w = 0.300, loss = 30.00000000``."""
    if record.b is None:
        return f"epoch {record.epoch}: w = {record.w:.3f}, loss = {record.loss:.8f}"
    return f"epoch {record.epoch}: w = {record.w:.3f}, b = {record.b:.3f}, loss = {record.loss:.8f}"


# Overflow is how a run diverges: the record says so, and numpy need not warn on stderr.
@np.errstate(over="ignore", invalid="ignore")
def run_headless(
    config: RunConfig,
    fmt: str,
    log_every: int,
    out: TextIO | None = None,
    check_grad: bool = False,
) -> int:
    """Train ``config`` to the end, printing as ``fmt``; returns the exit status (0 or 3).
    Raises :class:`~gdtui.output.OutputError` if the output cannot be written.

    With ``check_grad`` each record gains ``num_grad_w`` (and ``num_grad_b``), and the first
    epoch whose gradient disagrees with them is reported on stderr.
    """
    out = out or sys.stdout
    trainer = create_trainer(config)
    fields = record_fields(config.has_bias)
    checker = GradChecker(config.dataset, config.has_bias) if check_grad else None
    if checker is not None:
        fields = (*fields, *checker.fields)
    write = out.write
    csv_writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    epochs, eps = config.epochs, config.eps
    scheduled = config.schedule != "constant"
    step = trainer.step
    last_logged = 0
    previous: EpochRecord | None = None
    reason: StopReason | None = None
    with writing():
        if csv_writer is not None:
            csv_writer.writerow(fields)
        while reason is None:
            if scheduled:
                apply_schedule(trainer, config)
            if checker is not None:
                w_before, b_before = trainer.w, trainer.b
            record = step()
            reason = stop_reason(record, epochs, eps)
            if reason is StopReason.DIVERGED:
                break
            previous = record
            if checker is not None:
                extra = checker.observe(w_before, b_before, record)
            if fmt == "text":
                if (record.epoch - 1) % log_every == 0 or reason is not None:
                    write(format_text_line(record) + "\n")
                    last_logged = record.epoch
                continue
            values = record._asdict()
            if checker is not None:
                values.update(extra)
            if fmt == "jsonl":
                write(json.dumps({name: values[name] for name in fields}) + "\n")
            else:
                assert csv_writer is not None
                csv_writer.writerow([repr(values[name]) for name in fields])
        if checker is not None and (warning := checker.warning()):
            out.flush()
            print(f"gdtui run: {warning}", file=sys.stderr)
        if reason is StopReason.DIVERGED:
            if fmt == "text" and previous is not None and previous.epoch != last_logged:
                write(format_text_line(previous) + "\n")
            out.flush()
            print(f"gdtui run: {divergence_message(record)}; try a smaller --lr", file=sys.stderr)
            return EXIT_DIVERGED
        if fmt == "text":
            write(
                f"Prediction after training: f({config.predict:g}) = "
                f"{trainer.predict(config.predict):.3f}\n"
            )
        out.flush()
    return 0
