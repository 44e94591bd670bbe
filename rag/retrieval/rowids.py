"""``RowIds``: the lexical index's row -> passage id table (``rag.retrieval.lexical``)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class RowIds:
    """Row -> passage id, immutable: the ids as fixed-width UTF-8 bytes in a few numpy chunks
    (one per commit until a merge takes them into one). A list of a million ids as Python
    strings costs 83 MB; these about 25 MB, mapped from the snapshot rather than read."""

    def __init__(self, chunks: tuple[np.ndarray, ...] = ()) -> None:
        self.chunks = chunks
        self.starts = np.cumsum([0] + [len(c) for c in chunks])

    def __len__(self) -> int:
        return int(self.starts[-1])

    def __getitem__(self, row: int) -> str:
        i = int(np.searchsorted(self.starts, row, side="right")) - 1
        return bytes(self.chunks[i][row - self.starts[i]]).decode()

    def extended(self, ids: Sequence[str]) -> "RowIds":
        """These ids followed by ``ids``."""
        if not ids:
            return self
        return RowIds(self.chunks + (np.array([i.encode() for i in ids], dtype=bytes),))

    def take(self, rows: np.ndarray) -> "RowIds":
        """The ids of ``rows``, in that order, in one chunk."""
        if not self.chunks or not len(rows):
            return RowIds()
        return RowIds((np.concatenate(self.chunks)[rows],))
