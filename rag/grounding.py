"""Is a question answerable from these passages at all?

The best passage's similarity alone cannot tell (e5 similarities are compressed: 0.80-0.93
for nearly everything in a domain; see docs/EVALUATION.md). So a question's *anchors*, the
specific things it names (people, companies, acronyms, numbers, regulation ids, capitalised
glossary terms with their equivalents in the other language), must all be mentioned by one
retrieved passage. "What fine did KPPU impose on Shopee?" is not answered by one passage on
KPPU and another on Shopee.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from .glossary import Glossary
from .regulations import find_references, reference_ids
from .text import STOPWORDS, stem, words
from .types import RetrievedPassage

MONTH_NAMES = frozenset("""januari februari maret april mei juni juli agustus september oktober
    november desember january february march may june july august october december""".split())
_TOKEN = re.compile(r"[^\W_]+(?:[.,/'’\-][^\W_]+)*")

#: Capitalised words that name no specific thing (dates, question openers).
_NOT_ANCHORS = MONTH_NAMES | frozenset(
    """senin selasa rabu kamis jumat sabtu minggu monday tuesday wednesday thursday friday
    saturday sunday apa apakah siapa kapan mengapa kenapa bagaimana berapa dimana di mana
    menurut which whose whom where according is are was were did does do has have can
    could will would should roughly under after before since nomor tahun no number""".split())


def anchors(question: str, glossary: Glossary) -> list[frozenset[str]]:
    """The specific things a question is about: names, acronyms, numbers, and capitalised
    glossary terms ("Trade Minister Regulation"), each as its set of equivalent forms.

    An answer whose evidence never mentions one of them answers another question.
    """
    out: list[frozenset[str]] = []
    taken: list[tuple[int, int]] = []
    for ref in find_references(question):  # "Permendag No. 8 Tahun 2024" is one thing
        out.append(frozenset({"reg:" + ref.id}))
        taken.append((ref.start, ref.end))
    for m in glossary.find(question):
        if any(s <= m.start() < e for s, e in taken):
            continue
        if any(c.isupper() for c in m.group(0)):
            out.append(glossary.equivalents(m.group(0)))
        taken.append(m.span())
    for m in _TOKEN.finditer(question):
        if any(s <= m.start() < e for s, e in taken):
            continue
        tok = re.sub(r"['’]s$", "", m.group(0))
        low = tok.lower()
        if any(ch.isdigit() for ch in tok):
            digits = re.sub(r"\D", "", tok)
            if len(digits) >= 2:
                out.append(frozenset({"#" + digits}))
        elif tok[0].isupper() and low not in STOPWORDS and low not in _NOT_ANCHORS:
            out.append(glossary.equivalents(low))
    return out


def _covered(anchor: frozenset[str], text: str, text_words: set[str], numbers: set[str],
             regs: set[str]) -> bool:
    for form in anchor:
        if form.startswith("reg:"):
            if form[4:] in regs:
                return True
        elif form.startswith("#"):
            if form[1:] in numbers:
                return True
        elif " " in form or "-" in form:
            if re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text):
                return True
        elif form in text_words or stem(form, "id") in text_words or stem(form, "en") in text_words:
            return True
        elif len(form) >= 6 and any(len(w) >= 6 and abs(len(w) - len(form)) <= 2
                                    and (w.startswith(form) or form.startswith(w))
                                    for w in text_words):
            return True  # inflected names: "Indonesian" / "Indonesia", "Tokopedia's"
    return False


def missing_anchors(question: str, passages: Sequence[RetrievedPassage],
                    glossary: Glossary) -> list[frozenset[str]]:
    """Anchors of ``question`` that the best-covering passage (text and title) lacks.

    Coverage is judged per passage: a question about "KPPU" and "Shopee" is not answered
    by one passage on KPPU and another on Shopee.
    """
    wanted = anchors(question, glossary)
    best: list[frozenset[str]] | None = None
    for p in passages:
        text = f"{p.title}\n{p.text}"
        low = text.lower()
        toks = words(low)
        text_words = set(toks) | {stem(t, "id") for t in toks} | {stem(t, "en") for t in toks}
        text_words |= {re.sub(r"['’]s$", "", t) for t in toks}
        numbers = {re.sub(r"\D", "", t) for t in toks if any(c.isdigit() for c in t)}
        regs = set(reference_ids(text))
        missing = [a for a in wanted if not _covered(a, low, text_words, numbers, regs)]
        if best is None or len(missing) < len(best):
            best = missing
        if not best:
            break
    return wanted if best is None else best


