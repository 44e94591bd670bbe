"""The sentences of retrieved passages that an extractive answer is made of: their article
offsets, terms and stems, quotations kept whole across sentence breaks, and what a sentence
quoted alone calls only "the rule" or "the company" named (``named_back``)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from rag.regulations import find_references, short_name, strip_references
from rag.text import open_quote, sentence_spans, stem, terms, text_forms, words
from rag.tracking.entities import Gazetteer
from rag.types import RetrievedPassage

#: Sentences shorter than this (in words) rarely answer anything on their own.
MIN_WORDS = 5
#: A sentence that only announces what follows it ("Berikut rangkuman isinya.", "Here is
#: what the new rule does and who it affects.", "Berikut enam poin penting ...:"): a
#: signpost of the article's layout, no statement of its own.
_SIGNPOST = re.compile(
    r"^(?:berikut(?:\s+ini)?|simak|ini\s+dia|here(?:'s|’s|\s+is|\s+are)|below\s+(?:is|are)|"
    r"the\s+following)\b[^:]*:?$", re.I)


def signpost(text: str) -> bool:
    """Whether ``text`` only announces what comes after it (``_SIGNPOST``); one that goes
    on after a colon ("Here are the rules: platforms must ...") says something."""
    return bool(_SIGNPOST.match(text.strip()))


@dataclass
class Sentence:
    passage: int  # index into the retrieved passages
    start: int  # offsets in the article text
    end: int
    text: str
    terms: set[str]
    language: str = "id"
    score: float = 0.0

    @cached_property
    def low(self) -> str:
        return self.text.lower()

    @cached_property
    def forms(self) -> set[str]:
        """Its terms and every word's stem in both languages (for glossary matching)."""
        return self.terms | {stem(w, lg) for w in words(self.low) for lg in ("id", "en")}

    @cached_property
    def unreferenced(self) -> str:
        """Its text without regulation references ("Nomor 31 Tahun 2023" is no number)."""
        return strip_references(self.text)

    @cached_property
    def said(self) -> tuple[str, set[str]]:
        """``low`` and ``forms`` of its text without regulation references: what it says
        in its own words ("Peraturan Menteri Perdagangan" names a rule; it does not say
        "diatur")."""
        low = self.unreferenced.lower()
        return low, text_forms(low)


def text_before(s: Sentence, passages: Sequence[RetrievedPassage]) -> str:
    """The text of ``s``'s passage before it: what it may point back to."""
    p = passages[s.passage]
    return p.text[:max(0, s.start - p.start)]


def passage_sentences(passages: Sequence[RetrievedPassage]) -> list[Sentence]:
    """The answerable sentences of the passages (signposts left out), with article offsets
    and terms."""
    out = []
    for i, p in enumerate(passages):
        lang = p.language or "id"
        for s, e in sentence_spans(p.text):
            text = p.text[s:e]
            if len(text.split()) < MIN_WORDS or signpost(text):
                continue
            out.append(Sentence(passage=i, start=p.start + s, end=p.start + e, text=text,
                                 terms=set(terms(text, lang)), language=lang))
    return out


def _where(s: Sentence, p: RetrievedPassage) -> tuple[list[tuple[int, int]], int | None]:
    """The article spans of the sentences of ``s``'s passage ``p``, and which one ``s``
    starts in."""
    spans = [(p.start + a, p.start + b) for a, b in sentence_spans(p.text)]
    return spans, next((i for i, (a, b) in enumerate(spans) if a <= s.start < b), None)


def whole_quotes(chosen: list[Sentence], passages: Sequence[RetrievedPassage],
                 most: int = 3) -> list[Sentence]:
    """``chosen`` with each quotation kept whole: a sentence that opens a quote runs on to
    the sentence closing it, one that closes a quote starts where it opened (at most
    ``most`` sentences in all); a sentence taken into another is dropped."""
    out: list[Sentence] = []
    for s in chosen:
        way = open_quote(s.text)
        if way:
            p = passages[s.passage]
            spans, at = _where(s, p)
            if at is not None:
                lo = hi = at
                text = s.text
                while open_quote(text) == way and hi - lo + 1 < most:
                    if way > 0 and hi + 1 < len(spans):
                        hi += 1
                    elif way < 0 and lo > 0:
                        lo -= 1
                    else:
                        break
                    text = p.text[spans[lo][0] - p.start:spans[hi][1] - p.start]
                if not open_quote(text):
                    start, end = spans[lo][0], spans[hi][1]
                    s = Sentence(passage=s.passage, start=start, end=end, text=text,
                                 terms=set(terms(text, s.language)), language=s.language,
                                 score=s.score)
        if any(o.passage == s.passage and o.start <= s.start and s.end <= o.end for o in out):
            continue  # already said by a whole quote taken before
        inside = [i for i, o in enumerate(out)
                  if o.passage == s.passage and s.start <= o.start and o.end <= s.end]
        at = inside[0] if inside else len(out)  # in the place of what it takes in
        out = [o for i, o in enumerate(out) if i not in inside]
        out.insert(min(at, len(out)), s)
    return out


#: A sentence that announces items and stops ("Majelis mencatat beberapa hal yang
#: meringankan.", "The ministry gave three reasons."): its next sentence gives them.
_ANNOUNCES = re.compile(
    r"\b(beberapa|sejumlah|berbagai|several|a few|a number of|various|dua|tiga|empat|lima|"
    r"two|three|four|five|\d+)\s+(?:[\w-]+\s+){0,2}?(hal|faktor|alasan|poin|catatan|syarat|"
    r"langkah|pertimbangan|perubahan|ketentuan|things|factors|reasons|points|conditions|steps|"
    r"considerations|grounds|changes|provisions)\b(\s+(yang|that|which)\s+[\w-]+){0,1}"
    r"\s*[.:]?\s*$", re.I)


def told_on(chosen: list[Sentence], passages: Sequence[RetrievedPassage]) -> list[Sentence]:
    """``chosen`` with a sentence that only announces items (``_ANNOUNCES``) run on to the
    next sentence of its passage, which gives them (unless that one is chosen already)."""
    out = []
    for s in chosen:
        if _ANNOUNCES.search(s.text):
            p = passages[s.passage]
            spans, at = _where(s, p)
            if at is not None and at + 1 < len(spans) and not any(
                    c.passage == s.passage and c.start >= spans[at + 1][0]
                    and c.start < spans[at + 1][1] for c in chosen):
                end = spans[at + 1][1]
                text = p.text[s.start - p.start:end - p.start]
                s = Sentence(passage=s.passage, start=s.start, end=end, text=text,
                             terms=set(terms(text, s.language)), language=s.language,
                             score=s.score)
        out.append(s)
    return out


#: A sentence that opens by pointing back at what was said before it and says when it was
#: said: "Kepastian itu disampaikan di Jakarta, Selasa (26/3/2024)", "Hal tersebut
#: diungkapkan ...", "This was announced on Monday".
_TOLD_BACK = re.compile(
    r"^\W*(?:(?:[\w-]+\s+){0,2}?(?:itu|tersebut)|this|that|it|the (?:announcement|decision|"
    r"statement|confirmation|news))\s+(?:[\w-]+\s+){0,2}?(?:disampaikan|diumumkan|"
    r"dikatakan|dinyatakan|ditegaskan|diungkapkan|dijelaskan|dipaparkan|was (?:said|announced|"
    r"stated|confirmed|disclosed|made|told))\b", re.I)


def dated_on(sents: list[Sentence], passages: Sequence[RetrievedPassage],
             dated) -> list[Sentence]:
    """Each sentence that gives no date (``dated``: whether a text does) run on to one of
    the next two of its passage that says when what was said before it was said ("Pemerintah
    menyatakan proses migrasi ... telah selesai. ... Kepastian itu disampaikan di Jakarta,
    Selasa (26/3/2024)"): what a "when" question may take whole, beside the parts alone."""
    out = []
    for i, b in enumerate(sents):
        if not (dated(b.unreferenced) and _TOLD_BACK.match(b.text)):
            continue
        for k in range(max(0, i - BACK), i):
            a = sents[k]
            if a.passage == b.passage and not any(dated(x.unreferenced) for x in sents[k:i]):
                p = passages[a.passage]
                text = re.sub(r"\s+", " ", p.text[a.start - p.start:b.end - p.start])
                out.append(Sentence(passage=a.passage, start=a.start, end=b.end, text=text,
                                    terms=set(terms(text, a.language)), language=a.language))
    return out


#: How many sentences back a sentence pointing back may date ("Hal itu disampaikan ..."
#: after a statement told over two sentences).
BACK = 2


#: A sentence that opens by calling a regulation only "the rule", "aturan ini", "beleid
#: tersebut": what it points back to is named before it. Not "the new rule", "aturan baru
#: itu": often one not yet named, beside the regulation it will revise.
_RULE_BACK = re.compile(
    r"^\W*(?:(?:aturan|peraturan|regulasi|beleid|undang-undang)\s+(?:ini|itu|tersebut)|"
    r"(?:the|this|that)\s+(?:rule|regulation|law))\b(?![’']s)", re.I)
#: ... or a tracked player only "the company", "perusahaan itu", "kementerian tersebut" (the
#: noun, group 1, says which kinds of player it may be).
_PLAYER_BACK = re.compile(
    r"^\W*(?:(perusahaan|platform|lokapasar|kementerian|komisi)\s+(?:ini|itu|tersebut)|"
    r"(?:the|this|that)\s+(company|firm|platform|marketplace|ministry|commission))\b(?![’']s)",
    re.I)
_PLAYER_KINDS = {"perusahaan": {"company", "platform", "group"},
                 "company": {"company", "platform", "group"},
                 "firm": {"company", "platform", "group"},
                 "platform": {"platform"}, "lokapasar": {"platform"}, "marketplace": {"platform"},
                 "kementerian": {"ministry"}, "ministry": {"ministry"},
                 "komisi": {"regulator"}, "commission": {"regulator"}}

#: The word before a regulation that the sentence names as where something is set out.
_WHERE_SET = re.compile(r"\b(?:dalam|di|pada|melalui|lewat|oleh|in|under|through|via|by)\s*$",
                        re.I)


def named_back(text: str, title: str, before: str, gazetteer: Gazetteer | None = None) -> str:
    """``text`` (a sentence quoted alone), with the regulation that its opening "the rule" /
    "aturan ini" points back to named after it in brackets ("Aturan ini [PMK 37/2025]
    menunjuk ..."), or, with a ``gazetteer``, the tracked player its "the company" /
    "perusahaan itu" does ("Perusahaan itu [TikTok] dinilai terlambat ..."). It is the only
    one (of the kinds the noun may be) named in ``title`` and the passage text ``before``
    the sentence, or, of several, the one named most when it is also the one named last
    (where the most named and the last named differ, it may be either: "... through
    Permendag 50/2020. That regulation served ..." after PP 80/2019). None is added inside a
    quotation, when the sentence names it itself, names one right after its opening ("The
    rule, Trade Minister Regulation No. 31 of 2023, ...") or says where a regulation is set
    out ("Aturan itu tertuang dalam Permendag 50/2020": a provision, not the regulation)."""
    if open_quote(text):  # a speaker's "the rule": whose, the quote may not say
        return text
    m = _RULE_BACK.match(text)
    if m:
        def named(part: str) -> list[tuple[str, str, int]]:
            return [(r.id, short_name(r), r.start) for r in find_references(part)]
    elif gazetteer is not None and (m := _PLAYER_BACK.match(text)):
        noun = (m[1] or m[2]).lower()
        kinds = _PLAYER_KINDS[noun]
        # a platform named after a company (TikTok Shop) is no "company": its owner is
        company = "company" in kinds

        def named(part: str) -> list[tuple[str, str, int]]:
            return [(eid, gazetteer.entities[eid].label, start)
                    for eid, start, _ in gazetteer.find(part)
                    if gazetteer.entities[eid].kind in kinds
                    and not (company and gazetteer.owner_of(eid) != eid)]
    else:
        return text
    own = named(text)
    if any(at - m.end() <= 3 or _WHERE_SET.search(text[:at]) for _, _, at in own):
        return text
    found = named(title) + named(before)
    ids = [key for key, _, _ in found]
    if not ids:
        return text
    meant = max(dict.fromkeys(ids), key=ids.count)  # the first named of equals
    if len(set(ids)) > 1 and (ids[-1] != meant or ids.count(meant) == ids.count(
            max(set(ids) - {meant}, key=ids.count))):
        return text  # several named, and the one named most is not the last named alone
    if meant in {key for key, _, _ in own}:
        return text
    label = next(label for key, label, _ in found if key == meant)
    return f"{text[:m.end()]} [{label}]{text[m.end():]}"
