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

        for article, passages in items:
            existing = self.store.get_article(article.id)
            if existing:
                if existing.content_hash == article.content_hash:
                    results.append(IndexResult("unchanged", article.id))
                else:
                    keep(_with_copies(article, existing.also_published), passages, "updated")
                continue
            twin_id = self._twin_in_batch(article, pending)
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
            stored = self._stored_twin(article)
            if stored is None:
                keep(article, passages, "added")
            elif earlier(article, stored):
                keep(_with_copies(article, stored.also_published + [stored.as_copy()]),
                     passages, "duplicate")
                superseded.append(stored.id)
            else:
                new = self.store.add_copy(stored.id, article.as_copy())
                results.append(IndexResult("duplicate" if new else "unchanged", stored.id))
        self._write(list(pending.values()))
        for old in superseded:
            self.store.delete_article(old)
        for canonical, cp in copies:
            self.store.add_copy(canonical, cp)
        return results

    def _twin_in_batch(self, article: Article, pending: dict[str, _Pending]) -> str | None:
        sig = fingerprint.signature(article.text)
        for pid, p in pending.items():
            if (p.article.content_hash == article.content_hash or fingerprint.similarity(
                    sig, fingerprint.signature(p.article.text)) >= fingerprint.NEAR_DUPLICATE):
                return pid
        return None

    def _stored_twin(self, article: Article) -> Article | None:
        twin_id = self.store.find_by_hash(article.content_hash)
        if twin_id is None:
            similar = self.store.find_similar(fingerprint.signature(article.text))
            twin_id = similar[0][0] if similar else None
        return self.store.get_article(twin_id) if twin_id else None

    def _write(self, batch: list[_Pending]) -> None:
        if not batch:
            return
        items = [(p.article, p.passages) for p in batch]
        texts = [self.embed_text(a, p) for a, ps in items for p in ps]
        self.store.put_articles(items, self.embedder.embed_documents(texts))
