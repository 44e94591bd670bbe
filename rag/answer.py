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
from .text import detect_language, sentence_spans, terms
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

    def answer(self, question: str, passages: Sequence[RetrievedPassage],
               language: str | None = None) -> Answer:
        """Answer ``question`` from ``passages`` (best first), or say the sources don't."""
        lang = language or detect_language(question, default="en")
        if not passages or passages[0].score < self.settings.min_relevance:
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
