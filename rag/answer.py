"""Grounded answers without a language model: the sentences that answer, with markers.

The extractive answerer splits the retrieved passages into sentences, scores each against
the question (weighted term overlap, the passage's retrieval rank, and whether it holds
the kind of fact asked for: a date for "kapan/when", a number for "berapa/how much"),
keeps the best few that say different things, and numbers the passages they came from.
When the retrieved evidence is too weak it says so instead of answering.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .config import Settings
from .glossary import Glossary, load_glossary
from .regulations import find_references, reference_ids
from .text import STOPWORDS, detect_language, sentence_spans, stem, terms, words
from .types import Answer, Citation, RetrievedPassage

MONTHS = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}
NOT_FOUND = {
    "id": "Sumber yang tersedia tidak menjawab pertanyaan ini.",
    "en": "The available sources do not answer this question.",
}
AS_OF = {"id": "Per {date}, menurut sumber terbaru yang dikutip.",
         "en": "As of {date}, per the newest source cited."}

_DATE_Q = re.compile(r"\b(kapan|tanggal|when|what date|sejak kapan|which day)\b", re.I)
_NUMBER_Q = re.compile(r"\b(berapa|how (much|many)|what (share|percentage|amount))\b", re.I)
_HAS_DATE = re.compile(
    r"\b\d{1,2}\s+(jan|feb|mar|apr|mei|may|jun|jul|agu|aug|sep|okt|oct|nov|des|dec)[a-z]*\b"
    r"|\(\d{1,2}/\d{1,2}(/\d{2,4})?\)|\b(19|20)\d{2}\b", re.I)
_HAS_NUMBER = re.compile(r"\d")
#: Sentences shorter than this (in words) rarely answer anything on their own.
MIN_WORDS = 5
#: Capitalised words that name no specific thing (dates, question openers).
_NOT_ANCHORS = frozenset(m.lower() for ms in MONTHS.values() for m in ms) | frozenset(
    """senin selasa rabu kamis jumat sabtu minggu monday tuesday wednesday thursday friday
    saturday sunday apa apakah siapa kapan mengapa kenapa bagaimana berapa dimana di mana
    menurut which whose whom where according is are was were did does do has have can
    could will would should roughly under after before since nomor tahun no number""".split())
_TOKEN = re.compile(r"[^\W_]+(?:[.,/'’\-][^\W_]+)*")


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


@dataclass
class _Sentence:
    passage: int  # index into the retrieved passages
    start: int  # offsets in the article text
    end: int
    text: str
    terms: set[str]
    score: float = 0.0


def format_date(iso: str | None, language: str) -> str:
    """'2023-10-04...' -> '4 Oktober 2023' / '4 October 2023'."""
    if not iso or len(iso) < 10:
        return iso or ""
    y, m, d = int(iso[0:4]), int(iso[5:7]), int(iso[8:10])
    return f"{d} {MONTHS.get(language, MONTHS['en'])[m - 1]} {y}"


class ExtractiveAnswerer:
    """Builds an Answer from retrieved passages by selecting their best sentences."""

    mode = "extractive"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.glossary = load_glossary(settings.glossary_file)

    def grounded(self, question: str, passages: Sequence[RetrievedPassage]) -> bool:
        """Whether the passages can answer at all: the best is similar enough and together
        they mention every specific thing the question names."""
        if not passages or passages[0].score < self.settings.min_relevance:
            return False
        return not missing_anchors(question, passages, self.glossary)

    def answer(self, question: str, passages: Sequence[RetrievedPassage],
               language: str | None = None) -> Answer:
        """Answer ``question`` from ``passages`` (best first), or say the sources don't."""
        lang = language or detect_language(question, default="en")
        if not self.grounded(question, passages):
            return Answer(answer=NOT_FOUND[lang], found=False, as_of=None, language=lang,
                          mode=self.mode, closest=list(passages[:3]))
        chosen = self._select(question, passages, lang)
        if not chosen:
            return Answer(answer=NOT_FOUND[lang], found=False, as_of=None, language=lang,
                          mode=self.mode, closest=list(passages[:3]))
        markers: dict[int, int] = {}
        parts = []
        for s in chosen:
            n = markers.setdefault(s.passage, len(markers) + 1)
            parts.append(f"{s.text} [{n}]")
        citations = []
        for pi, n in markers.items():
            p = passages[pi]
            citations.append(Citation(
                marker=n, passage_id=p.passage_id, article_id=p.article_id, title=p.title,
                outlet=p.outlet, url=p.url, published=p.published, quote=p.text,
                start=p.start, end=p.end, score=round(p.score, 4),
                highlights=[(s.start, s.end) for s in chosen if s.passage == pi],
            ))
        dates = [c.published for c in citations if c.published]
        as_of = max(dates)[:10] if dates else None
        text = " ".join(parts)
        if as_of:
            text += "\n\n" + AS_OF[lang].format(date=format_date(as_of, lang))
        return Answer(answer=text, found=True, as_of=as_of, language=lang, mode=self.mode,
                      citations=citations)

    def _select(self, question: str, passages: Sequence[RetrievedPassage],
                lang: str) -> list[_Sentence]:
        sents = _sentences(passages)
        if not sents:
            return []
        q_terms = set(terms(question, lang)) | set(terms(question, "en" if lang == "id" else "id"))
        n = len(sents)
        df: dict[str, int] = {}
        for s in sents:
            for t in s.terms & q_terms:
                df[t] = df.get(t, 0) + 1
        idf = {t: math.log(1 + n / (1 + df.get(t, 0))) for t in q_terms}
        total = sum(idf.values()) or 1.0
        want_date = bool(_DATE_Q.search(question))
        want_number = bool(_NUMBER_Q.search(question))
        for s in sents:
            lexical = sum(idf[t] for t in s.terms & q_terms) / total
            rank = 1.0 / (1 + s.passage)  # retrieval order, best first
            s.score = 0.55 * lexical + 0.35 * rank
            if want_date and _HAS_DATE.search(s.text):
                s.score += 0.15
            if want_number and _HAS_NUMBER.search(s.text):
                s.score += 0.15
        ranked = sorted(sents, key=lambda s: s.score, reverse=True)
        best = ranked[0].score
        chosen: list[_Sentence] = []
        for s in ranked:
            if len(chosen) == self.settings.answer_max_sentences or s.score < 0.6 * best:
                break
            if any(_overlap(s.terms, c.terms) >= 0.6 for c in chosen):
                continue  # says what a chosen sentence already says
            chosen.append(s)
        # Read best-first, then the supporting sentences in the order their sources tell them.
        head, rest = chosen[:1], chosen[1:]
        rest.sort(key=lambda s: (passages[s.passage].published or "", s.passage, s.start))
        return head + rest


def _sentences(passages: Sequence[RetrievedPassage]) -> list[_Sentence]:
    out = []
    for i, p in enumerate(passages):
        lang = p.language or "id"
        for s, e in sentence_spans(p.text):
            text = p.text[s:e]
            if len(text.split()) < MIN_WORDS:
                continue
            out.append(_Sentence(passage=i, start=p.start + s, end=p.start + e, text=text,
                                 terms=set(terms(text, lang))))
    return out


def _overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
