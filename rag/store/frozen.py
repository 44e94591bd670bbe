"""What a per-article index keeps of each article, out of the process's own memory until a
write touches it.

``PerArticle`` (rag.store.perarticle) keeps what it found in each article so that a write
can take an article's old items out and aggregate the keys it touched again. Readers never
look at them: they read the view. At a million passages the timelines' and the registry's
per-article items were 0.65 GB of Python objects in every process, read from the snapshot
at each start and then left alone. ``FrozenItems`` holds them as a few numpy arrays (the
sorted article ids, where each one's pickled items lie, the bytes), which a snapshot writes
out of the pickle and a starting process maps (rag.store.snapshots): a page costs memory
only when a write reads an article on it. ``ArticleItems`` is the mapping the index uses:
a frozen base and the articles changed since, frozen together into the next snapshot.
"""
from __future__ import annotations

import pickle
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

#: An article the changes removed from the base.
_GONE = object()
_MISSING = object()
#: The bytes of articles replaced or removed are kept in their chunk until they are more
#: than this share of all: then a freeze writes every article into one new chunk.
DEAD_SHARE = 0.5


class FrozenItems:
    """An immutable mapping article id -> items, as numpy arrays: ``ids`` (UTF-8, fixed
    width, sorted), per id ``where`` (chunk, start, end) in ``chunks`` (uint8 arrays of
    pickled values, one per freeze that added articles until a compaction), and ``dead``,
    the bytes in the chunks that no id points to any more."""

    __slots__ = ("ids", "where", "chunks", "dead")

    def __init__(self, ids: np.ndarray | None = None, where: np.ndarray | None = None,
                 chunks: tuple[np.ndarray, ...] = (), dead: int = 0) -> None:
        self.ids = np.zeros(0, dtype="S1") if ids is None else ids
        self.where = np.zeros((0, 3), dtype=np.int64) if where is None else where
        self.chunks = chunks
        self.dead = dead

    def __getstate__(self) -> tuple:
        return self.ids, self.where, self.chunks, self.dead

    def __setstate__(self, state: tuple) -> None:
        self.ids, self.where, self.chunks, self.dead = state

    def __len__(self) -> int:
        return len(self.ids)

    def _find(self, key: str) -> int | None:
        raw = key.encode()
        if not len(self.ids) or len(raw) > self.ids.dtype.itemsize or raw.endswith(b"\0"):
            return None
        i = int(np.searchsorted(self.ids, raw))
        return i if i < len(self.ids) and self.ids[i] == raw else None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key) is not None

    def get(self, key: str, default: Any = None) -> Any:
        i = self._find(key)
        return default if i is None else self._value(i)

    def _value(self, i: int) -> Any:
        c, start, end = (int(x) for x in self.where[i])
        return pickle.loads(self.chunks[c][start:end])

    def keys(self) -> Iterator[str]:
        return (bytes(k).decode() for k in self.ids)

    def items(self) -> Iterator[tuple[str, Any]]:
        return ((bytes(k).decode(), self._value(i)) for i, k in enumerate(self.ids))

    def merged(self, changes: Mapping[str, Any]) -> "FrozenItems":
        """These articles with ``changes`` applied (id -> new items, or ``_GONE``): the
        unchanged keep their bytes where they are and the new and changed are pickled into
        one new chunk; when most bytes would be dead, the live bytes are copied together
        with them into one chunk instead."""
        if not changes:
            return self
        keys = np.array([k.encode() for k in changes], dtype=bytes)
        hit = np.isin(self.ids, keys) if len(self.ids) else np.zeros(0, dtype=bool)
        keep, kept = ~hit, self.where[~hit]
        dead = self.dead + int((self.where[hit, 2] - self.where[hit, 1]).sum())
        live = {k: v for k, v in changes.items() if v is not _GONE}
        blobs = [pickle.dumps(v, protocol=5) for v in live.values()]
        chunks = self.chunks
        if dead > DEAD_SHARE * max(sum(len(c) for c in chunks) + sum(map(len, blobs)), 1):
            # compact: the live bytes first, in one chunk with the new ones
            blobs = [self.chunks[c][start:end].tobytes() for c, start, end in kept] + blobs
            chunks, dead, kept = (), 0, np.zeros((0, 3), dtype=np.int64)
        sizes = np.array([len(b) for b in blobs], dtype=np.int64)
        ends = np.cumsum(sizes)
        added = np.stack([np.full(len(blobs), len(chunks), dtype=np.int64), ends - sizes,
                          ends], axis=1)
        if blobs:
            chunks = chunks + (np.frombuffer(b"".join(blobs), dtype=np.uint8).copy(),)
        ids = np.concatenate([self.ids[keep],
                              np.array([k.encode() for k in live], dtype=bytes)])
        where = np.concatenate([kept, added])
        order = np.argsort(ids, kind="stable")
        return FrozenItems(ids[order], where[order], chunks, dead)


class ArticleItems:
    """``PerArticle``'s items by article: a ``FrozenItems`` base (mapped from a snapshot)
    and the articles set or removed since (in memory). Pickled frozen whole: the next
    snapshot holds every article in the base's form and a process that loads it holds
    none in its own memory. ``copy`` shares the base, so a sync's working copy costs the
    changes, not the store."""

    __slots__ = ("base", "changes")

    def __init__(self, base: FrozenItems | None = None,
                 changes: dict[str, Any] | None = None) -> None:
        self.base = base if base is not None else FrozenItems()
        self.changes = changes if changes is not None else {}

    def __reduce__(self) -> tuple:
        return ArticleItems, (self.base.merged(self.changes),)

    def get(self, key: str, default: Any = None) -> Any:
        got = self.changes.get(key, _MISSING)
        if got is _MISSING:
            return self.base.get(key, default)
        return default if got is _GONE else got

    def __setitem__(self, key: str, value: Any) -> None:
        self.changes[key] = value

    def pop(self, key: str, default: Any = None) -> Any:
        got = self.get(key, _MISSING)
        if got is _MISSING:
            return default
        if key in self.base:
            self.changes[key] = _GONE
        else:
            del self.changes[key]
        return got

    def copy(self) -> "ArticleItems":
        return ArticleItems(self.base, dict(self.changes))

    def items(self) -> Iterator[tuple[str, Any]]:
        for key, value in self.base.items():
            if key not in self.changes:
                yield key, value
        yield from ((k, v) for k, v in self.changes.items() if v is not _GONE)

    def values(self) -> Iterator[Any]:
        return (v for _, v in self.items())

    def __len__(self) -> int:
        gone = sum(1 for v in self.changes.values() if v is _GONE)
        fresh = sum(1 for k, v in self.changes.items() if v is not _GONE and k not in self.base)
        return len(self.base) - gone + fresh
