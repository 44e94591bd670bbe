"""Stories from the timelines: a chronology and what is new since a date.

Both pick at most ``MAX_ITEMS`` events, one a day, told by the sentence that stands alone
best, spread over the stretch asked for (``_few_in_time``).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from rag.amounts import amounts
from rag.dates import STRETCH_CLOSES, STRETCH_OPENS, days_between, format_date, periods
from rag.regulations import strip_references
from rag.retrieval.glossary import Glossary
from rag.text import terms
from rag.tracking.events import asked_event_type, cause_types
from rag.tracking.timeline import Event, Line, TimelineEvent, read_told
from rag.types import Answer

from .gist import gist, same_gist
from .routed import MAX_ITEMS, Item, compose, event_span
from .tracked import event_when

_CHRONO_LEAD = {"id": "Kronologi {label} menurut sumber, dari yang terlama:",
                "en": "Timeline of {label} as the sources tell it, oldest first:"}
#: A story of no tracked subject ("how the import rules changed during 2024"): what the
#: question's passages date within the period it names.
_TOPIC_LEAD = {"id": "Kronologi menurut sumber, dari yang terlama:",
               "en": "Timeline as the sources tell it, oldest first:"}


def chronology_answer(lines: Sequence[Line], lang: str, question: str = "",
                      window: tuple[date | None, date | None] | None = None,
                      told: Sequence[Event] = (), dated: Sequence[Event] = (),
                      read: Callable[[Sequence[Event]], list[TimelineEvent]] = read_told,
                      glossary: Glossary | None = None) -> Answer | None:
    """The dated events of one or more subjects (their ``lines``, and ``told``: what the
    question's passages tell about them), merged oldest first, each sentence once and one
    per day, within ``window`` (first and last day, either open) or the stretch the question
    names by its events ("sejak ditutup", "between the shutdown and the return"). More than
    ``MAX_ITEMS``: those dated by their own sentence first, thinned evenly in time.
    ``dated``: every self-dated sentence of the question's passages; they place a bound the
    question names by what happened ("the Tanah Abang protest") and, in a stretch closed on
    both sides, tell what else happened in it. Only the events shown and a few more are
    ``read``: those that retell a happening another tells better are left out
    (``_one_telling``; the ``glossary`` tells what a sentence says, language aside)."""
    events: dict[tuple[str, int], Event] = {}
    told_by: dict[tuple[str, int], int] = {}  # how many of the subjects' timelines hold it
    for line in lines:
        for e in line.events:
            events.setdefault(e.key, e)
            told_by[e.key] = told_by.get(e.key, 0) + 1
    for e in told:
        events.setdefault(e.key, e)
    # Two subjects ("kasus KPPU vs TikTok"): the story is the events that involve both
    # (in both timelines, or a sentence naming both), when there are such.
    subjects = {line.entity for line in lines}
    both = [e for k, e in events.items()
            if told_by.get(k, 0) > 1 or (len(subjects) > 1 and len(subjects & set(e.named)) > 1)]
    if len(both) >= 2:
        # ... and what those events were for, the first time it was told ("fined for
        # notifying its acquisition late": the acquisition)
        named = {k for t in read(both[:MAX_ITEMS]) for k in cause_types(t.summary)
                 if k != t.type}
        start = min(e.date for e in both)
        for kind in named:
            before = [e for e in events.values() if e.type == kind and e.date < start]
            both += [min(before, key=_told_order)] if before else []
    everything = sorted(events.values(), key=_told_order)
    found = sorted(both, key=_told_order) if len(both) >= 2 else everything
    # the bounds are placed by any subject's events ("between X being signed and Y
    # stopping": X's signing is no event of both)
    first, last = _bounds(question, everything, window, dated)
    if first and last:  # a closed stretch: what happened in it, whoever it was about
        about = {e.key for e in everything}  # the subjects' own
        found = everything + [e for e in dated if e.key not in about]
    else:
        about = {e.key for e in found}
    found = sorted((e for e in found if (first is None or e.date[:10] >= first)
                    and (last is None or e.date[:10] <= last)), key=_told_order)
    found = _shown(found, read, glossary, lambda e: e.key in about)
    if not found:
        return None
    label = " / ".join(line.label for line in lines)
    items = [Item(e.summary, e.citation, event_span(e), prefix=f"{event_when(e, lang)}: ")
             for e in found]
    lead = _CHRONO_LEAD[lang].format(label=label) if label else _TOPIC_LEAD[lang]
    return compose(lead, items, lang, "chronology")


#: How many events a story reads for each it shows: the retellings among them are left out.
READ_AHEAD = 3


def _shown(events: list[Event], read: Callable[[Sequence[Event]], list[TimelineEvent]],
           glossary: Glossary | None, own: Callable[[Event], bool] = lambda e: True
           ) -> list[TimelineEvent]:
    """The events a story shows (at most ``MAX_ITEMS``, oldest first): a few times as many
    chosen as they would be (``_few_in_time``) and read, each happening told once
    (``_one_telling``), then the few among them the same way."""
    told = _one_telling(read(_few_in_time(events, own, READ_AHEAD * MAX_ITEMS)), glossary)
    return _few(told, lambda e: e.date_source != "article")


def _few_in_time(events: list[Event], own: Callable[[Event], bool] = lambda e: True,
                 most: int = MAX_ITEMS) -> list[Event]:
    """At most ``most`` of ``events`` (oldest first): one a day (the subjects' ``own``
    events before others that day), no week-later retelling; more than that: ``_few``."""
    return _few(_one_per_day(sorted(events, key=_told_order), own),
                lambda e: e.date_source != "article", most)


def _few(found: list, dated: Callable, most: int = MAX_ITEMS) -> list:
    """At most ``most`` of ``found`` (oldest first, ``Event`` or ``TimelineEvent``): those
    ``dated`` by their own sentence first, those dated only by their article (a retelling
    that gives no date) filling the rest, each part thinned evenly in time keeping its first
    and last (the end of a story is often told only in passing)."""
    if len(found) <= most:
        return list(found)
    own = [e for e in found if dated(e)]
    rest = [e for e in found if not dated(e)]
    kept = _evenly(own, most) + _evenly(rest, most - min(len(own), most))
    order = {id(e): i for i, e in enumerate(found)}
    return sorted(kept, key=lambda e: order[id(e)])


def _evenly(items: list, n: int) -> list:
    """``n`` of ``items`` spread evenly over them, the first and the last among them."""
    if n <= 0:
        return []
    if len(items) <= n:
        return list(items)
    if n == 1:
        return items[:1]
    step = (len(items) - 1) / (n - 1)
    return [items[round(i * step)] for i in range(n)]


#: Which telling of one happening dates it best: the text's own day, then the day of an
#: article that reports it (within the month or the year another telling gives), then a
#: month, a year.
_PRECISION_RANK = {"text": 0, "relative": 0, "article": 1, "text-month": 2, "text-year": 3}
_SHARE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:%|persen\b|per\s?cent\b)", re.I)


def _one_telling(told: Sequence[TimelineEvent], glossary: Glossary | None
                 ) -> list[TimelineEvent]:
    """``told`` (oldest first) with each happening told once: several outlets, days or
    languages telling one deal, fine or closure ("TikTok agreed in December to take 75.01%
    ...", "announced on Monday, Dec. 11, to buy 75.01% ... for $840 million", a report the
    next day) are one event, shown by the telling that dates it best (``_PRECISION_RANK``,
    then the earliest). Two tellings are one when their dates agree (within ``RETELLING_DAYS``; a
    month or a year holding the other's day) and they say the same (``_same_fact``)."""
    ranked = sorted(range(len(told)), key=lambda i: (
        _PRECISION_RANK.get(told[i].date_source, 3), told[i].date, i))
    facts: dict[int, tuple[set[str], set[str]]] = {}

    def said(i: int) -> tuple[set[str], set[str]]:
        if i not in facts:
            text = told[i].summary
            figures = {f"{float(m[1].replace(',', '.')):g}%" for m in _SHARE.finditer(text)}
            figures |= {f"{a.currency}{a.value:g}" for a in amounts(text)}
            facts[i] = (gist(text, glossary) if glossary is not None else set(), figures)
        return facts[i]

    kept: list[int] = []
    for i in ranked:
        if not any(_same_time(told[i], told[k])
                   and _same_fact(said(i), said(k), told[i].type == told[k].type)
                   for k in kept):
            kept.append(i)
    return [told[i] for i in sorted(kept)]


def _same_time(a: TimelineEvent, b: TimelineEvent) -> bool:
    """Whether two events' dates can be one day: within ``RETELLING_DAYS``, or one of them
    a month or a year that holds the other."""
    for x, y in ((a, b), (b, a)):
        if x.date_source == "text-month":
            return x.date[:7] == y.date[:7]
        if x.date_source == "text-year":
            return x.date[:4] == y.date[:4]
    return abs(days_between(a.date, b.date)) <= RETELLING_DAYS


def _same_fact(a: tuple[set[str], set[str]], b: tuple[set[str], set[str]],
               same_type: bool) -> bool:
    """Whether two tellings (gist, figures) say one thing: the same gist, an amount of money
    or two figures in common ("fined Rp15 miliar" in September and "ordered to pay Rp15
    miliar" on 29 September), or a share where both tell an event of one type."""
    (ga, fa), (gb, fb) = a, b
    shared = fa & fb
    return (len(shared) >= 2 or any(not f.endswith("%") for f in shared)
            or (bool(shared) and same_type) or (bool(ga) and same_gist(ga, gb)))


def _told_order(e: Event) -> tuple[str, str, str, int]:
    """By date, then as the sources told it: by publication, then where in its article."""
    return e.date, e.published or "", e.passage_id.rsplit(":", 1)[0], e.start


#: "sejak ditutup sampai balik lagi", "between the shutdown and the return", "since it
#: reopened": a stretch bounded by events the question names by what happened.
_FROM_EVENT = re.compile(
    rf"\b(?:{STRETCH_OPENS}|between|antara)\s+(?P<a>[^,.?!]{{3,60}}?)"
    rf"(?:\s+(?:{STRETCH_CLOSES}|and|dan)\s+(?P<b>[^,.?!]{{3,60}}?))?\s*(?:[,.?!]|$)", re.I)
_UNTIL_EVENT = re.compile(rf"\b(?:{STRETCH_CLOSES})\s+(?P<b>[^,.?!]{{3,60}}?)\s*(?:[,.?!]|$)",
                          re.I)


def _bounds(question: str, events: Sequence[Event],
            window: tuple[date | None, date | None] | None,
            dated: Sequence[Event] = ()) -> tuple[str | None, str | None]:
    """The first and last ISO day to keep: the window's, else the dates of what the question
    bounds the story by (``_placed``; a closing one dated by its month runs to the month's
    end); open where it names none."""
    if window:
        return tuple(d.isoformat() if d else None for d in window)  # type: ignore[return-value]
    m = _FROM_EVENT.search(question)
    opening = _placed(m["a"], events, dated) if m else None
    first = (_named_when(m["a"], opening, False) or opening.date[:10]) if opening else None
    closing_text = m["b"] if m and m["b"] else None
    if closing_text is None:
        u = _UNTIL_EVENT.search(question)
        closing_text = u["b"] if u else None
    closing = _placed(closing_text, events, dated, first) if closing_text else None
    if closing is None:
        return first, None
    return first, _named_when(closing_text, closing, True) or _last_day(closing)


#: Where a sentence's clauses part: a semicolon, or a comma before "and", "while", "but".
_CLAUSES = re.compile(r";|,\s+(?:and|while|but|whereas|dan|sedangkan|sementara|tetapi|namun)\b",
                      re.I)


def _named_when(phrase: str, e: Event, closing: bool) -> str | None:
    """The day of the clause of ``e``'s sentence that names what ``phrase`` names by name,
    where that clause dates itself: "TikTok Shop reopened on Dec. 12, 2023, and the merged
    service, Shop | Tokopedia, was declared compliant after the migration finished around
    March 2024" places "sampai jadi Shop | Tokopedia" in March 2024 (its last day when it
    closes the stretch), not on the sentence's first date."""
    runs = _name_runs(phrase)
    if not runs or e.told is None:
        return None
    text = e.told.summary
    for a, b in _spans(text):
        clause = text[a:b]
        if all(r.search(clause) for r in runs) and (found := periods(clause)):
            _, lo, hi = found[-1]
            return (hi if closing else lo).isoformat()
    return None


def _spans(text: str) -> list[tuple[int, int]]:
    cuts = [0] + [m.start() for m in _CLAUSES.finditer(text)] + [len(text)]
    return list(zip(cuts, cuts[1:]))


#: A name of several capitalised words, maybe joined by a sign ("Shop | Tokopedia",
#: "Tanah Abang").
_NAME_RUN = re.compile(r"[A-Z][\w'’-]*(?:\s*[|&/]?\s*[A-Z][\w'’-]*)+")


def _name_runs(phrase: str) -> list[re.Pattern]:
    """Patterns for the names of several words in ``phrase``, each matching those words
    in a row (any signs or spaces between): "Shop | Tokopedia" is not said by a sentence
    naming "TikTok Shop" and, later, "Tokopedia"."""
    return [re.compile(r"\b" + r"\W{1,4}".join(map(re.escape, re.findall(r"[\w'’-]+", m[0])))
                       + r"\b", re.I)
            for m in _NAME_RUN.finditer(strip_references(phrase))]


def _last_day(e: Event) -> str:
    """The last ISO day an event's date can be: a month's or a year's last for one dated
    only by its month ("pada September 2025": its day-dated tellings, the 29th, are in the
    stretch it closes) or year."""
    if e.date_source == "text-month":
        y, mo = int(e.date[:4]), int(e.date[5:7])
        return (date(y + mo // 12, mo % 12 + 1, 1) - timedelta(days=1)).isoformat()
    return f"{e.date[:4]}-12-31" if e.date_source == "text-year" else e.date[:10]


def _placed(phrase: str, events: Sequence[Event], dated: Sequence[Event],
            after: str | None = None) -> Event | None:
    """The event ``phrase`` names (on or after the ISO day ``after``): the first event of the
    type it names ("the shutdown", "sejak ditutup"), else the first self-dated sentence that
    says at least two of its words and two thirds of them ("the Tanah Abang protest": "On
    September 21, traders at Tanah Abang protested ...")."""
    def later(e: Event) -> bool:
        return after is None or e.date[:10] >= after
    kind = asked_event_type(phrase)
    if kind:
        # the first of that kind, by a sentence that dates it itself where one does (a
        # protester's "Tutup TikTok Shop" poster is no closure)
        typed = [e for e in events if e.type == kind and later(e)]
        return next((e for e in typed if e.date_source != "article"), typed[0] if typed else None)
    # A regulation named as a bound is one of the story's subjects, not a happening.
    words = {t for lg in ("id", "en") for t in terms(strip_references(phrase), lg)}
    need = max(2, -(-2 * len(words) // 3))
    runs = _name_runs(phrase)  # a name of several words is said whole
    for e in sorted(dated, key=_told_order):
        said = {t for lg in ("id", "en") for t in terms(e.told.summary, lg) if e.told}
        if (len(words & said) >= need and later(e)
                and all(r.search(e.told.summary) for r in runs if e.told)):
            return e
    return None


#: Days within which a report dated only by its article retells an event of the same type
#: (the next days' coverage of one fine or closure).
RETELLING_DAYS = 7


def _one_per_day(events: list[Event], own: Callable[[Event], bool] = lambda e: True
                 ) -> list[Event]:
    """One event a day: the first told of the day's best (the subjects' ``own`` first, then
    ``_stands_alone``); and no report dated only by its article of an event of the same type
    in the week before."""
    by_day: dict[str, Event] = {}
    for e in events:
        kept = by_day.get(e.date)
        if kept is None or (own(e), *_stands_alone(e)) > (own(kept), *_stands_alone(kept)):
            by_day[e.date] = e
    out: list[Event] = []
    for e in by_day.values():
        if e.date_source == "article" and any(
                k.type == e.type and 0 < days_between(k.date, e.date) <= RETELLING_DAYS
                for k in out):
            continue
        out.append(e)
    return out


def _stands_alone(e: Event) -> tuple[bool, bool, bool]:
    """How well an event's sentence tells it on its own: dated by itself (not only by its
    article), no quote cut at a sentence break, naming the regulation it is about ("In
    January 2026 the ministry was drafting a revision of Permendag 31/2023 ..." over "the
    talks on the draft revision were still going on in January 2026")."""
    return e.date_source != "article", e.whole, e.names_rule




# -- what's new ---------------------------------------------------------------------------------
_NEW_LEAD = {"id": "Sejak {date}, menurut sumber:", "en": "Since {date}, according to the sources:"}


def whats_new_answer(found: dict[str, Sequence[Event]], since: str, lang: str,
                     read: Callable[[Sequence[Event]], list[TimelineEvent]] = read_told,
                     glossary: Glossary | None = None) -> Answer | None:
    """What happened since ``since`` (ISO day): the subjects' events (``found``, by subject;
    ``TimelineIndex.since``) merged (each sentence once), chosen as a chronology's are
    (``_shown``: one a day, each happening once, spread over the stretch), told oldest
    first."""
    events: dict[tuple[str, int], Event] = {}
    for _, evs in sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        for e in evs:
            if e.date >= since:
                events.setdefault(e.key, e)
    shown = _shown(list(events.values()), read, glossary)
    if not shown:
        return None
    items = [Item(e.summary, e.citation, event_span(e), prefix=f"{event_when(e, lang)}: ")
             for e in shown]
    lead = _NEW_LEAD[lang].format(date=format_date(since, lang))
    return compose(lead, items, lang, "whats_new")
