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
from dataclasses import dataclass

from rag.amounts import amounts
from rag.dates import MONTH_NAMES
from rag.regulations import find_references, reference_ids
from rag.retrieval.glossary import Glossary
from rag.retrieval.intents import FIRST_PERSON
from rag.text import STOPWORDS, sentence_spans, stem, words
from rag.types import RetrievedPassage

_TOKEN = re.compile(r"[^\W_]+(?:[.,/'’\-][^\W_]+)*")

#: Capitalised words that name no specific thing (dates, question openers).
_NOT_ANCHORS = MONTH_NAMES | frozenset(
    """senin selasa rabu kamis jumat sabtu minggu monday tuesday wednesday thursday friday
    saturday sunday apa apakah siapa kapan mengapa kenapa bagaimana berapa dimana di mana
    menurut which whose whom where according is are was were did does do has have can
    could will would should roughly under after before since nomor tahun no number
    per sampai sebelum selama sesudah usai menjelang jelang during until jam pukul bulan
    hari tanggal
    tell explain describe list show give summarise summarize compare please what's
    jelaskan sebutkan ceritakan tunjukkan rangkum ringkas bandingkan tolong mohon coba""".split())


#: A word that opens a sentence: its capital says nothing about it being a name.
_OPENING = re.compile(r"(?:^|[.!?:;]\s+|[\"“(]\s*)$")
#: A capitalised word inside a sentence (after a lower-case word or a comma): a name.
_INNER_NAME = re.compile(r"(?<=[a-z0-9,)]\s)[A-Z][\w'’-]*")


def names_in(passages: Sequence[RetrievedPassage]) -> set[str]:
    """Words the passages write with a capital inside a sentence, lower-cased: names. A
    headline in title case ("Biaya Admin Lokapasar Akan Diatur") capitalises every word and
    says nothing about which are names."""
    return {re.sub(r"['’]s$", "", m.group(0)).lower()
            for p in passages
            for text in ((p.text,) if _title_case(p.title) else (p.title, p.text))
            for m in _INNER_NAME.finditer(text)}


def _title_case(title: str) -> bool:
    """Whether most of a headline's longer words start with a capital."""
    long = [w for w in title.split() if len(w) > 3 and w[0].isalpha()]
    return bool(long) and 2 * sum(w[0].isupper() for w in long) > len(long)


def anchors(question: str, glossary: Glossary,
            names: set[str] | None = None) -> list[frozenset[str]]:
    """The specific things a question is about: names, acronyms, numbers, and capitalised
    glossary terms ("Trade Minister Regulation"), each as its set of equivalent forms.

    A plain capitalised word that opens the question ("Entitas", "Besides", "Kasus") is a
    name only where ``names`` (see ``names_in``) says the sources write it so inside a
    sentence ("Bukalapak"); acronyms and mixed case ("KPPU", "TikTok") always are.
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
        taken.append(m.span())
        term = m.group(0)
        forms = glossary.equivalents(term)
        if _opens(question, m) and not any(w in (names or ()) for f in forms
                                             for w in f.split()):
            continue  # "Biaya admin itu apa?": a capital because it opens the question
        if any(c.isupper() for c in term):
            out.append(forms)
    # The asker's own amounts ("omzet saya sekitar 300 juta", "we turn over Rp2 billion") say
    # which of a rule's ranges is theirs (rag.amounts), not what a source must name.
    taken += own_amounts(question)
    for m in _TOKEN.finditer(question):
        if any(s <= m.start() < e for s, e in taken):
            continue
        tok = re.sub(r"['’]s$", "", m.group(0))
        low = tok.lower()
        if re.split(r"['’]", low)[0] in STOPWORDS:
            continue  # "I'm", "We're": a capital and a pronoun
        if any(ch.isdigit() for ch in tok):
            digits = re.sub(r"\D", "", tok)
            if len(digits) >= 2:
                out.append(frozenset({"#" + digits}))
        elif tok[0].isupper() and low not in STOPWORDS and low not in _NOT_ANCHORS:
            if _opens(question, m) and low not in (names or ()):
                continue  # "Entitas TikTok mana ...": a capital because it opens the question
            parts = low.split("-")
            if len(parts) > 1 and all(w[:1].isupper() for w in tok.split("-")):
                # names joined by a hyphen ("merger TikTok-Tokopedia"): each is named, and
                # a source says them apart ("TikTok dan Tokopedia")
                out += [glossary.equivalents(w) for w in parts]
            else:
                out.append(glossary.equivalents(low))
    return out


def own_amounts(question: str) -> list[tuple[int, int]]:
    """The spans of the amounts of money (a scale or a currency written) that the asker
    says of themselves: in a sentence of the question in the first person."""
    return [(s + a.start, s + a.end) for s, e in sentence_spans(question)
            if FIRST_PERSON.search(question[s:e])
            for a in amounts(question[s:e], unsigned=True)]


def _covered(anchor: frozenset[str], text: str, text_words: set[str], numbers: set[str],
             regs: set[str]) -> bool:
    for form in anchor:
        if form.startswith("reg:"):
            if form[4:] in regs:
                return True
        elif form.startswith("#"):
            if form[1:] in numbers:
                return True
        elif _says_form(form, text, text_words):
            return True
        elif " " not in form and "-" not in form and len(form) >= 6 and any(
                len(w) >= 6 and abs(len(w) - len(form)) <= 2
                and (w.startswith(form) or form.startswith(w)) for w in text_words):
            return True  # inflected names: "Indonesian" / "Indonesia", "Tokopedia's"
    return False


def _says_form(form: str, text_low: str, text_words: set[str]) -> bool:
    """A phrase (or hyphenated term) verbatim as whole words; a word in any stemmed form."""
    if " " in form or "-" in form:
        return re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text_low) is not None
    return form in text_words or stem(form, "id") in text_words or stem(form, "en") in text_words


#: Amounts written with a currency sign name the currency: "$900,000" says dollars.
_CURRENCY_SIGNS = ((re.compile(r"(?:US|A|S)?\$\s?\d"), "usd"), (re.compile(r"\bRp\.?\s?\d"), "rupiah"),
                   (re.compile(r"€\s?\d"), "eur"))


#: A name written as its web address ("PT Bukalapak.com Tbk"): it says the name.
_WEB_NAME = re.compile(r"([^\W\d_][\w-]*)\.(?:com|co\.id|id|net|org|co)")


@dataclass(frozen=True)
class _Facts:
    """What a piece of text can cover an anchor with: its lower-cased text, its words with
    their stems, the digits of its numbers and its regulation ids."""

    low: str
    words: set[str]
    numbers: set[str]
    regs: set[str]

    @classmethod
    def of(cls, text: str, year: str | None = None) -> "_Facts":
        low = text.lower()
        toks = words(low)
        text_words = set(toks) | {stem(t, "id") for t in toks} | {stem(t, "en") for t in toks}
        text_words |= {unit for sym, unit in _CURRENCY_SIGNS if sym.search(text)}
        text_words |= {re.sub(r"['’]s$", "", t) for t in toks}
        text_words |= {w for t in toks if "-" in t for w in t.split("-")}  # "Coca-Cola"
        text_words |= {m[1] for t in toks if (m := _WEB_NAME.fullmatch(t))}  # "Bukalapak.com"
        numbers = {re.sub(r"\D", "", t) for t in toks if any(c.isdigit() for c in t)}
        if year:  # "laid off in June 2024": the dateline says the year
            numbers.add(year)
        return cls(low, text_words, numbers, set(reference_ids(text)))

    def cover(self, anchor: frozenset[str]) -> bool:
        return _covered(anchor, self.low, self.words, self.numbers, self.regs)


def _year(p: RetrievedPassage) -> str | None:
    return p.published[:4] if p.published else None


def missing_anchors(question: str, passages: Sequence[RetrievedPassage],
                    glossary: Glossary,
                    wanted: list[frozenset[str]] | None = None) -> list[frozenset[str]]:
    """Anchors of ``question`` (``wanted`` when the caller has them) that the best-covering
    passage (text and title) lacks.

    Coverage is judged per passage: a question about "KPPU" and "Shopee" is not answered
    by one passage on KPPU and another on Shopee.
    """
    if wanted is None:
        wanted = anchors(question, glossary, names_in(passages))
    best: list[frozenset[str]] | None = None
    for p in passages:
        facts = _Facts.of(f"{p.title}\n{p.text}", _year(p))
        missing = [a for a in wanted if not facts.cover(a)]
        if best is None or len(missing) < len(best):
            best = missing
        if not best:
            break
    return wanted if best is None else best


def anchors_reached(wanted: list[frozenset[str]], p: RetrievedPassage) -> int | None:
    """The article offset by which passage ``p``, read from its title and dateline on,
    has mentioned every anchor in ``wanted`` (``p.start`` when the title does); None when
    it never does. A sentence ending there or later comes with all the anchors."""
    facts = _Facts.of(p.title, _year(p))
    left = [a for a in wanted if not facts.cover(a)]
    if not left:
        return p.start
    for s, e in sentence_spans(p.text):
        facts = _Facts.of(p.text[s:e])
        left = [a for a in left if not facts.cover(a)]
        if not left:
            return p.start + e
    return None


#: Question words that say what kind of answer is wanted, not what it is about.
GENERIC = frozenset(
    """say said says tell told describe described explain explained mention mentioned happen
    happened do did does done make made give given take taken get got know known according
    announce announced report reported state stated still may might must need want way
    many much kind type sort long often also first last new old roughly about around
    kata ujar sebut menyebut jelaskan menjelaskan terjadi dilakukan melakukan membuat bikin
    diberikan memberikan ungkap mengungkapkan umumkan mengumumkan masih harus boleh perlu
    seperti dulu pertama terakhir baru lama sekitar kira tentang resmi status kondisi keadaan nasib situation state
    standing
    impact impacts effect effects affect affected consequence consequences reason reasons
    cause causes purpose content contents point points provision provisions detail details
    role response reaction stance opinion meaning background context information news
    dampak pengaruh akibat alasan sebab penyebab tujuan isi poin ketentuan rincian peran
    respons tanggapan reaksi sikap pendapat arti maksud latar belakang konteks informasi kabar
    sekarang kini terkini terbaru now currently current latest today nowadays recently
    sebenarnya sebetulnya memang emang aja actually really maksudnya artinya
    exact exactly precise precisely specific specifically spesifik persis persisnya tepatnya
    anything something everything nothing anyone someone anybody somebody sesuatu
    over down up out onto across through via
    relate relates related relation relations relationship connect connected connection
    link linked hubungan hubungannya berhubungan kaitan kaitannya berkaitan terkait
    """.split()) | {"saat ini", "at present", "hingga kini", "sampai sekarang", "so far"}
#: The words above say what kind of answer is wanted ("what is the impact of X on Y", "apa
#: isi X") or when ("now": rag.retrieval.query reads those), not what the answer says: an
#: answer about Y's falling sales need not say "impact".

#: The generic words above that name a way of telling ("When did X announce ...", "How did
#: X describe ..."): no focus term, but what the answer reports is that act. "Say" and
#: "kata" are not among them: they attribute nearly every quote, so they tell no sentence
#: apart.
TELLS = frozenset("""describe described explain explained mention mentioned announce announced
    report reported state stated sebut menyebut jelaskan menjelaskan ungkap mengungkapkan
    umumkan mengumumkan""".split())
_TELL_STEMS = frozenset(stem(w, lg) for w in TELLS for lg in ("id", "en"))


def tells(word: str) -> bool:
    """Whether ``word`` is one of ``TELLS`` in any form ("ngumumin", "diumumkan")."""
    return word in TELLS or any(stem(word, lg) in _TELL_STEMS for lg in ("id", "en"))



def generic(word: str) -> bool:
    """Whether a (lower-cased) word only says what kind of answer is asked (``GENERIC``),
    also with the enclitic "-nya" ("statusnya", "dampaknya", "isinya")."""
    return word in GENERIC or (word.endswith("nya") and word[:-3] in GENERIC)


def focus_groups(question: str, glossary: Glossary,
                 names: set[str] | None = None) -> list[frozenset[str]]:
    """What a question asks *about its anchors*: its other content words ("fine", "sewa",
    "appointed chief executive"), each with its glossary equivalents in the other language.
    A capitalised word that is no anchor (it only opens the question: "Biaya admin itu apa?",
    see ``anchors`` and ``names``) is a content word like the others.

    An answer sentence that names the anchors but none of these answers another question
    ("Who was appointed CEO of Tokopedia?" is not answered by a sentence on Tokopedia's
    fine)."""
    anchor_forms = {f for a in anchors(question, glossary, names) for f in a}
    out: list[frozenset[str]] = []
    taken: list[tuple[int, int]] = [(r.start, r.end) for r in find_references(question)]
    for m in glossary.find(question):
        if any(s <= m.start() < e for s, e in taken):
            continue
        taken.append(m.span())
        forms = glossary.equivalents(m.group(0))
        if m.group(0).lower() in GENERIC:
            continue  # "impact", "dampak": the kind of answer, even when the glossary has it
        if not forms & anchor_forms:
            out.append(forms)
            # A phrase's own glossary words count too: "pemegang saham" (shareholder) is
            # also said by "75,01 persen saham" and "a 75.01% stake".
            words_in = m.group(0).lower().split()
            out += [glossary.equivalents(w) for w in words_in
                    if len(words_in) > 1 and len(glossary.equivalents(w)) > 1]
    for m in _TOKEN.finditer(question):
        if any(s <= m.start() < e for s, e in taken):
            continue
        # a borrowed word with the enclitic written apart: "live-nya", "update-nya"
        low = re.sub(r"-(?:nya|ku|mu)$", "", m.group(0).lower())
        if (low in STOPWORDS or low in _NOT_ANCHORS or generic(low) or len(low) < 3
                or any(ch.isdigit() for ch in low) or low in anchor_forms
                or (m.group(0)[0].isupper() and not _opens(question, m))):
            continue
        out.append(glossary.equivalents(low))
    return out


def _opens(question: str, m: re.Match) -> bool:
    """Whether the capitalised word ``m`` is plain and only capitalised because it opens the
    question (the words ``anchors`` leaves out unless the sources write them as names)."""
    tok = m.group(0)
    return tok[1:] == tok[1:].lower() and bool(_OPENING.search(question[:m.start()]))


def covers(group: frozenset[str], text_low: str, text_terms: set[str]) -> bool:
    """Whether ``text`` (lower-cased, with its stemmed terms) says one form of ``group``."""
    return any(_says_form(form, text_low, text_terms) for form in group)


#: "how many employees", "berapa tarif pajak": the words after which a number question names
#: what it counts or measures.
_MEASURED = re.compile(r"\b(?:how many|how long|berapa)(?:\s+(.*)|\W*$)", re.I)
#: Words there that name no measured thing ("berapa lama", "berapa nilai investasi").
_NOT_MEASURED = frozenset("""kira-kira kira lama besar banyak jumlah total persisnya sebenarnya
    tepatnya nilai besaran angka amount value number""".split())
_DURATION = frozenset({"lama", "long"})
#: "berapa persen saham": the unit a share is given in, not what it is a share of.
_UNITS = frozenset({"persen", "percent", "per", "cent", "pct", "%"})
_MEASURED_BEFORE = re.compile(r"\b([^\W\d_]{4,})\s+$")
#: "turun berapa", "naik berapa": before "berapa" a change is measured, not a thing named.
_CHANGES = frozenset("""turun naik menurun meningkat bertambah berkurang anjlok melonjak merosot
    melambung susut tumbuh""".split())


def measured(question: str, glossary: Glossary) -> list[frozenset[str]]:
    """What a "how many X / berapa X" question counts: the first content words of X (up to
    three), each with its glossary equivalents ("berapa tarif pajak" -> tarif, pajak). An
    answer's number must come with one of them. Empty for other questions and for "how
    much did it pay" (its verb varies with the answer: "agreed to buy ... for")."""
    m = _MEASURED.search(question)
    if not m:
        return []
    out: list[frozenset[str]] = []
    # Indonesian also puts it first: "pesangon berapa", "dendanya berapa".
    before = _MEASURED_BEFORE.search(question[:m.start()])
    if before and m.group(0).lower().startswith("berapa"):
        low = before.group(1).lower()
        low = low[:-3] if low.endswith("nya") and len(low) > 6 else low
        if (low not in STOPWORDS and low not in _NOT_MEASURED and low not in _NOT_ANCHORS
                and low not in _CHANGES
                and low not in GENERIC and (not before.group(1)[0].isupper()
                                             or _OPENING.search(question[:before.start()]))):
            out.append(glossary.equivalents(low))
    for i, tok in enumerate(_TOKEN.finditer(m.group(1) or "")):
        low = tok.group(0).lower()
        if i == 0 and low in _DURATION:
            return []  # "berapa lama": any duration answers it
        if (low in _NOT_MEASURED and not out) or low in _UNITS:
            continue
        if low in STOPWORDS or low in _NOT_ANCHORS or any(c.isdigit() for c in low):
            break
        if not tok.group(0)[0].isupper():  # names are anchors, checked elsewhere
            out.append(glossary.equivalents(low))
        if len(out) == 3:
            break
    return out
