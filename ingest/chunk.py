"""Passages: overlapping windows of whole sentences, with exact character offsets.

A window grows sentence by sentence up to ``size`` characters and never cuts a sentence;
the next window starts far enough back to share about ``overlap`` characters (whole
sentences) with the previous one. Only a single sentence longer than the window is split,
at word boundaries. ``text[p.start:p.end] == p.text`` holds for every passage.
"""
from __future__ import annotations

from collections.abc import Callable

from rag.text import sentence_spans
from rag.types import Passage

TokenCounter = Callable[[list[str]], list[int]]


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


def split_passages(article_id: str, text: str, size: int = 900, overlap: int = 200,
                   count_tokens: TokenCounter | None = None,
                   max_tokens: int | None = None) -> list[Passage]:
    """Split ``text`` into passages whose ids are ``{article_id}:{index}``.

    With ``count_tokens`` and ``max_tokens``, no passage exceeds ``max_tokens`` tokens
    either (the embedder would silently truncate it), however dense the text.
    """
    units: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        units.extend(_split_long(text, s, e, size) if e - s > size else [(s, e)])
    tokens = [0] * len(units)
    if count_tokens is not None and max_tokens:
        units, tokens = _fit_tokens(text, units, count_tokens, max_tokens)
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j, used = i, tokens[i]
        while (j + 1 < len(units) and units[j + 1][1] - units[i][0] <= size
               and (max_tokens is None or used + tokens[j + 1] <= max_tokens)):
            j += 1
            used += tokens[j]
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


def _fit_tokens(text: str, units: list[tuple[int, int]], count: TokenCounter,
                max_tokens: int) -> tuple[list[tuple[int, int]], list[int]]:
    """Token counts per unit; units over the budget are cut shorter until they fit."""
    counts = count([text[s:e] for s, e in units])
    out_units, out_tokens = [], []
    for (s, e), n in zip(units, counts):
        if n <= max_tokens:
            out_units.append((s, e))
            out_tokens.append(n)
            continue
        # Dense text (numbers, tables): cut in proportion, then check each piece again.
        width = max(20, int((e - s) * max_tokens / n * 0.9))
        sub_units, sub_tokens = _fit_tokens(text, _split_long(text, s, e, width), count,
                                            max_tokens)
        out_units += sub_units
        out_tokens += sub_tokens
    return out_units, out_tokens
