"""What a sentence's wording says, whatever the question: that it gives a cause, a
definition, or members of a set; that it says something has not been told; that it only
says who presented something to whom; that it spells out an acronym. rag.answering.asked
matches them against what a question asks for."""
from __future__ import annotations

import re

from rag.dates import MONTH_NAMES
from rag.regulations import strip_references
from rag.text import STOPWORDS

#: A sentence that gives a cause or purpose ("because", "a direct result of", "menyusul",
#: "karena", "agar"; "aims to", "bertujuan", "guna"): what a "why" question asks for.
GIVES_REASON = re.compile(
    r"\b(because|due to|as a result|result of|following|in order to|so that|comply|citing|"
    r"reason|aims? to|aimed at|aiming to|intended to|designed to|meant to|in a bid to|"
    r"so as to|seeks? to|sought to|purposes?|bertujuan|tujuan(?:nya)?|guna|"
    r"karena|sebab|akibat|lantaran|menyusul|demi|agar|supaya|mematuhi|alasan|dinilai|"
    r"terbukti|for (?:failing|notifying|violating|breaching)|atas (?:keterlambatan|"
    r"pelanggaran))\b", re.I)
#: A sentence that says what something is: "X adalah / merupakan / yaitu ...", "X is a ...",
#: "defined as", "refers to", "means".
GIVES_DEFINITION = re.compile(
    r"\b(adalah|merupakan|ialah|yaitu|yakni|didefinisikan|diartikan|dimaksud|disebut|"
    r"mencakup|meliputi|terdiri (atas|dari)|includes|consists of|"
    r"defined as|defines?\b.{0,60}\bas|refers? to|means|is an?|are the|is the)\b", re.I)
#: A source saying that what is asked has not been told: "have not said when", "declined to
#: disclose", "belum bersedia menyebut besaran", "belum diketahui".
UNDISCLOSED = re.compile(
    r"\b(ha(ve|s)\s+not\s+(yet\s+)?(said|disclosed|announced|decided|revealed|specified|"
    r"been\s+(disclosed|announced|decided|set|made\s+public))|did\s+not\s+(say|disclose|"
    r"specify|reveal)|(declined|refused|would\s+not|will\s+not)\s+(to\s+)?(say|disclose|"
    r"specify|reveal|comment)|not\s+(yet\s+)?(known|clear|disclosed|public)|undisclosed|"
    r"unclear|belum\s+(bersedia\s+|mau\s+|dapat\s+|bisa\s+)?(menyebut|menyebutkan|"
    r"mengungkap|mengungkapkan|merinci|memastikan|diumumkan|diketahui|ditentukan|jelas|"
    r"diputuskan|ditetapkan)|enggan\s+(menyebut|menyebutkan|mengungkap|mengungkapkan|"
    r"merinci)|tidak\s+(menyebut|menyebutkan|mengungkap|mengungkapkan|merinci)kan?|"
    r"belum\s+ada\s+kepastian|tidak\s+diungkap(kan)?)\b", re.I)
#: A speaker presenting something, to someone, somewhere ("Menteri ... memaparkan isi aturan
#: itu kepada wartawan di kantornya, Rabu (27/9/2023)", "X told reporters in Jakarta on
#: Tuesday"): a sentence that says who spoke but not what.
_PRESENTS = re.compile(
    r"\b(menjelaskan|memaparkan|menyampaikan|mengatakan|mengungkapkan|menerangkan|"
    r"mengumumkan|berbicara|explained|presented|outlined|said|told|briefed|spoke|announced)\b",
    re.I)
_PRESENTING_WORDS = frozenset("""isi aturan itu ini tersebut hal soal kepada wartawan pers
    jurnalis kantor kantornya konferensi rapat acara keterangan pernyataan rincian detail
    reporters press journalists conference briefing statement details contents rule
    regulation office meeting event""".split())


def attribution_only(text: str) -> bool:
    """Whether a sentence only says who presented something to whom, where and when (names,
    days, places and references aside, at most one word of its own; see ``_PRESENTS``): no
    lead for a question that does not ask who or when."""
    if not _PRESENTS.search(text):
        return False
    words = [w for w in re.findall(r"[^\W\d_][\w'-]*", strip_references(text))
             if w[0].islower() and w.lower() not in STOPWORDS
             and w.lower() not in _PRESENTING_WORDS and not _PRESENTS.fullmatch(w)
             and w.lower() not in MONTH_NAMES]
    return len(words) <= 1


def spells_out(acronym: str, text: str) -> bool:
    """Whether ``text`` gives ``acronym``'s long form: "Perdagangan Melalui Sistem
    Elektronik (PMSE)" or "PMSE (Perdagangan ...)"."""
    a = re.escape(acronym)
    return bool(re.search(rf"[A-Z][\w-]*\s+\(\s*{a}\s*\)|\b{a}\s*\(\s*[A-Z]", text))


#: Words that introduce members of a set, and the word after them (group 1).
INTRODUCES = re.compile(
    r"(?:\b(?:antara lain|seperti|termasuk|yaitu|yakni|meliputi|mencakup|diantaranya|"
    r"di antaranya|includes?|including|such as|namely|e\.g\.)|:)\s+[\"'“‘(]?([^\W\d_][\w-]*)",
    re.I)
