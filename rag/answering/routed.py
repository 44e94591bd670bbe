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

from rag.dates import format_date
from rag.regulations import reference_ids
from rag.text import detect_language, terms
from rag.tracking.events import asked_event_type
from rag.tracking.impact import Impact, Statement
from rag.tracking.registry import RegulationRecord, passage_relations
from rag.tracking.timeline import Timeline, TimelineEvent
from rag.tracking.updates import Updates
from rag.types import Answer, Citation, RetrievedPassage

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


def compose(lead: str, items: Sequence[Item], lang: str, intent: str) -> Answer | None:
    """The lead, then one bullet per item with its marker; one citation per passage with
    every sentence taken from it highlighted; "as of" the newest cited source."""
    whole = [it for it in items if not open_quote(it.text)]
    items = whole or list(items)  # a quote cut at a sentence break misleads; others first
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


# -- chronology -----------------------------------------------------------------------------
_CHRONO_LEAD = {"id": "Kronologi {label} menurut sumber, dari yang terlama:",
                "en": "Timeline of {label} as the sources tell it, oldest first:"}


def chronology_answer(timelines: Sequence[Timeline], lang: str, question: str = "",
                      window: tuple[date | None, date | None] | None = None,
                      told: Sequence[TimelineEvent] = (),
                      names: Callable[[str], Collection[str]] | None = None) -> Answer | None:
    """The dated events of one or more subjects (their timelines, and ``told``: what the
    question's passages tell about them), merged oldest first, each sentence once and one
    per day, within ``window`` (first and last day, either open) or the stretch the question
    names by its events ("sejak ditutup", "between the shutdown and the return"). More than
    ``MAX_ITEMS``: those dated by their own sentence first, thinned evenly in time."""
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
    first, last = _bounds(question, found, window)
    found = [e for e in found if (first is None or e.date[:10] >= first)
             and (last is None or e.date[:10] <= last)]
    found = _one_per_day(found)
    if len(found) > MAX_ITEMS:
        # Events dated by their own sentence first; those dated only by their article (a
        # retelling that gives no date) fill the rest; then thinned evenly in time, keeping
        # the first and the last.
        dated = [e for e in found if e.date_source != "article"]
        rest = [e for e in found if e.date_source == "article"]
        found = dated if len(dated) >= MAX_ITEMS else dated + rest[:MAX_ITEMS - len(dated)]
        found.sort(key=_told_order)
        if len(found) > MAX_ITEMS:
            step = (len(found) - 1) / (MAX_ITEMS - 1)
            found = [found[round(i * step)] for i in range(MAX_ITEMS)]
    if not found:
        return None
    label = " / ".join(tl.label for tl in timelines)
    items = [Item(e.summary, e.citation, _span(e), prefix=f"{event_when(e, lang)}: ")
             for e in found]
    return compose(_CHRONO_LEAD[lang].format(label=label), items, lang, "chronology")


def _told_order(e: TimelineEvent) -> tuple[str, str]:
    return e.date, e.citation.published or ""


#: "sejak ditutup sampai balik lagi", "between the shutdown and the return", "since it
#: reopened": a stretch bounded by events the question names by what happened.
_FROM_EVENT = re.compile(
    r"\b(?:since|sejak|from|dari|between|antara|after|setelah|pasca)\s+(?P<a>[^,.?!]{3,60}?)"
    r"(?:\s+(?:until|till|to|and|sampai|hingga|dan|up to)\s+(?P<b>[^,.?!]{3,60}?))?"
    r"\s*(?:[,.?!]|$)", re.I)
_UNTIL_EVENT = re.compile(r"\b(?:until|till|sampai|hingga|before|sebelum|up to)\s+"
                          r"(?P<b>[^,.?!]{3,60}?)\s*(?:[,.?!]|$)", re.I)


def _bounds(question: str, events: Sequence[TimelineEvent],
            window: tuple[date | None, date | None] | None) -> tuple[str | None, str | None]:
    """The first and last ISO day to keep: the window's, else the dates of the events the
    question bounds the story by (the first event of the type it names, then the first of
    the closing type after it); open where it names none."""
    if window:
        return tuple(d.isoformat() if d else None for d in window)  # type: ignore[return-value]
    first = last = None
    m = _FROM_EVENT.search(question)
    opening = asked_event_type(m["a"]) if m else None
    if opening:
        first = next((e.date[:10] for e in events if e.type == opening), None)
    closing_text = m["b"] if m and m["b"] else None
    if closing_text is None:
        u = _UNTIL_EVENT.search(question)
        closing_text = u["b"] if u else None
    closing = asked_event_type(closing_text) if closing_text else None
    if closing:
        last = next((e.date[:10] for e in events if e.type == closing
                     and (first is None or e.date[:10] >= first)), None)
    return first, last


#: Days within which a report dated only by its article retells an event of the same type
#: (the next days' coverage of one fine or closure).
RETELLING_DAYS = 7


def _one_per_day(events: list[TimelineEvent]) -> list[TimelineEvent]:
    """One event a day: the first told dated by its own sentence, else the first told; and
    no report dated only by its article of an event of the same type in the week before."""
    by_day: dict[str, TimelineEvent] = {}
    for e in events:
        kept = by_day.get(e.date)
        if kept is None or (kept.date_source == "article" and e.date_source != "article"):
            by_day[e.date] = e
    out: list[TimelineEvent] = []
    for e in by_day.values():
        if e.date_source == "article" and any(
                k.type == e.type and 0 < _days(k.date, e.date) <= RETELLING_DAYS for k in out):
            continue
        out.append(e)
    return out


def _days(a: str, b: str) -> int:
    return (date.fromisoformat(b[:10]) - date.fromisoformat(a[:10])).days


def _span(e: TimelineEvent) -> tuple[int, int]:
    hl = e.citation.highlights
    return hl[0] if hl else (e.citation.start, e.citation.end)


# -- what's new ---------------------------------------------------------------------------------
_NEW_LEAD = {"id": "Sejak {date}, menurut sumber:", "en": "Since {date}, according to the sources:"}


def whats_new_answer(updates: Updates, lang: str) -> Answer | None:
    """What happened since ``updates.since``: the subjects' events (each sentence once),
    taken in turns from the busiest subjects first so that one story does not fill the
    list, then told oldest first."""
    events = [[e for e in sorted(g.events, key=lambda e: e.date) if e.date >= updates.since]
              for g in updates.groups if g.events]
    # A retelling dated only by its article ("TikTok joined Tokopedia in late 2023", in a
    # 2025 piece) is not news of that day; it counts only when little else is dated.
    dated = [[e for e in q if e.date_source != "article"] for q in events]
    queues = dated if sum(map(len, dated)) >= 3 else events
    picked: dict[tuple[str, int], TimelineEvent] = {}
    while any(queues) and len(picked) < MAX_ITEMS:
        for q in queues:
            while q:
                e = q.pop(0)
                key = (e.citation.passage_id, _span(e)[0])
                if key not in picked:
                    picked[key] = e
                    break
            if len(picked) == MAX_ITEMS:
                break
    if not picked:
        return None
    found = sorted(picked.values(), key=lambda e: (e.date, e.citation.published or ""))
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


def relations_answer(asked: Sequence[RegulationRecord], records: Sequence[RegulationRecord],
                     passages_of, lang: str) -> Answer | None:
    """What the asked regulations' relations are, both ways (what they did to others and
    what others did to them), each with the sentence that states it. ``passages_of(id)``
    gives the passages citing a regulation."""
    ids = {r.id for r in asked}
    label = {r.id: r.label for r in records}
    triples = [(r.id, rel.type, rel.target) for r in records for rel in r.relations
               if r.id in ids or rel.target in ids]
    # Asked about two regulations ("how does X relate to Y"), the relations between them.
    between = [t for t in triples if t[0] in ids and t[2] in ids]
    triples = sorted(dict.fromkeys(between or triples), key=lambda t: (t[1] != "replaces", t[0]))
    facts, items = [], []
    for a, rtype, b in triples:
        item = _stating(a, rtype, b, passages_of)
        if item is None:
            continue
        facts.append(f"{label.get(a, a)} {_RELATION_WORDS[lang][rtype]} {label.get(b, b)}")
        if all((it.passage.passage_id, it.span) != (item.passage.passage_id, item.span)
               for it in items):  # one sentence may state several relations
            items.append(item)
    if not items:
        return None
    lead = _RELATIONS_LEAD[lang].format(facts="; ".join(facts[:3]))
    return compose(lead, items, lang, "relations")


def _stating(a: str, rtype: str, b: str, passages_of) -> Item | None:
    """The first sentence (oldest source first) that states ``a rtype b``."""
    for reg in (a, b):
        for p in passages_of(reg):
            for s, e, rel in passage_relations(p.text):
                if rel == (a, rtype, b):
                    return Item(p.text[s:e], Citation.of(p, 0, []), (p.start + s, p.start + e))
    return None


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
_RULE_KINDS = ("prohibition", "obligation", "threshold")
_WHO = {g: re.compile(rf"\b(?:{rx})\b", re.I) for g, rx in (
    ("sellers", r"pedagang|penjual|seller\w*|merchant\w*|umkm|msmes?|ukm|traders?"),
    ("platforms", r"platform\w*|marketplace\w*|lokapasar|e-commerce|social commerce|"
                  r"media sosial|social media"),
    ("consumers", r"konsumen|pembeli|consumers?|buyers?|shoppers?"),
    ("importers", r"importir|importers?|impor|imports?"),
)}


def _about(reg_id: str, question: str = ""):
    """Sort key: statements that say more of the question's own words first ("what
    turnover range does the levy apply to?" -> the turnover sentence), then those that
    name the regulation, then those from passages that cite it before any other (a
    passage on a newer rule cites the one it replaced too)."""
    asked = {t for lg in ("id", "en") for t in terms(strip_references(question), lg)}

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
                       groups: Sequence[str], lang: str, question: str) -> Answer | None:
    """"Saya jualan di X, harus bagaimana?": the newest status of the players the asker
    names (``newest``: one event each), then what the regulations in play (``impacts``,
    most relevant first) require of the asker's group, the statements that say more of
    the question's words first, at most two per regulation."""
    items = [Item(e.summary, e.citation, _span(e), prefix=f"{event_when(e, lang)}: ")
             for e in newest]
    for impact in impacts:
        about = _about(impact.regulation, question)
        rules = [s for s in impact.obligations if s.kind in (*_RULE_KINDS, "sanction")
                 and (not groups or set(groups) & set(s.stakeholders))]
        for st in sorted(rules, key=about)[:2]:
            if all(st.text != it.text for it in items):
                items.append(Item(st.text, st.citation, st.citation.highlights[0]))
    if len(items) <= len(newest):
        return None  # no rule for the group: the passages answer
    label = (GROUP_LABELS[lang][groups[0]] if groups else _OWN_GROUP[lang])
    return compose(_YOU_LEAD[lang].format(group=label.lower() if lang == "en" else label),
                   items, lang, "stakeholder")


def impact_answer(impact: Impact, label: str, lang: str, groups: Sequence[str] = (),
                  question: str = "") -> Answer | None:
    """Who the regulation affects: one statement per stakeholder group first (the groups
    the question names first), then more of theirs; each bullet names its group."""
    about = _about(impact.regulation, question)
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
    return compose(_IMPACT_LEAD[lang].format(label=label, groups=names), items, lang, "impact")


def rules_answer(impact: Impact, label: str, lang: str, sanctions: bool = False,
                 groups: Sequence[str] = (), question: str = "") -> Answer | None:
    """What the regulation requires, prohibits and sets as thresholds (prohibitions
    first), or, with ``sanctions``, the sanctions and enforcement the sources state; the
    statements about the groups the question names come first."""
    kinds = ("sanction",) if sanctions else _RULE_KINDS
    about = _about(impact.regulation, question)
    found = [s for s in impact.obligations if s.kind in kinds]
    found.sort(key=lambda s: (not set(groups) & set(s.stakeholders), about(s),
                              kinds.index(s.kind)))
    if not found:
        return None
    items = [Item(s.text, s.citation, s.citation.highlights[0])
             for s in found]
    lead = (_SANCTIONS_LEAD if sanctions else _RULES_LEAD)[lang].format(label=label)
    return compose(lead, items, lang, "sanctions" if sanctions else "obligations")


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
