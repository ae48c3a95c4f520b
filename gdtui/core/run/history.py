"""A run's records, kept columnar in numpy arrays so a million epochs stay compact."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from gdtui.core.engine.columns import RecordColumns
from gdtui.core.engine.record import GRAD_VALUE, EpochRecord
from gdtui.core.run.summary import (
    BIAS_COLUMNS,
    BLOCK,
    BlockExtremes,
    Summary,
    bucket_extremes,
)

COLUMNS: tuple[str, ...] = ("epoch", "loss", "w", "grad_w", "b", "grad_b", "lr", "grad_state")
BATCH_COLUMNS: tuple[str, ...] = ("step", "batch", "full_loss", "full_grad_w", "full_grad_b")
"""Kept only by a mini-batch run's history: with the full batch they follow from the rest."""
_NARROW = {"epoch": np.int32, "grad_state": np.int8, "step": np.int32, "batch": np.int32}
"""How a column starts: ints as int32, floats as float32 (:data:`_WIDE` once a value needs it)."""
_WIDE = {np.dtype(np.float32): np.float64, np.dtype(np.int32): np.int64}
EXPORT_CHUNK = 10_000
"""Records per piece of an export: small enough to check for a cancelled export often."""
UPDATE_WINDOW = 1_000_000
"""The updates of a mini-batch run kept at full resolution: the latest ones. Older updates are
summarised (see :class:`RunHistory`); every epoch stays at full resolution."""
HEAD = 64
"""The first rows of a windowed history, kept when they are summarised (where a run started)."""


def record_fields(has_bias: bool, batched: bool = False) -> tuple[str, ...]:
    """The record's fields as the CLI and exports write them; with mini-batches the whole
    data's gradient and loss too (see :class:`~gdtui.core.engine.record.EpochRecord`); last
    the live settings each update ran with: its learning rate, and whether ``.grad`` was
    cleared after it (``zero_grad``)."""
    fields: tuple[str, ...] = ("epoch", "step", "batch", "loss", "w")
    fields += ("b", "grad_w", "grad_b") if has_bias else ("grad_w",)
    if batched:
        fields += ("full_grad_w", "full_grad_b") if has_bias else ("full_grad_w",)
        fields += ("full_loss",)
    return (*fields, "lr", "zero_grad")


class RunHistory:
    """Every epoch of one run, appended in order; columns grow by doubling.

    ``b``/``grad_b`` read as nan for variants without a bias (and take no memory). A
    mini-batch run's history (``batched``) keeps :data:`BATCH_COLUMNS` too (nan where a
    record has no value), and :attr:`updates` holds every update, as a history of its own.

    Every number is kept exactly, in as few bytes as that allows: a column is float32 (int32)
    while every value in it is one exactly — a float32 run's losses, weights and gradients
    are — and becomes float64 (int64) the first time a value is not.

    A history with a ``window`` (the updates' of a mini-batch run: :data:`UPDATE_WINDOW`)
    keeps only its latest ``window`` to ``1.25 × window`` rows at full resolution, from
    :attr:`kept_from` on; indices still count from the first row. What came before is
    summarised (:class:`~gdtui.core.run.summary.Summary`): each column's lowest and highest
    value over runs of rows (64 at first, merged pairwise to keep their number bounded), which
    :meth:`downsample` draws, and the first :data:`HEAD` rows, which :meth:`head` reads.
    """

    def __init__(
        self,
        has_bias: bool = False,
        capacity: int = 1024,
        batched: bool = False,
        window: int | None = None,
        update_window: int = UPDATE_WINDOW,
    ) -> None:
        self.has_bias = has_bias
        self.batched = batched
        self.window = window
        """Rows kept at full resolution (at least; None: all of them)."""
        self.update_window = update_window
        """The window of :attr:`updates`."""
        self._size = 0
        self._anchor: EpochRecord | None = None
        self._head: dict[str, np.ndarray] = {}
        self._summary: Summary | None = None
        names = COLUMNS + BATCH_COLUMNS if batched else COLUMNS
        columns = {
            name: np.zeros(capacity, dtype=_NARROW.get(name, np.float32))
            for name in names
            if has_bias or name not in BIAS_COLUMNS
        }
        self._view = (0, columns)
        """:attr:`kept_from` and the columns as one pair, replaced at once when rows are
        dropped: what another thread reads (growing the columns keeps the rows they hold)."""
        self._blocks: dict[str, BlockExtremes] = {}
        self.updates: RunHistory | None = None
        """With mini-batches, the record of every update (each epoch's last is its row here)."""
        self.per_update = False
        """Whether this is such a history of updates (a row per update, not per epoch)."""

    def __len__(self) -> int:
        return self._size

    @property
    def kept_from(self) -> int:
        """The index of the first row kept at full resolution (0 until a window drops any)."""
        return self._view[0]

    @property
    def _columns(self) -> dict[str, np.ndarray]:
        return self._view[1]

    @property
    def _kept(self) -> int:
        """How many rows are kept at full resolution."""
        return self._size - self._view[0]

    @property
    def nbytes(self) -> int:
        """Memory held by the columns and the summaries (and the updates')."""
        summaries = sum(e.low.nbytes + e.high.nbytes for e in self._blocks.values())
        summaries += sum(head.nbytes for head in self._head.values())
        summaries += 0 if self._summary is None else self._summary.nbytes
        updates = 0 if self.updates is None else self.updates.nbytes
        return sum(column.nbytes for column in self._columns.values()) + summaries + updates

    def column(self, name: str) -> np.ndarray:
        """One column's rows at full resolution (all but a windowed history's summarised
        ones), read-only, as float64 (int64 for counts, int8 for ``grad_state``)."""
        if name not in self._columns and name in BIAS_COLUMNS:
            return np.broadcast_to(np.float64(math.nan), (self._kept,))
        view = self._stored(name)
        if view.dtype in _WIDE:
            view = view.astype(_WIDE[view.dtype])
        view.flags.writeable = False
        return view

    def head(self, name: str, count: int) -> np.ndarray:
        """The first ``count`` values (at most :data:`HEAD`) of a column, summarised or not."""
        if name not in self._columns and name in BIAS_COLUMNS:
            return np.full(min(count, self._size), math.nan)
        kept = self._head.get(name, self._stored(name))
        return kept[:count].astype(np.float64)

    def _stored(self, name: str) -> np.ndarray:
        """A column's rows at full resolution as they are kept (float32 where all are)."""
        return self._columns[name][: self._kept]

    def _reserve(self, extra: int) -> None:
        needed, window = self._kept + extra, self.window
        if window is not None and needed > window + window // 4:
            # Keep the latest window: what comes before is summarised and dropped.
            self._drop(needed - window)
            needed = self._kept + extra
        capacity = len(self._columns["epoch"])
        if needed <= capacity:
            return
        capacity = max(capacity, 1)  # doubling 0 would never grow
        while capacity < needed:
            capacity *= 2
        if window is not None:
            capacity = max(needed, min(capacity, window + window // 4))
        kept = self._kept
        for name, column in self._columns.items():
            grown = np.zeros(capacity, dtype=column.dtype)
            grown[:kept] = column[:kept]
            self._columns[name] = grown

    def _drop(self, count: int) -> None:
        """Summarise the oldest ``count`` rows kept (rounded down to whole blocks) and drop
        them."""
        start, kept = self.kept_from, self._kept
        count = min(kept, count) // BLOCK * BLOCK
        if not count:
            return
        if not start:
            self._head = {name: column[:HEAD].copy() for name, column in self._columns.items()}
        if self._summary is None:
            self._summary = Summary(list(self._columns))
        self._summary.add({name: column[:count] for name, column in self._columns.items()})
        self._anchor = self.record(start + count - 1)
        # New arrays, not a shift in place: an export on another thread may be reading these.
        columns = {}
        for name, column in self._columns.items():
            columns[name] = np.zeros(len(column), dtype=column.dtype)
            columns[name][: kept - count] = column[count:kept]
        self._view = (start + count, columns)
        shift = count // BLOCK
        for extremes in self._blocks.values():  # their indices move with the rows
            extremes.low, extremes.high = (
                extremes.low[shift:] - count,
                extremes.high[shift:] - count,
            )
            extremes.blocks = max(0, extremes.blocks - shift)

    def append(self, record: EpochRecord) -> None:
        """Add one epoch."""
        self.extend((record,))

    def extend(self, records: Sequence[EpochRecord] | Iterable[EpochRecord]) -> None:
        """Add several epochs at once (one numpy copy per column; records as
        :class:`~gdtui.core.engine.columns.RecordColumns` are taken a column at a time)."""
        rows = records if isinstance(records, RecordColumns) else RecordColumns.of(records)
        if not rows:
            return
        # A windowed history takes many rows in pieces, so it summarises as it goes.
        piece = len(rows) if self.window is None else max(1, self.window // 4)
        if piece >= len(rows):
            self._extend(rows)
            return
        for first in range(0, len(rows), piece):
            self._extend(rows[first : first + piece])

    def _extend(self, rows: RecordColumns) -> None:
        self._reserve(len(rows))
        start = self._kept
        end = start + len(rows)
        for name, column in self._columns.items():
            # A value a record does not have (None) is nan here.
            values = np.array(rows.column(name), dtype=np.float64)
            if column.dtype in _WIDE and not _fits(values, column.dtype):
                column = self._columns[name] = column.astype(_WIDE[column.dtype])
            column[start:end] = values
        self._size += len(rows)

    def extend_updates(self, records: Sequence[EpochRecord]) -> None:
        """Add updates of a mini-batch run (kept in :attr:`updates`)."""
        if self.updates is None:
            self.updates = RunHistory(self.has_bias, batched=True, window=self.update_window)
            self.updates.per_update = True
        self.updates.extend(records)

    def record(self, index: int) -> EpochRecord:
        """The record at ``index`` (negative counts from the end); of a windowed history's
        summarised rows only the last (the one before :attr:`kept_from`)."""
        if index < 0:
            index += self._size
        start = self.kept_from
        if index == start - 1 and self._anchor is not None:
            return self._anchor
        if not start <= index < self._size:
            raise IndexError(index)
        index -= start
        c = self._columns
        epoch = int(c["epoch"][index])
        record = EpochRecord(
            epoch,
            float(c["loss"][index]),
            float(c["w"][index]),
            float(c["grad_w"][index]),
            float(c["b"][index]) if self.has_bias else None,
            float(c["grad_b"][index]) if self.has_bias else None,
            float(c["lr"][index]),
            int(c["grad_state"][index]),
            epoch,
        )
        if not self.batched:
            return record
        return record._replace(
            step=int(c["step"][index]),
            batch=int(c["batch"][index]),
            full_loss=_number(c["full_loss"][index]),
            full_grad_w=_number(c["full_grad_w"][index]),
            full_grad_b=_number(c["full_grad_b"][index]) if self.has_bias else None,
        )

    def last(self, count: int, end: int | None = None) -> list[EpochRecord]:
        """The ``count`` records up to epoch ``end`` (the latest when None), oldest first
        (fewer where they reach into a windowed history's summarised rows)."""
        stop = self._size if end is None else max(0, min(end, self._size))
        return [self.record(i) for i in range(max(self.kept_from, stop - count), stop)]

    def __iter__(self) -> Iterator[EpochRecord]:
        """The records kept at full resolution."""
        return (self.record(i) for i in range(self.kept_from, self._size))

    def downsample(
        self, name: str, max_points: int, x: str = "epoch"
    ) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of one column with at most ``max_points`` points (the ``x``
        column's values in place of the epochs when given: ``step`` for updates).

        Long runs are cut into buckets and each keeps its lowest and highest value, so spikes
        and bounces survive; the first and last epochs are always kept. Past a few thousand
        epochs the buckets are whole blocks (see :data:`BLOCK`), so the cost stops growing.
        A windowed history's summarised rows take their share of the points by rows.
        """
        if self._summary is None or max_points < 4:  # (too few points to share)
            return self._downsample_kept(name, max_points, x)
        share = min(max_points - 2, max(2, round(max_points * self.kept_from / self._size)))
        old_x, old_values = self._summary.points(name, x, share)
        new_x, new_values = self._downsample_kept(name, max(2, max_points - len(old_x)), x)
        return np.concatenate((old_x, new_x)), np.concatenate((old_values, new_values))

    def _downsample_kept(self, name: str, max_points: int, x: str) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`downsample` of the rows kept at full resolution."""
        # As kept (no copy of a million values per redraw); only the points drawn widen.
        epochs, values = self._stored(x), self._stored(name)
        n = self._kept
        if n <= max_points:
            return epochs.astype(np.float64), values.astype(np.float64)
        if max_points < 4:  # no room for a bucket's low and high: the ends only
            ends = np.array([0, n - 1])[max(0, 2 - max_points) :]
            return epochs[ends].astype(np.float64), values[ends].astype(np.float64)
        buckets = (max_points - 4) // 2  # the ends and the last, partial block take 4
        blocks = n // BLOCK
        if buckets >= 1 and blocks >= 2 * buckets:
            keep = self._block_extremes(name, blocks, buckets)
        else:
            keep = bucket_extremes(values, np.arange(n), max(1, (max_points - 2) // 2))
        keep = np.unique(np.concatenate(([0], keep, [n - 1])))
        return epochs[keep].astype(np.float64), values[keep].astype(np.float64)

    def _block_extremes(self, name: str, blocks: int, buckets: int) -> np.ndarray:
        """Indices of each bucket's lowest and highest value, buckets being runs of whole
        blocks, plus those of the epochs after the last whole block."""
        extremes = self._blocks.setdefault(name, BlockExtremes())
        values = self._columns[name]
        extremes.update(values, blocks)
        low, high = extremes.low[:blocks], extremes.high[:blocks]
        per_bucket = -(-blocks // buckets)
        lows = bucket_extremes(values, low, -(-blocks // per_bucket), "low")
        highs = bucket_extremes(values, high, -(-blocks // per_bucket), "high")
        rest = np.arange(blocks * BLOCK, self._kept)
        return np.concatenate((lows, highs, bucket_extremes(values, rest, 1)))

    def export_length(self, stop: int | None = None) -> int:
        """How many rows :meth:`export_rows` gives for the first ``stop`` epochs."""
        size = self._size if stop is None else min(stop, self._size)
        kept_from, columns = self._view
        if not (self.batched and not self.per_update):
            return max(0, size - kept_from)
        if self.updates is None or not size:
            return 0
        start = self.updates.kept_from
        summarised = int(np.searchsorted(columns["step"][:size], start, "right")) if start else 0
        return summarised + max(0, int(columns["step"][size - 1]) - start)

    def export_rows(
        self,
        fields: Sequence[str],
        stop: int | None = None,
        rows: int = EXPORT_CHUNK,
        stride: int = 1,
    ) -> Iterator[Iterator[tuple[float | int | bool, ...]]]:
        """The first ``stop`` epochs' records (those so far when None) as tuples of
        ``fields`` (any of :func:`record_fields`), ``rows`` at a time: with mini-batches,
        those of their updates; with a ``stride``, every ``stride``-th of them only.

        Where the updates were summarised (see :attr:`kept_from`), each epoch's row stands for
        them: its last update, with the whole data's loss and gradient.

        The columns are taken as they are when this starts: epochs added meanwhile (a run
        going on while an export is written on another thread) are not included, and growing
        the columns replaces their arrays without touching these, and so does dropping rows.
        """
        size = self._size if stop is None else min(stop, self._size)
        view = self._view
        if self.batched and not self.per_update:
            updates = self.updates
            if updates is None or not size:
                return
            last_step = int(view[1]["step"][size - 1])
            kept = updates._view  # as it is now: the window may move on while this is written
            if kept[0]:
                steps = view[1]["step"][:size]
                summarised = int(np.searchsorted(steps, kept[0], "right"))
                yield from self._rows(fields, 0, summarised, rows, view, stride)
            yield from updates._rows(fields, kept[0], last_step, rows, kept, stride)
            return
        yield from self._rows(fields, view[0], size, rows, view, stride)

    def _rows(
        self,
        fields: Sequence[str],
        start: int,
        stop: int,
        rows: int,
        view: tuple[int, dict[str, np.ndarray]],
        stride: int = 1,
    ) -> Iterator[Iterator[tuple[float | int | bool, ...]]]:
        """Records ``start`` to ``stop`` (every ``stride``-th) as tuples of ``fields``, read
        from ``view`` (see :attr:`_view`); both indices count from the first row and are at
        full resolution."""
        kept_from, own = view
        start, stop = start - kept_from, max(0, stop - kept_from)
        if not self.batched:  # each record is an epoch: its step is the epoch, its batch 1
            own = {**own, "step": own["epoch"], "batch": np.ones(stop, dtype=np.int64)}
        if "zero_grad" in fields:  # whether .grad was cleared after the update
            own = {**own, "zero_grad": own["grad_state"][:stop] != GRAD_VALUE}
        columns = [own[name][:stop] for name in fields]
        step = rows * stride
        for first in range(start, stop, step):
            chunk = (column[first : first + step : stride].tolist() for column in columns)
            yield zip(*chunk, strict=True)


def _fits(values: np.ndarray, dtype: np.dtype) -> bool:
    """Whether every one of ``values`` is exactly a ``dtype`` (nan is a float32)."""
    with np.errstate(all="ignore"):  # a value out of range is what is being asked about
        return bool(np.array_equal(values.astype(dtype), values, equal_nan=dtype.kind == "f"))


def _number(value: np.floating) -> float | None:
    return None if math.isnan(value) else float(value)
