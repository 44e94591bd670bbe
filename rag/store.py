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
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from . import fingerprint
from .config import Settings
from .embeddings import ChromaEmbedding
from .regulations import reference_ids
from .types import Article, ArticleInfo, Copy, Filters, Passage, RetrievedPassage, Syndication

log = logging.getLogger("pantau.store")

_ARTICLE_FIELDS = ("title", "outlet", "url", "published", "language", "author", "editor",
                   "section", "source", "content_hash")


class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached or opened."""


def iso_to_epoch(value: str | None) -> int | None:
    """Epoch seconds of an ISO date or date-time (dates count from 00:00 UTC)."""
    dt = _parse_iso(value)
    if dt is None:
        return None
    return int(dt.timestamp())


def iso_to_day(value: str | None) -> int | None:
    """YYYYMMDD of an ISO date or date-time, in the article's own time zone."""
    dt = _parse_iso(value)
    return None if dt is None else dt.year * 10000 + dt.month * 100 + dt.day


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


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
        return _article_from(got["ids"][0], got["metadatas"][0], got["documents"][0])

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
                a = _article_from(aid, m, "")
                out.append(ArticleInfo(
                    **a.model_dump(exclude={"text", "content_hash", "id"}),
                    id=aid, passages=int(m.get("passages", 0)),
                ))
        out.sort(key=lambda a: a.published or "", reverse=True)
        return out

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

    def get_passages(self, ids: Sequence[str], scores: Sequence[float]) -> list[RetrievedPassage]:
        """Passages by id, in the given order, carrying the given scores."""
        if not ids:
            return []
        got = self.passages.get(ids=list(ids), include=["documents", "metadatas"])
        by_id = {pid: (doc, m) for pid, doc, m in zip(got["ids"], got["documents"],
                                                      got["metadatas"])}
        return [_retrieved(pid, *by_id[pid], score) for pid, score in zip(ids, scores)
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
        return [_retrieved(pid, doc, m, 1.0 - float(dist))
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
                base = _passage_meta(article)
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
                [_article_meta(a, len(ps)) for a, ps in items], art_embs,
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
            if any(_same_copy(c, copy) for c in copies):
                return False
            copies.append(copy)
            meta["also_published"] = _copies_json(copies)
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


def regulation_meta(text: str) -> dict[str, Any]:
    """Regulation ids a passage cites: a readable joined string plus one boolean key per id
    (``reg:permendag-31-2023``), which is what Chroma's flat ``where`` can filter on."""
    ids = reference_ids(text)
    if not ids:
        return {}
    return {"regulations": ",".join(ids), **{f"reg:{r}": True for r in ids}}


def where_clause(filters: Filters | None) -> dict[str, Any] | None:
    """Chroma ``where`` for retrieval filters (None when there is nothing to filter)."""
    if filters is None:
        return None
    conds: list[dict[str, Any]] = []
    for bound, op in ((filters.since, "$gte"), (filters.until, "$lte")):
        if bound is None:
            continue
        if isinstance(bound, datetime):
            ts = bound if bound.tzinfo else bound.replace(tzinfo=timezone.utc)
            conds.append({"published_ts": {op: int(ts.timestamp())}})
        else:  # a calendar date: compare with the article's own calendar day
            conds.append({"published_day": {op: bound.year * 10000 + bound.month * 100 + bound.day}})
    if filters.outlets:
        conds.append({"outlet": {"$in": list(filters.outlets)}})
    if filters.language:
        conds.append({"language": filters.language})
    if filters.regulations:
        regs = [{f"reg:{r}": True} for r in filters.regulations]
        conds.append(regs[0] if len(regs) == 1 else {"$or": regs})
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else {"$and": conds}


def matches(meta: dict[str, Any], filters: Filters | None) -> bool:
    """Whether a passage's metadata passes ``filters``: the same semantics as
    ``where_clause``, for indexes that filter outside Chroma (the lexical one)."""
    if filters is None:
        return True
    for bound, ge in ((filters.since, True), (filters.until, False)):
        if bound is None:
            continue
        if isinstance(bound, datetime):
            ts = bound if bound.tzinfo else bound.replace(tzinfo=timezone.utc)
            have, want = meta.get("published_ts"), int(ts.timestamp())
        else:
            have, want = meta.get("published_day"), bound.year * 10000 + bound.month * 100 + bound.day
        if have is None or (have < want if ge else have > want):
            return False
    if filters.outlets and meta.get("outlet") not in filters.outlets:
        return False
    if filters.language and meta.get("language") != filters.language:
        return False
    if filters.regulations and not any(meta.get(f"reg:{r}") for r in filters.regulations):
        return False
    return True


def _retrieved(pid: str, doc: str, m: dict[str, Any], score: float) -> RetrievedPassage:
    return RetrievedPassage(
        passage_id=pid, article_id=m["article_id"], title=m.get("title", ""),
        outlet=m.get("outlet", ""), url=m.get("url", ""), published=m.get("published") or None,
        language=m.get("language", ""), text=doc, start=int(m["start"]), end=int(m["end"]),
        score=score, regulations=[r for r in m.get("regulations", "").split(",") if r])


def _passage_meta(a: Article) -> dict[str, Any]:
    meta: dict[str, Any] = {"article_id": a.id, "title": a.title, "outlet": a.outlet,
                            "url": a.url, "published": a.published or "",
                            "language": a.language, "section": a.section}
    ts, day = iso_to_epoch(a.published), iso_to_day(a.published)
    if ts is not None:  # Chroma metadata cannot hold None: leave the keys out
        meta["published_ts"] = ts
        meta["published_day"] = day
    return meta


def _same_copy(a: Copy, b: Copy) -> bool:
    return (a.id and a.id == b.id) or (a.source, a.url, a.outlet) == (b.source, b.url, b.outlet)


def _copies_json(copies: list[Copy]) -> str:
    ordered = sorted(copies, key=lambda c: c.published or "9999")
    return json.dumps([c.model_dump() for c in ordered], ensure_ascii=False)


def _article_meta(a: Article, n_passages: int) -> dict[str, Any]:
    meta: dict[str, Any] = {f: (getattr(a, f) or "") for f in _ARTICLE_FIELDS}
    meta["syndication"] = json.dumps([s.model_dump() for s in a.syndication], ensure_ascii=False)
    meta["also_published"] = _copies_json(a.also_published)
    meta["passages"] = n_passages
    sig = fingerprint.signature(a.text)
    meta["minhash"] = json.dumps(list(sig))
    meta.update({f"lsh_{i}": k for i, k in enumerate(fingerprint.band_keys(sig))})
    ts, day = iso_to_epoch(a.published), iso_to_day(a.published)
    if ts is not None:
        meta["published_ts"] = ts
        meta["published_day"] = day
    return meta


def _article_from(aid: str, m: dict[str, Any], text: str) -> Article:
    fields = {f: m.get(f, "") for f in _ARTICLE_FIELDS}
    fields["published"] = fields["published"] or None
    synd = [Syndication(**s) for s in json.loads(m.get("syndication") or "[]")]
    copies = [Copy(**c) for c in json.loads(m.get("also_published") or "[]")]
    return Article(id=aid, text=text or "", syndication=synd, also_published=copies, **fields)


def _mean_unit(vecs: Sequence[Sequence[float]]) -> list[float]:
    if not vecs:
        raise ValueError("an article needs at least one passage")
    dim = len(vecs[0])
    acc = [sum(v[j] for v in vecs) for j in range(dim)]
    norm = math.sqrt(sum(x * x for x in acc)) or 1.0
    return [x / norm for x in acc]

