"""Records as columns: how the compiled epochs write them and a stretch carries them.

An epoch run flat out costs a few microseconds of the program's own lines; a 13-field record
built for it each epoch cost about a tenth of that again. The epochs' block appends each
value it reads to its field's list instead (the loss, the parameters, their gradients) and
the fields that follow from where the block ran (epoch, step, the rate of a rate that no
line changes) are filled in at its end, a list at a time. The history takes them as
columns; :class:`RecordColumns` still reads as the sequence of
:class:`~gdtui.core.engine.record.EpochRecord` it stands for, for those that look at a
record or two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any, overload

from gdtui.core.engine.record import EpochRecord

FIELDS: tuple[str, ...] = EpochRecord._fields
"""The columns, in the record's order."""
FULL_GRADIENTS = ("full_grad_w", "full_grad_b")
"""The columns that may be taken only when read (see :meth:`RecordColumns.later`)."""

Gradients = Callable[[list[Any], list[Any]], tuple[list[Any], list[Any]]]
"""The whole data's gradients (for w, for b: None without a bias) at each of the parameters
(w, b) given, in order."""

_make = EpochRecord._make
_W, _B = FIELDS.index("full_grad_w"), FIELDS.index("full_grad_b")


class RecordColumns(Sequence[EpochRecord]):
    """Records, a list per field (:data:`FIELDS`), every list as long as the others; a value
    a record does not have (``b`` without a bias, ``full_loss`` before an epoch's last
    update) is None in its list, as in the record.

    It reads as a sequence of records (``columns[-1]`` is an
    :class:`~gdtui.core.engine.record.EpochRecord`, built when asked for) and compares equal
    to any sequence of the same records. Read the columns through :meth:`column` and
    :meth:`columns`: the whole data's gradients may be taken only then (:meth:`later`)."""

    __slots__ = (*FIELDS, "_gradients")

    epoch: list[int]
    loss: list[float]
    w: list[float]
    grad_w: list[float]
    b: list[float | None]
    grad_b: list[float | None]
    lr: list[float]
    grad_state: list[int]
    step: list[int]
    batch: list[int]
    full_loss: list[float | None]
    full_grad_w: list[float | None]
    full_grad_b: list[float | None]

    def __init__(self, *columns: list[Any], gradients: Gradients | None = None) -> None:
        """Empty, or ``columns`` in :data:`FIELDS`' order (taken as they are, not copied);
        ``gradients``: see :meth:`later`."""
        if not columns:
            columns = tuple([] for _ in FIELDS)
        for name, column in zip(FIELDS, columns, strict=True):
            setattr(self, name, column)
        self._gradients = gradients

    @classmethod
    def of(cls, records: Iterable[EpochRecord]) -> RecordColumns:
        """The columns of ``records``."""
        rows = list(records)
        if not rows:
            return cls()
        return cls(*(list(column) for column in zip(*rows, strict=True)))

    def later(self, ws: list[Any], bs: list[Any], gradients: Gradients) -> None:
        """The whole data's gradients of the records, taken by ``gradients`` at each one's
        parameters ``ws`` and ``bs`` when first read: a run that never reads them (the text
        log) never takes them."""
        self.full_grad_w, self.full_grad_b = ws, bs
        self._gradients = gradients

    def _taken(self) -> None:
        if self._gradients is not None:
            take, self._gradients = self._gradients, None
            self.full_grad_w, self.full_grad_b = take(self.full_grad_w, self.full_grad_b)

    def _raw(self) -> tuple[list[Any], ...]:
        """The columns as they are (the whole data's gradients perhaps still parameters)."""
        return tuple(getattr(self, name) for name in FIELDS)

    def columns(self) -> tuple[list[Any], ...]:
        """Every column, in :data:`FIELDS`' order."""
        self._taken()
        return self._raw()

    def column(self, name: str) -> list[Any]:
        """The column of one field."""
        if name in FULL_GRADIENTS:
            self._taken()
        column: list[Any] = getattr(self, name)
        return column

    def __len__(self) -> int:
        return len(self.epoch)

    @overload
    def __getitem__(self, index: int) -> EpochRecord: ...

    @overload
    def __getitem__(self, index: slice) -> RecordColumns: ...

    def __getitem__(self, index: int | slice) -> EpochRecord | RecordColumns:
        if isinstance(index, slice):
            columns = (column[index] for column in self._raw())
            return RecordColumns(*columns, gradients=self._gradients)
        values = [column[index] for column in self._raw()]
        if self._gradients is not None:  # this record's alone
            (values[_W],), (values[_B],) = self._gradients([values[_W]], [values[_B]])
        return _make(values)

    def __iter__(self) -> Iterator[EpochRecord]:
        return map(_make, zip(*self.columns(), strict=True))

    def __reversed__(self) -> Iterator[EpochRecord]:
        return map(_make, zip(*(reversed(column) for column in self.columns()), strict=True))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecordColumns):
            return self.columns() == other.columns()
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other: Iterable[EpochRecord]) -> list[EpochRecord]:
        """The records, then ``other``'s, as a list (as two lists of records would add)."""
        return [*self, *other]

    def __radd__(self, other: Iterable[EpochRecord]) -> list[EpochRecord]:
        return [*other, *self]

    def __repr__(self) -> str:
        return f"RecordColumns({list(self)!r})"

    def __reduce__(self) -> tuple[type[RecordColumns], tuple[list[Any], ...]]:
        return RecordColumns, self.columns()

    def epoch_losses(self, start: int = 0) -> list[float]:
        """Each record's :attr:`~gdtui.core.engine.record.EpochRecord.epoch_loss` from
        ``start`` on (no record built)."""
        losses, fulls = self.loss[start:], self.full_loss[start:]
        return [loss if full is None else full for loss, full in zip(losses, fulls, strict=True)]

    def take(self, indices: Sequence[int]) -> RecordColumns:
        """The records at ``indices``, in their order, as columns (a slice where they are
        evenly spaced: each epoch's last update, when every epoch has as many)."""
        raw, gradients = self._raw(), self._gradients
        if isinstance(indices, range):
            cut = slice(indices.start, indices.stop, indices.step)
            return RecordColumns(*(column[cut] for column in raw), gradients=gradients)
        if len(indices) > 1:
            first, step = indices[0], indices[1] - indices[0]
            if step > 0 and list(range(first, indices[-1] + 1, step)) == indices:
                cut = slice(first, indices[-1] + 1, step)
                return RecordColumns(*(column[cut] for column in raw), gradients=gradients)
            pick = itemgetter(*indices)
            return RecordColumns(*(list(pick(column)) for column in raw), gradients=gradients)
        columns = ([column[index] for index in indices] for column in raw)
        return RecordColumns(*columns, gradients=gradients)

    def append(self, record: EpochRecord) -> None:
        """Add one record."""
        for column, value in zip(self.columns(), record, strict=True):
            column.append(value)

    def extend(self, records: Iterable[EpochRecord]) -> None:
        """Add ``records`` (a list at a time when they are columns too)."""
        if not isinstance(records, RecordColumns):
            records = RecordColumns.of(records)
        if not len(self):
            self._gradients = records._gradients
        elif self._gradients is not records._gradients:
            self._taken()
            records._taken()
        for mine, theirs in zip(self._raw(), records._raw(), strict=True):
            mine += theirs

    def truncate(self, size: int) -> None:
        """Keep the first ``size`` records."""
        for column in self._raw():
            del column[size:]

    def fill(self, size: int, **values: Any) -> None:
        """Extend each named column with ``size`` copies of its value (a constant field of
        the records a block has just added)."""
        for name, value in values.items():
            getattr(self, name).extend(repeat(value, size))
