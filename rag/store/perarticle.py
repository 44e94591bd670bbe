"""``PerArticle``: a derived index kept by article, with a view aggregated per key.

What the registry and the timelines share (rag.tracking): each keeps what ``extract``
finds in each passage, by article (packed where there are millions), the articles about
each key, and a view with one entry per key; a sync re-aggregates only the keys the changed
articles concern. A ``ChangeFollower`` (rag.store.changes) drives it from the store's
change log and its snapshots.
"""
from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from rag.store.changes import ChangeFollower, LoggedStore, PassageRow
from rag.store.frozen import ArticleItems


class PerArticle:
    """A ``Derived`` index that keeps what ``extract`` finds in each passage, by article,
    and a view with one entry per key (an entity, a regulation) that ``aggregate_key``
    makes from the items about that key.

    A sync works on copies and publishes them in ``commit``, so readers never see a
    half-applied change; only the keys the changed articles concern are aggregated again,
    so a write costs in proportion to what it touched, not to the store. Subclasses define
    ``extract``, ``keys`` and ``aggregate_key``; items reach ``aggregate_key`` in a fixed
    order (``order``), so a view refreshed article by article equals one rebuilt whole.
    A subclass whose readers want coarser entries than its keys (the timelines: keys are
    (subject, date, type), readers want a subject's events) makes them in ``derive`` from
    the keys aggregated again, published with the view. One with millions of small items
    keeps each article's compact (``pack`` and ``unpack``); a sync unpacks only the
    articles it changes or aggregates again.
    """

    def __init__(self, store: LoggedStore) -> None:
        self.store = store
        self.follower = ChangeFollower(store, self)
        # article id -> its extracted items, packed: those of the snapshot the process
        # started from stay in its mapped file until a write changes them
        self._items = ArticleItems()
        # key -> the ids of the articles about it, in order: one id, or a tuple of them (a
        # dict per key costs 230 MB at a million passages)
        self._by_key: dict[Hashable, str | tuple[str, ...]] = {}
        self._view: dict[Hashable, Any] = {}
        self._derived: Any = None  # what ``derive`` makes of the view
        self._pending: tuple[ArticleItems, dict, set[Hashable], bool, dict] | None = None
        self._lock = threading.Lock()

    def extract(self, pid: str, text: str, meta: dict[str, Any]) -> Any | None:
        """What this index keeps of one passage (None: nothing)."""
        raise NotImplementedError

    def keys(self, item: Any) -> Iterable[Hashable]:
        """The keys an extracted item is about."""
        raise NotImplementedError

    def aggregate_key(self, key: Hashable, items: list[Any]) -> Any | None:
        """The view's entry for ``key`` (None: no entry) from the items of the articles
        about it; items about other keys only are among them and must be skipped."""
        raise NotImplementedError

    def order(self, item: Any) -> Any:
        """Sort key of the items handed to ``aggregate_key``."""
        raise NotImplementedError

    def pack(self, items: list[Any]) -> Any:
        """What is kept of one article's items (picklable; ``unpack`` gives them back).
        Default: the list itself."""
        return items

    def unpack(self, packed: Any) -> list[Any]:
        """One article's items from what ``pack`` made of them."""
        return packed

    def all_items(self) -> Iterable[Any]:
        """Every extracted item, article by article (for tests and diagnostics)."""
        self.follower.sync()
        for packed in self._items.values():
            yield from self.unpack(packed)

    def derive(self, view: dict[Hashable, Any], changed: AbstractSet[Hashable],
               before: Any) -> Any:
        """What readers get from ``derived``, made after each sync from the new ``view``,
        the keys aggregated again (``changed``; every key after a rebuild, when ``before`` is
        None: then the view's own keys, not a copy, so a restore touches nothing it does not
        use) and the previous result (do not modify it). Default: nothing."""
        return None

    def keep(self, derived: Any) -> Any:
        """What of ``derived`` a snapshot keeps so that a restore need not ``derive`` it
        again (picklable; None: derive it). Default: nothing."""
        return None

    def reuse(self, view: dict[Hashable, Any], kept: Any) -> Any:
        """``derived`` again from the ``view`` and what ``keep`` kept of it."""
        return self.derive(view, view.keys(), None)

    def view(self) -> dict[Hashable, Any]:
        """The aggregated view of the store as it is now (do not modify it)."""
        self.follower.sync()
        return self._view

    def derived(self) -> Any:
        """What ``derive`` made of the view of the store as it is now (do not modify it)."""
        self.follower.sync()
        return self._derived

    # -- Derived --------------------------------------------------------------------------
    def capture(self) -> tuple:
        """The published state (never changed after it is published), with what ``keep``
        takes of the derived result."""
        with self._lock:
            return self._items, self._by_key, self._view, self.keep(self._derived)

    def restore(self, state: tuple) -> None:
        items, by_key, view, *kept = state
        derived = (self.reuse(view, kept[0]) if kept and kept[0] is not None
                   else self.derive(view, view.keys(), None))
        with self._lock:
            self._items, self._by_key, self._view = items, by_key, view
            self._derived, self._pending = derived, None

    def reset(self) -> None:
        self._pending = (ArticleItems(), {}, set(), True, {})

    def remove(self, article_ids: set[str]) -> None:
        items, by_key, changed, _, work = self._begin()
        for a in article_ids:
            packed = items.pop(a, None)
            found = work.pop(a, None)
            if found is None:
                found = self.unpack(packed) if packed is not None else ()
            for item in found:
                for k in self.keys(item):
                    changed.add(k)
                    self._own(by_key, k).pop(a, None)

    def add(self, rows: Sequence[PassageRow]) -> None:
        items, by_key, changed, _, work = self._begin()
        for pid, text, meta in rows:
            x = self.extract(pid, text, meta)
            if x is None:
                continue
            a = meta.get("article_id", "")
            found = work.get(a)
            if found is None:  # unpacked once per sync, packed again in ``commit``
                packed = items.get(a)
                found = work[a] = [] if packed is None else list(self.unpack(packed))
                items[a] = None
            found.append(x)
            for k in self.keys(x):
                changed.add(k)
                self._own(by_key, k)[a] = None

    def commit(self) -> None:
        if self._pending is None:
            return
        items, by_key, changed, fresh, work = self._pending
        view = {} if fresh else dict(self._view)
        if fresh:
            changed = set(by_key)
        unpacked = dict(work)  # the articles read for this sync, each unpacked once

        def of(a: str) -> list:
            got = unpacked.get(a)
            if got is None:
                packed = items.get(a)
                got = unpacked[a] = [] if packed is None else self.unpack(packed)
            return got

        for k in changed:
            arts = by_key.get(k)
            if isinstance(arts, dict):  # changed in this sync: compact again
                if not arts:
                    by_key.pop(k, None)
                    arts = None
                else:
                    arts = by_key[k] = next(iter(arts)) if len(arts) == 1 else tuple(arts)
            # Every item of the articles about k: aggregate_key takes what concerns k.
            found = sorted((x for a in _articles(arts) for x in of(a)), key=self.order)
            entry = self.aggregate_key(k, found) if found else None
            if entry is None:
                view.pop(k, None)
            else:
                view[k] = entry
        for a, found in work.items():
            items[a] = self.pack(found)
        derived = self.derive(view, changed, None if fresh else self._derived)
        with self._lock:
            self._items, self._by_key, self._view = items, by_key, view
            self._derived = derived
            self._pending = None

    def _begin(self) -> tuple[ArticleItems, dict, set[Hashable], bool, dict[str, list]]:
        if self._pending is None:
            self._pending = (self._items.copy(), dict(self._by_key), set(), False, {})
        return self._pending

    def _own(self, by_key: dict[Hashable, Any], k: Hashable) -> dict[str, None]:
        """``by_key[k]`` as a dict this sync may modify (made from the published, compact
        one; compacted again in ``commit``)."""
        arts = by_key.get(k)
        if not isinstance(arts, dict):
            arts = by_key[k] = dict.fromkeys(_articles(arts))
        return arts


def _articles(arts: str | tuple[str, ...] | dict[str, None] | None) -> Iterable[str]:
    """The article ids of a ``PerArticle._by_key`` entry."""
    if arts is None:
        return ()
    return (arts,) if isinstance(arts, str) else arts
