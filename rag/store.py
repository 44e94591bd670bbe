"""Chroma access: articles and their passages, stored under stable ids.

Two collections:
- ``{prefix}_passages``: one record per passage; document = the passage text verbatim,
  embedding = the embedding of title + date + passage, flat metadata of its article.
- ``{prefix}_articles``: one record per article; document = the article's full text,
  metadata = its fields, embedding = the normalised mean of its passages' embeddings.
  Written *after* the passages, it doubles as the commit record of an article: an article
  whose record is missing or carries another content hash is (re)indexed from scratch.

The client is embedded (``PersistentClient`` under the data dir) unless a server URL is
configured, and is opened on first use, never at import or construction.
"""
from __future__ import annotations

import json
import logging
import math
import threading
import uuid
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from . import fingerprint
from .config import Settings
from .embeddings import ChromaEmbedding
from .metadata import (article_from, article_meta, copies_json, iso_to_day, iso_to_epoch,
                       matches, passage_meta, regulation_meta, retrieved, same_copy,
                       where_clause)
from .types import Article, ArticleInfo, Copy, Filters, Passage, RetrievedPassage

__all__ = ["PantauStore", "StoreUnavailable", "iso_to_day", "iso_to_epoch", "matches",
           "where_clause"]

log = logging.getLogger("pantau.store")



class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached or opened."""


class PantauStore:
    """Articles and passages in Chroma. Thread-safe for concurrent reads and writes."""

    def __init__(self, settings: Settings, embedder: Embeddings) -> None:
        self.settings = settings
        self.embedder = embedder
        self._client = None
        self._passages = None
        self._articles = None
        self._meta = None
        self._languages: tuple[str, list[str]] | None = None
        self._snapshot: tuple[str, list[tuple[str, str, dict[str, Any]]]] | None = None
        self._lock = threading.RLock()

    # -- connection ---------------------------------------------------------------------
    def _open(self) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if self.settings.chroma_url:
                u = urlparse(self.settings.chroma_url)
                self._client = chromadb.HttpClient(
                    host=u.hostname or "127.0.0.1",
                    port=u.port or (443 if u.scheme == "https" else 8000),
                    ssl=u.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(
                    path=str(self.settings.chroma_dir), settings=chroma_settings
                )
            ef = ChromaEmbedding(self.embedder)
            prefix = self.settings.collection
            meta = {"hnsw:space": "cosine"}
            self._passages = self._client.get_or_create_collection(
                f"{prefix}_passages", embedding_function=ef, metadata=meta
            )
            self._articles = self._client.get_or_create_collection(
                f"{prefix}_articles", embedding_function=ef, metadata=meta
            )
            # One record whose token changes with every write: readers (the lexical index,
            # other processes) compare it to know when to refresh.
            self._meta = self._client.get_or_create_collection(
                f"{prefix}_meta", embedding_function=None
            )
        except Exception as exc:  # chromadb raises many types; callers need one
            self._client = None
            where = self.settings.chroma_url or self.settings.chroma_dir
            raise StoreUnavailable(f"cannot open the Chroma store at {where}: {exc}") from exc

    @property
    def passages(self):
        """The passages collection (opened on first use)."""
        if self._passages is None:
            with self._lock:
                if self._passages is None:
                    self._open()
        return self._passages

    @property
    def articles_collection(self):
        """The articles collection (opened on first use)."""
        if self._articles is None:
            _ = self.passages
        return self._articles

    # -- generation -----------------------------------------------------------------------
    def languages(self) -> list[str]:
        """Languages of the stored articles (cached per store generation)."""
        gen = self.generation()
        if self._languages is None or self._languages[0] != gen:
            langs = set()
            for _, metas in self._scan(self.articles_collection, ["metadatas"]):
                langs |= {m.get("language") or "" for m in metas}
            self._languages = (gen, sorted(lg for lg in langs if lg))
        return self._languages[1]

    def generation(self) -> str:
        """A token that changes whenever passages are written or deleted (any process)."""
        _ = self.passages
        got = self._meta.get(ids=["generation"], include=["metadatas"])
        return got["metadatas"][0]["token"] if got["ids"] else ""

    def _bump(self) -> None:
        self._meta.upsert(ids=["generation"], embeddings=[[1.0]],
                          metadatas=[{"token": uuid.uuid4().hex}])

    # -- reads --------------------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        """(articles, passages) stored."""
        return self.articles_collection.count(), self.passages.count()

    def get_article(self, article_id: str) -> Article | None:
        """The stored article, with its full text, or None."""
        got = self.articles_collection.get(ids=[article_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return article_from(got["ids"][0], got["metadatas"][0], got["documents"][0])

    def has_articles(self, ids: Sequence[str]) -> bool:
        """Whether every one of ``ids`` is stored."""
        if not ids:
            return False
        got = self.articles_collection.get(ids=list(ids), include=[])
        return len(set(got["ids"])) == len(set(ids))

    def find_by_hash(self, content_hash: str) -> str | None:
        """Id of a stored article with this content hash, if any."""
        got = self.articles_collection.get(where={"content_hash": content_hash}, limit=1,
                                           include=[])
        return got["ids"][0] if got["ids"] else None

    def list_articles(self) -> list[ArticleInfo]:
        """Every stored article's metadata, newest first."""
        out = []
        for ids, metas in self._scan(self.articles_collection, ["metadatas"]):
            for aid, m in zip(ids, metas):
                a = article_from(aid, m, "")
                out.append(ArticleInfo(
                    **a.model_dump(exclude={"text", "content_hash", "id"}),
                    id=aid, passages=int(m.get("passages", 0)),
                ))
        out.sort(key=lambda a: a.published or "", reverse=True)
        return out

    def scan_articles(self, page: int = 500) -> Iterable[Article]:
        """Every stored article, with its text."""
        offset = 0
        while True:
            got = self.articles_collection.get(include=["documents", "metadatas"], limit=page,
                                               offset=offset)
            if not got["ids"]:
                return
            for aid, doc, m in zip(got["ids"], got["documents"], got["metadatas"]):
                yield article_from(aid, m, doc)
            offset += len(got["ids"])

    def _scan(self, coll, include: list[str], page: int = 1000) -> Iterable[tuple[list, list]]:
        offset = 0
        while True:
            got = coll.get(include=include, limit=page, offset=offset)
            if not got["ids"]:
                return
            yield got["ids"], got["metadatas"]
            offset += len(got["ids"])

    def scan_passages(self, page: int = 2000) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """Every stored passage as (id, text, metadata)."""
        offset = 0
        while True:
            got = self.passages.get(include=["documents", "metadatas"], limit=page, offset=offset)
            if not got["ids"]:
                return
            yield from zip(got["ids"], got["documents"], got["metadatas"])
            offset += len(got["ids"])

    def passage_snapshot(self) -> list[tuple[str, str, dict[str, Any]]]:
        """All passages as (id, text, metadata), read once per store generation and shared
        by the indexes derived from them (lexical, regulation registry, timelines), so a
        write costs one scan, not one per index. Holds the passage texts in memory."""
        gen = self.generation()
        with self._lock:
            if self._snapshot is None or self._snapshot[0] != gen:
                self._snapshot = (gen, list(self.scan_passages()))
            return self._snapshot[1]

    def get_passages(self, ids: Sequence[str], scores: Sequence[float]) -> list[RetrievedPassage]:
        """Passages by id, in the given order, carrying the given scores."""
        if not ids:
            return []
        got = self.passages.get(ids=list(ids), include=["documents", "metadatas"])
        by_id = {pid: (doc, m) for pid, doc, m in zip(got["ids"], got["documents"],
                                                      got["metadatas"])}
        return [retrieved(pid, *by_id[pid], score) for pid, score in zip(ids, scores)
                if pid in by_id]

    def similarities(self, ids: Sequence[str], embedding: Sequence[float]) -> list[float]:
        """Cosine similarity of each stored passage (by id, in order) to ``embedding``."""
        if not ids:
            return []
        import numpy as np

        got = self.passages.get(ids=list(ids), include=["embeddings"])
        vecs = dict(zip(got["ids"], got["embeddings"]))
        q = np.asarray(embedding, dtype="float64")
        q /= np.linalg.norm(q) or 1.0
        out = []
        for pid in ids:
            v = np.asarray(vecs.get(pid, np.zeros_like(q)), dtype="float64")
            out.append(float(v @ q / (np.linalg.norm(v) or 1.0)))
        return out

    def query(self, embedding: Sequence[float], k: int,
              filters: Filters | None = None) -> list[RetrievedPassage]:
        """The ``k`` passages nearest to ``embedding`` that pass ``filters``."""
        n = self.passages.count()
        if n == 0:
            return []
        res = self.passages.query(
            query_embeddings=[list(embedding)], n_results=min(k, n),
            where=where_clause(filters), include=["documents", "metadatas", "distances"],
        )
        return [retrieved(pid, doc, m, 1.0 - float(dist))
                for pid, doc, m, dist in zip(res["ids"][0], res["documents"][0],
                                             res["metadatas"][0], res["distances"][0])]

    # -- writes -------------------------------------------------------------------------
    def put_articles(self, items: Sequence[tuple[Article, Sequence[Passage]]],
                     embeddings: Sequence[Sequence[float]]) -> None:
        """Store articles with their passages, replacing whatever each id held before.

        ``embeddings`` holds one vector per passage, in order over all items. Old
        passages of each article are deleted first, so an edited article leaves no
        orphans; the article record is written last (see module doc).
        """
        with self._lock:
            ids = [a.id for a, _ in items]
            if ids:
                self.passages.delete(where={"article_id": {"$in": ids}})
            p_ids, p_docs, p_metas, p_embs = [], [], [], []
            art_embs = []
            i = 0
            for article, passages in items:
                base = passage_meta(article)
                vecs = embeddings[i:i + len(passages)]
                i += len(passages)
                for p, v in zip(passages, vecs):
                    p_ids.append(p.id)
                    p_docs.append(p.text)
                    p_metas.append({**base, "index": p.index, "start": p.start, "end": p.end,
                                    **regulation_meta(p.text)})
                    p_embs.append(list(v))
                art_embs.append(_mean_unit(vecs))
            self._batched_upsert(self.passages, p_ids, p_docs, p_metas, p_embs)
            self._batched_upsert(
                self.articles_collection, ids, [a.text for a, _ in items],
                [article_meta(a, len(ps)) for a, ps in items], art_embs,
            )
            self._bump()

    def find_similar(self, sig: tuple[int, ...]) -> list[tuple[str, float]]:
        """Stored articles whose text is a near duplicate of the signature's, best first."""
        keys = fingerprint.band_keys(sig)
        where = {"$or": [{f"lsh_{i}": k} for i, k in enumerate(keys)]}
        got = self.articles_collection.get(where=where, include=["metadatas"])
        out = []
        for aid, m in zip(got["ids"], got["metadatas"]):
            sim = fingerprint.similarity(sig, json.loads(m.get("minhash") or "[]"))
            if sim >= fingerprint.NEAR_DUPLICATE:
                out.append((aid, sim))
        return sorted(out, key=lambda x: x[1], reverse=True)

    def add_copy(self, article_id: str, copy: Copy) -> bool:
        """Record that ``copy`` carried the same story as the stored article.

        Returns False when that source/URL/outlet was already recorded.
        """
        with self._lock:
            got = self.articles_collection.get(ids=[article_id], include=["metadatas"])
            if not got["ids"]:
                return False
            meta = dict(got["metadatas"][0])
            copies = [Copy(**c) for c in json.loads(meta.get("also_published") or "[]")]
            if any(same_copy(c, copy) for c in copies):
                return False
            copies.append(copy)
            meta["also_published"] = copies_json(copies)
            self.articles_collection.update(ids=[article_id], metadatas=[meta])
            return True

    def delete_article(self, article_id: str) -> bool:
        """Remove an article and all its passages. False when it was not stored."""
        with self._lock:
            existed = bool(self.articles_collection.get(ids=[article_id], include=[])["ids"])
            self.passages.delete(where={"article_id": article_id})
            self.articles_collection.delete(ids=[article_id])
            self._bump()
            return existed

    def _batched_upsert(self, coll, ids, docs, metas, embs) -> None:
        if not ids:
            return
        size = max(1, min(5000, self._client.get_max_batch_size()))
        for s in range(0, len(ids), size):
            coll.upsert(ids=ids[s:s + size], documents=docs[s:s + size],
                        metadatas=metas[s:s + size], embeddings=embs[s:s + size])


def _mean_unit(vecs: Sequence[Sequence[float]]) -> list[float]:
    if not vecs:
        raise ValueError("an article needs at least one passage")
    dim = len(vecs[0])
    acc = [sum(v[j] for v in vecs) for j in range(dim)]
    norm = math.sqrt(sum(x * x for x in acc)) or 1.0
    return [x / norm for x in acc]

