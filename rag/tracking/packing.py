"""One article's timeline events kept compact: a few shared values and a run of integers.

A million passages tell about 2.4 million events. As tuples of strings and ints, with a
list per passage, they took 850 MB of the timelines' 1.1 GB and most of the time a start
spends unpickling them; packed, an article is two objects: the distinct values its events
use (subjects, dates, types: the same objects across articles, so a snapshot stores each
once; its passage ids and publication date) and the events as integers indexing them
(offsets as they are).
``TimelineIndex`` keeps its per-article items so (``rag.store.perarticle.PerArticle.pack``);
the events it aggregates and shows are unpacked ``Event`` tuples.
"""
from __future__ import annotations

from array import array
from collections.abc import Hashable, Sequence
from typing import Any

#: Integers per event: passage group, subject, date, date source, type, passage id, start,
#: end, published, named, flags (whole, names_rule).
_WIDTH = 11


class Shared:
    """One object per distinct value: an index that makes its records of these stores each
    value once in memory and in its snapshot (pickle keeps one copy of an object however
    often it is referred to). The values seen are kept: use it for the few that recur
    (dates, ids, names, a regulation's alias and title), not for what is unique to a passage."""

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}

    def one(self, value: Hashable) -> Any:
        """The shared object equal to ``value`` (this one, the first time)."""
        return self._values.setdefault(value, value)

    def __contains__(self, value: Hashable) -> bool:
        return value in self._values


class EventPacker:
    """Packs and unpacks one article's events (a list per passage of ``event``, the
    ``rag.tracking.timeline.Event`` tuple); subjects, dates, types and the names an event's
    sentence names are shared across articles (few and long-lived, unlike passage ids)."""

    def __init__(self, event: type) -> None:
        self.event = event
        #: the index makes its events and bucket keys of these too (as many as the distinct
        #: dates, subjects and buckets)
        self.shared = Shared()
        self.one = self.shared.one

    def pack(self, groups: Sequence[Sequence]) -> tuple[tuple, bytes]:
        codes: dict[Hashable, int] = {}
        values: list[Any] = []

        def code(v: Hashable, shared: bool = True) -> int:
            c = codes.get(v)
            if c is None:
                c = codes[v] = len(values)
                values.append(self.one(v) if shared else v)
            return c

        rows = array("i")
        for g, events in enumerate(groups):
            for e in events:
                if e.told is not None:
                    raise ValueError("an event read from a passage is not packed")
                rows.extend((g, code(e.subject), code(e.date), code(e.date_source),
                             code(e.type), code(e.passage_id, False), e.start, e.end,
                             code(e.published, False), code(e.named),
                             int(e.whole) | int(e.names_rule) << 1))
        return tuple(values), rows.tobytes()

    def unpack(self, packed: tuple[tuple, bytes]) -> list[list]:
        event, (values, raw) = self.event, packed
        rows = array("i")
        rows.frombytes(raw)
        groups: list[list] = []
        for j in range(0, len(rows), _WIDTH):
            g, su, da, so, ty, pi, start, end, pu, na, flags = rows[j:j + _WIDTH]
            while len(groups) <= g:
                groups.append([])
            groups[g].append(event(values[su], values[da], values[so], values[ty],
                                   values[pi], start, end, values[pu], bool(flags & 1),
                                   bool(flags & 2), values[na]))
        return groups
