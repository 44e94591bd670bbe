"""Answers composed from the tracker's structured layer for an analyst's question.

rag.retrieval.intents says what a question wants; rag.service finds its subject (a cited
regulation, a tracked player) and hands what the tracker knows to one of these:

- ``chronology_answer``: a subject's dated events, oldest first ("kronologi", "timeline");
- ``relations_answer``: what replaced, amended, revoked or implements a regulation, and what
  it did to others ("what replaced X", "is X still in force", "apa bedanya X dengan Y");
- ``impact_answer``: who a regulation affects, grouped by stakeholder;
- ``rules_answer``: what it requires, prohibits or sets as thresholds, or the sanctions
  it sets;
- ``whats_new_answer``: what happened since a date, across subjects or for one;
- ``stakeholder_answer``: the asker's own situation (a player's newest status, then the
  rules for the asker's group).

``with_passages`` appends what the ordinary answer adds; ``as_context`` hands an LLM the
same statements as numbered, cited facts.

Each gives a short lead in the question's language and up to ``MAX_ITEMS`` bullets, each a
verbatim sentence of the news with its citation; None when the tracker holds nothing to
say (the ordinary retrieval answer follows). The lead states only what the bullets show.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date

from rag.dates import STRETCH_CLOSES, STRETCH_OPENS, format_date
from rag.regulations import reference_ids
from rag.retrieval.glossary import Glossary
from rag.text import content_words, detect_language, terms
from rag.tracking.events import asked_event_type
from rag.tracking.impact import Impact, Statement, cue_clause, what_it_says
from rag.tracking.registry import RegulationRecord, passage_relations, titled_in
from rag.tracking.timeline import Timeline, TimelineEvent
from rag.tracking.updates import Updates
from rag.types import Answer, Citation, RelationRow, RetrievedPassage

from .asked import open_quote, strip_references
from .tracked import MODE, cite_once, event_when

MAX_ITEMS = 6


@dataclass
class Item:
    """One bullet: a verbatim sentence, where it stands in its article, and a prefix."""

    text: str
    passage: Citation  # the passage it comes from (marker and highlights are set here)
    span: tuple[int, int]
    prefix: str = ""
    kind: str = ""  # a statement's kind (rag.tracking.impact), when it is one


def compose(lead: str, items: Sequence[Item], lang: str, intent: str,
            glossary: Glossary | None = None) -> Answer | None:
    """The lead, then one bullet per item with its marker; one citation per passage with
    every sentence taken from it highlighted; "as of" the newest cited source. With a
    ``glossary``, a statement that says what an earlier one says (in either language; see
    ``_gist``) is left out."""
    whole = [it for it in items if not open_quote(it.text)]
    items = whole or list(items)  # a quote cut at a sentence break misleads; others first
    if glossary is not None:
        items = _distinct(items, glossary, lang)
    if not items:
        return None
    cites: dict[str, Citation] = {}
    lines = [lead]
    for it in items[:MAX_ITEMS]:
        c = cite_once(cites, it.passage, [it.span])
        lines.append(f"- {it.prefix}{it.text} [{c.marker}]")
    dates = [c.published[:10] for c in cites.values() if c.published]
    return Answer(answer="\n".join(lines), found=True, as_of=max(dates) if dates else None,
                  language=lang, mode=MODE, citations=list(cites.values()), intent=intent)


def _gist(text: str, glossary: Glossary) -> set[str]:
    """What a statement says in the clause of its cue, language aside: its glossary concepts
    (one name each) and its other content words ("melarang media sosial memproses pembayaran" and
    "barred social media platforms from processing payments" share ban, social media,
    payment)."""
    said = strip_references(cue_clause(text))
    lang = detect_language(said, default="id")
    out: set[str] = set()
    taken: list[tuple[int, int]] = []
    for m in glossary.find(said):
        taken.append(m.span())
        whole = glossary.equivalents(m.group(0))
        out.add(min(whole))
        if len(whole) == 1:  # a phrase the glossary only lists: "barang dan jasa" says "barang"
            out.update(min(glossary.equivalents(p)) for p in m.group(0).split()
                       if len(glossary.equivalents(p)) > 1)
    for m in re.finditer(r"[^\W\d_]{4,}", said):
        if not any(a <= m.start() < b for a, b in taken):
            out.update(terms(m.group(0), lang))
    return out


def _distinct(items: Sequence[Item], glossary: Glossary, lang: str) -> list[Item]:
    """``items`` with one of each group of the same kind that say the same (their gists
    share two or more things, and at least half of the smaller): in the place of the first, one in the
    question's language ``lang`` if any, and of those the one most about it (its statement
    fills more of its sentence: "Marketplaces will be required to collect ..." over
    "Bukalapak said ..., and since mid-2025 marketplaces have been required to collect ...")."""
    def better(it: Item) -> tuple[bool, float]:
        return detect_language(it.text, default=lang) == lang, _share(it.text)

    kept: list[Item] = []
    gists: list[set[str]] = []
    for it in items:
        g = _gist(it.text, glossary)
        same = next((i for i, h in enumerate(gists) if kept[i].kind == it.kind
                     and len(g & h) >= 2 and len(g & h) >= 0.5 * min(len(g), len(h))), None)
        if same is None:
            kept.append(it)
            gists.append(g)
        elif better(it) > better(kept[same]):
            kept[same] = it
    return kept


def _share(text: str) -> float:
    """How much of a sentence its statement fills (from its cue on)."""
    return len(what_it_says(text)) / max(1, len(text))


# -- chronology -----------------------------------------------------------------------------
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
            key = (e.citation.passage_id, _span(e)[0])
            events.setdefault(key, e)
            told_by[key] = told_by.get(key, 0) + 1
    for e in told:
        events.setdefault((e.citation.passage_id, _span(e)[0]), e)
    # Two subjects ("kasus KPPU vs TikTok"): the story is the events that involve both
    # (in both timelines, or a sentence naming both: ``names`` lists the subjects a text
    # names), when there are such.
    subjects = {tl.entity for tl in timelines}
    both = [e for k, e in events.items() if told_by.get(k, 0) > 1 or (
        len(subjects) > 1 and names is not None and len(subjects & set(names(e.summary))) > 1)]
    found = sorted(both if len(both) >= 2 else events.values(), key=_told_order)
    first, last = _bounds(question, found, window, dated)
    about = {(e.citation.passage_id, _span(e)[0]) for e in found}  # the subjects' own
    if first and last:  # a closed stretch: what happened in it, whoever it was about
        found += [e for e in dated if (e.citation.passage_id, _span(e)[0]) not in about]
    found = sorted((e for e in found if (first is None or e.date[:10] >= first)
                    and (last is None or e.date[:10] <= last)), key=_told_order)
    found = _few_in_time(found, lambda e: (e.citation.passage_id, _span(e)[0]) in about)
    if not found:
        return None
    label = " / ".join(tl.label for tl in timelines)
    items = [Item(e.summary, e.citation, _span(e), prefix=f"{event_when(e, lang)}: ")
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


def _span(e: TimelineEvent) -> tuple[int, int]:
    hl = e.citation.highlights
    return hl[0] if hl else (e.citation.start, e.citation.end)


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
                events.setdefault((e.citation.passage_id, _span(e)[0]), e)
    found = _few_in_time(list(events.values()))
    if not found:
        return None
    items = [Item(e.summary, e.citation, _span(e), prefix=f"{event_when(e, lang)}: ")
             for e in found]
    lead = _NEW_LEAD[lang].format(date=format_date(updates.since, lang))
    return compose(lead, items, lang, "whats_new")


# -- relations --------------------------------------------------------------------------------
_RELATION_WORDS = {
    "id": {"replaces": "menggantikan", "amends": "mengubah", "revokes": "mencabut",
           "implements": "adalah aturan pelaksana dari"},
    "en": {"replaces": "replaced", "amends": "amended", "revokes": "revoked",
           "implements": "implements"},
}
_RELATIONS_LEAD = {"id": "Menurut sumber: {facts}.", "en": "According to the sources: {facts}."}
_IN_FORCE_FROM = {"id": " (berlaku {date})", "en": " (in force {date})"}
_ISSUED_ON = {"id": " (terbit {date})", "en": " (issued {date})"}
_NO_LONGER = {"id": "Tidak, {facts}.", "en": "No, {facts}."}
_STILL = {"id": "Menurut sumber, {label} belum diganti atau dicabut{amended}.",
          "en": "No source says {label} was replaced or revoked{amended}."}
_AMENDED_BY = {"id": "; aturan ini diubah oleh {by}", "en": "; it was amended by {by}"}
#: "Is X still in force?", "masih berlaku?", "sudah dicabut?": whether it still applies.
ASKS_IN_FORCE = re.compile(
    r"\b(still (in force|valid|appl(y|ies)|in effect|the (rule|law|regulation))|masih berlaku|"
    r"(tidak|nggak|gak|no longer) berlaku( lagi)?|no longer in force|revoked|dicabut|"
    r"masih (dipakai|jadi aturan|aturan)|sudah tidak berlaku)\b", re.I)
#: "Apa bedanya X dengan Y", "how does X differ from Y": both sides are asked for.
ASKS_COMPARISON = re.compile(
    r"\b(beda\w*|perbedaan|differ\w*|compare[sd]?|comparison|dibanding\w*|versus|vs\.?)\b",
    re.I)


def relations_answer(asked: Sequence[RegulationRecord], records: Sequence[RegulationRecord],
                     passages_of, lang: str, question: str = "", timeline_of=None,
                     rules_of=None, glossary: Glossary | None = None) -> Answer | None:
    """What the asked regulations' relations are, both ways (what they did to others and
    what others did to them), each with the sentence that states it and, where the
    timeline of the one acting dates it (``timeline_of(id)``), since when it applies.
    ``passages_of(id)`` gives the passages citing a regulation.

    "Is X still in force?" leads with "No" and what replaced or revoked it, or says that no
    source reports it replaced or revoked (with what amended it, and its newest events).
    "Apa bedanya X dengan Y" (two regulations, ``rules_of(id)``: their rules as
    Statements) gives their relation, then what each one regulates."""
    ids = {r.id for r in asked}
    label = {r.id: r.label for r in records}
    for r in asked:
        label.setdefault(r.id, r.label)
    triples = [(r.id, rel.type, rel.target) for r in records for rel in r.relations
               if r.id in ids or rel.target in ids]
    # Asked about two regulations ("how does X relate to Y"), the relations between them.
    between = [t for t in triples if t[0] in ids and t[2] in ids]
    in_force = bool(ASKS_IN_FORCE.search(question)) and len(asked) == 1
    if in_force:  # what was done to it, not what it did to others
        between = [t for t in triples if t[2] in ids]
    triples = sorted(dict.fromkeys(between if (between or in_force) else triples),
                     key=lambda t: (t[1] != "replaces", t[0]))
    dated = {a: _took_effect(timeline_of(a)) if timeline_of else None for a, _, _ in triples}
    facts, items = [], []
    rows: list[tuple[RelationRow, Item]] = []

    def add(item: Item | None) -> None:
        if item is not None and all((it.passage.passage_id, it.span)
                                    != (item.passage.passage_id, item.span) for it in items):
            items.append(item)  # one sentence may state several relations

    for a, rtype, b in sorted(triples, key=lambda t: (t[1] != "replaces",
                                                      dated[t[0]].date if dated[t[0]] else "")):
        item = _stating(a, rtype, b, passages_of)
        if item is None:
            continue
        when = dated[a]
        facts.append(f"{label.get(a, a)} {_RELATION_WORDS[lang][rtype]} {label.get(b, b)}"
                     + (_dated(when, lang) if when else ""))
        rows.append((RelationRow(source=label.get(a, a), relation=rtype, target=label.get(b, b),
                                 since=when.date[:10] if when else None), item))
        add(item)
        if when is not None:
            add(Item(when.summary, when.citation, _span(when)))
    if in_force:
        answer = _in_force_answer(asked[0], triples, facts, items, label, lang, timeline_of)
    else:
        if ASKS_COMPARISON.search(question) and len(asked) >= 2 and rules_of is not None:
            for r in asked[:2]:
                for st in sorted(rules_of(r.id), key=_about(r.id, question, glossary))[:2]:
                    add(Item(st.text, st.citation, st.citation.highlights[0],
                             prefix=f"{r.label}: ", kind=st.kind))
        lead = _RELATIONS_LEAD[lang].format(facts="; ".join(facts[:3]))
        answer = compose(lead, items, lang, "relations", glossary) if items else None
    if answer is None:
        return None
    marker = {c.passage_id: c.marker for c in answer.citations}
    answer.relations = [row.model_copy(update={"marker": marker.get(it.passage.passage_id)})
                        for row, it in rows]
    return answer


def _took_effect(tl: Timeline | None) -> TimelineEvent | None:
    """When a regulation took effect (else was issued), as its sentence dates it."""
    if tl is None:
        return None
    for kind in ("in_force", "enacted"):
        found = [e for e in tl.events if e.type == kind and e.date_source != "article"]
        if found:
            return found[0]
    return None


def _dated(e: TimelineEvent, lang: str) -> str:
    form = _IN_FORCE_FROM if e.type == "in_force" else _ISSUED_ON
    return form[lang].format(date=event_when(e, lang))


def _in_force_answer(reg: RegulationRecord, triples, facts: list[str], items: list[Item],
                     label: dict[str, str], lang: str, timeline_of) -> Answer | None:
    """"Is X still in force?": No, with what replaced or revoked it; else that no source says
    so, what amended it, and its newest events."""
    ended = [f for f, t in zip(facts, triples) if t[1] in ("replaces", "revokes")]
    if ended:
        return compose(_NO_LONGER[lang].format(facts="; ".join(ended[:2])), items, lang,
                       "relations")
    amenders = [label.get(a, a) for a, rtype, _ in triples if rtype == "amends"]
    tl = timeline_of(reg.id) if timeline_of else None
    newest = [e for e in (tl.events if tl else []) if e.type not in ("in_force", "enacted")]
    items = items + [Item(e.summary, e.citation, _span(e), prefix=f"{event_when(e, lang)}: ")
                     for e in reversed(newest[-2:])]
    if not items:
        return None
    amended = _AMENDED_BY[lang].format(by=", ".join(amenders)) if amenders else ""
    return compose(_STILL[lang].format(label=reg.label, amended=amended), items, lang,
                   "relations")


def _stating(a: str, rtype: str, b: str, passages_of) -> Item | None:
    """The first sentence (oldest source first) that states ``a rtype b``."""
    for reg in (a, b):
        for p in passages_of(reg):
            for s, e, rel in passage_relations(p.text):
                if rel == (a, rtype, b):
                    return Item(p.text[s:e], Citation.of(p, 0, []), (p.start + s, p.start + e))
    return None


def _by_turns(items: list[Item]) -> list[Item]:
    """Each kind's first item before any kind's second (what a rule covers, bans, requires,
    sets), each kind keeping its order."""
    counted: dict[str, int] = {}
    turn = []
    for it in items:
        counted[it.kind] = counted.get(it.kind, 0) + 1
        turn.append(counted[it.kind])
    return [it for _, _, it in sorted(zip(turn, range(len(items)), items))]


# -- definition of a regulation ------------------------------------------------------------------
_DEFINITION_LEAD = {"id": "{label} tentang {title}, menurut sumber:",
                    "en": "{label}, on {title}, according to the sources:"}
_ABOUT_LEAD = {"id": "Tentang {label}, menurut sumber:", "en": "About {label}, according to the sources:"}


#: Words that name what a regulation is, not something in it ("Permendag 8/2024 itu aturan
#: apa?", "What kind of regulation is X?").
_IS_WORDS = frozenset("""aturan peraturan regulasi beleid rule regulation law kind jenis
    sebenarnya maksudnya artinya exactly""".split())


def asks_what_it_is(question: str) -> bool:
    """Whether a definition question asks what a named regulation is ("Apa itu PP 80/2019?"),
    not what something in it is ("What is the positive list in X?", "How does X define
    social commerce?")."""
    return set(content_words(strip_references(question))) <= _IS_WORDS


def definition_answer(rec: RegulationRecord, passages: Sequence[RetrievedPassage],
                      impact: Impact | None, lang: str, question: str = "",
                      glossary: Glossary | None = None) -> Answer | None:
    """"Apa itu PP 80/2019?": the sentence naming it with its title, then what it covers and
    its first rules (``impact``: scope first), the statements that say more of the question's
    words first."""
    items = []
    titled = titled_in(rec.id, list(passages))
    if titled is not None:
        p, s, e = titled
        items.append(Item(p.text[s:e], Citation.of(p, 0, []), (p.start + s, p.start + e)))
    if impact is not None:
        about = _about(rec.id, question, glossary)
        rules = [Item(st.text, st.citation, st.citation.highlights[0], kind=st.kind)
                 for st in sorted((st for st in impact.obligations if st.kind in RULE_KINDS),
                                  key=lambda st: (RULE_KINDS.index(st.kind), about(st)))
                 if all(st.text != it.text for it in items)]
        rules = _distinct(rules, glossary, lang) if glossary is not None else rules
        items += _by_turns(rules)[:3]
    if not items:
        return None
    lead = (_DEFINITION_LEAD[lang].format(label=rec.label, title=rec.title) if rec.title and titled
            else _ABOUT_LEAD[lang].format(label=rec.label))
    return compose(lead, items, lang, "definition", glossary)


# -- impact, rules, sanctions ---------------------------------------------------------------------
GROUP_LABELS = {
    "id": {"sellers": "Penjual / UMKM", "platforms": "Platform", "consumers": "Konsumen",
           "importers": "Importir / barang impor", "government": "Pemerintah"},
    "en": {"sellers": "Sellers / MSMEs", "platforms": "Platforms", "consumers": "Consumers",
           "importers": "Importers / imported goods", "government": "Government"},
}
_IMPACT_LEAD = {"id": "Yang terdampak {label} menurut sumber: {groups}.",
                "en": "Who {label} affects, according to the sources: {groups}."}
_RULES_LEAD = {"id": "Yang diatur {label} menurut sumber:",
               "en": "What {label} requires and prohibits, according to the sources:"}
_SANCTIONS_LEAD = {"id": "Sanksi dan penegakan {label} menurut sumber:",
                   "en": "Sanctions and enforcement under {label}, according to the sources:"}
#: The kind of rule a question asks for ("apa saja larangan X", "what must platforms do").
_ASKS_KIND = {
    "prohibition": re.compile(r"\b(larangan\w*|dilarang|melarang|tidak boleh|nggak boleh|"
                              r"prohibit\w*|bans?|banned|forbid\w*|not allowed|may not)\b", re.I),
    "obligation": re.compile(r"\b(wajib|kewajiban\w*|harus|require[sd]?|requirements?|must|"
                             r"obligations?|have to)\b", re.I),
    "threshold": re.compile(r"\b(minimum|minimal|batas\w*|threshold\w*|floor|cap)\b", re.I),
}
#: What a regulation's own rules are (rag.tracking.impact's statement kinds).
RULE_KINDS = ("scope", "prohibition", "obligation", "threshold")
_WHO = {g: re.compile(rf"\b(?:{rx})\b", re.I) for g, rx in (
    ("sellers", r"pedagang|penjual|seller\w*|merchant\w*|umkm|msmes?|ukm|traders?"),
    ("platforms", r"platform\w*|marketplace\w*|lokapasar|e-commerce|social commerce|"
                  r"media sosial|social media"),
    ("consumers", r"konsumen|pembeli|consumers?|buyers?|shoppers?"),
    ("importers", r"importir|importers?|impor|imports?"),
)}


def _about(reg_id: str, question: str = "", glossary: Glossary | None = None):
    """Sort key: statements that say more of the question's own words first ("what
    turnover range does the levy apply to?" -> the turnover sentence; with a ``glossary``,
    in either language: "omzet saya" -> "turnover"), then those that name the regulation,
    then those from passages that cite it before any other (a passage on a newer rule cites
    the one it replaced too)."""
    plain = strip_references(question)
    asked = {t for lg in ("id", "en") for t in terms(plain, lg)}
    for m in (glossary.find(plain) if glossary is not None else ()):
        asked |= {t for form in glossary.equivalents(m.group(0)) for lg in ("id", "en")
                  for t in terms(form, lg)}

    def key(s: Statement) -> tuple[int, bool, bool]:
        said = {t for lg in ("id", "en") for t in terms(s.text, lg)}
        refs = reference_ids(s.citation.quote)
        return (-len(asked & said), reg_id not in reference_ids(s.text),
                not refs or refs[0] != reg_id)
    return key


#: What the asker does, in their own words: "saya jualan di ...", "I sell ...", "omzet
#: saya" (a seller); "aplikasi kami", "our app" (a platform).
_DOES = {"sellers": re.compile(r"\b(?:(?:ber)?jualan|jual|sell|sells|selling|omzet|"
                               r"turnover)\b", re.I),
         "platforms": re.compile(r"\b(?:aplikasi|app|apps)\b", re.I)}


def groups_asked(question: str, own: bool = False) -> list[str]:
    """The stakeholder groups a question names ("dampaknya bagi UMKM" -> sellers); with
    ``own``, also the asker's own by what they say they do ("saya jualan di ..." -> sellers)."""
    named = [g for g, rx in _WHO.items() if rx.search(question)]
    mine = [g for g, rx in _DOES.items() if rx.search(question)] if own else []
    return mine + [g for g in named if g not in mine]  # the asker's own group first


_YOU_LEAD = {"id": "Yang berlaku untuk {group} sekarang, menurut sumber:",
             "en": "What applies to {group} now, according to the sources:"}
_OWN_GROUP = {"id": "Anda", "en": "you"}


def stakeholder_answer(newest: Sequence[TimelineEvent], impacts: Sequence[Impact],
                       groups: Sequence[str], lang: str, question: str,
                       glossary: Glossary | None = None) -> Answer | None:
    """"Saya jualan di X, harus bagaimana?": the newest status of the players the asker
    names (``newest``: one event each), then what the regulations in play (``impacts``,
    most relevant first, taking turns) require of the asker's group, the statements that
    say more of the question's words first; a regulation that names no
    rule for that group gives its rules for all (a seller on a social-commerce app lives
    under the rules its statements put on platforms)."""
    items = [Item(e.summary, e.citation, _span(e), prefix=f"{event_when(e, lang)}: ")
             for e in newest]
    per_rule = []
    for impact in impacts:
        about = _about(impact.regulation, question, glossary)
        rules = [s for s in sorted(impact.obligations, key=about)
                 if s.kind in (*RULE_KINDS, "sanction")]
        rules = [s for s in rules if set(groups) & set(s.stakeholders)] or rules
        rules = [Item(s.text, s.citation, s.citation.highlights[0], kind=s.kind) for s in rules]
        per_rule.append(_distinct(rules, glossary, lang) if glossary is not None else rules)
    # The regulations take turns, the most relevant first, until the list is full.
    for turn in range(MAX_ITEMS):
        for rules in per_rule:
            if turn < len(rules) and len(items) < MAX_ITEMS and all(
                    rules[turn].text != had.text for had in items):
                items.append(rules[turn])
    if len(items) <= len(newest):
        return None  # no rule for the group: the passages answer
    label = (GROUP_LABELS[lang][groups[0]] if groups else _OWN_GROUP[lang])
    return compose(_YOU_LEAD[lang].format(group=label.lower() if lang == "en" else label),
                   items, lang, "stakeholder", glossary)


def impact_answer(impact: Impact, label: str, lang: str, groups: Sequence[str] = (),
                  question: str = "", glossary: Glossary | None = None) -> Answer | None:
    """Who the regulation affects: one statement per stakeholder group first (the groups
    the question names first), then more of theirs; each bullet names its group."""
    about = _about(impact.regulation, question, glossary)
    by_group = {s.group: sorted(s.statements, key=about)
                for s in impact.stakeholders if s.group != "government"}
    # The groups the question names first, then the group whose best statement fits best.
    order = [g for g in groups if g in by_group] + sorted(
        (g for g in by_group if g not in groups), key=lambda g: about(by_group[g][0]))
    if not order:
        return None
    picked: list[tuple[str, Statement]] = []
    used: set[str] = set()
    for rnd in range(MAX_ITEMS):
        for g in order:
            left = [s for s in by_group[g] if s.text not in used]
            if left and len(picked) < MAX_ITEMS and (rnd == 0 or not groups or g in groups):
                picked.append((g, left[0]))
                used.add(left[0].text)
    names = ", ".join(dict.fromkeys(GROUP_LABELS[lang][g] for g, _ in picked))
    items = [Item(s.text, s.citation, s.citation.highlights[0],
                  prefix=f"{GROUP_LABELS[lang][g]}: ")
             for g, s in picked]
    return compose(_IMPACT_LEAD[lang].format(label=label, groups=names), items, lang, "impact",
                   glossary)


def rules_answer(impact: Impact, label: str, lang: str, sanctions: bool = False,
                 groups: Sequence[str] = (), question: str = "",
                 glossary: Glossary | None = None) -> Answer | None:
    """What the regulation covers, requires, prohibits and sets as thresholds, or, with
    ``sanctions``, the sanctions and enforcement the sources state. The kind of rule the
    question asks for comes first ("apa saja larangan X": its prohibitions), then the
    statements about the groups it names and that say more of its words; asked for no kind,
    each kind's best comes before any kind's second."""
    kinds = ("sanction",) if sanctions else RULE_KINDS
    about = _about(impact.regulation, question, glossary)
    wanted = {k for k, rx in _ASKS_KIND.items() if rx.search(question)}
    found = sorted((s for s in impact.obligations if s.kind in kinds),
                   key=lambda s: (bool(wanted) and s.kind not in wanted,
                                  not set(groups) & set(s.stakeholders), about(s),
                                  kinds.index(s.kind)))
    if not found:
        return None
    items = [Item(s.text, s.citation, s.citation.highlights[0], kind=s.kind) for s in found]
    if not wanted:
        items = _by_turns(items)
    lead = (_SANCTIONS_LEAD if sanctions else _RULES_LEAD)[lang].format(label=label)
    return compose(lead, items, lang, "sanctions" if sanctions else "obligations", glossary)


_ALSO = {"id": "Dari pemberitaan terkait: ", "en": "From related reporting: "}
_MARK = re.compile(r"\[(\d+)\]")


def with_passages(routed: Answer, extra: Answer) -> Answer:
    """``routed`` followed by what the ordinary retrieval answer ``extra`` adds: those of its
    answer sentences (not its footer) that the bullets do not already say, with their
    markers renumbered after ``routed``'s (a passage cited by both keeps one marker)."""
    if not extra.found or not extra.citations:
        return routed
    body = extra.answer.split("\n\n", 1)[0]
    # Its sentences, each with its marker(s), less those the bullets already say.
    said = [seg.strip() for seg in re.findall(r".*?(?:\[\d+\])+", body)]
    new = [seg for seg in said if _MARK.sub("", seg).strip() not in routed.answer]
    if not new:
        return routed
    body = " ".join(new)
    used = {int(n) for n in _MARK.findall(body)}
    cites = {c.passage_id: c for c in routed.citations}
    renumber: dict[int, int] = {}
    for c in (c for c in extra.citations if c.marker in used):
        mine = cites.get(c.passage_id)
        if mine is None:
            mine = cites[c.passage_id] = c.model_copy(update={"marker": len(cites) + 1})
        else:
            mine.highlights = sorted(set(mine.highlights) | set(c.highlights))
        renumber[c.marker] = mine.marker
    body = _MARK.sub(lambda m: f"[{renumber.get(int(m.group(1)), m.group(1))}]", body)
    lang = routed.language if routed.language in _ALSO else "en"
    dates = [c.published[:10] for c in cites.values() if c.published]
    return routed.model_copy(update={
        "answer": f"{routed.answer}\n\n{_ALSO[lang]}{body}",
        "citations": list(cites.values()), "as_of": max(dates) if dates else routed.as_of})


def as_context(routed: Answer) -> tuple[list[RetrievedPassage], list[str]]:
    """A routed answer as an LLM's context: its cited passages (passage n is marker n) and
    its bullets, each still citing them as [n] (rag.answering.generate shows both)."""
    cites = sorted(routed.citations, key=lambda c: c.marker)
    shown = [RetrievedPassage(passage_id=c.passage_id, article_id=c.article_id, title=c.title,
                              outlet=c.outlet, url=c.url, published=c.published,
                              language=detect_language(c.quote), text=c.quote, start=c.start,
                              end=c.end, score=c.score) for c in cites]
    facts = [line[2:] for line in routed.answer.splitlines() if line.startswith("- ")]
    return shown, facts
