"""The reranker slot: a cross-encoder that re-scores (question, passage) pairs.

Off by default (no cross-encoder ships in any package here). Set PANTAU_RERANKER to a
sentence-transformers CrossEncoder name or local path to turn it on; it re-orders the fused
candidates before recency and diversity are applied.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

from rag.types import RetrievedPassage


class Reranker(Protocol):
    """Anything that re-orders passages for a question."""

    def rerank(self, question: str, passages: Sequence[RetrievedPassage]) -> list[RetrievedPassage]:
        ...


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder, loaded on first use."""

    def __init__(self, model: str, top_n: int = 30) -> None:
        self.model_ref = model
        self.top_n = top_n
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from sentence_transformers import CrossEncoder

                    self._model = CrossEncoder(self.model_ref, device="cpu")
        return self._model

    def rerank(self, question: str, passages: Sequence[RetrievedPassage]) -> list[RetrievedPassage]:
        """Re-order the first ``top_n`` passages by cross-encoder score; the rest follow."""
        head, tail = list(passages[:self.top_n]), list(passages[self.top_n:])
        if not head:
            return tail
        scores = self._load().predict([(question, p.text) for p in head])
        order = sorted(range(len(head)), key=lambda i: float(scores[i]), reverse=True)
        return [head[i] for i in order] + tail


def make_reranker(ref: str) -> Reranker | None:
    """The configured reranker, or None when ``ref`` is empty."""
    return CrossEncoderReranker(ref) if ref else None
