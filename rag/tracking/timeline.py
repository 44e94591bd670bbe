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
from typing import NamedTuple

from pydantic import BaseModel

from rag.regulations import find_references
from rag.store.perarticle import PerArticle
from rag.store.store import PantauStore
from rag.text import open_quote
from rag.types import Citation, RetrievedPassage

from .entities import Gazetteer
from .events import (POINTS_BACK, REGULATION_EVENTS, STRONG, Anchor, anchored_spans,
                     event_subjects, event_type, has_cue, own_date, regs_for, sentence_events)
from .packing import EventPacker
from .retellings import drop_retellings

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


class Event(NamedTuple):
    """An event as the index keeps it: where its sentence stands and what choosing among
    events needs to know of that sentence, without its text. ``read`` (``TimelineIndex.read``
    for the index's, ``read_told`` for those made from passages at hand) gives the chosen
    ones their sentences and citations, so a subject with thousands of reports costs one
    read of the few shown, not of them all. A tuple: a snapshot of a million of them loads
    several times faster than the same as (slotted) class instances."""
    subject: str
    date: str
    date_source: str
    type: str
    passage_id: str
    start: int  # the sentence's offsets in the article
    end: int
    published: str | None
    whole: bool = True  # no quotation cut at a sentence break (``rag.text.open_quote``)
    names_rule: bool = False  # the sentence names a regulation
    named: tuple[str, ...] = ()  # the subjects it names, when more than one
    told: TimelineEvent | None = None  # already read (from a question's passages)

    @property
    def key(self) -> tuple[str, int]:
        """The sentence it is told by: (passage, start in the article)."""
        return self.passage_id, self.start

    @classmethod
    def of(cls, e: TimelineEvent, subject: str = "", named: Sequence[str] = ()) -> "Event":
        """The compact form of an event already read (its text kept as ``told``)."""
        hl = e.citation.highlights
        start, end = hl[0] if hl else (e.citation.start, e.citation.end)
        return cls(subject, e.date, e.date_source, e.type, e.citation.passage_id, start, end,
                   e.citation.published, *sentence_features(e.summary, named), told=e)


def sentence_features(sentence: str, named: Sequence[str] = ()) -> tuple[bool, bool, tuple]:
    """What choosing among events asks of an event's sentence (``Event``): whether its
    quotes are whole, whether it names a regulation, and the subjects it names (``named``)
    when more than one."""
    named = tuple(dict.fromkeys(named))
    return not open_quote(sentence), bool(find_references(sentence)), (
        named if len(named) > 1 else ())


def read_told(events: Sequence[Event]) -> list[TimelineEvent]:
    """The sentences and citations of events made from passages already at hand."""
    return [e.told for e in events if e.told is not None]


@dataclass
class Line:
    """A subject's events, oldest first, as the index keeps them (``Event``); answers
    choose among them and read only the chosen (``TimelineIndex.read``)."""
    entity: str
    label: str
    events: list[Event]


def _told(ev: Event) -> tuple[str, str, str, int, str]:
    """Where an event stands in its subject's timeline: by date, then as the sources tell it
    (publication, passage, sentence); unique per (subject, date, type) bucket."""
    return (ev.date, ev.published or "", ev.passage_id, ev.start, ev.type)


class _Timelines:
    """Each subject's bucket winners in date order (``order``: by ``_told``),
    and its events with retellings dropped, made on first read after a change (a busy
    subject has thousands of buckets; a write should not pay for dropping its retellings)."""

    def __init__(self, order: dict[str, list], winners: dict, before: _Timelines | None = None,
                 touched: set[str] = frozenset()) -> None:
        self.order = order
        self.winners = winners  # the index's view: (subject, date, type) -> event
        # dict() copies in one step: readers may be adding to the old one meanwhile.
        self._shown: dict[str, list[Event]] = {} if before is None else dict(before._shown)
        for subject in touched:
            self._shown.pop(subject, None)

    def events(self, subject: str) -> list[Event]:
        got = self._shown.get(subject)
        if got is None:
            got = self._shown[subject] = drop_retellings(list(self.order.get(subject, ())))
        return got

    def __getstate__(self) -> dict:
        """Pickled (in a snapshot) with every subject's events made: a process that starts
        from it reads a subject's newest events without going through all of them first
        (and workers forked after a preload share these lists)."""
        return {"order": self.order, "winners": self.winners,
                "_shown": {subject: self.events(subject) for subject in self.order}}


def told_events(sentence: str, day: str | None, players, before: Sequence[str] = (),
                named: Sequence[str] | None = None,
                anchor: Anchor = None) -> list[tuple[str, str, str, str]]:
    """(subject, ISO date, date source, type) of each event ``sentence`` tells, for each
    player (``players`` lists the ids a text names) or regulation it is about; ``day`` is
    the article's. A sentence that names none but points back to what came before it
    ("Hingga Februari 2024, migrasi tersebut ...", "The move was completed in March") tells,
    in a strong event it dates itself, about the players the sentence before it named
    (``before``). ``named``: ``players(sentence)``, when the caller has it already;
    ``anchor``: the full date the passage gave before it (``events.event_date``)."""
    if not has_cue(sentence):
        return []  # tells no event (what sentence_events would find)
    refs = find_references(sentence)
    regs = [r.id for r in refs]
    if not (regs or (players(sentence) if named is None else named)):
        if not (before and POINTS_BACK.search(sentence)):
            return []
        return [(subject, when, source, etype)
                for when, source, etype, _, _ in sentence_events(sentence, day, anchor)
                if etype in STRONG and source in ("text", "text-month")
                for subject in before]
    out = []
    for when, source, etype, pos, (start, end) in sentence_events(sentence, day, anchor):
        for subject in dict.fromkeys(event_subjects(sentence, start, end, players)
                                     + regs_for(refs, pos)):
            if subject in regs and etype not in REGULATION_EVENTS:
                continue  # "TikTok Shop stopped after Permendag 31/2023": not the rule's
            out.append((subject, when, source, etype))
    return out


def passage_events(passages: Sequence[RetrievedPassage], subjects: Collection[str],
                   players) -> list[Event]:
    """The events that ``passages`` (retrieved for a question) tell about any of
    ``subjects``, dated by their own text: what a timeline holds only in one report per
    date and type (the earliest) or dropped as a retelling, a question's passages may still
    tell in the sentence that fits it."""
    out = []
    for p in passages:
        day = (p.published or "")[:10] or None
        before: list[str] = []
        for s, e, anchor in anchored_spans(p.text):
            sentence = p.text[s:e]
            names = players(sentence)
            found = told_events(sentence, day, players, before, names, anchor)
            before = names
            for subject, when, source, etype in found:
                if subject in subjects and source in ("text", "text-month", "relative"):
                    told = TimelineEvent(
                        date=when, date_source=source, type=etype, summary=sentence,
                        citation=Citation.of(p, 1, [(p.start + s, p.start + e)]))
                    out.append(Event.of(told, subject, _named(sentence, players)))
                    break
    return out


def dated_sentences(passages: Sequence[RetrievedPassage]) -> list[Event]:
    """Every sentence of ``passages`` that dates itself (``events.own_date``), whatever it is
    about, typed by its cue ("" when it names none): what happened in a stretch a question
    bounds ("between the Tanah Abang protest and the shutdown") beyond the tracked players."""
    out = []
    for p in passages:
        day = (p.published or "")[:10] or None
        for s, e, anchor in anchored_spans(p.text):
            when = own_date(p.text[s:e], day, anchor)
            if when:
                out.append(Event.of(TimelineEvent(
                    date=when[0], date_source=when[1], type=event_type(p.text[s:e]) or "",
                    summary=p.text[s:e],
                    citation=Citation.of(p, 1, [(p.start + s, p.start + e)]))))
    return out


def _named(sentence: str, players) -> list[str]:
    """The tracked players and the regulations a sentence names."""
    return players(sentence) + [r.id for r in find_references(sentence)]


class TimelineIndex(PerArticle):
    """Events per subject (entity id or regulation id); follows the store's changes by
    article (``rag.store.changes``). Holds compact records (dates, types, offsets); a subject's
    events get their sentences and citations from the store when asked for."""

    def __init__(self, store: PantauStore, gazetteer: Gazetteer) -> None:
        super().__init__(store)
        self.gazetteer = gazetteer
        self._packer = EventPacker(Event)

    def recipe(self) -> str:
        """The gazetteer the events were found with (a snapshot made with another is
        rebuilt: rag.store.snapshots)."""
        entities = sorted((e.id, e.kind, e.names, e.aliases)
                          for e in self.gazetteer.entities.values())
        return hashlib.sha256(repr(entities).encode()).hexdigest()[:16]

    def extract(self, pid: str, text: str, meta: dict) -> list[Event] | None:
        """Each event the passage states, for each subject it is about."""
        out = []
        day = (meta.get("published") or "")[:10] or None
        base = int(meta["start"])
        players = self.gazetteer.ids_in
        one = self._packer.one  # values shared by every event that has them
        before: list[str] = []  # the players the sentence before named
        for s, e, anchor in anchored_spans(text):  # anchor: see events.event_date
            names = players(text[s:e])
            told = told_events(text[s:e], day, players, before, names, anchor)
            before = names
            if told:
                whole, names_rule, named = sentence_features(text[s:e],
                                                             _named(text[s:e], players))
            for subject, when, source, etype in told:
                out.append(Event(one(subject), one(when), one(source), one(etype), pid,
                                 base + s, base + e, meta.get("published") or None, whole,
                                 names_rule, one(named)))
        return out or None

    def pack(self, items: list[list[Event]]) -> tuple:
        """An article's events as two objects (``rag.tracking.packing``)."""
        return self._packer.pack(items)

    def unpack(self, packed: tuple) -> list[list[Event]]:
        return self._packer.unpack(packed)

    def keys(self, found: list[Event]) -> set[tuple[str, str, str]]:
        """Its buckets: (subject, date, type). A write re-aggregates only the buckets its
        article has events in, not every report of a subject (on the 100k benchmark store
        the busiest subject has over 5,000 buckets)."""
        return {self._packer.one((e.subject, e.date, e.type)) for e in found}

    def order(self, found: list[Event]) -> tuple[str, str]:
        return (found[0].published or "", found[0].passage_id)

    def aggregate_key(self, bucket: tuple[str, str, str],
                      items: list[list[Event]]) -> Event | None:
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
                order.setdefault(key[0], []).append(ev)
            for line in order.values():
                line.sort(key=_told)
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
                    del line[bisect.bisect_left(line, _told(old), key=_told)]
                if key in view:
                    bisect.insort(line, view[key], key=_told)
            if line:
                order[subject] = line
            else:
                order.pop(subject, None)
        return _Timelines(order, view, before, set(touched))

    def keep(self, derived: _Timelines | None) -> _Timelines | None:
        """Each subject's date order and shown events, so a restore does not sort a million
        events again nor drop their retellings (lists of the view's own events: pickled
        once, as references)."""
        return derived

    def reuse(self, view: dict, kept: _Timelines) -> _Timelines:
        if kept.winners is not view:
            raise ValueError("timelines kept for another view")
        return kept

    def by_subject(self) -> dict[str, list[Event]]:
        """Every subject's events (compact records) as the store is now: made for each
        subject, so for tests and diagnostics; readers ask ``derived().events(subject)``."""
        tl = self.derived()
        return {subject: tl.events(subject) for subject in tl.order}

    def line(self, subject: str, since: str | None = None,
             until: str | None = None) -> Line | None:
        """The subject's events in date order, within [since, until] when given, as kept
        (``Event``: read the chosen with ``read``); None when the subject is neither tracked
        nor has events."""
        evs = _within(self.derived().events(subject), since, until)
        ent = self.gazetteer.entities.get(subject)
        if not evs and ent is None:
            return None
        return Line(subject, ent.label if ent else subject, evs)

    def read(self, events: Sequence[Event], aligned: bool = False) -> list:
        """``events`` with their sentences and citations (``TimelineEvent``), in the order
        given: one read of the store for those not read yet. An event whose passage is gone
        is left out (None in its place when ``aligned``)."""
        ids = list(dict.fromkeys(e.passage_id for e in events if e.told is None))
        passages = {p.passage_id: p for p in self.store.get_passages(ids, [1.0] * len(ids))}
        out = []
        for e in events:
            if e.told is not None:
                out.append(e.told)
                continue
            p = passages.get(e.passage_id)
            if p is None:  # deleted since the view was made: the next view drops it
                if aligned:
                    out.append(None)
                continue
            out.append(TimelineEvent(date=e.date, date_source=e.date_source, type=e.type,
                                     summary=p.text[e.start - p.start:e.end - p.start],
                                     citation=Citation.of(p, 1, [(e.start, e.end)])))
        return out

    def since(self, day: str, only: str | None = None) -> dict[str, list[Event]]:
        """Each subject's events on or after ``day`` (ISO; ``only`` one subject's), without
        those that retell old news: an event dated only by its article, of a type its
        subject had before ``day`` ("TikTok joined Tokopedia in late 2023", in a 2025 piece).
        As kept (``Event``); one view of the index for all subjects."""
        tl = self.derived()
        out = {}
        for subject in ([only] if only else tl.order):
            evs = tl.events(subject)
            new = _within(evs, day, None)
            before = {e.type for e in evs if e.date < day}
            new = [e for e in new if not (e.date_source == "article" and e.type in before)]
            if new:
                out[subject] = new
        return out

    def subjects(self) -> list[str]:
        """Every entity or regulation id that has events."""
        return sorted(self.derived().order)

    def timeline(self, subject: str, until: str | None = None) -> Timeline | None:
        """The subject's timeline (events up to ``until`` when given), or None if unknown;
        every event read, numbered in date order."""
        line = self.line(subject, until=until)
        if line is None:
            return None
        evs = self.read(line.events)
        evs = [e.model_copy(update={"citation": e.citation.model_copy(update={"marker": i + 1})})
               for i, e in enumerate(evs)]
        last = evs[-1] if evs else None
        return Timeline(entity=subject, label=line.label, status=last.type if last else None,
                        as_of=last.date if last else None, events=evs)


def _within(events: list[Event], since: str | None, until: str | None) -> list[Event]:
    if since is None and until is None:
        return events
    return [e for e in events
            if (since is None or e.date >= since) and (until is None or e.date <= until)]


TYPE_LABELS = {
    "id": {"stopped": "berhenti / ditutup", "resumed": "beroperasi kembali",
           "acquired": "diakuisisi / mengakuisisi", "merged": "bergabung / bermigrasi",
           "fined": "dikenai denda", "layoffs": "memangkas karyawan (PHK)", "revised": "direvisi",
           "in_force": "berlaku", "enacted": "diterbitkan", "planned": "direncanakan",
           "announced": "diumumkan"},
    "en": {"stopped": "stopped / closed", "resumed": "resumed / reopened",
           "acquired": "acquired / acquiring", "merged": "merged / migrated", "fined": "fined",
           "layoffs": "laid off staff", "revised": "revised", "in_force": "in force",
           "enacted": "enacted", "planned": "planned", "announced": "announced"},
}
