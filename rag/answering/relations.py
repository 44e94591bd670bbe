"""Relations between regulations from the registry, dated by the timelines: what replaced,
amended, revoked or implements what; whether one is still in force; how two differ.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from rag.retrieval.glossary import Glossary
from rag.retrieval.intents import ASKS_CHANGE_COUNT
from rag.tracking.registry import RegulationRecord, passage_relations
from rag.tracking.timeline import Event, Line, read_told
from rag.types import Answer, Citation, RelationRow

from .routed import Item, compose, event_span
from .rules import statement_order
from .tracked import Read, event_when

_RELATION_WORDS = {
    "id": {"replaces": "menggantikan", "amends": "mengubah", "revokes": "mencabut",
           "implements": "adalah aturan pelaksana dari"},
    "en": {"replaces": "replaced", "amends": "amended", "revokes": "revoked",
           "implements": "implements"},
}
#: The kind of relation a question asks about, by its verb ("what replaced X", "sudah
#: berapa kali direvisi", "aturan turunan dari apa").
_ASKS_KIND = {k: re.compile(rx, re.I) for k, rx in (
    ("replaces", r"\b(?:replac\w*|supersed\w*|menggantikan|mengganti|digantikan|diganti|"
                 r"pengganti\w*|gantinya)\b"),
    ("amends", r"\b(?:amend\w*|revis\w*|direvisi|merevisi|diubah|mengubah|perubahan)\b"),
    ("revokes", r"\b(?:revok\w*|repeal\w*|dicabut|mencabut|pencabutan)\b"),
    ("implements", r"\b(?:implement\w*|aturan (?:pelaksana|turunan)\w*|turunan dari|"
                   r"derived from|under which law)\b"))}
_RELATIONS_LEAD = {"id": "Menurut sumber: {facts}.", "en": "According to the sources: {facts}."}
_IN_FORCE_FROM = {"id": " (berlaku {date})", "en": " (in force {date})"}
_ISSUED_ON = {"id": " (terbit {date})", "en": " (issued {date})"}
_NO_LONGER = {"id": "Tidak, {facts}.", "en": "No, {facts}."}
_STILL = {"id": "Menurut sumber, {label} belum diganti atau dicabut{amended}.",
          "en": "No source says {label} was replaced or revoked{amended}."}
#: The same, of a regulation the sources report in force or issued: it still applies.
_STILL_IN_FORCE = {"id": "Menurut sumber, {label} masih berlaku: belum ada yang memberitakannya "
                         "diganti atau dicabut{amended}.",
                   "en": "As far as the sources go, {label} is still in force: none says it "
                         "was replaced or revoked{amended}."}
_AMENDED_BY = {"id": "; aturan ini diubah oleh {by}", "en": "; it was amended by {by}"}
_AMENDED_TIMES = {"id": "Menurut sumber, {label} sudah diubah {n} kali: oleh {by}.",
                  "en": "According to the sources, {label} has been amended {n} times: by {by}."}
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
                     stating, lang: str, question: str = "", timeline_of=None,
                     rules_of=None, glossary: Glossary | None = None,
                     read: Read = read_told) -> Answer | None:
    """What the asked regulations' relations are, both ways (what they did to others and
    what others did to them), each with the sentence that states it and, where the
    timeline of the one acting dates it (``timeline_of(id)``: its ``Line``, events
    ``read`` when shown), since when it applies.
    ``stating((a, type, b))`` gives the passages that state a relation, oldest first.

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
    counted = bool(ASKS_CHANGE_COUNT.search(question)) and len(asked) == 1
    if in_force or counted:  # what was done to it, not what it did to others
        between = [t for t in triples if t[2] in ids]
    triples = sorted(dict.fromkeys(between if (between or in_force or counted) else triples),
                     key=lambda t: (t[1] != "replaces", t[0]))
    # "Which regulation replaced X?": the relations of the kind asked, when there are such
    kinds = {k for k, rx in _ASKS_KIND.items() if rx.search(question)}
    triples = [t for t in triples if t[1] in kinds] or triples
    dated = {a: _took_effect(timeline_of(a)) if timeline_of else None for a, _, _ in triples}
    shown = read(list({e.key: e for e in dated.values() if e is not None}.values()))
    told = {(e.citation.passage_id, event_span(e)[0]): e for e in shown}
    facts, items = [], []
    rows: list[tuple[RelationRow, Item]] = []

    def add(item: Item | None) -> None:
        if item is not None and all((it.passage.passage_id, it.span)
                                    != (item.passage.passage_id, item.span) for it in items):
            items.append(item)  # one sentence may state several relations

    for a, rtype, b in sorted(triples, key=lambda t: (t[1] != "replaces",
                                                      dated[t[0]].date if dated[t[0]] else "")):
        item = _stating(a, rtype, b, stating)
        if item is None:
            continue
        when = dated[a]
        facts.append(f"{label.get(a, a)} {_RELATION_WORDS[lang][rtype]} {label.get(b, b)}"
                     + (_dated(when, lang) if when else ""))
        rows.append((RelationRow(source=label.get(a, a), relation=rtype, target=label.get(b, b),
                                 since=when.date[:10] if when else None), item))
        add(item)
        said = told.get(when.key) if when is not None else None
        if said is not None:
            add(Item(said.summary, said.citation, event_span(said)))
    amenders = [label.get(a, a) for a, rtype, _ in triples if rtype == "amends"]
    if in_force:
        answer = _in_force_answer(asked[0], triples, facts, items, amenders, lang, timeline_of,
                                  read)
    else:
        if ASKS_COMPARISON.search(question) and len(asked) >= 2 and rules_of is not None:
            for r in asked[:2]:
                for st in sorted(rules_of(r.id), key=statement_order(r.id, question, glossary))[:2]:
                    add(Item.of(st, prefix=f"{r.label}: "))
        lead = _RELATIONS_LEAD[lang].format(facts="; ".join(facts[:3]))
        if counted and amenders:
            lead = _AMENDED_TIMES[lang].format(label=asked[0].label, n=len(amenders),
                                               by=_listed(amenders, lang))
        answer = compose(lead, items, lang, "relations", glossary) if items else None
    if answer is None:
        return None
    marker = {c.passage_id: c.marker for c in answer.citations}
    answer.relations = [row.model_copy(update={"marker": marker.get(it.passage.passage_id)})
                        for row, it in rows]
    return answer


def _listed(names: Sequence[str], lang: str) -> str:
    """"A, B dan C" / "A, B and C"."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {'dan' if lang == 'id' else 'and'} {names[-1]}"


def _took_effect(tl: Line | None) -> Event | None:
    """When a regulation took effect (else was issued), as its sentence dates it."""
    if tl is None:
        return None
    for kind in ("in_force", "enacted"):
        found = [e for e in tl.events if e.type == kind and e.date_source != "article"]
        if found:
            return found[0]
    return None


def _dated(e: Event, lang: str) -> str:
    form = _IN_FORCE_FROM if e.type == "in_force" else _ISSUED_ON
    return form[lang].format(date=event_when(e, lang))


def _in_force_answer(reg: RegulationRecord, triples, facts: list[str], items: list[Item],
                     amenders: list[str], lang: str, timeline_of,
                     read: Read) -> Answer | None:
    """"Is X still in force?": No, with what replaced or revoked it; else that no source says
    so, what amended it (``amenders``, their labels), and its newest events."""
    ended = [f for f, t in zip(facts, triples) if t[1] in ("replaces", "revokes")]
    if ended:
        return compose(_NO_LONGER[lang].format(facts="; ".join(ended[:2])), items, lang,
                       "relations")
    tl = timeline_of(reg.id) if timeline_of else None
    newest = [e for e in (tl.events if tl else []) if e.type not in ("in_force", "enacted")]
    items = items + [Item(e.summary, e.citation, event_span(e), prefix=f"{event_when(e, lang)}: ")
                     for e in read(list(reversed(newest[-2:])))]
    if not items:
        return None
    amended = _AMENDED_BY[lang].format(by=", ".join(amenders)) if amenders else ""
    today = date.today().isoformat()  # not one only announced to take effect later
    took_effect = any(e.type in ("in_force", "enacted") and e.date <= today
                      for e in (tl.events if tl else []))
    lead = (_STILL_IN_FORCE if took_effect else _STILL)[lang]
    return compose(lead.format(label=reg.label, amended=amended), items, lang, "relations")


def _stating(a: str, rtype: str, b: str, stating) -> Item | None:
    """The first sentence (oldest source first) that states ``a rtype b``."""
    for p in stating((a, rtype, b)):
        for s, e, rel in passage_relations(p.text):
            if rel == (a, rtype, b):
                return Item(p.text[s:e], Citation.of(p, 0, []), (p.start + s, p.start + e))
    return None
