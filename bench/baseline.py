"""The "textbook" baseline `pantau eval` compares against: what a LangChain tutorial builds.

1000-character chunks with 200 characters of overlap (cut anywhere, as a character splitter
does), dense retrieval only (same multilingual-e5-small, same prompts), top 5, no metadata,
no dedup, no lexical side, no query handling, no cleaning of page furniture. Answers are scored with Pantau's extractive
answerer over the baseline's passages, so the difference measured is retrieval.
"""
from __future__ import annotations

from pathlib import Path

from ingest.dedup import article_id
from ingest.sources import Parsed, expand_paths, parse_path
from rag.answering.answer import ExtractiveAnswerer
from rag.evaluate import Runner
from rag.service import PantauService
from rag.store.store import PantauStore
from rag.types import Article, Passage

CHUNK, OVERLAP = 1000, 200


def char_chunks(article: Article) -> list[Passage]:
    """Fixed 1000/200-character windows with exact offsets."""
    out, start, text = [], 0, article.text
    while start < len(text):
        end = min(len(text), start + CHUNK)
        out.append(Passage(id=f"{article.id}:{len(out)}", article_id=article.id,
                           index=len(out), text=text[start:end], start=start, end=end))
        if end == len(text):
            break
        start = end - OVERLAP
    return out


def baseline_runner(service: PantauService, corpus: Path) -> Runner:
    """Index ``corpus`` the textbook way beside Pantau's store; return its runner."""
    settings = service.settings.model_copy(update={"collection": "baseline"})
    store = PantauStore(settings, service.embedder)
    items = []
    for p in expand_paths([corpus]):
        for it in parse_path(p, settings.max_file_bytes):  # the text as parsed: no cleaning
            if isinstance(it, Parsed):
                a = it.article
                a = a.model_copy(update={"id": article_id(a.url, a.text, it.id_path)})
                items.append((a, char_chunks(a)))
    texts = [p.text for _, ps in items for p in ps]
    store.put_articles(items, service.embedder.embed_documents(texts))
    answerer = ExtractiveAnswerer(settings)

    def run(question: str, history: list[dict], k: int):
        passages = store.query(service.embedder.embed_query(question), k)
        return passages, answerer.answer(question, passages)

    return run
