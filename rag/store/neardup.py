"""Near-duplicate candidates from memory: the stored articles' MinHash signatures, banded.

Finding the stored near-duplicates of a new article (``PantauStore.find_similar``) used to
ask Chroma for every article sharing one of its 32 LSH band keys (``lsh_0..lsh_31`` in the
article records, no longer written since): a metadata query that grows with the store and,
at 100k passages, took half of ingest, waiting on disk reads (docs/PERFORMANCE.md). This index holds what the
comparison needs in memory, derived from the article records like BM25 is from the
passages, and followed the same way (``rag.store.changes.ChangeFollower`` over the article
records: built once from every record, or loaded from its snapshot, then refreshed by the
articles each logged write touched, from any process; a lookup first brings it up to date,
so it has applied every write the store acknowledged before it):

- ``sigs``: one row of ``NUM_PERM`` uint32 per article (the ``minhash`` of its record; a
  record without one is no candidate, as before), row -> article id in ``ids``;
- the band index: per row and band a 32-bit hash of the band's ``ROWS`` values, packed with
  the row as ``hash << 32 | row`` in sorted uint64 arrays (``main``, and ``fresh`` for rows
  added since the last merge), searched by bisection.

A hash match is only a hint: a candidate is a row whose band values *equal* the query's in
some band (what equal ``lsh_<b>`` keys meant: those are digests of the same values), then
kept when the whole signatures agree on at least ``NEAR_DUPLICATE`` of their values: the
articles and similarities the Chroma query gave (tests/test_neardup.py compares the two);
among equal similarities the earlier-stored row comes first (Chroma's order, before).
Rows of deleted or replaced articles are marked dead and dropped when the arrays are merged
again. About 0.9 KB per article (``size_bytes``: 908 B at 100k articles).
"""
from __future__ import annotations

import json
import sys
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import fingerprint
from .changes import ChangeFollower, LoggedStore

_ROW_MASK = np.uint64(0xFFFFFFFF)
#: Odd 64-bit multipliers for the band hash (one per value of a band), and a salt per band
#: so the same values in two bands do not collide.
_MULT = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                  0xD6E8FEB86659FD93][:fingerprint.ROWS], dtype=np.uint64)
_SALT = (np.arange(1, fingerprint.BANDS + 1, dtype=np.uint64)
         * np.uint64(0xFF51AFD7ED558CCD))
#: ``fresh`` is merged into ``main`` once it holds this many keys or an eighth of ``main``.
MERGE_AT = 32 * 4096
#: Its snapshot is saved again after this many articles were written (or 10 minutes): it is
#: refreshed by every ingest batch, and replaying a few thousand articles' records on start
#: costs less than writing the whole index (~0.9 KB per article) every 500.
SAVE_AFTER_ARTICLES = 5000


def band_hashes(sigs: np.ndarray, chunk: int = 16384) -> np.ndarray:
    """(n, BANDS) uint32: a hash of each band's values, for signatures of shape (n, NUM_PERM)
    (``chunk`` rows at a time: the uint64 arithmetic takes twice their size)."""
    out = np.empty((sigs.shape[0], fingerprint.BANDS), dtype=np.uint32)
    for s in range(0, sigs.shape[0], chunk):
        part = sigs[s:s + chunk]
        x = part.astype(np.uint64).reshape(len(part), fingerprint.BANDS, fingerprint.ROWS)
        with np.errstate(over="ignore"):
            h = (x * _MULT).sum(axis=2, dtype=np.uint64) + _SALT  # modulo 2**64
            h ^= h >> np.uint64(31)
            h *= np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(29)
        out[s:s + chunk] = h >> np.uint64(32)
    return out


def _packed(hashes: np.ndarray, first_row: int) -> np.ndarray:
    """Sorted ``hash << 32 | row`` for hashes (n, BANDS) of rows first_row...first_row+n-1."""
    rows = np.arange(first_row, first_row + hashes.shape[0], dtype=np.uint64)
    keys = hashes.astype(np.uint64)
    keys <<= np.uint64(32)
    keys |= rows[:, None]
    keys = keys.ravel()
    keys.sort()
    return keys


def _signatures(metas: Sequence[dict[str, Any]]) -> tuple[np.ndarray, list[int]]:
    """The records' MinHash signatures as rows of uint32, and which of ``metas`` they are
    (a record without one, or with something else in it, is left out)."""
    values, which = [], []
    for i, meta in enumerate(metas):
        try:
            sig = json.loads(meta.get("minhash") or "[]")
        except (ValueError, TypeError):
            continue
        if isinstance(sig, list) and len(sig) == fingerprint.NUM_PERM:
            values.append(sig)
            which.append(i)
    try:
        arr = np.array(values, dtype=np.int64).reshape(len(values), fingerprint.NUM_PERM)
    except (ValueError, TypeError, OverflowError):  # not all integers: one at a time
        ok = []
        for v, i in zip(values, which):
            try:
                ok.append((np.array(v, dtype=np.int64), i))
            except (ValueError, TypeError, OverflowError):
                pass
        arr = (np.stack([a for a, _ in ok]) if ok
               else np.zeros((0, fingerprint.NUM_PERM), dtype=np.int64))
        which = [i for _, i in ok]
    fits = ((arr >= 0) & (arr <= 0xFFFFFFFF)).all(axis=1)
    if not fits.all():
        arr, which = arr[fits], [i for i, f in zip(which, fits) if f]
    return arr.astype(np.uint32), which


class NearDuplicates:
    """The near-duplicate candidate index of one store (see module doc). Thread-safe:
    lookups and the follower's commits take one lock; parsing happens outside it."""

    def __init__(self, store: LoggedStore) -> None:
        self.store = store
        self.follower = ChangeFollower(
            store, self, page=1000, name="nearduplicates", unit="records",
            save_after=SAVE_AFTER_ARTICLES,
            scan=lambda page: store.scan_article_records(page=page),
            rows_of=lambda ids: store.article_records_of(ids))
        self._lock = threading.Lock()
        self._ids: list[str | None] = []  # row -> article id; None: dead
        self._row: dict[str, int] = {}   # live article id -> row
        self._sigs = np.zeros((0, fingerprint.NUM_PERM), dtype=np.uint32)  # capacity rows
        self._main = np.zeros(0, dtype=np.uint64)
        self._fresh = np.zeros(0, dtype=np.uint64)
        self._dead = 0
        # A sync's changes, applied together in ``commit``: from scratch?, removed ids,
        # added id -> its row in the pages of signatures read (the last read wins).
        self._pending: tuple[bool, set[str], dict[str, int], list[np.ndarray]] | None = None

    # -- lookups --------------------------------------------------------------------------
    def similar(self, sigs: Sequence[Sequence[int]]) -> list[list[tuple[str, float]]]:
        """For each signature, the stored near-duplicates as (article id, similarity), best
        first (``PantauStore.find_similar``), the store's every acknowledged write applied."""
        self.follower.sync()
        return self._lookup(sigs)

    def _lookup(self, sigs: Sequence[Sequence[int]]) -> list[list[tuple[str, float]]]:
        """``similar`` as of the last sync."""
        out: list[list[tuple[str, float]]] = [[] for _ in sigs]
        good = [i for i, s in enumerate(sigs) if len(s) == fingerprint.NUM_PERM]
        if not good:
            return out
        q = np.array([sigs[i] for i in good], dtype=np.uint32)
        wanted = (band_hashes(q).astype(np.uint64) << np.uint64(32)).ravel()
        with self._lock:
            found: dict[int, set[int]] = {}  # query (of ``good``) -> candidate rows
            for keys in (self._main, self._fresh):
                if not keys.size:
                    continue
                lo = np.searchsorted(keys, wanted, side="left")
                hi = np.searchsorted(keys, wanted | _ROW_MASK, side="right")
                for k in np.nonzero(hi > lo)[0]:
                    rows = (keys[lo[k]:hi[k]] & _ROW_MASK).tolist()
                    found.setdefault(int(k) // fingerprint.BANDS, set()).update(rows)
            for qi, rows in found.items():
                live = sorted(r for r in rows if self._ids[r] is not None)
                if not live:
                    continue
                theirs = self._sigs[live]
                same = theirs == q[qi]
                bands = same.reshape(len(live), fingerprint.BANDS, fingerprint.ROWS)
                shares = bands.all(axis=2).any(axis=1)
                sim = same.sum(axis=1) / fingerprint.NUM_PERM
                hits = [(self._ids[r], float(s)) for r, s, ok in zip(live, sim, shares)
                        if ok and s >= fingerprint.NEAR_DUPLICATE]
                out[good[qi]] = sorted(hits, key=lambda h: h[1], reverse=True)  # stable
        return out

    def __len__(self) -> int:
        """Articles held (as of the last sync)."""
        return len(self._row)

    def size_bytes(self) -> int:
        """Memory held: the arrays, the id list and map, the id strings and row numbers."""
        with self._lock:
            ids = sum(sys.getsizeof(a) + sys.getsizeof(r) for a, r in self._row.items())
            return int(self._sigs.nbytes + self._main.nbytes + self._fresh.nbytes
                       + sys.getsizeof(self._ids) + sys.getsizeof(self._row) + ids)

    # -- Derived (called by the follower, under its lock) ---------------------------------
    def reset(self) -> None:
        self._pending = (True, set(), {}, [])

    def remove(self, article_ids: set[str]) -> None:
        _, removed, added, _ = self._begin()
        removed.update(article_ids)
        for a in article_ids:
            added.pop(a, None)

    def add(self, rows: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        _, _, added, pages = self._begin()
        rows = list(rows)
        sigs, which = _signatures([meta for _, _, meta in rows])
        for aid, _, _ in rows:  # a record now without a signature is no candidate
            added.pop(aid, None)
        base = sum(len(p) for p in pages)
        pages.append(sigs)
        for j, i in enumerate(which):
            added[rows[i][0]] = base + j

    def commit(self) -> None:
        if self._pending is None:
            return
        fresh, removed, added, pages = self._pending
        read = (np.concatenate(pages) if len(pages) > 1 else pages[0] if pages
                else np.zeros((0, fingerprint.NUM_PERM), dtype=np.uint32))
        new_ids, at = list(added), list(added.values())
        sigs = read if at == list(range(len(read))) else read[at]
        del read, pages[:]
        hashes = band_hashes(sigs)
        with self._lock:
            self._pending = None
            if fresh:
                self._ids = new_ids
                self._row = {a: r for r, a in enumerate(self._ids)}
                self._sigs, self._dead = sigs, 0
                self._main, self._fresh = _packed(hashes, 0), np.zeros(0, dtype=np.uint64)
                return
            for a in removed | added.keys():
                r = self._row.pop(a, None)
                if r is not None:
                    self._ids[r] = None
                    self._dead += 1
            if new_ids:
                n = len(self._ids)
                if n + len(new_ids) > self._sigs.shape[0]:
                    grown = np.empty((max(n + len(new_ids), n + n // 4 + 64),
                                      fingerprint.NUM_PERM), dtype=np.uint32)
                    grown[:n] = self._sigs[:n]
                    self._sigs = grown
                self._sigs[n:n + len(new_ids)] = sigs
                self._ids.extend(new_ids)
                self._row.update((a, n + i) for i, a in enumerate(new_ids))
                keys = _packed(hashes, n)
                self._fresh = np.insert(self._fresh, np.searchsorted(self._fresh, keys), keys)
            if (self._fresh.size > max(MERGE_AT, self._main.size // 8)
                    or self._dead > 1024 + len(self._ids) // 4):
                self._merge()

    def _begin(self) -> tuple[bool, set[str], dict[str, int], list[np.ndarray]]:
        if self._pending is None:
            self._pending = (False, set(), {}, [])
        return self._pending

    def _merge(self) -> None:
        """Drop dead rows and merge ``fresh`` into ``main`` (new arrays: a captured state
        stays as it was). Under the lock."""
        live = [r for r, a in enumerate(self._ids) if a is not None]
        self._ids = [self._ids[r] for r in live]
        self._row = {a: r for r, a in enumerate(self._ids)}
        self._sigs = self._sigs[live]
        self._main = _packed(band_hashes(self._sigs), 0)
        self._fresh, self._dead = np.zeros(0, dtype=np.uint64), 0

    # -- snapshots ------------------------------------------------------------------------
    def capture(self) -> dict[str, Any]:
        """The published state; later syncs never change what it holds (rows are appended
        past it, arrays replaced, the id list copied)."""
        with self._lock:
            n = len(self._ids)
            return {"ids": list(self._ids), "sigs": self._sigs[:n], "main": self._main,
                    "fresh": self._fresh}

    def restore(self, state: dict[str, Any]) -> None:
        """Take a captured state, after checking it fits together (else ValueError: the
        follower rebuilds)."""
        ids, sigs = list(state["ids"]), state["sigs"]
        main, fresh = state["main"], state["fresh"]
        n = len(ids)
        if not (isinstance(sigs, np.ndarray) and sigs.dtype == np.uint32
                and sigs.shape == (n, fingerprint.NUM_PERM)):
            raise ValueError("signatures do not match the ids")
        for keys in (main, fresh):
            if not (isinstance(keys, np.ndarray) and keys.dtype == np.uint64 and keys.ndim == 1):
                raise ValueError("band keys are not a uint64 array")
            if keys.size and (int((keys & _ROW_MASK).max()) >= n
                              or bool((keys[1:] < keys[:-1]).any())):
                raise ValueError("band keys out of order or of unknown rows")
        live = [a for a in ids if a is not None]
        if len(set(live)) != len(live) or not all(isinstance(a, str) for a in live):
            raise ValueError("article ids repeat or are not strings")
        if main.size + fresh.size != fingerprint.BANDS * n:
            raise ValueError("band keys missing")
        with self._lock:
            self._ids, self._sigs, self._main, self._fresh = ids, sigs, main, fresh
            self._row = {a: r for r, a in enumerate(ids) if a is not None}
            self._dead = n - len(self._row)
            self._pending = None
