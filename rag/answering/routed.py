"""Answers composed from the tracker's structured layer for an analyst's question.

rag.retrieval.intents says what a question wants; rag.service finds its subject (a cited
regulation, a tracked player) and hands what the tracker knows to one of these:

- rag.answering.stories: ``chronology_answer`` (a subject's dated events, oldest first:
  "kronologi", "timeline"), ``whats_new_answer`` (what happened since a date);
- rag.answering.relations: ``relations_answer`` (what replaced, amended, revoked or
  implements a regulation, and what it did to others: "what replaced X", "is X still in
  force", "apa bedanya X dengan Y");
- rag.answering.rules: ``impact_answer`` (who a regulation affects, by stakeholder),
  ``rules_answer`` (what it covers, requires, prohibits or sets, or its sanctions),
  ``stakeholder_answer`` (the asker's own situation), ``definition_answer`` (what a
  regulation is).

This module holds what they share: ``compose`` (a lead and up to ``MAX_ITEMS`` bullets, each
a verbatim sentence of the news with its citation, one per thing said), ``with_passages``
(what the ordinary answer adds) and ``as_context`` (the same statements as numbered, cited
facts for an LLM). Each answer is None when the tracker holds nothing to say (the ordinary
retrieval answer follows); its lead states only what the bullets show.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.retrieval.glossary import Glossary
from rag.text import detect_language, open_quote
from rag.tracking.impact import Statement, what_it_says
from rag.tracking.timeline import TimelineEvent
from rag.types import Answer, Citation, RetrievedPassage

from .gist import gist, same_gist
from .sentences import named_back
from .tracked import MODE, cite_once

MAX_ITEMS = 6


@dataclass
class Item:
    """One bullet: a verbatim sentence, where it stands in its article, and a prefix."""

    text: str
    passage: Citation  # the passage it comes from (marker and highlights are set here)
    span: tuple[int, int]
    prefix: str = ""
    kind: str = ""  # a statement's kind (rag.tracking.impact), when it is one
    fit: int = 0  # how many of the question's words it says (rules.statement_order)

    @classmethod
    def of(cls, st: Statement, prefix: str = "", fit: int = 0) -> "Item":
        """The bullet of an impact statement."""
        return cls(st.text, st.citation, st.citation.highlights[0], prefix, st.kind, fit)


def compose(lead: str, items: Sequence[Item], lang: str, intent: str,
            glossary: Glossary | None = None) -> Answer | None:
    """The lead, then one bullet per item with its marker; one citation per passage with
    every sentence taken from it highlighted; "as of" the newest cited source. With a
    ``glossary``, a statement that says what an earlier one says (in either language; see
    ``asked.gist``) is left out."""
    whole = [it for it in items if not open_quote(it.text)]
    items = whole or list(items)  # a quote cut at a sentence break misleads; others first
    if glossary is not None:
        items = distinct(items, glossary, lang)
    if not items:
        return None
    cites: dict[str, Citation] = {}
    lines = [lead]
    for it in items[:MAX_ITEMS]:
        c = cite_once(cites, it.passage, [it.span])
        at = it.span[0] - it.passage.start  # the text before it in its passage, if cited
        before = it.passage.quote[:at] if 0 <= at <= len(it.passage.quote) else ""
        lines.append(f"- {it.prefix}{named_back(it.text, it.passage.title, before)} "
                     f"[{c.marker}]")
    dates = [c.published[:10] for c in cites.values() if c.published]
    return Answer(answer="\n".join(lines), found=True, as_of=max(dates) if dates else None,
                  language=lang, mode=MODE, citations=list(cites.values()), intent=intent)


def distinct(items: Sequence[Item], glossary: Glossary, lang: str) -> list[Item]:
    """``items`` with one of each group of the same kind that say the same (their gists
    share two or more things, and at least half of the smaller): in the place of the first,
    the one that says most of the question (``Item.fit``: "goods sold from abroad?" keeps
    "... set a minimum price for goods sold directly ... from abroad" over a plainer ban),
    then one in the question's language ``lang``, then the one most about it (its statement
    fills more of its sentence: "Marketplaces will be required to collect ..." over
    "Bukalapak said ..., and since mid-2025 marketplaces have been required to collect ...")."""
    def better(it: Item) -> tuple[int, bool, float]:
        return it.fit, detect_language(it.text, default=lang) == lang, _share(it.text)

    kept: list[Item] = []
    gists: list[set[str]] = []
    for it in items:
        g = gist(it.text, glossary)
        same = next((i for i, h in enumerate(gists)
                     if kept[i].kind == it.kind and same_gist(g, h)), None)
        if same is None:
            kept.append(it)
            gists.append(g)
        elif better(it) > better(kept[same]):
            kept[same] = it
    return kept


def _share(text: str) -> float:
    """How much of a sentence its statement fills (from its cue on)."""
    return len(what_it_says(text)) / max(1, len(text))


def event_span(e: TimelineEvent) -> tuple[int, int]:
    """Where an event's sentence stands in its article (its first highlight)."""
    hl = e.citation.highlights
    return hl[0] if hl else (e.citation.start, e.citation.end)


_ALSO = {"id": "Dari pemberitaan terkait: ", "en": "From related reporting: "}
_MARK = re.compile(r"\[(\d+)\]")


def with_passages(routed: Answer, extra: Answer, newer: bool = False) -> Answer:
    """``routed`` followed by what the ordinary retrieval answer ``extra`` adds: those of its
    answer sentences (not its footer) that the bullets do not already say, with their
    markers renumbered after ``routed``'s (a passage cited by both keeps one marker). With
    ``newer`` (a status), only when ``extra``'s sources are newer than ``routed``'s."""
    if not extra.found or not extra.citations or newer and not (
            extra.as_of and routed.as_of and extra.as_of > routed.as_of):
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
