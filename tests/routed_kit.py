"""Hand-made citations, timeline events and timelines for the tests of answers composed from
the tracker (tests/test_routed.py, tests/test_stories.py): no store, no model."""
from rag.tracking.timeline import Event, Line, TimelineEvent
from rag.types import Citation


def cite(pid, start=0, text="x", published="2024-01-01", marker=0):
    return Citation(marker=marker, passage_id=pid, article_id=pid.split(":")[0], title="T",
                    outlet="O", url="https://o.example", published=published, quote=text,
                    start=start, end=start + len(text), score=0.9,
                    highlights=[(start, start + len(text))])


def ev(day, type_, pid, source="text", start=0):
    text = f"Event {type_} on {day}."
    return TimelineEvent(date=day, date_source=source, type=type_, summary=text,
                         citation=cite(pid, start, text, published=day))


def timeline(subject, events):
    return Line(subject, subject.title(), [Event.of(e, subject) for e in events])


def said(day, type_, pid, text, source="text"):
    return TimelineEvent(date=day, date_source=source, type=type_, summary=text,
                         citation=cite(pid, 0, text, published=day))
