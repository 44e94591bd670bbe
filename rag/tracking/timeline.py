"""Timelines: dated events about tracked entities and regulations, each with its citation.

An event is a sentence of a stored passage that mentions a tracked entity (see
``rag.tracking.entities``) or a regulation and states a change of status: announced, enacted, in
force, stopped, resumed, acquired/merged, revised, fined, planned. Its date comes from the
sentence when it gives one ("Rabu (4/10/2023)", "mulai 4 Oktober 2023", "sejak 12
Desember" with the article's year, "pada Oktober 2023" to the month, "kemarin") and
otherwise is the article's date, marked as such. The status of a subject is its newest
event's type. Follows the store's change log by article, like the registry.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel

from rag.dates import MONTHS, parse_date
from rag.regulations import find_references
from rag.store.changes import PerArticle
from rag.store.store import PantauStore
from rag.text import sentence_spans
from rag.types import Citation

from .entities import Gazetteer

#: Event types and the words that state them (Indonesian and English), most specific first.
EVENT_CUES: dict[str, str] = {
    "fined": r"didenda|denda|menjatuhkan sanksi|fined|fine[sd]?\b|penalty|penalised|penalized",
    "acquired": r"mengakuisisi|akuisisi|mencaplok|caplok|mengambil alih|pengambilalihan|"
                r"acquir\w*|takeover|took over|take a 75|buy\w* (?:a )?(?:control|stake)",
    "merged": r"migrasi\w*|bermigrasi|bergabung|dilebur|melebur|merged|merger|migrat\w*|"
              r"integrat\w*|folded into|combined",
    "resumed": r"dibuka kembali|kembali dibuka|kembali beroperasi|kembali hadir|kembali dapat|"
               r"beroperasi kembali|buka lagi|dibuka lagi|beroperasi lagi|kembali buka|"
               r"reopen\w*|open again|returned|returns|came back|is back|relaunch\w*|"
               r"resum\w*|back in business",
    "stopped": r"ditutup|dihentikan|berhenti|menghentikan|penghentian|penutupan|tutup|setop|"
               r"stop(?:s|ped)?|closed|"
               r"clos(?:e|es|ing) down|shut(?: down)?|suspend\w*|halt\w*|ceas\w*",
    "revised": r"direvisi|merevisi|revisi|diubah|mengubah|perubahan|amend\w*|revis\w*",
    "in_force": r"mulai berlaku|berlaku|took effect|takes effect|in force|came into force|"
                r"effective",
    "enacted": r"diterbitkan|menerbitkan|terbit|ditandatangani|diteken|disahkan|signed|issued|"
               r"enacted|passed",
    "planned": r"berencana|rencana|akan|menyusun|draf|draft|plans? to|will|is preparing|"
               r"preparing",
    "announced": r"mengumumkan|diumumkan|announc\w*|menyatakan|said it would",
}
_CUES = {k: re.compile(rf"\b(?:{v})", re.I) for k, v in EVENT_CUES.items()}
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_ALT})\b(?!\.?\s+\d{{4}})", re.I)
_MONTH_YEAR = re.compile(rf"\b({_MONTH_ALT})\s+((?:19|20)\d{{2}})\b", re.I)
_YEAR = re.compile(r"\b(?:in|pada|tahun|sejak|since|during)\s+((?:19|20)\d{2})\b", re.I)
#: "in December", "pada Maret", "akhir November": a month without its year.
_MONTH_ONLY = re.compile(rf"\b(?:in|pada|sejak|since|during|bulan|akhir|awal|early|late|mid)"
                         rf"\s+({_MONTH_ALT})\b(?!\.?\s+\d)", re.I)
_RELATIVE = {"kemarin": -1, "yesterday": -1, "hari ini": 0, "today": 0, "besok": 1,
             "tomorrow": 1}


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


#: What can happen to a regulation (the other types are about the players it affects).
REGULATION_EVENTS = {"announced", "enacted", "in_force", "revised", "planned"}
#: Cues that name what happened; the others (in force, enacted, planned, announced) often
#: only qualify a change named just before them ("Penutupan ... berlaku mulai ...").
STRONG = ("fined", "acquired", "merged", "resumed", "stopped", "revised")
_DATES = re.compile(
    rf"\b(?:in|pada|tahun|sejak|since|during)\s+(?:19|20)\d{{2}}\b(?!\s*/)|"
    rf"\(?\b\d{{1,2}}/\d{{1,2}}/\d{{4}}\)?|\b\d{{1,2}}\s+(?:{_MONTH_ALT})\b(?:\.?\s+\d{{4}})?|"
    rf"\b(?:{_MONTH_ALT})\s+\d{{1,2}},?\s+\d{{4}}|\b(?:{_MONTH_ALT})\s+(?:19|20)\d{{2}}\b|"
    rf"\b(?:in|pada|sejak|since|during|bulan|akhir|awal|early|late|mid)\s+(?:{_MONTH_ALT})\b"
    rf"(?!\.?\s+\d)", re.I)


def _cue(text: str) -> tuple[int, str] | None:
    """(position, type) of the cue that names the event: the last strong cue, else the
    last weak one (news puts the verb right before its date: "stopped ... on 4 October")."""
    found = [(m.start(), k) for k, rx in _CUES.items() for m in rx.finditer(text)]
    strong = [x for x in found if x[1] in STRONG]
    return max(strong or found, default=None)


def event_type(text: str) -> str | None:
    """The event type a piece of text states (see ``_cue``)."""
    pick = _cue(text)
    return pick[1] if pick else None


def asked_event_type(question: str) -> str | None:
    """The event type a question asks about: its first cue (a question names its verb
    first: "Has TikTok been fined over its takeover?", "Masih berlaku? Ada perubahan?")."""
    found = [(m.start(), k) for k, rx in _CUES.items() for m in rx.finditer(question)]
    return min(found)[1] if found else None


def event_date(text: str, article_day: str | None) -> tuple[str, str] | None:
    """(ISO date, source) of a date expression, or of the article's day when it has none:
    a full date is "text", a day and month take the article's year (looking back: "sejak
    12 Desember" in a January article is last December), a month and year is "text-month",
    "kemarin"/"today" are "relative"."""
    full = parse_date(text)
    if full:
        return full[:10], "text"
    base = date.fromisoformat(article_day) if article_day else None
    m = _DAY_MONTH.search(text)
    if m and base:
        month = MONTHS[m[2].lower()]
        year = base.year - (1 if month > base.month else 0)
        try:
            return date(year, month, int(m[1])).isoformat(), "text"
        except ValueError:
            pass
    m = _MONTH_YEAR.search(text)
    if m:
        return date(int(m[2]), MONTHS[m[1].lower()], 1).isoformat(), "text-month"
    m = _YEAR.search(text)
    if m:
        return f"{m[1]}-01-01", "text-year"
    m = _MONTH_ONLY.search(text)
    if m and base:  # the latest such month up to the article's day
        month = MONTHS[m[1].lower()]
        return date(base.year - (month > base.month), month, 1).isoformat(), "text-month"
    low = text.lower()
    m = _AGO.search(low)
    if m and base:  # "two years ago today", "setahun lalu": back from the article's day
        n = int(m["n"]) if m["n"].isdigit() else _COUNT_WORDS[m["n"]]
        unit = m["unit"]
        if unit in ("year", "years", "tahun"):
            back = _back_months(base, 12 * n)
        elif unit in ("month", "months", "bulan"):
            back = _back_months(base, n)
        else:
            back = base - timedelta(days=n * (7 if unit in ("week", "weeks", "pekan", "minggu")
                                              else 1))
        return back.isoformat(), "relative"
    for word, delta in _RELATIVE.items():
        if base and re.search(rf"\b{word}\b", low):
            return (base + timedelta(days=delta)).isoformat(), "relative"
    return (article_day, "article") if article_day else None


#: "Two years ago", "setahun lalu", "3 bulan yang lalu": a time back from the article's day.
_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "se": 1, "satu": 1, "two": 2, "dua": 2, "three": 3,
                "tiga": 3, "four": 4, "empat": 4, "five": 5, "lima": 5, "six": 6, "enam": 6}
_AGO = re.compile(r"\b(?P<n>\d{1,2}|a|an|one|two|three|four|five|six|satu|dua|tiga|empat|lima|"
                  r"enam|se)\s*(?P<unit>years?|months?|weeks?|days?|tahun|bulan|pekan|minggu|"
                  r"hari)\s+(?:ago|(?:yang\s+)?lalu)\b")


def _back_months(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    for d in (day.day, 28):
        try:
            return date(y, m + 1, d)
        except ValueError:
            continue
    return date(y, m + 1, 1)


_CLAUSE = re.compile(r",|;|\s(?:which|that|yang|setelah|after|before|sebelum)\s", re.I)


def _clause_start(sentence: str, pos: int) -> int:
    """Where the clause holding ``pos`` begins."""
    starts = [m.end() for m in _CLAUSE.finditer(sentence, 0, pos)]
    return starts[-1] if starts else 0


def _clause_end(sentence: str, pos: int) -> int:
    """Where the clause holding ``pos`` ends."""
    m = _CLAUSE.search(sentence, pos)
    return m.start() if m else len(sentence)


_RELATIVE_CLAUSE = re.compile(r"\b(?:which|that|yang|who)\s*$", re.I)


def event_subjects(sentence: str, start: int, end: int, find) -> list:
    """Whom an event told in ``sentence[start:end]`` is about: the players its clause names
    ("..., while Bukalapak said it would stop ...": Bukalapak, not the TikTok Shop named
    earlier); for a relative clause ("TikTok, which bought Tokopedia ...") or a clause that
    names none ("... said it would stop"), also the sentence's first one. ``find`` lists
    the players a text names."""
    inside = find(sentence[start:end])
    if not inside or _RELATIVE_CLAUSE.search(sentence[max(0, start - 8):start]):
        return list(dict.fromkeys(find(sentence)[:1] + inside))
    return inside


def sentence_events(sentence: str, article_day: str | None
                    ) -> list[tuple[str, str, str, int, tuple[int, int]]]:
    """(ISO date, date source, type, clause start, (start, end) of the clause telling it)
    of each event a sentence tells: one per date it gives, typed by the cues of its clause
    (else since the previous date); a sentence without a date is one event on the
    article's day, its clause start 0 (the clause of its cue is in the span)."""
    out = []
    prev = 0
    # "Nomor 31 Tahun 2023" is a regulation's name, not a date: blank references out.
    masked = sentence
    for ref in find_references(sentence):
        masked = masked[:ref.start] + " " * (ref.end - ref.start) + masked[ref.end:]
    dates = list(_DATES.finditer(masked))
    for i, m in enumerate(dates):
        # The clause the date sits in ("..., which came into force in March 2024") says what
        # happened on it; only without a cue there does the text since the last date count.
        start = max(prev, _clause_start(sentence, m.start()))
        etype = event_type(sentence[start:m.end()]) or event_type(sentence[prev:m.end()])
        end = _clause_end(sentence, m.end())
        if etype is None and i == len(dates) - 1:
            after = re.split(r"[,;]", sentence[m.end():], maxsplit=1)[0]  # same clause only
            etype = event_type(after)
            end = m.end() + len(after)
        when = event_date(m.group(0), article_day) if etype else None
        if when and when[1] != "article":
            out.append((when[0], when[1], etype, start, (start, end)))
        prev = m.end()
    if not dates:
        cue = _cue(sentence)
        when = event_date(masked, article_day) if cue else None
        if when:
            span = (_clause_start(sentence, cue[0]), _clause_end(sentence, cue[0]))
            out.append((when[0], when[1], cue[1], 0, span))
    return out


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


class TimelineIndex(PerArticle):
    """Events per subject (entity id or regulation id); follows the store's changes by
    article (``rag.store.changes``). Holds compact records (dates, types, offsets); a subject's
    events get their sentences and citations from the store when asked for."""

    def __init__(self, store: PantauStore, gazetteer: Gazetteer) -> None:
        super().__init__(store)
        self.gazetteer = gazetteer

    def extract(self, pid: str, text: str, meta: dict) -> list[_Event] | None:
        """Each event the passage states, for each subject it is about."""
        out = []
        day = (meta.get("published") or "")[:10] or None
        base = int(meta["start"])
        for s, e in sentence_spans(text):
            sentence = text[s:e]
            refs = find_references(sentence)
            regs = [r.id for r in refs]
            entities = self.gazetteer.ids_in(sentence)
            found = sentence_events(sentence, day) if entities or regs else []
            for when, source, etype, pos, (start, end) in found:
                players = event_subjects(sentence, start, end, self.gazetteer.ids_in)
                for subject in dict.fromkeys(players + _regs_for(refs, pos)):
                    if subject in regs and etype not in REGULATION_EVENTS:
                        continue  # "TikTok Shop stopped after Permendag 31/2023": not the rule's
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


def _regs_for(refs: list, pos: int) -> list[str]:
    """The regulation an event at clause ``pos`` is about: with several references in the
    sentence, the last one named before the clause ("8/2024 amends 36/2023, which came into
    force in March 2024": 36/2023), or the first one named when the event has no date."""
    if len(refs) < 2:
        return [r.id for r in refs]
    if pos == 0:  # no date to place: the sentence is about the first one it names
        return [refs[0].id]
    before = [r for r in refs if r.start < pos]
    return [before[-1].id] if before else [refs[0].id]


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
