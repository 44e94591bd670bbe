"""Retrieval: the passages most likely to answer a question.

Dense retrieval over Chroma with metadata filters, then a diversity pass so near-identical
passages (syndicated copies, overlapping windows) do not crowd the top k. Lexical (BM25)
evidence and rank fusion plug in here (issue 4) behind the same ``retrieve`` call.
"""
from __future__ import annotations

from collections.abc import Sequence

from langchain_core.embeddings import Embeddings

from .config import Settings
from .store import PantauStore
from .text import content_words
from .types import Filters, RetrievedPassage

#: Two passages whose content words overlap this much (Jaccard) say the same thing.
NEAR_DUPLICATE = 0.8


class Retriever:
    """Dense retrieval with filters and de-duplication."""

    def __init__(self, store: PantauStore, embedder: Embeddings, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings

    def retrieve(self, question: str, top_k: int | None = None, filters: Filters | None = None,
                 query_vector: Sequence[float] | None = None) -> list[RetrievedPassage]:
        """Top passages for ``question``, best first, at most one of each near-duplicate."""
        k = top_k or self.settings.top_k
        vec = query_vector if query_vector is not None else self.embedder.embed_query(question)
        candidates = self.store.query(vec, max(k, self.settings.candidate_k), filters)
        return diversify(candidates, k)


def diversify(passages: Sequence[RetrievedPassage], k: int) -> list[RetrievedPassage]:
    """Keep the best of each group of near-identical passages, up to ``k``."""
    kept: list[RetrievedPassage] = []
    kept_words: list[set[str]] = []
    for p in passages:
        w = set(content_words(p.text))
        if any(_jaccard(w, o) >= NEAR_DUPLICATE for o in kept_words):
            continue
        kept.append(p)
        kept_words.append(w)
        if len(kept) == k:
            break
    return kept


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
