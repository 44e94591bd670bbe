"""Indexing a batch of parsed articles: what is new, what changed, what is a copy.

Per article, in order:
- its id is stored with the same text: ``unchanged``;
- its id is stored with other text: ``updated`` (its old passages are replaced, its list of
  copies is kept);
- its text equals, or nearly equals (MinHash, see ``rag.store.fingerprint``), an article stored
  or earlier in the batch: ``duplicate``. One copy of a story is stored, the earliest
  published; every other outlet/URL that carried it goes into that article's
  ``also_published``. A copy already recorded is ``unchanged``;
- otherwise ``added``.
All passages to write are embedded in one call, then written; superseded canonicals are
deleted after their replacements are stored, so a crash never loses a story.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.dates import iso_to_epoch
from rag.types import Article, Copy, Outcome, Passage

from . import fingerprint
from .store import PantauStore

EmbedText = Callable[[Article, Passage], str]


@dataclass
class IndexResult:
    """What happened to one article, and the id under which its story is stored
    (its own id, or the canonical copy's when it was a duplicate)."""

    outcome: Outcome
    stored_as: str


@dataclass
class _Pending:
    article: Article
    passages: Sequence[Passage]
    pos: int  # where its outcome is in the outcome list


def earlier(a: Article, b: Article) -> bool:
    """Whether ``a`` was published before ``b`` (an undated article is never earlier)."""
    ta, tb = iso_to_epoch(a.published), iso_to_epoch(b.published)
    return ta is not None and (tb is None or ta < tb)


def _with_copies(article: Article, copies: list[Copy]) -> Article:
    return article.model_copy(update={"also_published": copies})


class BatchIndexer:
    """Runs the per-article decisions above for one batch against the store."""

    def __init__(self, store: PantauStore, embedder: Embeddings, embed_text: EmbedText) -> None:
        self.store = store
        self.embedder = embedder
        self.embed_text = embed_text

    def run(self, items: Sequence[tuple[Article, Sequence[Passage]]]) -> list[IndexResult]:
        """Index ``items``; return one result per item, in order."""
        results: list[IndexResult] = []
        pending: dict[str, _Pending] = {}
        copies: list[tuple[str, Copy]] = []  # (canonical id, copy), recorded after writing
        superseded: list[str] = []  # stored canonicals replaced by an earlier copy

        def keep(article: Article, passages: Sequence[Passage], outcome: Outcome) -> None:
            pending[article.id] = _Pending(article, passages, len(results))
            results.append(IndexResult(outcome, article.id))

        # What the store holds for the whole batch, read before any of it is written (the
        # loop below writes nothing until the end): a few reads per batch, not per article.
        stored = self.store.get_articles([a.id for a, _ in items])
        sigs = {a.text: fingerprint.signature(a.text) for a, _ in items}
        rows = {text: np.asarray(sig, dtype=np.int64) for text, sig in sigs.items()}
        twins = self._stored_twins([a for a, _ in items if a.id not in stored], sigs)
        for article, passages in items:
            existing = stored.get(article.id)
            if existing:
                if existing.content_hash == article.content_hash:
                    results.append(IndexResult("unchanged", article.id))
                else:
                    keep(_with_copies(article, existing.also_published), passages, "updated")
                continue
            twin_id = self._twin_in_batch(article, pending, rows)
            if twin_id is not None:
                twin = pending[twin_id]
                if earlier(article, twin.article):  # the newcomer is the original
                    del pending[twin_id]
                    keep(_with_copies(article, twin.article.also_published
                                      + [twin.article.as_copy()]), passages, "added")
                    for r in results:
                        if r.stored_as == twin_id:
                            r.stored_as = article.id
                    results[twin.pos].outcome = "duplicate"
                    copies = [(article.id if c == twin_id else c, cp) for c, cp in copies]
                else:
                    copies.append((twin_id, article.as_copy()))
                    results.append(IndexResult("duplicate", twin_id))
                continue
            twin = twins.get(article.id)
            if twin is None:
                keep(article, passages, "added")
            elif earlier(article, twin):
                keep(_with_copies(article, twin.also_published + [twin.as_copy()]),
                     passages, "duplicate")
                superseded.append(twin.id)
            else:
                new = self.store.add_copy(twin.id, article.as_copy())
                results.append(IndexResult("duplicate" if new else "unchanged", twin.id))
        self._write(list(pending.values()))
        for old in superseded:
            self.store.delete_article(old)
        for canonical, cp in copies:
            self.store.add_copy(canonical, cp)
        return results

    @staticmethod
    def _twin_in_batch(article: Article, pending: dict[str, _Pending],
                       rows: dict[str, np.ndarray]) -> str | None:
        """The first article kept earlier in the batch with the same text hash, or whose
        signature (``rows``: by text) agrees with ``article``'s on at least
        ``NEAR_DUPLICATE`` of its values (``fingerprint.similarity``, for all of them at
        once: a pair at a time made a 256-article batch cost seconds)."""
        if not pending:
            return None
        ids = list(pending)
        agree = (np.stack([rows[pending[pid].article.text] for pid in ids])
                 == rows[article.text]).mean(axis=1)
        for pid, share in zip(ids, agree):
            if (pending[pid].article.content_hash == article.content_hash
                    or share >= fingerprint.NEAR_DUPLICATE):
                return pid
        return None

    def _stored_twins(self, articles: Sequence[Article],
                      sigs: dict[str, tuple[int, ...]]) -> dict[str, Article]:
        """The stored copy of each of ``articles`` that has one (same content hash, else
        the nearest near-duplicate), by the article's id."""
        by_hash = self.store.find_by_hashes([a.content_hash for a in articles])
        rest = [a for a in articles if a.content_hash not in by_hash]
        similar = self.store.find_similar([sigs[a.text] for a in rest])
        twin_of = {a.id: by_hash[a.content_hash] for a in articles if a.content_hash in by_hash}
        twin_of.update({a.id: hits[0][0] for a, hits in zip(rest, similar) if hits})
        found = self.store.get_articles(list(twin_of.values()))
        return {aid: found[t] for aid, t in twin_of.items() if t in found}

    def _write(self, batch: list[_Pending]) -> None:
        if not batch:
            return
        items = [(p.article, p.passages) for p in batch]
        texts = [self.embed_text(a, p) for a, ps in items for p in ps]
        self.store.put_articles(items, self.embedder.embed_documents(texts))
