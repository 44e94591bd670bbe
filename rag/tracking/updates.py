"""What's new: articles and events since a date, grouped by regulation and by entity.

An article counts when it was published or ingested on or after the date; an event when
its own date is (an event dated only by its article, of a kind its subject had before the
date, is a retelling and does not). Each group (a regulation id or a tracked entity id) lists its new articles
and its new events (each event cited), newest first.
"""
from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from rag.regulations import reference_ids
from rag.types import Article

from .entities import Gazetteer
from .timeline import TimelineEvent, TimelineIndex


class NewArticle(BaseModel):
    id: str
    title: str
    outlet: str
    url: str
    published: str | None
    ingested_at: str | None


class UpdateGroup(BaseModel):
    key: str  # a regulation id or an entity id
    kind: str  # "regulation" or "entity"
    label: str
    articles: list[NewArticle] = Field(default_factory=list)
    events: list[TimelineEvent] = Field(default_factory=list)


class Updates(BaseModel):
    since: str
    articles: int  # new articles in all
    groups: list[UpdateGroup]


def collect_updates(articles: Iterable[Article], timelines: TimelineIndex, gazetteer: Gazetteer,
                    since: str, only: str | None = None) -> Updates:
    """Updates since ``since`` (ISO date), for every subject or ``only`` one."""
    groups: dict[str, UpdateGroup] = {}

    def group(key: str, kind: str) -> UpdateGroup:
        if key not in groups:
            ent = gazetteer.entities.get(key)
            groups[key] = UpdateGroup(key=key, kind=kind, label=ent.label if ent else key)
        return groups[key]

    n = 0
    for a in articles:
        new = (a.published or "")[:10] >= since or (a.ingested_at or "")[:10] >= since
        if not new:
            continue
        item = NewArticle(id=a.id, title=a.title, outlet=a.outlet, url=a.url,
                          published=a.published, ingested_at=a.ingested_at)
        keys = [(r, "regulation") for r in reference_ids(a.text)] + [
            (e, "entity") for e in gazetteer.ids_in(a.text)]
        keys = [(k, kind) for k, kind in keys if only is None or k == only]
        n += bool(keys) or only is None
        for key, kind in keys:
            group(key, kind).articles.append(item)
    found = timelines.since(since, only)
    told = iter(timelines.read([e for evs in found.values() for e in evs], aligned=True))
    for key, evs in found.items():
        read = [t for t in (next(told) for _ in evs) if t is not None]
        if read:
            g = group(key, "entity" if key in gazetteer.entities else "regulation")
            g.events = sorted(read, key=lambda e: e.date, reverse=True)
    for g in groups.values():
        g.articles.sort(key=lambda x: x.published or "", reverse=True)
    ordered = sorted(groups.values(), key=lambda g: (-(len(g.events) + len(g.articles)), g.key))
    return Updates(since=since, articles=n, groups=ordered)
