"""Records as columns: what the compiled epochs write, read as the records they stand for —
every field, of the same type, as the epochs stepped one by one give them — and taken as they
are by the history, the text log and the pipe to the app."""

from __future__ import annotations

import io
import json
import pickle

import pytest

from gdtui.cli.run import logged, run_headless
from gdtui.core.engine.columns import FIELDS, RecordColumns
from gdtui.core.engine.record import EpochRecord
from gdtui.core.engine.runner import Runner, Stretch
from gdtui.core.engine.trainer import Trainer
from gdtui.core.run.history import RunHistory
from gdtui.core.settings.config import RunConfig

from .stepping import one_by_one

RECORDS = [
    EpochRecord(1, 30.0, 0.3, -30.0, None, None, 0.01, 1, 1),
    EpochRecord(2, 21.5, 0.55, -25.5, None, None, 0.01, 1, 2),
    EpochRecord(3, 15.0, 0.75, -21.0, None, None, 0.02, 0, 3),
]
BATCHED = [
    EpochRecord(1, 4.0, 0.2, -8.0, 0.1, -4.0, 0.05, 1, 1, 1, None, -9.0, -3.0),
    EpochRecord(1, 2.0, 0.4, -6.0, 0.2, -2.0, 0.05, 1, 2, 2, 12.5, -7.0, -2.5),
    EpochRecord(2, 1.0, 0.5, -3.0, 0.3, -1.0, 0.05, 1, 3, 1, None, -4.0, -1.5),
    EpochRecord(2, 0.5, 0.6, -2.0, 0.35, -0.5, 0.05, 1, 4, 2, 3.25, -3.0, -1.0),
]

CONFIGS = [
    RunConfig(variant="numpy-manual", epochs=30),
    RunConfig(variant="numpy-manual", bias=True, schedule="cosine", epochs=30),
    RunConfig(variant="numpy-manual", batch_size=2, shuffle=True, schedule="step", epochs=30),
    RunConfig(variant="torch-autograd", batch_size=3, bias=True, schedule="cosine", epochs=30),
    RunConfig(variant="torch-module", epochs=30),
    RunConfig(variant="torch-optim", batch_size=2, shuffle=True, epochs=30),
]


def _types(records: list[EpochRecord]) -> list[tuple[type, ...]]:
    return [tuple(type(value) for value in record) for record in records]


@pytest.mark.parametrize("rows", [RECORDS, BATCHED], ids=["epochs", "updates"])
def test_columns_read_as_the_records_they_were_made_of(rows: list[EpochRecord]) -> None:
    columns = RecordColumns.of(rows)
    assert len(columns) == len(rows)
    assert columns == rows and rows == columns
    assert list(columns) == rows
    assert list(reversed(columns)) == rows[::-1]
    assert columns[0] == rows[0] and columns[-1] == rows[-1]
    assert columns[1:] == rows[1:] and isinstance(columns[1:], RecordColumns)
    assert columns.take([0, 2]) == [rows[0], rows[2]]
    assert columns.take([1]) == [rows[1]]
    assert columns.take([]) == []
    assert columns + rows[:1] == [*rows, rows[0]]
    assert rows[:1] + columns == [rows[0], *rows]
    assert columns != rows[:-1]
    assert columns != [*rows[:-1], rows[-1]._replace(loss=99.0)]
    assert columns.column("loss") == [row.loss for row in rows]
    assert [columns.column(name) for name in FIELDS] == [list(c) for c in zip(*rows, strict=True)]
    assert pickle.loads(pickle.dumps(columns)) == rows
    assert RecordColumns() == [] and not RecordColumns()


def test_columns_grow_and_shrink_as_lists_of_records_do() -> None:
    columns = RecordColumns()
    columns.extend(BATCHED[:1])
    columns.extend(RecordColumns.of(BATCHED[1:3]))
    columns.append(BATCHED[3])
    assert columns == BATCHED
    columns.truncate(2)
    assert columns == BATCHED[:2]
    columns.fill(2, loss=1.5)  # only one column: a block fills the others the same way
    assert columns.loss[2:] == [1.5, 1.5]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.variant}-{c.batch_size}")
def test_a_block_writes_every_field_as_epochs_stepped_one_by_one_give_it(
    config: RunConfig,
) -> None:
    """The same values and the same types (an int is no float: JSON would tell them apart),
    with a rate a schedule sets each epoch, a bias, mini-batches."""
    expected, expected_updates = one_by_one(config, config.epochs)
    trainer = Trainer(config)
    records, updates = trainer.run(12, 0.0)
    more, more_updates = trainer.run(config.epochs - 12, 0.0)
    got = [*records, *more]
    assert got == expected
    assert _types(got) == _types(expected)
    if config.batched:
        assert [*updates, *more_updates] == expected_updates
        assert _types([*updates, *more_updates]) == _types(expected_updates)
    else:
        assert not updates and not more_updates


@pytest.mark.parametrize("window", [None, 3])
@pytest.mark.parametrize("rows", [RECORDS, BATCHED], ids=["epochs", "updates"])
def test_the_history_takes_columns_as_it_takes_records(
    rows: list[EpochRecord], window: int | None
) -> None:
    batched = rows is BATCHED
    by_records = RunHistory(has_bias=batched, batched=batched, window=window)
    by_columns = RunHistory(has_bias=batched, batched=batched, window=window)
    for _ in range(40):  # past a window's rows, summarised
        by_records.extend(list(rows))
        by_columns.extend(RecordColumns.of(rows))
    assert len(by_columns) == len(by_records)
    assert list(by_columns) == list(by_records)
    for name in ("loss", "w", "grad_w", "lr", "grad_state"):
        assert by_columns.column(name).tolist() == by_records.column(name).tolist()


def test_a_stretch_of_columns_crosses_the_pipe_whole() -> None:
    stretch = Runner(RunConfig(variant="numpy-manual", batch_size=2, epochs=40)).run(40)
    assert isinstance(stretch.records, RecordColumns)
    again: Stretch = pickle.loads(pickle.dumps(stretch))
    assert again.records == stretch.records and again.updates == stretch.updates
    assert len(again.updates) == 2 * len(again.records) == 80


@pytest.mark.parametrize("first", [1, 2, 7, 10, 11, 12])
@pytest.mark.parametrize("ends", [False, True])
def test_text_logs_epoch_one_every_kth_after_it_and_the_last(first: int, ends: bool) -> None:
    rows = [EpochRecord(epoch, 1.0, 0.0, 0.0) for epoch in range(first, first + 23)]
    wanted = [r for r in rows if (r.epoch - 1) % 5 == 0]
    if ends and wanted[-1:] != rows[-1:]:
        wanted.append(rows[-1])
    assert list(logged(RecordColumns.of(rows), 5, ends)) == wanted
    assert list(logged(rows, 5, ends)) == wanted
    gappy = rows[:3] + rows[9:]  # not one after another: each epoch looked at
    wanted = [r for r in gappy if (r.epoch - 1) % 5 == 0]
    if ends and wanted[-1:] != gappy[-1:]:
        wanted.append(gappy[-1])
    assert list(logged(RecordColumns.of(gappy), 5, ends)) == wanted


def test_json_lines_from_columns_are_the_records_one_by_one() -> None:
    config = RunConfig(variant="torch-autograd", batch_size=2, shuffle=True, epochs=25)
    out = io.StringIO()
    assert run_headless(config, "jsonl", 10, out=out) == 0
    _, updates = one_by_one(config, 25)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(updates)
    for line, update in zip(lines, updates, strict=True):
        row = json.loads(line)
        assert row["zero_grad"] is update.zero_grad
        assert all(row[name] == getattr(update, name) for name in row if name != "zero_grad")
        assert line == json.dumps(row)  # whole numbers as ints, as the record holds them


def test_the_whole_data_gradients_taken_when_read_are_those_taken_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A mini-batch block leaves each update's whole-data gradient to be taken when read
    (the text log never reads it): read one record, a slice, every record, joined to the
    next block's or pickled, the same numbers as the updates stepped one by one."""
    import gdtui.core.engine.model as model

    taken: list[int] = []  # how many gradients, each time some are taken
    gradients, gradient = model.full_gradients, model.full_gradient

    def many(x, y, ws, bs, scale=1.0, decay=0.0):  # type: ignore[no-untyped-def]
        taken.append(len(ws))
        return gradients(x, y, ws, bs, scale, decay)

    def one(x, y, w, b, scale=1.0, decay=0.0):  # type: ignore[no-untyped-def]
        taken.append(1)
        return gradient(x, y, w, b, scale, decay)

    monkeypatch.setattr(model, "full_gradients", many)
    monkeypatch.setattr(model, "full_gradient", one)
    config = RunConfig(variant="numpy-manual", bias=True, batch_size=3, epochs=40)
    _, expected = one_by_one(config, 40)
    taken.clear()  # (stepped one by one, each update takes its own)
    trainer = Trainer(config)
    _, first = trainer.run(20, 0.0)
    _, second = trainer.run(20, 0.0)
    assert sum(taken) == 4  # the last epoch's two updates (trainer.updates), each block
    assert first[5] == expected[5] and second[-1] == expected[-1]
    assert first[3:9].take([0, 2, 4]) == expected[3:9:2]
    assert sum(taken) == 4 + 1 + 1 + 3  # one record each, then the three taken
    joined = first[10:]
    joined.extend(second)  # both still to be taken, by the same trainer's data: as they are
    assert sum(taken) == 9
    assert joined == expected[10:]
    assert taken[-1] == len(expected) - 10
    assert pickle.loads(pickle.dumps(second)) == expected[40:]
    assert list(first) == expected[:40]


def test_a_block_s_batch_columns_with_epochs_of_as_many_batches_or_not() -> None:
    """Each update's epoch and batch, and the whole data's loss on each epoch's last: a
    slice at a time where every epoch has as many batches, one by one where not."""
    from gdtui.core.engine.epoch_block import _batch_columns

    for lasts in ([1, 1, 1], [2, 0, 1], [0]):
        out = RecordColumns()
        out.loss = [0.0] * sum(last + 1 for last in lasts)
        fulls = [10.0 * (i + 1) for i in range(len(lasts))]
        ends = _batch_columns(out, lasts, fulls, 7)
        epochs = [7 + i for i, last in enumerate(lasts) for _ in range(last + 1)]
        batches = [k + 1 for last in lasts for k in range(last + 1)]
        assert (out.epoch, out.batch) == (epochs, batches)
        assert list(ends) == [
            i for i, b in enumerate(batches) if i + 1 == len(batches) or batches[i + 1] == 1
        ]
        assert [out.full_loss[i] for i in ends] == fulls
        assert sum(v is not None for v in out.full_loss) == len(lasts)
    columns = RecordColumns.of(BATCHED)
    assert columns.take(range(1, 4, 2)) == [BATCHED[1], BATCHED[3]]
