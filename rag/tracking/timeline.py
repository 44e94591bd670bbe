"""Timelines: dated events about tracked entities and regulations, each with its citation.

The events of each stored passage (``rag.tracking.events``: what a sentence tells, typed,
dated and attributed to the players of its clause) are kept per (subject, date, type)
bucket, the earliest report winning; a subject's timeline is its bucket winners in date
order, its status the newest event's type. Follows the store's change log by article,
like the registry.
"""
from __future__ import annotations

import bisect
import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from rag.regulations import find_references
from rag.store.changes import PerArticle
from rag.store.store import PantauStore
from rag.text import sentence_spans
from rag.types import Citation, RetrievedPassage

from .entities import Gazetteer
from .events import (REGULATION_EVENTS, event_subjects, event_type, own_date, regs_for,
                     sentence_events)

class TimelineEvent(BaseModel):
    date: str  # ISO date (to the month when the text gives only a month: YYYY-MM-01)
    date_source: str  # "text", "text-month", "text-year", "relative" or "article"
    type: str
    summary: str  # the sentence stating it, verbatim
    citation: Citation


class Timeline(BaseModel):
    entity: str  # the entity or regulation id
    label: str
    status: str | None
    as_of: str | None
    events: list[TimelineEvent]


@dataclass(frozen=True, slots=True)
class _Event:
    """An event as the index keeps it: no text (the citation is made when asked for)."""
    subject: str
    date: str
    date_source: str
    type: str
    passage_id: str
    start: int  # the sentence's offsets in the article
    end: int
    published: str | None


def _told(ev: _Event) -> tuple[str, str, str, int, str]:
    """Where an event stands in its subject's timeline: by date, then as the sources tell it
    (publication, passage, sentence); unique per (subject, date, type) bucket."""
    return (ev.date, ev.published or "", ev.passage_id, ev.start, ev.type)


class _Timelines:
    """Each subject's bucket winners in date order (``order``: (``_told``, event) pairs),
    and its events with retellings dropped, made on first read after a change (a busy
    subject has thousands of buckets; a write should not pay for dropping its retellings)."""

    def __init__(self, order: dict[str, list], winners: dict, before: _Timelines | None = None,
                 touched: set[str] = frozenset()) -> None:
        self.order = order
        self.winners = winners  # the index's view: (subject, date, type) -> event
        # dict() copies in one step: readers may be adding to the old one meanwhile.
        self._shown: dict[str, list[_Event]] = {} if before is None else dict(before._shown)
        for subject in touched:
            self._shown.pop(subject, None)

    def events(self, subject: str) -> list[_Event]:
        got = self._shown.get(subject)
        if got is None:
            got = self._shown[subject] = _drop_retellings([e for _, e in self.order.get(subject, ())])
        return got


def told_events(sentence: str, day: str | None, players) -> list[tuple[str, str, str, str]]:
    """(subject, ISO date, date source, type) of each event ``sentence`` tells, for each
    player (``players`` lists the ids a text names) or regulation it is about; ``day`` is
    the article's."""
    refs = find_references(sentence)
    regs = [r.id for r in refs]
    if not (regs or players(sentence)):
        return []
    out = []
    for when, source, etype, pos, (start, end) in sentence_events(sentence, day):
        for subject in dict.fromkeys(event_subjects(sentence, start, end, players)
                                     + regs_for(refs, pos)):
            if subject in regs and etype not in REGULATION_EVENTS:
                continue  # "TikTok Shop stopped after Permendag 31/2023": not the rule's
            out.append((subject, when, source, etype))
    return out


def passage_events(passages: Sequence[RetrievedPassage], subjects: Collection[str],
                   players) -> list[TimelineEvent]:
    """The events that ``passages`` (retrieved for a question) tell about any of
    ``subjects``, dated by their own text: what a timeline holds only in one report per
    date and type (the earliest) or dropped as a retelling, a question's passages may still
    tell in the sentence that fits it."""
    out = []
    for p in passages:
        day = (p.published or "")[:10] or None
        for s, e in sentence_spans(p.text):
            for subject, when, source, etype in told_events(p.text[s:e], day, players):
                if subject in subjects and source in ("text", "text-month", "relative"):
                    out.append(TimelineEvent(
                        date=when, date_source=source, type=etype, summary=p.text[s:e],
                        citation=Citation.of(p, 1, [(p.start + s, p.start + e)])))
                    break
    return out


def dated_sentences(passages: Sequence[RetrievedPassage]) -> list[TimelineEvent]:
    """Every sentence of ``passages`` that dates itself (``events.own_date``), whatever it is
    about, typed by its cue ("" when it names none): what happened in a stretch a question
    bounds ("between the Tanah Abang protest and the shutdown") beyond the tracked players."""
    out = []
    for p in passages:
        day = (p.published or "")[:10] or None
        for s, e in sentence_spans(p.text):
            when = own_date(p.text[s:e], day)
            if when:
                out.append(TimelineEvent(
                    date=when[0], date_source=when[1], type=event_type(p.text[s:e]) or "",
                    summary=p.text[s:e], citation=Citation.of(p, 1, [(p.start + s, p.start + e)])))
    return out


class TimelineIndex(PerArticle):
    """Events per subject (entity id or regulation id); follows the store's changes by
    article (``rag.store.changes``). Holds compact records (dates, types, offsets); a subject's
    events get their sentences and citations from the store when asked for."""

    def __init__(self, store: PantauStore, gazetteer: Gazetteer) -> None:
        super().__init__(store)
        self.gazetteer = gazetteer

    def recipe(self) -> str:
        """The gazetteer the events were found with (a snapshot made with another is
        rebuilt: rag.store.snapshots)."""
        entities = sorted((e.id, e.kind, e.names, e.aliases)
                          for e in self.gazetteer.entities.values())
        return hashlib.sha256(repr(entities).encode()).hexdigest()[:16]

    def extract(self, pid: str, text: str, meta: dict) -> list[_Event] | None:
        """Each event the passage states, for each subject it is about."""
        out = []
        day = (meta.get("published") or "")[:10] or None
        base = int(meta["start"])
        for s, e in sentence_spans(text):
            for subject, when, source, etype in told_events(text[s:e], day,
                                                            self.gazetteer.ids_in):
                out.append(_Event(subject, when, source, etype, pid, base + s, base + e,
                                  meta.get("published") or None))
        return out or None

    def keys(self, found: list[_Event]) -> set[tuple[str, str, str]]:
        """Its buckets: (subject, date, type). A write re-aggregates only the buckets its
        article has events in, not every report of a subject (on the 100k benchmark store
        the busiest subject has over 5,000 buckets)."""
        return {(e.subject, e.date, e.type) for e in found}

    def order(self, found: list[_Event]) -> tuple[str, str]:
        return (found[0].published or "", found[0].passage_id)

    def aggregate_key(self, bucket: tuple[str, str, str],
                      items: list[list[_Event]]) -> _Event | None:
        """A subject's event of one date and type: the earliest report of it."""
        best = None
        for found in items:
            for ev in found:
                if ((ev.subject, ev.date, ev.type) == bucket
                        and (best is None or (ev.published or "9") < (best.published or "9"))):
                    best = ev
        return best

    def derive(self, view: dict, changed: set, before: _Timelines | None) -> _Timelines:
        """Each subject's bucket winners in date order; only the subjects of ``changed``
        buckets change, each by taking out its old winners and putting in the new ones."""
        if before is None:
            order: dict[str, list] = {}
            for key, ev in view.items():
                order.setdefault(key[0], []).append((_told(ev), ev))
            for line in order.values():
                line.sort()
            return _Timelines(order, view)
        touched: dict[str, list[tuple[str, str, str]]] = {}
        for key in changed:
            touched.setdefault(key[0], []).append(key)
        order = dict(before.order)
        for subject, keys in touched.items():
            line = list(order.get(subject, ()))
            for key in keys:
                old = before.winners.get(key)
                if old is not None:
                    del line[bisect.bisect_left(line, (_told(old),))]
                if key in view:
                    bisect.insort(line, (_told(view[key]), view[key]))
            if line:
                order[subject] = line
            else:
                order.pop(subject, None)
        return _Timelines(order, view, before, set(touched))

    def by_subject(self) -> dict[str, list[_Event]]:
        """Every subject's events (compact records) as the store is now: made for each
        subject, so for tests and diagnostics; readers ask ``derived().events(subject)``."""
        tl = self.derived()
        return {subject: tl.events(subject) for subject in tl.order}

    def events(self, subject: str, since: str | None = None,
               until: str | None = None) -> list[TimelineEvent]:
        """The subject's events in date order, optionally within [since, until] (empty
        when there are none); each with its sentence and citation."""
        evs = [e for e in self.derived().events(subject)
               if (since is None or e.date >= since) and (until is None or e.date <= until)]
        if not evs:
            return []
        ids = list(dict.fromkeys(e.passage_id for e in evs))
        passages = {p.passage_id: p for p in self.store.get_passages(ids, [1.0] * len(ids))}
        out = []
        for e in evs:
            p = passages.get(e.passage_id)
            if p is None:  # deleted since the view was made: the next view drops it
                continue
            cite = Citation.of(p, 1, [(e.start, e.end)])
            out.append(TimelineEvent(date=e.date, date_source=e.date_source, type=e.type,
                                     summary=p.text[e.start - p.start:e.end - p.start],
                                     citation=cite))
        return out

    def types_before(self, subject: str, day: str) -> set[str]:
        """The event types the subject's timeline has before ``day`` (ISO)."""
        return {e.type for e in self.derived().events(subject) if e.date < day}

    def subjects(self) -> list[str]:
        """Every entity or regulation id that has events."""
        return sorted(self.derived().order)

    def timeline(self, subject: str, until: str | None = None) -> Timeline | None:
        """The subject's timeline (events up to ``until`` when given), or None if unknown."""
        evs = self.events(subject, until=until)
        ent = self.gazetteer.entities.get(subject)
        if not evs and ent is None:
            return None
        evs = [e.model_copy(update={"citation": e.citation.model_copy(update={"marker": i + 1})})
               for i, e in enumerate(evs)]
        last = evs[-1] if evs else None
        return Timeline(entity=subject, label=ent.label if ent else subject,
                        status=last.type if last else None, as_of=last.date if last else None,
                        events=evs)


def _drop_retellings(events: list[TimelineEvent]) -> list[TimelineEvent]:
    """Drop what retells an event instead of adding one: an article-dated event of a type
    the text already dated earlier ("two years after TikTok Shop was shut ..."), and a
    month-precision event ("pada Oktober 2023") when that month has the same type to the day.
    """
    dated: dict[str, str] = {}
    days = {(e.type, e.date[:7]) for e in events if e.date_source in ("text", "relative")}
    for e in events:
        if e.date_source != "article":
            dated.setdefault(e.type, e.date)
    return [e for e in events
            if not (e.date_source == "article" and e.type in dated and dated[e.type] < e.date)
            and not (e.date_source == "text-month" and (e.type, e.date[:7]) in days)
            and not (e.date_source == "text-year" and any(t == e.type and d.startswith(e.date[:4])
                                                          for t, d in days))]


TYPE_LABELS = {
    "id": {"stopped": "berhenti / ditutup", "resumed": "beroperasi kembali",
           "acquired": "diakuisisi / mengakuisisi", "merged": "bergabung / bermigrasi",
           "fined": "dikenai denda", "revised": "direvisi", "in_force": "berlaku",
           "enacted": "diterbitkan", "planned": "direncanakan", "announced": "diumumkan"},
    "en": {"stopped": "stopped / closed", "resumed": "resumed / reopened",
           "acquired": "acquired / acquiring", "merged": "merged / migrated", "fined": "fined",
           "revised": "revised", "in_force": "in force", "enacted": "enacted",
           "planned": "planned", "announced": "announced"},
}
