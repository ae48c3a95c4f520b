"""The summaries that keep a long history small to draw and to hold: each block's lowest and
highest value (:class:`BlockExtremes`), and, for the updates a windowed history no longer keeps
row by row, each column's lowest and highest over runs of them (:class:`Summary`)."""

from __future__ import annotations

import numpy as np

BLOCK = 64
"""Epochs per block of the downsampling summary: each block's lowest and highest epoch are
kept as the run grows, so a redraw at epoch 1,000,000 reads 15,625 blocks, not 10^6 values."""
SUMMARY_ENTRIES = 8192
"""A windowed history's summary is halved (neighbours merged) when it reaches twice this."""
BIAS_COLUMNS = ("b", "grad_b", "full_grad_b")
"""Not kept for a run without a bias (they read as nan)."""


class BlockExtremes:
    """The indices of each whole block's lowest and highest value, grown as the run grows."""

    def __init__(self) -> None:
        self.low = np.zeros(0, dtype=np.int64)
        self.high = np.zeros(0, dtype=np.int64)
        self.blocks = 0

    def update(self, values: np.ndarray, blocks: int) -> None:
        """Summarise the blocks from the last one summarised up to ``blocks``."""
        if blocks <= self.blocks:
            return
        if blocks > len(self.low):
            capacity = max(blocks, 2 * len(self.low), 64)
            self.low = np.resize(self.low, capacity)
            self.high = np.resize(self.high, capacity)
        start = self.blocks
        grid = values[start * BLOCK : blocks * BLOCK].reshape(-1, BLOCK)
        offsets = np.arange(start, blocks) * BLOCK
        self.low[start:blocks] = offsets + np.argmin(grid, axis=1)
        self.high[start:blocks] = offsets + np.argmax(grid, axis=1)
        self.blocks = blocks


def bucket_extremes(
    values: np.ndarray, candidates: np.ndarray, buckets: int, which: str = "both"
) -> np.ndarray:
    """Cut ``candidates`` (indices into ``values``) into ``buckets`` runs and return the index
    of each run's lowest and/or highest value."""
    count = len(candidates)
    if count == 0:
        return candidates
    size = -(-count // buckets)  # ceiling: every candidate falls in some bucket
    grid_index = np.minimum(np.arange(buckets * size).reshape(buckets, size), count - 1)
    index = candidates[grid_index]  # the last bucket repeats the final candidate as padding
    grid = values[index]
    rows = np.arange(buckets)
    found = []
    if which in ("low", "both"):
        found.append(index[rows, np.argmin(grid, axis=1)])
    if which in ("high", "both"):
        found.append(index[rows, np.argmax(grid, axis=1)])
    return np.concatenate(found)


class Summary:
    """Each column's lowest and highest value over runs of a windowed history's dropped rows,
    oldest first, and the run being made. The runs are all as long (:data:`BLOCK` rows at
    first); when there are twice :data:`SUMMARY_ENTRIES`, neighbours merge and runs are twice
    as long, so the size is bounded and every stretch is drawn as finely as any other."""

    def __init__(self, names: list[str]) -> None:
        self.low = {name: np.zeros(0) for name in names}
        self.high = {name: np.zeros(0) for name in names}
        self.blocks = 1
        """Blocks of :data:`BLOCK` rows in each run."""
        self._part_low = {name: np.zeros(0) for name in names}
        self._part_high = {name: np.zeros(0) for name in names}
        self._part = 0
        """The run being made (a value a column, or none) and the blocks it holds so far."""

    def _sides(self) -> tuple[tuple[np.ufunc, dict[str, np.ndarray], dict[str, np.ndarray]], ...]:
        """(how runs merge, the runs, the run being made): the lows', then the highs'."""
        return (np.fmin, self.low, self._part_low), (np.fmax, self.high, self._part_high)

    @property
    def nbytes(self) -> int:
        kept = (self.low, self.high, self._part_low, self._part_high)
        return sum(a.nbytes for table in kept for a in table.values())

    def add(self, columns: dict[str, np.ndarray]) -> None:
        """Summarise rows that follow those summarised so far (whole blocks of :data:`BLOCK`)."""
        count = len(next(iter(columns.values()))) // BLOCK
        ending = min(self.blocks - self._part, count)  # the blocks that end the run being made
        whole = (count - ending) // self.blocks * self.blocks
        finished = self._part + ending == self.blocks
        for name, values in columns.items():
            grid = values.astype(np.float64).reshape(-1, BLOCK)
            # fmin/fmax skip nan (a record without the value) unless a whole run is nan.
            for reduce, done, part in self._sides():
                blocks = reduce.reduce(grid, axis=1)
                made = reduce.reduce(np.concatenate((part[name], blocks[:ending])), keepdims=True)
                runs = reduce.reduce(blocks[ending : ending + whole].reshape(-1, self.blocks), 1)
                rest = blocks[ending + whole :]
                done[name] = np.concatenate((done[name], made if finished else (), runs))
                if not finished:
                    part[name] = made
                else:
                    part[name] = reduce.reduce(rest, keepdims=True) if len(rest) else rest
        self._part = count - ending - whole if finished else self._part + ending
        while len(next(iter(self.low.values()))) >= 2 * SUMMARY_ENTRIES:
            odd = len(next(iter(self.low.values()))) % 2
            for reduce, done, part in self._sides():
                for name, runs in done.items():
                    if odd:  # half a longer run: it begins the one being made
                        both = np.concatenate((runs[-1:], part[name]))
                        part[name], runs = reduce.reduce(both, keepdims=True), runs[:-1]
                    done[name] = reduce(runs[::2], runs[1::2])
            self._part += self.blocks * odd
            self.blocks *= 2

    def points(self, name: str, x: str, max_points: int) -> tuple[np.ndarray, np.ndarray]:
        """At most ``max_points`` (x, value) points: each run's lowest and highest value at
        the run's first x, thinned to the lowest and highest of buckets of runs."""
        if name not in self.low and name in BIAS_COLUMNS:
            return np.zeros(0), np.zeros(0)
        starts = np.concatenate((self.low[x], self._part_low[x]))
        low = np.concatenate((self.low[name], self._part_low[name]))
        high = np.concatenate((self.high[name], self._part_high[name]))
        xs, values = np.repeat(starts, 2), np.stack((low, high), axis=1).ravel()
        if len(values) > max_points:
            runs = np.arange(len(values))
            keep = np.unique(bucket_extremes(values, runs, max(1, max_points // 2)))
            xs, values = xs[keep], values[keep]
        return xs, values
