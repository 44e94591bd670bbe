"""Lexical retrieval: BM25 over the same passages as the dense index.

Tokens suit Indonesian and English news: lower case, punctuation dropped, numbers such as
"31/2023" or "75,01" kept whole, light stop words, a light stemmer per the passage's
language, and every regulation reference added as its normalised id, so
"Peraturan Menteri Perdagangan Nomor 31 Tahun 2023" and "Permendag 31/2023" share the
token ``permendag-31-2023``.

The index is derived from Chroma, never written on its own: it is rebuilt whenever the
store's generation token changes (every write sets a new one), so every process that
shares a store (embedded or a Chroma server) sees the same passages lexically and densely,
through add, update and delete.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .regulations import reference_ids
from .store import PantauStore, matches
from .text import content_words, stem
from .types import Filters

log = logging.getLogger("pantau.lexical")


def tokens(text: str, language: str) -> list[str]:
    """Index/query tokens of ``text``: stemmed content words plus regulation ids."""
    return [stem(w, language) for w in content_words(text)] + reference_ids(text)


def query_tokens(terms: Iterable[str]) -> list[list[str]]:
    """Query tokens for already-expanded terms: one group per word, holding its stems in
    both languages (the question's language may differ from the passage's)."""
    groups: list[list[str]] = []
    for t in terms:
        for w in content_words(t) if " " in t else [t.lower()]:
            groups.append(list(dict.fromkeys([stem(w, "id"), stem(w, "en")])))
        groups += [[r] for r in reference_ids(t)]
    seen: set[tuple[str, ...]] = set()
    return [g for g in groups if not (tuple(g) in seen or seen.add(tuple(g)))]


@dataclass
class _Snapshot:
    generation: str
    ids: list[str]
    metas: list[dict]
    bm25: object | None  # bm25s.BM25
    vocab: set[str]


class LexicalIndex:
    """BM25 over all passages, refreshed from the store when it changes."""

    def __init__(self, store: PantauStore) -> None:
        self.store = store
        self._snap: _Snapshot | None = None
        self._lock = threading.Lock()

    def _fresh(self) -> _Snapshot:
        gen = self.store.generation()
        snap = self._snap
        if snap is not None and snap.generation == gen:
            return snap
        with self._lock:
            if self._snap is not None and self._snap.generation == gen:
                return self._snap
            self._snap = self._build(gen)
            return self._snap

    def _build(self, gen: str) -> _Snapshot:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG
        ids, metas, corpus = [], [], []
        for pid, doc, meta in self.store.passage_snapshot():
            ids.append(pid)
            metas.append(meta)
            lang = meta.get("language") or "id"
            corpus.append(tokens(f"{meta.get('title', '')}\n{doc}", lang) or ["\u2205"])
        if not ids:
            return _Snapshot(gen, [], [], None, set())
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=False)
        log.info("lexical index rebuilt: %d passages", len(ids))
        return _Snapshot(gen, ids, metas, bm25, {t for doc in corpus for t in doc})

    def coverage(self, groups: Sequence[Sequence[str]]) -> float:
        """Share of the query's words (token groups) that occur anywhere in the index, 0..1:
        how much the lexical side can match at all (English over Indonesian news: little)."""
        snap = self._fresh()
        if not groups:
            return 0.0
        return sum(any(t in snap.vocab for t in g) for g in groups) / len(groups)

    def search(self, groups: Sequence[Sequence[str]], k: int,
               filters: Filters | None = None) -> list[tuple[str, float]]:
        """The ``k`` best (passage id, BM25 score) for the query's token groups, among the
        passages passing ``filters``; passages matching no token are left out."""
        import numpy as np

        snap = self._fresh()
        known = list(dict.fromkeys(t for g in groups for t in g if t in snap.vocab))
        if snap.bm25 is None or not known:
            return []
        scores = np.asarray(snap.bm25.get_scores(known), dtype="float64")
        if filters is not None:
            mask = np.fromiter((matches(m, filters) for m in snap.metas), dtype=bool,
                               count=len(snap.metas))
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores)[:k]
        return [(snap.ids[i], float(scores[i])) for i in top if scores[i] > 0]
