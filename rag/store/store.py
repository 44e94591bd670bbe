"""Chroma access: articles and their passages, stored under stable ids.

Two collections:
- ``{prefix}_passages``: one record per passage; document = the passage text verbatim,
  embedding = the embedding of title + date + passage, flat metadata of its article.
- ``{prefix}_articles``: one record per article; document = the article's full text,
  metadata = its fields, embedding = a placeholder (nothing searches articles by vector;
  older stores hold the mean of the passages' vectors until `pantau migrate`).
  Written *after* the passages, it doubles as the commit record of an article: an article
  whose record is missing or carries another content hash is (re)indexed from scratch.

The connection and its faults (``StoreUnavailable``, ``StoreWriteError``) live in
``rag.store.chroma_conn``; every method here is ``guarded`` by it.
"""
from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timezone
from typing import Any

from langchain_core.embeddings import Embeddings

from rag.config import Settings
from rag.types import Article, ArticleInfo, Copy, Filters, Passage, RetrievedPassage

from .neardup import NearDuplicates
from .snapshots import Snapshots
from .chroma_conn import (ChromaConnection, StoreUnavailable, StoreWriteError, guarded,
                          holds_vectors, probe_writable)
from .metadata import (article_from, article_meta, copies_json, matches, passage_meta,
                       regulation_meta, retrieved, same_copy, where_clause)

#: Dedup lookups of a batch go to Chroma this many articles at a time.
LOOKUP_CHUNK = 100
#: How long change-log entries are kept (readers further behind rebuild their indexes).
LOG_RETENTION_MS = 7 * 24 * 3600 * 1000
#: Ids listed per call when scanning a collection (``PantauStore._scan``).
SCAN_IDS = 50_000

__all__ = ["PantauStore", "StoreUnavailable", "StoreWriteError", "matches", "probe_writable",
           "where_clause"]


class PantauStore:
    """Articles and passages in Chroma. Thread-safe for concurrent reads and writes."""

    def __init__(self, settings: Settings, embedder: Embeddings) -> None:
        self.settings = settings
        self.embedder = embedder
        self._chroma = ChromaConnection(settings, embedder)
        self._lock = threading.RLock()
        self._near: NearDuplicates | None = None

    @property
    def location(self) -> str:
        """Where the store lives: the server URL or the embedded store's directory."""
        return self._chroma.location

    @property
    def snapshots(self) -> Snapshots | None:
        """Where this store's derived indexes are saved (``rag.store.snapshots``): under the
        data dir, one folder per store (the embedded one, or a server and collection
        prefix); None when snapshots are off."""
        return Snapshots.of(self.settings)

    @property
    def passages(self):
        """The passages collection (opened on first use)."""
        return self._chroma.connect().passages

    @property
    def articles_collection(self):
        """The articles collection (opened on first use)."""
        return self._chroma.connect().articles

    @guarded("read")
    def identity(self) -> str:
        """The passages collection's id: another store (even at the same place) has
        another."""
        return str(self.passages.id)

    # -- generation and change log --------------------------------------------------------
    @guarded("read")
    def generation(self) -> str:
        """A token that changes whenever passages are written or deleted (any process):
        one get by id, cheap enough to ask on every request."""
        return self.generation_info()[0]

    @guarded("read")
    def generation_info(self) -> tuple[str, int]:
        """(generation token, time in ms before which change-log entries may be pruned)."""
        got = self._chroma.connect().meta.get(ids=["generation"], include=["metadatas"])
        if not got["ids"]:
            return "", 0
        m = got["metadatas"][0]
        return m["token"], int(m.get("pruned", 1 << 62))  # no "pruned": written before the log

    @guarded("read")
    def changes(self, since_ms: int) -> list[tuple[int, str, list[str]]]:
        """Change-log entries written at or after ``since_ms``, oldest first: (time in ms,
        entry id, ids of the articles whose passages were written or deleted)."""
        got = self._chroma.connect().meta.get(where={"t": {"$gte": int(since_ms)}},
                                              include=["metadatas"])
        out = [(int(m["t"]), eid, json.loads(m["articles"]))
               for eid, m in zip(got["ids"], got["metadatas"])]
        return sorted(out)

    def _bump(self, article_ids: Iterable[str]) -> None:
        """Record a write of these articles' passages: a change-log entry naming them and a
        new generation token, in one upsert (a reader that sees the token sees the entry).
        Readers that keep derived indexes (``rag.store.changes``) refresh just those articles.
        Entries older than ``LOG_RETENTION_MS`` are pruned; the generation record says up
        to when, so a reader that fell further behind rebuilds from scratch."""
        now = int(time.time() * 1000)
        pruned = now - LOG_RETENTION_MS
        meta = self._chroma.connect().meta
        meta.delete(where={"t": {"$lt": pruned}})
        meta.upsert(ids=["generation", f"log:{now:015d}:{uuid.uuid4().hex[:12]}"],
                    embeddings=[[1.0], [1.0]],
                    metadatas=[{"token": uuid.uuid4().hex, "pruned": pruned},
                               {"t": now, "articles": json.dumps(sorted(set(article_ids)))}])

    # -- reads --------------------------------------------------------------------------
    @guarded("read")
    def counts(self) -> tuple[int, int]:
        """(articles, passages) stored."""
        return self.articles_collection.count(), self.passages.count()

    @guarded("read")
    def get_article(self, article_id: str) -> Article | None:
        """The stored article, with its full text, or None."""
        got = self.articles_collection.get(ids=[article_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return article_from(got["ids"][0], got["metadatas"][0], got["documents"][0])

    @guarded("read")
    def has_articles(self, ids: Sequence[str]) -> bool:
        """Whether every one of ``ids`` is stored."""
        if not ids:
            return False
        got = self.articles_collection.get(ids=list(ids), include=[])
        return len(set(got["ids"])) == len(set(ids))

    @guarded("read")
    def get_articles(self, ids: Sequence[str]) -> dict[str, Article]:
        """The stored ones of ``ids`` (one read for the lot), by id."""
        if not ids:
            return {}
        got = self.articles_collection.get(ids=list(dict.fromkeys(ids)),
                                           include=["metadatas", "documents"])
        return {aid: article_from(aid, m, d)
                for aid, m, d in zip(got["ids"], got["metadatas"], got["documents"])}

    @guarded("read")
    def find_by_hashes(self, hashes: Sequence[str]) -> dict[str, str]:
        """A stored article's id for each of ``hashes`` that one has (one read per
        ``LOOKUP_CHUNK`` hashes)."""
        out: dict[str, str] = {}
        unique = list(dict.fromkeys(hashes))
        for i in range(0, len(unique), LOOKUP_CHUNK):
            got = self.articles_collection.get(
                where={"content_hash": {"$in": unique[i:i + LOOKUP_CHUNK]}},
                include=["metadatas"])
            for aid, m in sorted(zip(got["ids"], got["metadatas"])):
                out.setdefault(m["content_hash"], aid)
        return out

    @guarded("read")
    def list_articles(self) -> list[ArticleInfo]:
        """Every stored article's metadata, newest first."""
        out = []
        for got in self._scan(self.articles_collection, ["metadatas"]):
            for aid, m in zip(got["ids"], got["metadatas"]):
                a = article_from(aid, m, "")
                out.append(ArticleInfo(
                    **a.model_dump(exclude={"text", "content_hash", "id"}),
                    id=aid, passages=int(m.get("passages", 0)),
                ))
        out.sort(key=lambda a: a.published or "", reverse=True)
        return out

    @guarded("read")
    def scan_articles(self, page: int = 500, since: str | None = None) -> Iterable[Article]:
        """Every stored article, with its text; with ``since`` (ISO day), only those
        published or ingested on or after it (Chroma filters: a store of years of news is
        not read for last week's)."""
        where = None
        if since is not None:
            day = date.fromisoformat(since[:10])
            midnight = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
            where = {"$or": [{"published_day": {"$gte": int(day.strftime("%Y%m%d"))}},
                             {"ingested_ts": {"$gte": int(midnight.timestamp())}}]}
        for got in self._scan(self.articles_collection, ["documents", "metadatas"], page, where):
            for aid, doc, m in zip(got["ids"], got["documents"], got["metadatas"]):
                yield article_from(aid, m, doc)

    def _scan(self, coll, include: list[str], page: int = 1000,
              where: dict | None = None) -> Iterable[dict[str, list]]:
        """Every record of ``coll`` (those ``where`` matches) in stored order, ``page`` at a
        time (``include``'s fields): the ids first (ids only, ``SCAN_IDS`` a call), then each
        page by its ids. Paging by
        offset reads every row before the offset again: 0.55 s a page at the start of 100k
        passages, 0.92 s at its end, seconds a page at 1M; by ids a page costs the same
        wherever it is."""
        ids: list[str] = []
        while True:
            got = coll.get(include=[], limit=SCAN_IDS, offset=len(ids), where=where)["ids"]
            ids += got
            if len(got) < SCAN_IDS:
                break
        ids = list(dict.fromkeys(ids))  # a write between two calls may shift a listed id
        for start in range(0, len(ids), page):
            part = ids[start:start + page]
            got = coll.get(ids=part, include=include)
            at = {i: n for n, i in enumerate(got["ids"])}
            keep = [at[i] for i in part if i in at]  # in stored order; gone since: skipped
            yield {"ids": [got["ids"][n] for n in keep],
                   **{field: [got[field][n] for n in keep] for field in include}}

    @guarded("read")
    def scan_passages(self, page: int = 2000) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """Every stored passage as (id, text, metadata)."""
        for got in self._scan(self.passages, ["documents", "metadatas"], page):
            yield from zip(got["ids"], got["documents"], got["metadatas"])

    @guarded("read")
    def passages_of(self, article_ids: Sequence[str],
                    per_call: int = 200) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """The stored passages of these articles as (id, text, metadata)."""
        ids = list(dict.fromkeys(article_ids))
        for s in range(0, len(ids), per_call):
            part = ids[s:s + per_call]
            where = {"article_id": part[0]} if len(part) == 1 else {"article_id": {"$in": part}}
            got = self.passages.get(where=where, include=["documents", "metadatas"])
            yield from zip(got["ids"], got["documents"], got["metadatas"])

    @guarded("read")
    def scan_article_records(self, page: int = 1000) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """Every stored article record as (article id, "", metadata): no texts."""
        for got in self._scan(self.articles_collection, ["metadatas"], page):
            yield from zip(got["ids"], [""] * len(got["ids"]), got["metadatas"])

    @guarded("read")
    def article_records_of(self, article_ids: Sequence[str], per_call: int = 500
                           ) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """The stored ones of these articles' records as (article id, "", metadata)."""
        ids = list(dict.fromkeys(article_ids))
        for s in range(0, len(ids), per_call):
            got = self.articles_collection.get(ids=ids[s:s + per_call], include=["metadatas"])
            yield from zip(got["ids"], [""] * len(got["ids"]), got["metadatas"])

    @guarded("read")
    def get_passages(self, ids: Sequence[str], scores: Sequence[float]) -> list[RetrievedPassage]:
        """Passages by id, in the given order, carrying the given scores."""
        if not ids:
            return []
        got = self.passages.get(ids=list(ids), include=["documents", "metadatas"])
        by_id = {pid: (doc, m) for pid, doc, m in zip(got["ids"], got["documents"],
                                                      got["metadatas"])}
        return [retrieved(pid, *by_id[pid], score) for pid, score in zip(ids, scores)
                if pid in by_id]

    @guarded("read")
    def get_near(self, ids: Sequence[str], embedding: Sequence[float]) -> list[RetrievedPassage]:
        """Passages by id, in the given order, each scored by its cosine similarity to
        ``embedding`` (one get: text, metadata and vector)."""
        if not ids:
            return []
        import numpy as np

        got = self.passages.get(ids=list(ids), include=["documents", "metadatas", "embeddings"])
        q = np.asarray(embedding, dtype="float64")
        q /= np.linalg.norm(q) or 1.0
        by_id = {}
        for pid, doc, m, v in zip(got["ids"], got["documents"], got["metadatas"],
                                  got["embeddings"]):
            v = np.asarray(v, dtype="float64")
            by_id[pid] = retrieved(pid, doc, m, float(v @ q / (np.linalg.norm(v) or 1.0)))
        return [by_id[pid] for pid in ids if pid in by_id]

    @guarded("read")
    def query(self, embedding: Sequence[float], k: int,
              filters: Filters | None = None) -> list[RetrievedPassage]:
        """The ``k`` passages nearest to ``embedding`` that pass ``filters`` (fewer when
        fewer are stored: chromadb 1.x takes ``n_results`` above the count)."""
        res = self.passages.query(
            query_embeddings=[list(embedding)], n_results=k,
            where=where_clause(filters), include=["documents", "metadatas", "distances"],
        )
        return [retrieved(pid, doc, m, 1.0 - float(dist))
                for pid, doc, m, dist in zip(res["ids"][0], res["documents"][0],
                                             res["metadatas"][0], res["distances"][0])]

    @guarded("read")
    def query_wide(self, embedding: Sequence[float], k: int,
                   filters: Filters | None = None) -> tuple[list[RetrievedPassage], bool]:
        """The ``k`` passages nearest to ``embedding`` by the vector index alone, then
        those passing ``filters`` (checked here, not by Chroma), and whether the ``k``
        covered every stored passage (fewer came back). Chroma applies a ``where`` by a
        pass over the matching metadata: 125-340 ms at 100k passages against 3-15 ms for
        the vector index alone (docs/PERFORMANCE.md), so a wide unfiltered query is the
        cheap way to many candidates."""
        res = self.passages.query(query_embeddings=[list(embedding)], n_results=k,
                                  include=["documents", "metadatas", "distances"])
        rows = list(zip(res["ids"][0], res["documents"][0], res["metadatas"][0],
                        res["distances"][0]))
        return ([retrieved(pid, doc, m, 1.0 - float(dist)) for pid, doc, m, dist in rows
                 if matches(m, filters)], len(rows) < k)

    # -- writes -------------------------------------------------------------------------
    @guarded("write")
    def put_articles(self, items: Sequence[tuple[Article, Sequence[Passage]]],
                     embeddings: Sequence[Sequence[float]]) -> None:
        """Store articles with their passages, replacing whatever each id held before.

        ``embeddings`` holds one vector per passage, in order over all items. Old
        passages of each article are deleted first, so an edited article leaves no
        orphans; the article record is written last (see module doc).
        """
        with self._lock:
            vectors = holds_vectors(self.articles_collection)
            ids = [a.id for a, _ in items]
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
                art_embs.append(_mean_unit(vecs) if vectors else [1.0])
            texts = [a.text for a, _ in items]
            self._chroma.check_room(sum(len(t.encode()) for t in p_docs + texts)
                             + len(json.dumps(p_metas, default=str))
                             + 4 * sum(len(v) for v in p_embs + art_embs))
            if ids:
                self.passages.delete(where={"article_id": {"$in": ids}})
            self._batched_upsert(self.passages, p_ids, p_docs, p_metas, p_embs)
            self._batched_upsert(
                self.articles_collection, ids, texts,
                [article_meta(a, len(ps)) for a, ps in items], art_embs,
            )
            self._bump(ids)

    @property
    def near_duplicates(self) -> NearDuplicates:
        """The near-duplicate candidate index of this store (``rag.store.neardup``), made on
        first use; it reads nothing until its first lookup."""
        with self._lock:
            if self._near is None:
                self._near = NearDuplicates(self)
            return self._near

    def find_similar(self, sigs: Sequence[tuple[int, ...]]) -> list[list[tuple[str, float]]]:
        """For each signature, the stored articles whose text is a near duplicate of its
        text, best first: candidates share an LSH band with it, then are compared on the
        whole signature. Answered from ``near_duplicates``, an index in memory that has
        applied every write to the store acknowledged before the call (any process)."""
        if not sigs:
            return []
        return self.near_duplicates.similar(sigs)

    @guarded("write")
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
            self._chroma.check_room(len(json.dumps(meta, default=str)))
            self.articles_collection.update(ids=[article_id], metadatas=[meta])
            return True

    @guarded("write")
    def delete_article(self, article_id: str) -> bool:
        """Remove an article and all its passages. False when it was not stored."""
        with self._lock:
            existed = bool(self.articles_collection.get(ids=[article_id], include=[])["ids"])
            self._chroma.check_room(0)
            self.passages.delete(where={"article_id": article_id})
            self.articles_collection.delete(ids=[article_id])
            self._bump([article_id])
            return existed

    def _batched_upsert(self, coll, ids, docs, metas, embs) -> None:
        if not ids:
            return
        size = max(1, min(5000, self._chroma.connect().client.get_max_batch_size()))
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

