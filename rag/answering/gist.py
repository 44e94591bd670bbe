"""A statement's gist: what it says in the clause of its cue, language aside, so that one
fact told twice (in other words, or in the other language) is told once."""
from __future__ import annotations

import re

from rag.regulations import strip_references
from rag.text import detect_language, terms
from rag.tracking.impact import cue_clause, denies

def gist(text: str, glossary) -> set[str]:
    """What a statement says in the clause of its cue, language aside: its glossary concepts
    (one name each) and its other content words ("melarang media sosial memproses pembayaran" and
    "barred social media platforms from processing payments" share ban, social media,
    payment)."""
    said = strip_references(cue_clause(text))
    lang = detect_language(said, default="id")
    out: set[str] = set()
    taken: list[tuple[int, int]] = []
    for m in glossary.find(said):
        taken.append(m.span())
        whole = glossary.equivalents(m.group(0))
        out.add(min(whole))
        if len(whole) == 1:  # a phrase the glossary only lists: "barang dan jasa" says "barang"
            out.update(min(glossary.equivalents(p)) for p in m.group(0).split()
                       if len(glossary.equivalents(p)) > 1)
    for m in re.finditer(r"[^\W\d_]{4,}", said):
        if not any(a <= m.start() < b for a, b in taken):
            # an affixed form of a glossary word says its concept ("bertransaksi")
            out.update(glossary.concept_of_stem(t) or t for t in terms(m.group(0), lang))
    if denies(text):
        out.add(NEGATED)
    return out


#: In a gist: the statement denies or exempts (``rag.tracking.impact.denies``).
NEGATED = "<not>"


def same_gist(g: set[str], h: set[str]) -> bool:
    """Whether two gists (``gist``) say the same: they share two or more things, and at
    least half of the smaller, and neither denies what the other states."""
    if (NEGATED in g) != (NEGATED in h):
        return False
    g, h = g - {NEGATED}, h - {NEGATED}
    return len(g & h) >= 2 and len(g & h) >= 0.5 * min(len(g), len(h))
