"""Stories from the timelines: a chronology and what is new since a date.

Both pick at most ``MAX_ITEMS`` events, one a day, told by the sentence that stands alone
best, spread over the stretch asked for (``_few_in_time``).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from datetime import date

from rag.dates import STRETCH_CLOSES, STRETCH_OPENS, format_date
from rag.regulations import reference_ids
from rag.text import terms
from rag.tracking.events import asked_event_type
from rag.tracking.timeline import Timeline, TimelineEvent
from rag.tracking.updates import Updates
from rag.types import Answer

from .asked import open_quote, strip_references
from .routed import MAX_ITEMS, Item, compose, event_span
from .tracked import event_when

_CHRONO_LEAD = {"id": "Kronologi {label} menurut sumber, dari yang terlama:",
                "en": "Timeline of {label} as the sources tell it, oldest first:"}


def chronology_answer(timelines: Sequence[Timeline], lang: str, question: str = "",
                      window: tuple[date | None, date | None] | None = None,
                      told: Sequence[TimelineEvent] = (),
                      names: Callable[[str], Collection[str]] | None = None,
                      dated: Sequence[TimelineEvent] = ()) -> Answer | None:
    """The dated events of one or more subjects (their timelines, and ``told``: what the
    question's passages tell about them), merged oldest first, each sentence once and one
    per day, within ``window`` (first and last day, either open) or the stretch the question
    names by its events ("sejak ditutup", "between the shutdown and the return"). More than
    ``MAX_ITEMS``: those dated by their own sentence first, thinned evenly in time.
    ``dated``: every self-dated sentence of the question's passages; they place a bound the
    question names by what happened ("the Tanah Abang protest") and, in a stretch closed on
    both sides, tell what else happened in it."""
    events: dict[tuple[str, int], TimelineEvent] = {}
    told_by: dict[tuple[str, int], int] = {}  # how many of the subjects' timelines hold it
    for tl in timelines:
        for e in tl.events:
            key = (e.citation.passage_id, event_span(e)[0])
            events.setdefault(key, e)
            told_by[key] = told_by.get(key, 0) + 1
    for e in told:
        events.setdefault((e.citation.passage_id, event_span(e)[0]), e)
    # Two subjects ("kasus KPPU vs TikTok"): the story is the events that involve both
    # (in both timelines, or a sentence naming both: ``names`` lists the subjects a text
    # names), when there are such.
    subjects = {tl.entity for tl in timelines}
    both = [e for k, e in events.items() if told_by.get(k, 0) > 1 or (
        len(subjects) > 1 and names is not None and len(subjects & set(names(e.summary))) > 1)]
    found = sorted(both if len(both) >= 2 else events.values(), key=_told_order)
    first, last = _bounds(question, found, window, dated)
    about = {(e.citation.passage_id, event_span(e)[0]) for e in found}  # the subjects' own
    if first and last:  # a closed stretch: what happened in it, whoever it was about
        found += [e for e in dated if (e.citation.passage_id, event_span(e)[0]) not in about]
    found = sorted((e for e in found if (first is None or e.date[:10] >= first)
                    and (last is None or e.date[:10] <= last)), key=_told_order)
    found = _few_in_time(found, lambda e: (e.citation.passage_id, event_span(e)[0]) in about)
    if not found:
        return None
    label = " / ".join(tl.label for tl in timelines)
    items = [Item(e.summary, e.citation, event_span(e), prefix=f"{event_when(e, lang)}: ")
             for e in found]
    return compose(_CHRONO_LEAD[lang].format(label=label), items, lang, "chronology")


def _few_in_time(events: list[TimelineEvent],
                 own: Callable[[TimelineEvent], bool] = lambda e: True) -> list[TimelineEvent]:
    """At most ``MAX_ITEMS`` of ``events`` (oldest first): one a day (the subjects' ``own``
    events before others that day), no week-later retelling;
    more than that, those dated by their own sentence first, those dated only by their
    article (a retelling that gives no date) filling the rest, thinned evenly in time keeping
    the first and the last."""
    found = _one_per_day(sorted(events, key=_told_order), own)
    if len(found) <= MAX_ITEMS:
        return found
    dated = [e for e in found if e.date_source != "article"]
    rest = [e for e in found if e.date_source == "article"]
    found = dated if len(dated) >= MAX_ITEMS else dated + rest[:MAX_ITEMS - len(dated)]
    found.sort(key=_told_order)
    if len(found) > MAX_ITEMS:
        step = (len(found) - 1) / (MAX_ITEMS - 1)
        found = [found[round(i * step)] for i in range(MAX_ITEMS)]
    return found


def _told_order(e: TimelineEvent) -> tuple[str, str]:
    return e.date, e.citation.published or ""


#: "sejak ditutup sampai balik lagi", "between the shutdown and the return", "since it
#: reopened": a stretch bounded by events the question names by what happened.
_FROM_EVENT = re.compile(
    rf"\b(?:{STRETCH_OPENS}|between|antara)\s+(?P<a>[^,.?!]{{3,60}}?)"
    rf"(?:\s+(?:{STRETCH_CLOSES}|and|dan)\s+(?P<b>[^,.?!]{{3,60}}?))?\s*(?:[,.?!]|$)", re.I)
_UNTIL_EVENT = re.compile(rf"\b(?:{STRETCH_CLOSES})\s+(?P<b>[^,.?!]{{3,60}}?)\s*(?:[,.?!]|$)",
                          re.I)


def _bounds(question: str, events: Sequence[TimelineEvent],
            window: tuple[date | None, date | None] | None,
            dated: Sequence[TimelineEvent] = ()) -> tuple[str | None, str | None]:
    """The first and last ISO day to keep: the window's, else the dates of what the question
    bounds the story by (``_placed``); open where it names none."""
    if window:
        return tuple(d.isoformat() if d else None for d in window)  # type: ignore[return-value]
    m = _FROM_EVENT.search(question)
    first = _placed(m["a"], events, dated) if m else None
    closing_text = m["b"] if m and m["b"] else None
    if closing_text is None:
        u = _UNTIL_EVENT.search(question)
        closing_text = u["b"] if u else None
    last = _placed(closing_text, events, dated, first) if closing_text else None
    return first, last


def _placed(phrase: str, events: Sequence[TimelineEvent], dated: Sequence[TimelineEvent],
            after: str | None = None) -> str | None:
    """The ISO day of what ``phrase`` names (on or after ``after``): the first event of the
    type it names ("the shutdown", "sejak ditutup"), else the first self-dated sentence that
    says at least two of its words and two thirds of them ("the Tanah Abang protest": "On
    September 21, traders at Tanah Abang protested ...")."""
    def later(e: TimelineEvent) -> bool:
        return after is None or e.date[:10] >= after
    kind = asked_event_type(phrase)
    if kind:
        return next((e.date[:10] for e in events if e.type == kind and later(e)), None)
    # A regulation named as a bound is one of the story's subjects, not a happening.
    words = {t for lg in ("id", "en") for t in terms(strip_references(phrase), lg)}
    need = max(2, -(-2 * len(words) // 3))
    for e in sorted(dated, key=_told_order):
        said = {t for lg in ("id", "en") for t in terms(e.summary, lg)}
        if len(words & said) >= need and later(e):
            return e.date[:10]
    return None


#: Days within which a report dated only by its article retells an event of the same type
#: (the next days' coverage of one fine or closure).
RETELLING_DAYS = 7


def _one_per_day(events: list[TimelineEvent],
                 own: Callable[[TimelineEvent], bool] = lambda e: True) -> list[TimelineEvent]:
    """One event a day: the first told of the day's best (the subjects' ``own`` first, then
    ``_stands_alone``); and no report dated only by its article of an event of the same type
    in the week before."""
    by_day: dict[str, TimelineEvent] = {}
    for e in events:
        kept = by_day.get(e.date)
        if kept is None or (own(e), *_stands_alone(e)) > (own(kept), *_stands_alone(kept)):
            by_day[e.date] = e
    out: list[TimelineEvent] = []
    for e in by_day.values():
        if e.date_source == "article" and any(
                k.type == e.type and 0 < _days(k.date, e.date) <= RETELLING_DAYS for k in out):
            continue
        out.append(e)
    return out


def _stands_alone(e: TimelineEvent) -> tuple[bool, bool, bool]:
    """How well an event's sentence tells it on its own: dated by itself (not only by its
    article), no quote cut at a sentence break, naming the regulation it is about ("In
    January 2026 the ministry was drafting a revision of Permendag 31/2023 ..." over "the
    talks on the draft revision were still going on in January 2026")."""
    return (e.date_source != "article", not open_quote(e.summary),
            bool(reference_ids(e.summary)))


def _days(a: str, b: str) -> int:
    return (date.fromisoformat(b[:10]) - date.fromisoformat(a[:10])).days


# -- what's new ---------------------------------------------------------------------------------
_NEW_LEAD = {"id": "Sejak {date}, menurut sumber:", "en": "Since {date}, according to the sources:"}


def whats_new_answer(updates: Updates, lang: str) -> Answer | None:
    """What happened since ``updates.since``: the subjects' events merged (each sentence
    once), chosen as a chronology's are (``_few_in_time``: one a day, spread over the
    stretch), told oldest first."""
    events: dict[tuple[str, int], TimelineEvent] = {}
    for g in updates.groups:
        for e in g.events:
            if e.date >= updates.since:
                events.setdefault((e.citation.passage_id, event_span(e)[0]), e)
    found = _few_in_time(list(events.values()))
    if not found:
        return None
    items = [Item(e.summary, e.citation, event_span(e), prefix=f"{event_when(e, lang)}: ")
             for e in found]
    lead = _NEW_LEAD[lang].format(date=format_date(updates.since, lang))
    return compose(lead, items, lang, "whats_new")
