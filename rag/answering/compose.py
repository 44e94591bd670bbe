"""The text of an extractive answer: each chosen sentence with its source's marker, the
"as of" line, the date a "when" answer gives in full, and the labels of older claims that
newer sources contradict; and the fixed sentences of an answer that is not found."""
from __future__ import annotations

from collections.abc import Sequence

from rag.dates import format_date
from rag.figures import HAS_DATE
from rag.regulations import strip_references
from rag.text import sentence_spans
from rag.tracking.events import anchor_before, event_type, own_date
from rag.tracking.entities import Gazetteer
from rag.types import Conflict, RetrievedPassage

from .sentences import Sentence, named_back, text_before

NOT_FOUND = {
    "id": "Sumber yang tersedia tidak menjawab pertanyaan ini.",
    "en": "The available sources do not answer this question.",
}
UNKNOWN = {"id": "Menurut sumber, hal ini belum diketahui: ",
           "en": "A source says this is not yet known: "}
AS_OF = {"id": "Per {date}, menurut sumber terbaru yang dikutip.",
         "en": "As of {date}, per the newest source cited."}
EARLIER = {"id": "Sebelumnya ({date}): ", "en": "Earlier ({date}): "}


def published_day(p: RetrievedPassage) -> str:
    """Its publication day, yyyy-mm-dd ("" when unknown)."""
    return (p.published or "")[:10]


def contradicted(chosen: list[Sentence], passages: Sequence[RetrievedPassage],
                 markers: dict[int, int]) -> list[Conflict]:
    """Cited claims older than the lead's (the first dated sentence: the newest of those
    that say much of what is asked) whose status (``rag.tracking.timeline.event_type``)
    differs from the lead's."""
    dated = [s for s in chosen if published_day(passages[s.passage])]
    if len(dated) < 2:
        return []
    newest = dated[0]
    now_status = event_type(newest.text)
    out = []
    for s in dated:
        day = published_day(passages[s.passage])
        if (day < published_day(passages[newest.passage])
                and event_type(s.text) not in (None, now_status)):
            out.append(Conflict(claim=s.text, published=day, marker=markers[s.passage],
                                superseded_by=markers[newest.passage]))
    return out


def dated(lead: Sentence, passages: Sequence[RetrievedPassage], lang: str) -> str:
    """For a "when" question, the full date of a lead that gives its day without the year
    ("on Thursday (Sept 21)", "Senin (29/9)", "on Tuesday"), read against its article's
    date as the timelines read it: "21 September 2023: "; the date of a lead that gives it
    only after its first sentence ("... Kepastian itu disampaikan ... (26/3/2024)"), as
    precisely as it does (else "")."""
    when = own_date(lead.text, published_day(passages[lead.passage]) or None,
                    anchor_before(text_before(lead, passages)))
    if when is None:
        return ""
    spans = sentence_spans(lead.text)
    first = lead.text[:spans[0][1]] if spans else lead.text
    if when[1] in ("text", "relative") and when[0][:4] not in lead.text:
        return f"{format_date(when[0], lang)}: "
    if not HAS_DATE.search(strip_references(first)) and HAS_DATE.search(lead.unreferenced):
        day = format_date(when[0], lang)
        return f"{day.split(' ', 1)[1] if when[1] == 'text-month' else day}: "
    return ""


def written(chosen: list[Sentence], passages: Sequence[RetrievedPassage],
            markers: dict[int, int], lang: str, as_of: str | None, conflicting: bool,
            gazetteer: Gazetteer | None = None) -> str:
    """The answer text: each sentence with its marker (and what a sentence opening "the
    rule" or "the company" points back to, ``named_back``); when newer sources contradict older
    ones, the lead is the newest of those that say much of what is asked and the claims
    older than it are labelled with their dates."""
    if conflicting:
        newest_day = next(d for d in (published_day(passages[s.passage]) for s in chosen) if d)
        parts = []
        for s in chosen:
            day = published_day(passages[s.passage])
            label = (EARLIER[lang].format(date=format_date(day, lang))
                     if day and day < newest_day else "")
            parts.append(f"{label}{_quoted(s, passages, gazetteer)} [{markers[s.passage]}]")
    else:
        parts = [f"{_quoted(s, passages, gazetteer)} [{markers[s.passage]}]" for s in chosen]
    text = " ".join(parts)
    if as_of:
        text += "\n\n" + AS_OF[lang].format(date=format_date(as_of, lang))
    return text


def _quoted(s: Sentence, passages: Sequence[RetrievedPassage],
            gazetteer: Gazetteer | None = None) -> str:
    """``s`` as the answer quotes it: with what its "the rule" / "the company" points back to."""
    return named_back(s.text, passages[s.passage].title or "", text_before(s, passages),
                      gazetteer)
