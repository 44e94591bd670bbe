"""Indexes derived from the stored passages, kept in step with the store incrementally.

The lexical index, the regulation registry and the timelines are computed from the passages
in Chroma and never written on their own. Every write to the store leaves a change-log
entry naming the articles it touched, and a new generation token (``PantauStore._bump``).
A ``ChangeFollower`` keeps one derived index current in any process that shares the store
(embedded, or many app processes on one Chroma server):

- on first use it feeds the index every passage, page by page (nothing held but the index);
- when the generation token changes, it reads the log entries it has not applied and
  refreshes just those articles: their old passages are removed from the index and their
  current passages (none, when deleted) are added. A refresh reads the current state, so
  applying an entry twice or out of order does no harm;
- a process that fell behind the log's retention rebuilds from scratch;
- what it reads are passages, or, for an index of articles (``rag.store.neardup``), the
  article records (``scan`` and ``rows_of``);
- an index that can ``capture`` and ``restore`` its state starts from its snapshot
  (``rag.store.snapshots``) when there is a valid one, then replays the log entries after
  it; it is saved after a rebuild, and after refreshes once ``SAVE_AFTER_ARTICLES``
  articles (``save_after``) or ``SAVE_EVERY_S`` seconds have passed since the last save
  (in a background thread, from a state captured under the follower's lock).

Log entries are read from ``floor`` on: the wall-clock time of this process's previous
check, less ``CLOCK_MARGIN_MS``, which covers a writer whose entry became visible late
(the time of an entry is taken just before it is written) and clocks of app hosts that
differ by up to that much.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from rag.memory import trim

log = logging.getLogger("pantau.changes")

#: How far back of its previous check a follower reads the change log.
CLOCK_MARGIN_MS = 60_000
#: A snapshot is saved again after refreshes of this many articles, or this long after the
#: last save when any article was refreshed since.
SAVE_AFTER_ARTICLES = 500
SAVE_EVERY_S = 600.0

PassageRow = tuple[str, str, dict[str, Any]]  # (passage id, text, metadata)


class LoggedStore(Protocol):
    """What a follower reads of the store (``rag.store.store.PantauStore``; a protocol, so
    the store can keep a follower of its own without an import circle). Optional:
    ``snapshots`` and ``identity()``, for snapshots."""

    def generation_info(self) -> tuple[str, int]: ...

    def changes(self, since_ms: int) -> list[tuple[int, str, list[str]]]: ...

    def scan_passages(self, page: int = 2000) -> Iterable[PassageRow]: ...

    def passages_of(self, article_ids: Sequence[str]) -> Iterable[PassageRow]: ...


class Derived(Protocol):
    """An index derived from passages, updated by article."""

    def reset(self) -> None:
        """Forget everything (a rebuild from scratch follows)."""

    def remove(self, article_ids: set[str]) -> None:
        """Drop every passage of these articles."""

    def add(self, rows: Sequence[PassageRow]) -> None:
        """Take these passages (their articles' earlier passages were removed first)."""

    def commit(self) -> None:
        """A sync is complete: make the new state visible to readers."""

    # Optional, for snapshots: ``capture() -> state`` (picklable, not changed by later
    # syncs), ``restore(state)``, and ``recipe() -> str`` (what else than the code the index
    # depends on, e.g. the gazetteer).


class ChangeFollower:
    """Keeps one ``Derived`` index in step with the store (thread-safe; see module doc)."""

    def __init__(self, store: LoggedStore, index: Derived, page: int = 2000,
                 name: str | None = None, *,
                 scan: Callable[[int], Iterable[PassageRow]] | None = None,
                 rows_of: Callable[[Sequence[str]], Iterable[PassageRow]] | None = None,
                 unit: str = "passages", save_after: int = SAVE_AFTER_ARTICLES) -> None:
        self.store = store
        self.index = index
        self.page = page
        self.name = name or type(index).__name__.lower()
        # Where rows come from: every stored one (``scan(page)``), and those of some
        # articles (``rows_of(ids)``); passages unless given. Called late, so a store
        # method patched after construction is the one read.
        self._scan = scan or (lambda page: self.store.scan_passages(page=page))
        self._rows_of = rows_of or (lambda ids: self.store.passages_of(ids))
        self.unit = unit
        self.save_after = save_after
        self._gen: str | None = None
        self._floor = 0  # ms: log entries from here on may be unapplied
        self._applied: set[tuple[int, str]] = set()  # (t, entry id) applied, t >= floor
        self._lock = threading.Lock()
        self._unsaved = 0  # articles refreshed since the last snapshot
        self._saved_at = 0.0
        self._saver: threading.Thread | None = None
        #: What the last sync did: "rebuild", "snapshot", "refresh" or "none", with counts
        #: (for tests and benchmarks).
        self.last: dict[str, Any] = {"kind": "none"}

    def sync(self) -> None:
        """Bring the index up to date with the store (cheap when nothing changed: one get)."""
        checked = _now_ms()
        gen, pruned = self.store.generation_info()
        if gen == self._gen:
            self._floor = max(self._floor, checked - CLOCK_MARGIN_MS)
            return
        with self._lock:
            checked = _now_ms()
            gen, pruned = self.store.generation_info()
            if gen == self._gen:
                return
            if self._gen is None and self._restore(gen, pruned):
                if gen == self._gen:
                    return
            if self._gen is None or pruned > self._floor:
                self._rebuild(checked)
                self._gen = gen
                self._save()
            else:
                self._refresh(checked)
                self._gen = gen
                self._unsaved += self.last.get("articles", 0)
                if self._unsaved and (self._unsaved >= self.save_after
                                      or time.monotonic() - self._saved_at > SAVE_EVERY_S):
                    self._save()

    # -- snapshots ----------------------------------------------------------------------
    def _recipe(self) -> str:
        from .snapshots import code_fingerprint

        extra = getattr(self.index, "recipe", None)
        return code_fingerprint() + (f"+{extra()}" if extra else "")

    def _store_id(self) -> str:
        identity = getattr(self.store, "identity", None)
        return identity() if identity else ""

    def _restore(self, gen: str, pruned: int) -> bool:
        """Start from the index's snapshot when there is a valid one for this store (see
        ``rag.store.snapshots``); False (a rebuild follows) otherwise."""
        snaps = getattr(self.store, "snapshots", None)
        if snaps is None or not hasattr(self.index, "restore"):
            return False
        t0 = time.perf_counter()
        got = snaps.load(self.name, self._recipe())
        if got is None:
            return False
        position, state = got
        try:
            floor = int(position["floor"])
            applied = {(int(t), str(eid)) for t, eid in position["applied"]}
        except (KeyError, TypeError, ValueError):
            log.warning("snapshot of %s has no readable position: rebuilding", self.name)
            return False
        if position.get("store_id") != self._store_id():
            log.warning("snapshot of %s was taken of another store: rebuilding", self.name)
            return False
        if pruned > floor:
            log.info("snapshot of %s is older than the change log keeps: rebuilding", self.name)
            return False
        if position["gen"] != gen and not any(
                (t, eid) not in applied for t, eid, _ in self.store.changes(floor)):
            # The store changed since, yet its log holds no write after the snapshot: not
            # the store it was taken of (a restored backup, say).
            log.warning("snapshot of %s does not follow this store's log: rebuilding",
                        self.name)
            return False
        try:
            self.index.restore(state)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
            log.warning("snapshot of %s refused by the index (%s): rebuilding", self.name, exc)
            return False
        self._gen, self._floor, self._applied = position["gen"], floor, applied
        self._saved_at = time.monotonic()
        self.last = {"kind": "snapshot", "seconds": time.perf_counter() - t0}
        log.info("%s loaded from its snapshot in %.1f s", self.name, self.last["seconds"])
        return True

    def _save(self) -> None:
        """Save the index's snapshot in the background (one save at a time per index; a
        save asked for while one runs is left to the next trigger)."""
        snaps = getattr(self.store, "snapshots", None)
        if snaps is None or not hasattr(self.index, "capture"):
            return
        if self.saving():
            return
        state = self.index.capture()
        position = {"gen": self._gen, "floor": self._floor, "applied": sorted(self._applied),
                    "store_id": self._store_id()}
        recipe = self._recipe()
        self._unsaved, self._saved_at = 0, time.monotonic()

        def write() -> None:
            t0 = time.perf_counter()
            try:
                size = snaps.save(self.name, recipe, position, state)
            except OSError as exc:
                log.warning("snapshot of %s not written: %s", self.name, exc)
                return
            log.info("snapshot of %s saved (%.1f MB) in %.1f s", self.name, size / 1e6,
                     time.perf_counter() - t0)

        self._saver = threading.Thread(target=write, name=f"snapshot-{self.name}",
                                       daemon=True)
        self._saver.start()

    def wait_saved(self, timeout: float | None = None) -> None:
        """Wait for a snapshot being written (tests, benchmarks, shutdown: the writer is a
        daemon thread, and a process that ends while it writes leaves no snapshot)."""
        saver = self._saver
        if saver is not None:
            saver.join(timeout)

    def saving(self) -> bool:
        """Whether a snapshot is being written now."""
        return self._saver is not None and self._saver.is_alive()

    def _rebuild(self, checked: int) -> None:
        t0 = time.perf_counter()
        floor = checked - CLOCK_MARGIN_MS
        # Entries visible now are for writes the scan below reads the result of.
        seen = {(t, eid) for t, eid, _ in self.store.changes(floor)}
        self.index.reset()
        n = 0
        for rows in _pages(self._scan(self.page), self.page):
            self.index.add(rows)
            n += len(rows)
        self.index.commit()
        trim()  # the scan's pages, freed, back to the system
        self._floor, self._applied = floor, seen
        self.last = {"kind": "rebuild", self.unit: n, "seconds": time.perf_counter() - t0}
        log.info("%s rebuilt from %d %s in %.1f s", type(self.index).__name__, n, self.unit,
                 self.last["seconds"])

    def _refresh(self, checked: int) -> None:
        t0 = time.perf_counter()
        entries = [e for e in self.store.changes(self._floor)
                   if (e[0], e[1]) not in self._applied]
        articles = {a for _, _, ids in entries for a in ids}
        n = 0
        if articles:
            self.index.remove(articles)
            for rows in _pages(self._rows_of(sorted(articles)), self.page):
                self.index.add(rows)
                n += len(rows)
            self.index.commit()
        floor = checked - CLOCK_MARGIN_MS
        self._applied = {k for k in self._applied if k[0] >= floor}
        self._applied |= {(t, eid) for t, eid, _ in entries if t >= floor}
        self._floor = max(self._floor, floor)
        self.last = {"kind": "refresh", "entries": len(entries), "articles": len(articles),
                     self.unit: n, "seconds": time.perf_counter() - t0}


def _pages(rows: Iterable[PassageRow], size: int) -> Iterable[list[PassageRow]]:
    page: list[PassageRow] = []
    for row in rows:
        page.append(row)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page


def _now_ms() -> int:
    return int(time.time() * 1000)
