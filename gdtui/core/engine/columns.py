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

from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any, overload

from gdtui.core.engine.record import EpochRecord

FIELDS: tuple[str, ...] = EpochRecord._fields
"""The columns, in the record's order."""

_make = EpochRecord._make


class RecordColumns(Sequence[EpochRecord]):
    """Records, a list per field (:data:`FIELDS`), every list as long as the others; a value
    a record does not have (``b`` without a bias, ``full_loss`` before an epoch's last
    update) is None in its list, as in the record.

    It reads as a sequence of records (``columns[-1]`` is an
    :class:`~gdtui.core.engine.record.EpochRecord`, built when asked for) and compares equal
    to any sequence of the same records."""

    __slots__ = FIELDS

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

    def __init__(self, *columns: list[Any]) -> None:
        """Empty, or ``columns`` in :data:`FIELDS`' order (taken as they are, not copied)."""
        if not columns:
            columns = tuple([] for _ in FIELDS)
        for name, column in zip(FIELDS, columns, strict=True):
            setattr(self, name, column)

    @classmethod
    def of(cls, records: Iterable[EpochRecord]) -> RecordColumns:
        """The columns of ``records``."""
        rows = list(records)
        if not rows:
            return cls()
        return cls(*(list(column) for column in zip(*rows, strict=True)))

    def columns(self) -> tuple[list[Any], ...]:
        """Every column, in :data:`FIELDS`' order."""
        return tuple(getattr(self, name) for name in FIELDS)

    def column(self, name: str) -> list[Any]:
        """The column of one field."""
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
            return RecordColumns(*(column[index] for column in self.columns()))
        return _make([column[index] for column in self.columns()])

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

    def take(self, indices: Sequence[int]) -> RecordColumns:
        """The records at ``indices``, in their order, as columns."""
        if len(indices) == 1:
            (index,) = indices
            return RecordColumns(*([column[index]] for column in self.columns()))
        if not indices:
            return RecordColumns()
        pick = itemgetter(*indices)
        return RecordColumns(*(list(pick(column)) for column in self.columns()))

    def append(self, record: EpochRecord) -> None:
        """Add one record."""
        for column, value in zip(self.columns(), record, strict=True):
            column.append(value)

    def extend(self, records: Iterable[EpochRecord]) -> None:
        """Add ``records`` (a list at a time when they are columns too)."""
        if not isinstance(records, RecordColumns):
            records = RecordColumns.of(records)
        for mine, theirs in zip(self.columns(), records.columns(), strict=True):
            mine += theirs

    def truncate(self, size: int) -> None:
        """Keep the first ``size`` records."""
        for column in self.columns():
            del column[size:]

    def fill(self, size: int, **values: Any) -> None:
        """Extend each named column with ``size`` copies of its value (a constant field of
        the records a block has just added)."""
        for name, value in values.items():
            self.column(name).extend(repeat(value, size))
