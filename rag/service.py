"""PantauService: the one object every interface (HTTP, UI, CLI) talks to.

It receives its collaborators (store, embedder, retriever, answerer) so tests can hand it
fakes; ``PantauService.from_settings`` builds the real ones.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

from langchain_core.embeddings import Embeddings

from .answer import ExtractiveAnswerer
from .config import Settings
from .embeddings import make_embeddings
from .retrieve import Retriever
from .store import PantauStore
from .text import detect_language
from .types import Answer, Article, ArticleInfo, Filters, Outcome, Passage, RetrievedPassage

log = logging.getLogger("pantau.service")


def embedding_text(article: Article, passage: Passage) -> str:
    """What gets embedded for a passage: its article's title and date give it context.

    The stored (quoted) text stays the passage alone, so offsets remain exact.
    """
    head = " · ".join(x for x in (article.title, (article.published or "")[:10]) if x)
    return f"{head}\n{passage.text}" if head else passage.text


class PantauService:
    """Ask questions, index articles, list and delete them."""

    def __init__(self, settings: Settings, store: PantauStore, embedder: Embeddings,
                 retriever: Retriever, answerer: ExtractiveAnswerer) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.retriever = retriever
        self.answerer = answerer

    @classmethod
    def from_settings(cls, settings: Settings) -> "PantauService":
        """Wire the real components. Loads nothing yet: models and Chroma open on first use."""
        embedder = make_embeddings(settings)
        store = PantauStore(settings, embedder)
        return cls(settings, store, embedder, Retriever(store, embedder, settings),
                   ExtractiveAnswerer(settings))

    # -- questions ----------------------------------------------------------------------
    def retrieve(self, question: str, top_k: int | None = None,
                 filters: Filters | None = None) -> list[RetrievedPassage]:
        """The passages most relevant to ``question``."""
        return self.retriever.retrieve(question, top_k, filters)

    def ask(self, question: str, top_k: int | None = None,
            filters: Filters | None = None) -> Answer:
        """A cited answer to ``question`` (or a plain statement that the sources don't say)."""
        passages = self.retriever.retrieve(question, top_k, filters)
        return self.answerer.answer(question, passages, detect_language(question, "en"))

    # -- articles -----------------------------------------------------------------------
    def index(self, items: Sequence[tuple[Article, Sequence[Passage]]]) -> list[Outcome]:
        """Store parsed articles; return what happened to each, in order.

        Same id and same text: "unchanged". Same id, new text: "updated" (its old passages
        go). Same text as another stored article: "duplicate" (recorded as also published
        by). Otherwise "added". All new passages are embedded in one batch.
        """
        outcomes: list[Outcome] = []
        to_write: list[tuple[Article, Sequence[Passage]]] = []
        aliases: list[tuple[str, Article]] = []  # recorded once their twins are written
        seen_hash: dict[str, str] = {}
        for article, passages in items:
            existing = self.store.get_article(article.id)
            if existing and existing.content_hash == article.content_hash:
                outcomes.append("unchanged")
                continue
            if not existing:
                twin = seen_hash.get(article.content_hash) or self.store.find_by_hash(
                    article.content_hash)
                if twin and twin != article.id:
                    if twin in seen_hash.values():  # its twin is written with this batch
                        aliases.append((twin, article))
                        outcomes.append("duplicate")
                    else:  # a copy seen before is "unchanged", a new copy a "duplicate"
                        new = self.store.add_alias(twin, article)
                        outcomes.append("duplicate" if new else "unchanged")
                    continue
            seen_hash[article.content_hash] = article.id
            to_write.append((article, passages))
            outcomes.append("updated" if existing else "added")
        if to_write:
            texts = [embedding_text(a, p) for a, ps in to_write for p in ps]
            self.store.put_articles(to_write, self.embedder.embed_documents(texts))
        for twin, article in aliases:
            self.store.add_alias(twin, article)
        return outcomes

    def articles(self) -> list[ArticleInfo]:
        """All stored articles, newest first."""
        return self.store.list_articles()

    def article(self, article_id: str) -> Article | None:
        """One stored article with its full text (what citation offsets point into)."""
        return self.store.get_article(article_id)

    def delete(self, article_id: str) -> bool:
        """Delete an article and its passages; False if there was no such article."""
        return self.store.delete_article(article_id)

    def health(self) -> dict:
        """Counts and the embedding model in use."""
        articles, passages = self.store.counts()
        return {"status": "ok", "articles": articles, "passages": passages,
                "embedding_model": getattr(self.embedder, "name", type(self.embedder).__name__)}
