"""Answers composed from what the tracker knows, not from retrieved passages' sentences.

``status_answer``: "what is the status of X (now / on DATE)" from X's timeline: the newest
event first, then the changes before it, each cited with the passage that states it.
"""
from __future__ import annotations

from rag.dates import format_date
from rag.tracking.timeline import TYPE_LABELS, Timeline, TimelineEvent
from rag.types import Answer, Citation, Conflict

_STATUS_HEAD = {"id": "Status {label} per {date}: {status}.",
                "en": "Status of {label} as of {date}: {status}."}
_BEFORE = {"id": "Sebelumnya ({date}): ", "en": "Before that ({date}): "}


def status_answer(tl: Timeline, language: str, max_events: int = 3) -> Answer | None:
    """An Answer to "what is the status of X (now / on DATE)" from X's newest events:
    the newest first, then the changes before it, each cited; None without events."""
    if not tl.events:
        return None
    lang = language if language in TYPE_LABELS else "en"
    picked: list[TimelineEvent] = []
    for e in reversed(tl.events):  # newest first, one event per type
        if all(p.type != e.type for p in picked):
            picked.append(e)
        if len(picked) == max_events:
            break
    def when(e: TimelineEvent) -> str:
        text = format_date(e.date, lang)
        return text.split(" ", 1)[1] if e.date_source == "text-month" else text  # "Maret 2024"

    newest = picked[0]
    head = _STATUS_HEAD[lang].format(label=tl.label, date=when(newest),
                                     status=TYPE_LABELS[lang][newest.type])
    parts, conflicts = [head], []
    cites: dict[str, Citation] = {}  # one citation per passage, its sentences highlighted
    for i, e in enumerate(picked):
        c = cites.get(e.citation.passage_id)
        if c is None:
            c = cites[e.citation.passage_id] = e.citation.model_copy(
                update={"marker": len(cites) + 1, "highlights": []})
        c.highlights = sorted(set(c.highlights) | set(e.citation.highlights))
        label = "" if i == 0 else _BEFORE[lang].format(date=when(e))
        parts.append(f"{label}{e.summary} [{c.marker}]")
        if i > 0:
            conflicts.append(Conflict(claim=e.summary, published=e.date, marker=c.marker,
                                      superseded_by=1))
    citations = list(cites.values())
    return Answer(answer=" ".join(parts), found=True, as_of=newest.date, language=lang,
                  mode="tracker", citations=citations, conflicts=conflicts)
