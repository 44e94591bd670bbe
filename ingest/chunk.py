"""Passages: overlapping windows of whole sentences, with exact character offsets.

A window grows sentence by sentence up to ``size`` characters and never cuts a sentence;
the next window starts far enough back to share about ``overlap`` characters (whole
sentences) with the previous one. Only a single sentence longer than the window is split,
at word boundaries. ``text[p.start:p.end] == p.text`` holds for every passage.
"""
from __future__ import annotations

from rag.text import sentence_spans
from rag.types import Passage


def _split_long(text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence into pieces of at most ``size`` at whitespace."""
    pieces = []
    while end - start > size:
        cut = text.rfind(" ", start + size // 2, start + size)
        cut = cut if cut > start else start + size
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def split_passages(article_id: str, text: str, size: int = 900,
                   overlap: int = 200) -> list[Passage]:
    """Split ``text`` into passages whose ids are ``{article_id}:{index}``."""
    units: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        units.extend(_split_long(text, s, e, size) if e - s > size else [(s, e)])
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j = i
        while j + 1 < len(units) and units[j + 1][1] - units[i][0] <= size:
            j += 1
        windows.append((i, j))
        if j + 1 >= len(units):
            break
        # Step back over whole sentences to overlap, but always move forward.
        nxt = j + 1
        while nxt - 1 > i and units[j][1] - units[nxt - 1][0] <= overlap:
            nxt -= 1
        i = nxt
    return [
        Passage(id=f"{article_id}:{n}", article_id=article_id, index=n,
                text=text[units[a][0]:units[b][1]], start=units[a][0], end=units[b][1])
        for n, (a, b) in enumerate(windows)
    ]
