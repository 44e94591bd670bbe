"""How Pantau lays its records out in Chroma's flat metadata, and how filters apply to it.

Dates are stored as ISO strings plus ``published_ts`` (epoch seconds: compared for
date-time filters) and ``published_day`` (YYYYMMDD in the article's own time zone: compared
for date filters); regulation ids as a joined string plus a ``regs`` string array;
lists of records (syndication, copies) and MinHash signatures as JSON strings.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from rag.dates import iso_to_day, iso_to_epoch
from rag.regulations import reference_ids
from rag.types import Article, Copy, Filters, RetrievedPassage, Syndication

from . import fingerprint

_ARTICLE_FIELDS = ("title", "outlet", "url", "published", "language", "author", "editor",
                   "section", "source", "content_hash", "place", "date_source")


def regulation_meta(text: str) -> dict[str, Any]:
    """Regulation ids a passage cites: a readable joined string, and the same ids as a
    string array (``regs``) that Chroma's ``where`` filters with ``$contains``.

    Not one key per id: Chroma 1.x adds every metadata key to the collection's schema, and
    a schema of thousands of ``reg:<id>`` keys (one per regulation ever cited) made every
    query and get of a 100k-passage store 30-50 ms slower (docs/PERFORMANCE.md)."""
    ids = reference_ids(text)
    if not ids:
        return {}
    return {"regulations": ",".join(ids), "regs": ids}


def passage_regulations(meta: dict[str, Any]) -> list[str]:
    """The regulation ids in a passage's metadata (``regs``; stores written before it
    have ``reg:<id>`` flags, read too)."""
    regs = meta.get("regs")
    if isinstance(regs, list):
        return [str(r) for r in regs]
    return [k[4:] for k, v in meta.items() if k.startswith("reg:") and v]


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
        # ``reg:<id>`` flags: what stores written before ``regs`` carry (see regulation_meta)
        regs = [c for r in filters.regulations
                for c in ({"regs": {"$contains": r}}, {f"reg:{r}": True})]
        conds.append({"$or": regs})
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
    if filters.regulations and not set(filters.regulations) & set(passage_regulations(meta)):
        return False
    return True


def retrieved(pid: str, doc: str, m: dict[str, Any], score: float) -> RetrievedPassage:
    return RetrievedPassage(
        passage_id=pid, article_id=m["article_id"], title=m.get("title", ""),
        outlet=m.get("outlet", ""), url=m.get("url", ""), published=m.get("published") or None,
        language=m.get("language", ""), text=doc, start=int(m["start"]), end=int(m["end"]),
        score=score, regulations=[r for r in m.get("regulations", "").split(",") if r])


def passage_meta(a: Article) -> dict[str, Any]:
    meta: dict[str, Any] = {"article_id": a.id, "title": a.title, "outlet": a.outlet,
                            "url": a.url, "published": a.published or "",
                            "language": a.language, "section": a.section}
    ts, day = iso_to_epoch(a.published), iso_to_day(a.published)
    if ts is not None:  # Chroma metadata cannot hold None: leave the keys out
        meta["published_ts"] = ts
        meta["published_day"] = day
    return meta


def same_copy(a: Copy, b: Copy) -> bool:
    return (a.id and a.id == b.id) or (a.source, a.url, a.outlet) == (b.source, b.url, b.outlet)


def copies_json(copies: list[Copy]) -> str:
    ordered = sorted(copies, key=lambda c: c.published or "9999")
    return json.dumps([c.model_dump() for c in ordered], ensure_ascii=False)


def article_meta(a: Article, n_passages: int) -> dict[str, Any]:
    meta: dict[str, Any] = {f: (getattr(a, f) or "") for f in _ARTICLE_FIELDS}
    meta["syndication"] = json.dumps([s.model_dump() for s in a.syndication], ensure_ascii=False)
    meta["also_published"] = copies_json(a.also_published)
    meta["passages"] = n_passages
    if a.date_confidence is not None:
        meta["date_confidence"] = float(a.date_confidence)
    now = datetime.now(timezone.utc)
    meta["ingested_at"] = now.isoformat(timespec="seconds")
    meta["ingested_ts"] = int(now.timestamp())
    sig = fingerprint.signature(a.text)
    meta["minhash"] = json.dumps(list(sig))  # near duplicates are banded from it in memory
    ts, day = iso_to_epoch(a.published), iso_to_day(a.published)
    if ts is not None:
        meta["published_ts"] = ts
        meta["published_day"] = day
    return meta


def article_from(aid: str, m: dict[str, Any], text: str) -> Article:
    fields = {f: m.get(f, "") for f in _ARTICLE_FIELDS}
    fields["published"] = fields["published"] or None
    synd = [Syndication(**s) for s in json.loads(m.get("syndication") or "[]")]
    copies = [Copy(**c) for c in json.loads(m.get("also_published") or "[]")]
    return Article(id=aid, text=text or "", syndication=synd, also_published=copies,
                   ingested_at=m.get("ingested_at") or None,
                   date_confidence=m.get("date_confidence"), **fields)
