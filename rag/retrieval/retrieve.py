"""Retrieval: the passages most likely to answer a question.

Hybrid: dense (Chroma, multilingual e5) and lexical (BM25 over the same passages, see
``rag.retrieval.lexical``) candidates, fused by weighted reciprocal rank. The lexical side's weight
is the share of the (glossary-expanded) query tokens the corpus contains at all, so an
English question over Indonesian news leans on the dense side instead of on noise. Then an
optional cross-encoder rerank, a recency preference for questions about the present, and a
diversity pass so near-identical passages (syndicated copies, overlaps) do not crowd the
top k.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from langchain_core.embeddings import Embeddings

from rag.config import Settings
from rag.dates import recency
from rag.models.rerank import Reranker
from rag.store.store import PantauStore
from rag.text import content_words
from rag.types import Filters, RetrievedPassage

from .glossary import load_glossary
from .lexical import LexicalIndex, query_tokens
from .query import QueryPlan, names_asked, plan

#: Two passages whose content words overlap this much (Jaccard) say the same thing.
NEAR_DUPLICATE = 0.8
#: Reciprocal-rank-fusion constant (Cormack et al.): damps the head of each ranking.
RRF_K = 60
#: Weight of the dense ranking in a language other than the question's: just under 1, so
#: the best other-language passage lands among the same-language top 3-4, not above it.
OTHER_LANGUAGE_WEIGHT = 0.95
#: How many nearest passages the vector index is asked for, per passage wanted from each
#: language's dense ranking (see ``Retriever._dense_lists``).
DENSE_WIDE = 4
#: For questions about the present: how much recency counts against fused relevance.
RECENCY_WEIGHT = 0.5


class Retriever:
    """Hybrid retrieval with filters, recency and de-duplication."""

    def __init__(self, store: PantauStore, embedder: Embeddings, settings: Settings,
                 lexical: LexicalIndex | None = None, reranker: Reranker | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.lexical = lexical if lexical is not None else LexicalIndex(store)
        self.reranker = reranker
        self.glossary = load_glossary(settings.glossary_file)

    def plan(self, question: str, filters: Filters | None = None,
             history: list[dict] | None = None, kind_of=None) -> QueryPlan:
        """The QueryPlan of a question (standalone form, time, expansion, filters);
        ``kind_of`` says what kind a name is, for follow-ups' "perusahaan itu"."""
        qp = plan(question, self.glossary, filters, history, kind_of)
        return replace(qp, setting=self.lexical.view().setting(names_asked(qp.question)))

    def retrieve(self, question: str, top_k: int | None = None, filters: Filters | None = None,
                 history: list[dict] | None = None,
                 query_plan: QueryPlan | None = None) -> list[RetrievedPassage]:
        """Top passages for ``question``, best first, at most one of each near-duplicate.

        ``score`` on each passage is its cosine similarity to the question (the order is
        the fused one)."""
        qp = query_plan or self.plan(question, filters, history)
        k = top_k or self.settings.top_k
        n = max(k * 3, self.settings.candidate_k)
        vec = self.embedder.embed_query(qp.question)
        lex = self.lexical.view()  # one check of the store for the whole question
        dense_lists = self._dense_lists(vec, n, qp, lex.languages())
        terms = query_tokens(qp.terms)
        lexical = lex.search(terms, n, qp.filters)
        weight = lex.coverage(terms)

        fused: dict[str, float] = {}
        for dense, w in dense_lists:
            for rank, p in enumerate(dense):
                fused[p.passage_id] = fused.get(p.passage_id, 0.0) + w / (RRF_K + rank + 1)
        for rank, (pid, _) in enumerate(lexical):
            fused[pid] = fused.get(pid, 0.0) + weight / (RRF_K + rank + 1)
        by_id = {p.passage_id: p for dense, _ in dense_lists for p in dense}
        missing = [pid for pid, _ in lexical if pid not in by_id]
        for p in self.store.get_near(missing, vec):
            by_id[p.passage_id] = p
        ranked = sorted((by_id[pid] for pid in fused if pid in by_id),
                        key=lambda p: fused[p.passage_id], reverse=True)
        if self.reranker is not None:
            ranked = self.reranker.rerank(qp.question, ranked)
        if qp.wants_latest:
            ranked = prefer_recent(ranked)
        return diversify(ranked, k)


    def _dense_lists(self, vec: list[float], n: int, qp: QueryPlan,
                     languages: list[str]) -> list[tuple[list[RetrievedPassage], float]]:
        """Dense rankings with their fusion weights: one per stored language, ``n`` long.

        A multilingual encoder ranks same-language passages on the topic above the
        other-language passage holding the fact, so each language gets its own list and
        the fusion interleaves them. The lists come from one query of the vector index
        alone, ``DENSE_WIDE`` times wider, filtered and split here: Chroma's own filtered
        queries cost 10-100 times more at scale. So a language's list holds its best
        passages among the nearest ``n * DENSE_WIDE`` overall (exact while the store is
        smaller than that). When the question's filters leave fewer than ``n`` of them,
        Chroma filters instead (exact, slower)."""
        f = qp.filters
        langs = [] if f.language else languages
        width = n * DENSE_WIDE * max(1, len(langs))
        found, complete = self.store.query_wide(vec, width, f)
        if len(found) < n and not complete:
            found = self.store.query(vec, n * max(1, len(langs)), f)
        if len(langs) < 2:
            return [(found[:n], 1.0 if f.language in (None, qp.language)
                     else OTHER_LANGUAGE_WEIGHT)]
        return [([p for p in found if p.language == lg][:n],
                 1.0 if lg == qp.language else OTHER_LANGUAGE_WEIGHT) for lg in langs]


def prefer_recent(passages: Sequence[RetrievedPassage]) -> list[RetrievedPassage]:
    """Re-order by relevance rank blended with publication date (newest first wins ties):
    "what is the status now" must be answered from the newest relevant evidence.

    Relevance falls with rank as 1 / (1 + rank), as in fusion: measured as a share of the
    whole candidate list (20-50 passages) it was nearly flat over the top ten, so the date
    alone ordered them and a newer passage on another story rose above the one that
    answers."""
    recent = recency([p.published for p in passages]) if len(passages) > 1 else None
    if recent is None:
        return list(passages)
    n = len(passages)

    def key(i: int) -> float:
        relevance = 1.0 / (1 + i)
        return (1 - RECENCY_WEIGHT) * relevance + RECENCY_WEIGHT * recent[i]

    return [passages[i] for i in sorted(range(n), key=key, reverse=True)]


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
