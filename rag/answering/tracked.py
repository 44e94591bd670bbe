"""Answers composed from what the tracker knows, not from retrieved passages' sentences.

``status_answer``: "what is the status of X (now / on DATE)" from X's timeline: the newest
event first, then the changes before it, each cited with the passage that states it.
``yes_no_answer``: the same question asked to be answered yes or no ("Is TikTok Shop still
closed?", "Sudah buka lagi?", "Has TikTok ever been fined?", "Apakah aturan itu direvisi?"):
a yes/no lead settled by the timeline, then the events that settle it.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from rag.dates import format_date
from rag.tracking.timeline import TYPE_LABELS, Event, Line, TimelineEvent, read_told
from rag.types import Answer, Citation, Conflict

#: The head opens the first event's own sentence, so the answer's first sentence states it.
_STATUS_HEAD = {"id": "Per {date}, {label} {status}:", "en": "As of {date}, {label} {status}:"}
_BEFORE = {"id": "Sebelumnya ({date}): ", "en": "Before that ({date}): "}
_YES = {"id": "Ya,", "en": "Yes,"}
_NO = {"id": "Tidak,", "en": "No,"}
_HAPPENED = {"id": "{label} {status} ({date}):", "en": "{label} {status} ({date}):"}
#: Whether a player operates: its newest event of these settles "still closed?" and "open
#: again?" (a move into another service is operating, under another name).
OPERATION = {"stopped": False, "resumed": True, "merged": True}
#: Events whose having happened a timeline can show ("Has X ever been fined?"). Not among
#: them: whether a rule is still in force (only what replaced or revoked it says no, and
#: that is the registry's relations), a move into another service or a takeover (a process
#: whose stages news reports separately: "is the migration finished?" is answered better by
#: the passages that date its completion), a revision (a question about one often asks
#: whether a draft is binding yet, which no event says).
_COUNTS_AS = {"fined": {"fined"}}


def event_when(e: TimelineEvent | Event, lang: str) -> str:
    """An event's date as precise as its source gives it: "4 Oktober 2023", "Maret 2024"
    (a month), "2024" (a year)."""
    text = format_date(e.date, lang)
    if e.date_source == "text-month":
        return text.split(" ", 1)[1]
    if e.date_source == "text-year":
        return e.date[:4]
    return text


def _newest_per_type(events: list[Event], first: Event | None,
                     max_events: int) -> list[Event]:
    picked = [first] if first is not None else []
    for e in reversed(events):  # newest first, one event per type
        if all(p.type != e.type for p in picked):
            picked.append(e)
        if len(picked) == max_events:
            break
    return picked


#: The mode of every answer the tracker composes.
MODE = "tracker"


def cite_once(cites: dict[str, Citation], citation: Citation,
              spans: list[tuple[int, int]]) -> Citation:
    """The citation of ``citation``'s passage in ``cites`` (one per passage, numbered in the
    order first cited), with ``spans`` added to its highlights."""
    c = cites.get(citation.passage_id)
    if c is None:
        c = cites[citation.passage_id] = citation.model_copy(
            update={"marker": len(cites) + 1, "highlights": []})
    c.highlights = sorted(set(c.highlights) | set(spans))
    return c


def _compose(head: str, picked: list[TimelineEvent], lang: str) -> Answer:
    """``head``, then each event's sentence cited (one citation per passage); the events
    after the first are what came before it."""
    parts, conflicts = [head], []
    cites: dict[str, Citation] = {}  # one citation per passage, its sentences highlighted
    for i, e in enumerate(picked):
        c = cite_once(cites, e.citation, e.citation.highlights)
        label = "" if i == 0 else _BEFORE[lang].format(date=event_when(e, lang))
        parts.append(f"{label}{e.summary} [{c.marker}]")
        if i > 0:
            conflicts.append(Conflict(claim=e.summary, published=e.date, marker=c.marker,
                                      superseded_by=1))
    return Answer(answer=" ".join(parts), found=True, as_of=picked[0].date, language=lang,
                  mode=MODE, citations=list(cites.values()), conflicts=conflicts,
                  intent="status")


Read = Callable[[Sequence[Event]], list[TimelineEvent]]


def status_answer(tl: Line, language: str, read: Read = read_told,
                  max_events: int = 3) -> Answer | None:
    """An Answer to "what is the status of X (now / on DATE)" from X's newest events:
    the newest first, then the changes before it, each cited (only those are ``read``);
    None without events."""
    lang = language if language in TYPE_LABELS else "en"
    picked = read(_newest_per_type(tl.events, None, max_events))
    if not picked:
        return None
    newest = picked[0]
    head = _STATUS_HEAD[lang].format(label=tl.label, date=event_when(newest, lang),
                                     status=TYPE_LABELS[lang][newest.type])
    return _compose(head, picked, lang)


def yes_no_answer(tl: Line, asked: str, language: str, read: Read = read_told,
                  max_events: int = 3) -> Answer | None:
    """A yes/no Answer about ``tl``'s subject and the event type ``asked`` ("stopped" for
    "still closed?", "resumed" for "open again?", "fined" for "ever fined?"); None when
    the timeline cannot settle it (then retrieval answers).

    Closed or open is settled by the newest event of operation (stopped, resumed, moved
    into another service); anything else by whether the timeline holds such an event (its
    newest one is cited first). That no source reports an event is not a "no": None."""
    lang = language if language in TYPE_LABELS else "en"
    if asked in ("stopped", "resumed"):
        ops = [e for e in tl.events if e.type in OPERATION]
        if not ops:
            return None
        lead = ops[-1]
        operating = OPERATION[lead.type]
        yes = operating if asked == "resumed" else not operating
        head = _STATUS_HEAD[lang].format(label=tl.label, date=event_when(lead, lang),
                                         status=TYPE_LABELS[lang][lead.type])
    else:
        if asked not in _COUNTS_AS:
            return None
        hits = [e for e in tl.events if e.type in _COUNTS_AS[asked]]
        if not hits:
            return None
        # The newest report that dates it in its text; a retelling dated only by its
        # article ("... was fined", in a year-end recap) when there is no other.
        dated = [e for e in hits if e.date_source != "article"]
        lead, yes = (dated or hits)[-1], True
        head = _HAPPENED[lang].format(label=tl.label, date=event_when(lead, lang),
                                      status=TYPE_LABELS[lang][lead.type])
    picked = read(_newest_per_type(tl.events, lead, max_events))
    if not picked or picked[0].citation.passage_id != lead.passage_id:
        return None  # its passage is gone since the view was made
    if head.startswith(("Per ", "As of ")):
        head = head[0].lower() + head[1:]
    return _compose(f"{(_YES if yes else _NO)[lang]} {head}", picked, lang)
