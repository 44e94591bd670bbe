"""What a subject's timeline leaves out as a retelling of an event it already holds: an
article-dated report of a type the text dated earlier, a month-dated one beside the day, a
regulation's issue or entry into force told again (rag.tracking.timeline shows the rest)."""
from __future__ import annotations

import re

from rag.dates import days_between

#: How many characters of an ISO date a date source fixes.
_PRECISION = {"text-month": 7, "text-year": 4}


#: A regulation's id ("permendag-31-2023"), and what happens to one regulation only once:
#: it is issued, it comes into force (a change is another regulation).
_REGULATION_ID = re.compile(r"^[a-z]+-\d+-(?:19|20)\d\d$")
_ONCE = frozenset({"enacted", "in_force"})
#: Days after a regulation's first dated issue or entry into force within which a report of
#: it is the same happening (later ones retell it: "took effect on Sept. 26", a year on).
_ONCE_DAYS = 31


def drop_retellings(events: list) -> list:
    """``events`` (``rag.tracking.timeline.Event``, oldest first) less what retells an event
    instead of adding one: an article-dated event of a type the text already dated earlier
    ("two years after TikTok Shop was shut ..."), a month-precision event ("pada Oktober
    2023") when that month has the same type to the day, and a regulation's issue or entry
    into force told again after the first its text dates."""
    first: dict[str, str] = {}
    for e in events:  # oldest first
        if _REGULATION_ID.match(e.subject) and e.type in _ONCE and e.date_source == "text":
            first.setdefault(e.type, e.date[:10])
    events = [e for e in events
              if e.type not in first or days_between(first[e.type], e.date) <= _ONCE_DAYS]
    dated: dict[str, list[str]] = {}
    days = {(e.type, e.date[:7]) for e in events if e.date_source in ("text", "relative")}
    for e in events:
        if e.date_source != "article":
            # to the precision the text gives: "sejak Desember 2023" is not before a report
            # of 11 December 2023
            dated.setdefault(e.type, []).append(e.date[:_PRECISION.get(e.date_source, 10)])
    return [e for e in events
            if not (e.date_source == "article"
                    and any(d < e.date[:len(d)] for d in dated.get(e.type, ())))
            and not (e.date_source == "text-month" and (e.type, e.date[:7]) in days)
            and not (e.date_source == "text-year" and any(t == e.type and d.startswith(e.date[:4])
                                                          for t, d in days))]
