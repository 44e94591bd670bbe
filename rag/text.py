"""Language-aware text utilities shared by ingestion and answering.

Sentence spans, word tokens and language detection for Indonesian and English news.
Everything works on character offsets into the original string, so quotes stay exact.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Words followed by a period that do not end a sentence (lower-cased, without the period).
# Indonesian news abbreviations first, then English ones.
ABBREVIATIONS = frozenset(
    """
    no nomor rp dll dsb dst dkk tsb yth jl jln kab kec kel prov dr drs dra ir prof h hj
    sdr sdri bpk ny tn st s.e m.si m.m s.h s.kom m.sc ph.d tbk persero a.n u.p ttd
    mr mrs ms jr sr inc ltd pte bhd sdn co corp vs etc e.g i.e approx est dept gov no. art sec fig
    jan feb mar apr jun jul agu aug sep sept okt oct nov des dec
    """.split()
)

_WORD_RE = re.compile(r"[^\W_]+(?:[/.,'\-][^\W_]+)*", re.UNICODE)
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace.
_BOUNDARY_RE = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
_NEXT_START_RE = re.compile(r"\s+[\"'“‘(\[]?[A-Z0-9\u00C0-\u024F]")

_ID_WORDS = frozenset(
    """
    yang dan di ke dari ini itu dengan untuk tidak pada akan adalah juga oleh dalam sudah
    telah karena bagaimana apa apakah kapan mengapa kenapa siapa berapa saat sekarang bisa
    tersebut kata ujar serta atau kembali masih para bagi namun sejak hingga sebagai lebih
    menjadi mereka kami kita ada belum agar sedang setelah terhadap menurut tahun bulan
    saya aku anda kamu kalau kalo jika apabila lalu terus jadi ngapain gimana nggak enggak
    gak dong sih kok nih deh udah udh aja blm yg ya kan tuh gitu gini kayak banget doang
    bakal bakalan trus ama buat hendak mau ingin pernah
    sama gara-gara biar supaya tapi cuma emang soalnya karna lho loh mah yah dah pengen
    pingin utk dgn ga soal mengenai seputar perihal regarding concerning
    """.split()
)
_EN_WORDS = frozenset(
    """
    the and of to in is was were what when why how who which did does do for on with that
    by are be been has have had it its this from as at an will would said says not now
    after before their they but than into about after under current latest
    """.split()
)

STOPWORDS = _ID_WORDS | _EN_WORDS | frozenset(
    """
    a ia nya pun lah kah si sang tak hal itu ini pada secara saja yakni yaitu dapat harus
    i you we he she them his her our your me my us or if so there then also can could
    """.split()
)


def normalize(text: str) -> str:
    """NFKC-normalise and fold whitespace runs to single spaces (for hashing and matching)."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", " ", text).strip()


def lower_in_place(text: str) -> str | None:
    """``text`` lower-cased when every offset in it stays where it was (None when a letter's
    lower case is longer, "İ"): patterns written in lower case then match it without re.I,
    3-4 times faster, and their offsets are the text's."""
    low = text.lower()
    return low if len(low) == len(text) else None


def words(text: str) -> list[str]:
    """Lower-cased word tokens; numbers such as '31/2023' or '75,01' stay whole."""
    return [m.group(0).lower() for m in _WORD_RE.finditer(text)]


def content_words(text: str) -> list[str]:
    """Word tokens without stop words: what lexical matching should look at."""
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


def detect_language(text: str, default: str = "id") -> str:
    """'id' or 'en' by counting each language's function words; ``default`` on a tie."""
    toks = words(text)
    id_hits = sum(t in _ID_WORDS for t in toks)
    en_hits = sum(t in _EN_WORDS for t in toks)
    if id_hits == en_hits:
        return default
    return "id" if id_hits > en_hits else "en"


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` closes an abbreviation or an initial."""
    start = dot
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "(\"'“":
        start -= 1
    token = text[start:dot].lower()
    if not token:
        return False
    if token in ABBREVIATIONS:
        return True
    if len(token) == 1 and token.isalpha():  # an initial: "A. Hartarto"
        return True
    # dotted acronyms such as "u.s" or "s.e"
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", token))


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (start, end) within ``text[start:end]``, trimmed of whitespace.

    Line breaks always end a sentence (news bodies put one paragraph per line); within a
    line, terminal punctuation ends one unless it closes an abbreviation ("No.", "dll.",
    "U.S.") or the next word does not start like a sentence.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        ls, le = start + line.start(), start + line.end()
        cur = ls
        for m in _BOUNDARY_RE.finditer(text, ls, le):
            stop = m.end()
            if text[m.start()] == "." and _is_abbreviation(text, m.start()):
                continue
            if not _NEXT_START_RE.match(text, stop, le):
                continue
            spans.append((cur, stop))
            cur = stop
        spans.append((cur, le))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


_ID_PREFIXES = ("meng", "meny", "mem", "men", "me", "peng", "peny", "pem", "pen", "per", "pe",
                "di", "ter", "ber", "ke", "se")
_ID_SUFFIXES = ("nya", "lah", "kah", "kan", "an", "i")
_EN_SUFFIXES = ("ing", "ed", "es", "s")


@lru_cache(maxsize=1 << 17)
def stem(word: str, language: str) -> str:
    """A light stemmer: enough to match 'menghentikan' with 'dihentikan', 'close' with
    'closed' and 'closing'. Short words and numbers are left alone."""
    if len(word) <= 4 or not word.isalpha():
        return word
    if language == "id":
        return _id_root(word)
    for suf in _EN_SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 4:
            return word[: -len(suf)]
    return word[:-1] if word.endswith("e") else word  # "close" as "closed", "closing"


#: The nasal prefixes that take the place of the root's first consonant ("menutup" is
#: meN- + "tutup", "memakai" meN- + "pakai", "menyampaikan" meN- + "sampai"), with the
#: consonant they replace before a vowel. "meng-"/"peng-" + vowel drops a "k" or nothing
#: ("mengelola" / "mengambil"): the root's "k" before a vowel is dropped everywhere instead.
_NASAL = (("meny", "s"), ("peny", "s"), ("mem", "p"), ("pem", "p"), ("men", "t"),
          ("pen", "t"))
_VOWELS = frozenset("aeiou")
#: Spoken Jakarta Indonesian: "ngumumin" for "mengumumkan", "ngelola" for "mengelola",
#: "dibayarin" for "dibayarkan".
_SPOKEN_PREFIXES = ("ng", "ny")
_SPOKEN_SUFFIX_AFTER = ("ng", "ny", "di")


@lru_cache(maxsize=1)
def _dictionary():
    """Sastrawi's Indonesian stemmer (Nazief-Adriani) and its dictionary of ~30k root words,
    loaded on first use."""
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.Stemmer import Stemmer
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    roots = ArrayDictionary(StemmerFactory().get_words())
    return Stemmer(roots), roots


@lru_cache(maxsize=1 << 15)
def root_stem(word: str) -> str:
    """The stem (as ``stem`` makes it) of an Indonesian word's dictionary root, for a
    question's words to meet the articles' other forms of it: "sanksinya" meets "sanksi",
    "penjualannya" "penjualan", "ngelanggar" "melanggar", "gantiin" "ganti", which the affix
    rules alone stem apart. The word's own stem when no root is found."""
    if len(word) <= 4 or not word.isalpha():
        return word
    stemmer, roots = _dictionary()
    for form in (word, *_formal_forms(word)):
        root = stemmer.stem_word(form)
        if root != form or roots.contains(form):
            return stem(root, "id")
    return stem(word, "id")


def _formal_forms(word: str) -> list[str]:
    """Written forms of a spoken Jakarta word to look up: "-in" for "-kan"/"-i"
    ("gantiin", "dibayarin"), "ng-"/"ny-" before a vowel for "meng-"/"meny-" ("ngurus",
    "ngumumin", "ngelola"), "nge-" before a consonant ("ngelanggar")."""
    bases = [word[:-2], word] if word.endswith("in") and len(word) > 5 else [word]
    out = []
    for b in bases:
        if b.startswith(("ng", "ny")) and len(b) > 4 and b[2] in _VOWELS:
            out.append("me" + b)
        if b.startswith("nge") and len(b) > 5 and b[3] not in _VOWELS:
            out.append(b[3:])
        if b is not word:
            out.append(b)
    return out


def _id_root(word: str) -> str:
    """Indonesian: one form for a root and its affixed words ("menutup", "ditutup",
    "penutupan" -> one stem; "mengelola", "dikelola", "ngelola" -> one). Without a
    dictionary a nasal prefix's root is guessed by the usual rule, so a few roots meet
    others' ("memasak" reads as meN- + "pasak"); a stem is for matching, never shown."""
    for suf in _ID_SUFFIXES + (("in",) if word.startswith(_SPOKEN_SUFFIX_AFTER) else ()):
        if word.endswith(suf) and len(word) - len(suf) >= 4:
            word = word[: -len(suf)]
            break
    for pre in _ID_PREFIXES + _SPOKEN_PREFIXES:
        if word.startswith(pre) and len(word) - len(pre) >= 4:
            if pre in _SPOKEN_PREFIXES and word[len(pre)] not in _VOWELS:
                continue
            rest = word[len(pre):]
            lost = dict(_NASAL).get(pre)
            if lost and rest[0] in _VOWELS:
                rest = lost + rest
            word = rest
            break
    if len(word) >= 5 and word[0] == "k" and word[1] in _VOWELS:
        word = word[1:]
    return word


def word_forms(word: str) -> set[str]:
    """A word with its stems in both languages (a question's word meets a sentence's in
    either language's form)."""
    return {word, stem(word, "id"), stem(word, "en")}


def text_forms(text: str) -> set[str]:
    """Every word of ``text`` (lower-cased) with its stems in both languages."""
    return {f for w in words(text) for f in word_forms(w)}


def terms(text: str, language: str) -> list[str]:
    """Stemmed content words: the unit of lexical matching."""
    return [stem(w, language) for w in content_words(text)]


def open_quote(text: str) -> int:
    """+1 when ``text`` opens a quotation it does not close, -1 when it closes one opened
    before it, 0 when its quotes are whole."""
    curly = text.count("“") - text.count("”")
    if curly:
        return 1 if curly > 0 else -1
    if text.count('"') % 2 == 0:
        return 0
    return 1 if text.lstrip().startswith('"') else -1
