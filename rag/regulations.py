"""Regulation references in Indonesian and English text, normalised to stable ids.

"Peraturan Menteri Perdagangan (Permendag) Nomor 31 Tahun 2023", "Permendag No. 31/2023"
and "Trade Minister Regulation No. 31 of 2023" are all ``permendag-31-2023``; "PP 80/2019"
and "Government Regulation 80/2019" are ``pp-80-2019``. Ids are ``{type}-{number}-{year}``
in lower case.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.dates import gives_year

#: Regulation types and the names news uses for them (longest names are tried first).
TYPES: dict[str, tuple[str, ...]] = {
    "perppu": ("peraturan pemerintah pengganti undang-undang", "perppu", "perpu",
               "government regulation in lieu of law"),
    "uu": ("undang-undang", "undang undang", "uu", "law"),
    "pp": ("peraturan pemerintah", "pp", "government regulation"),
    "perpres": ("peraturan presiden", "perpres", "presidential regulation"),
    "permendag": ("peraturan menteri perdagangan", "permendag", "trade minister regulation",
                  "trade ministry regulation", "minister of trade regulation",
                  "regulation of the minister of trade", "trade regulation"),
    "pmk": ("peraturan menteri keuangan", "pmk", "finance minister regulation",
            "finance ministry regulation", "minister of finance regulation",
            "regulation of the minister of finance"),
    "permenkominfo": ("peraturan menteri komunikasi dan informatika", "permenkominfo",
                      "communications minister regulation", "kominfo regulation"),
    "permenkop": ("peraturan menteri koperasi dan usaha kecil dan menengah",
                  "peraturan menteri koperasi dan ukm", "peraturan menteri koperasi",
                  "permenkopukm", "permenkop ukm", "permenkop",
                  "cooperatives minister regulation"),
    "pojk": ("peraturan otoritas jasa keuangan", "pojk", "ojk regulation"),
    "perban": ("peraturan badan", "perban", "perka", "peraturan kepala"),
}
_NAME_TO_TYPE = {name: t for t, names in TYPES.items() for name in names}


def _said(words: str) -> str:
    """A pattern for ``words`` as written, any run of spaces between them."""
    return re.escape(words).replace(r"\ ", r"\s+")


def _any_of(names) -> str:
    """An alternation of ``names`` (``_said``), the longest tried first."""
    return "|".join(_said(n) for n in sorted(names, key=len, reverse=True))


_NAMES = _any_of(_NAME_TO_TYPE)
_TYPE_NAMES = {t: _any_of(names) for t, names in TYPES.items()}  # one type's names

_REF = re.compile(
    rf"(?<![\w-])(?P<name>{_NAMES})"
    r"(?:\s*\((?P<abbr>[A-Za-z ]{2,20})\))?"  # "(Permendag)" after the long name
    r"\s*(?:no\.?|nomor|number|nr\.?)?\s*"
    r"(?P<number>\d{1,4})"
    r"(?:\s*/\s*[A-Za-z]+(?:\.\d+)?)?"  # "37/PMK.03/2025": the series mark
    r"\s*(?:/\s*|\s+tahun\s+|\s+of\s+|\s+year\s+|,\s*)"
    r"(?P<year>(?:19|20)\d{2})(?!\d)",
    re.I,
)


@dataclass(frozen=True)
class Reference:
    """A regulation reference found in text."""

    id: str
    type: str
    number: int
    year: int
    start: int
    end: int
    text: str


def find_references(text: str) -> list[Reference]:
    """Every regulation reference in ``text``, in order."""
    if not gives_year(text):  # every reference gives its year; most sentences give none
        return []
    return list(_references(text))


@lru_cache(maxsize=4096)
def _references(text: str) -> tuple[Reference, ...]:
    """``find_references``, remembered for the texts read last: building the registry and
    the timelines reads each sentence's references several times (the sentence, its
    clauses, its events), and the full pattern is slow."""
    out = []
    for m in _REF.finditer(text):
        name = re.sub(r"\s+", " ", m["name"].lower())
        rtype = _NAME_TO_TYPE.get(name)
        if rtype is None:
            continue
        # Bare "law 11/2008" / "uu" must look like a reference, not the word "law".
        if name == "law" and not re.search(r"no|nomor|number|/", m.group(0), re.I):
            continue
        number, year = int(m["number"]), int(m["year"])
        out.append(Reference(id=f"{rtype}-{number}-{year}", type=rtype, number=number,
                             year=year, start=m.start(), end=m.end(), text=m.group(0)))
    return tuple(out)


#: How a reader is told a regulation by its id: its type's short name, number and year.
_SHORT = {"perppu": "Perppu", "uu": "UU", "pp": "PP", "perpres": "Perpres",
          "permendag": "Permendag", "pmk": "PMK", "permenkominfo": "Permenkominfo",
          "permenkop": "Permenkop", "pojk": "POJK", "perban": "Perban"}


def short_name(ref: Reference) -> str:
    """"Permendag 31/2023", "PMK 37/2025", "UU 27/2022": the reference as news shortens it."""
    return f"{_SHORT.get(ref.type, ref.type.capitalize())} {ref.number}/{ref.year}"


def reference_ids(text: str) -> list[str]:
    """Distinct regulation ids in ``text``, in order of first mention."""
    return list(dict.fromkeys(r.id for r in find_references(text)))


def strip_references(text: str) -> str:
    """``text`` without its regulation references ("Nomor 31 Tahun 2023" is no number)."""
    for ref in reversed(find_references(text)):
        text = text[:ref.start] + text[ref.end:]
    return text


#: A regulation called by its type and the initials of its title: "UU PDP" (Pelindungan Data
#: Pribadi), "PP PMSE" (Perdagangan Melalui Sistem Elektronik).
_NICKNAME = re.compile(rf"(?<![\w-])(?P<name>{_NAMES})\s+(?P<abbr>[A-Z]{{2,8}})(?![\w-])", re.I)
_NOT_INITIALS = frozenset("dan and of the di ke yang atau or untuk for tentang on".split())


def nicknames(text: str) -> list[tuple[str, str]]:
    """(type, initials) of each regulation ``text`` calls by its type and the initials of
    its title ("UU PDP" -> ("uu", "PDP")); the initials as written, in capitals."""
    return [(_NAME_TO_TYPE[re.sub(r"\s+", " ", m["name"].lower())], m["abbr"])
            for m in _NICKNAME.finditer(text) if m["abbr"].isupper()]


def called_by_title(text: str, rtype: str, phrases) -> bool:
    """Whether lower-cased ``text`` calls a regulation of type ``rtype`` by one of its title's
    ``phrases`` (the title and its translations, lower case): the type's name just before it
    ("Undang-Undang Pelindungan Data Pribadi", "UU tentang ...") or just after it ("the
    personal data protection law")."""
    names = _TYPE_NAMES[rtype]
    for phrase in phrases:
        if phrase not in text:
            continue
        said = _said(phrase)
        if re.search(rf"(?<![\w-])(?:{names})\s+(?:(?:tentang|on)\s+)?{said}(?![\w-])"
                     rf"|(?<![\w-]){said}\s+(?:{names})(?![\w-])", text):
            return True
    return False


def initials(title: str) -> str:
    """The initials of a title's words, its little words aside ("Pelindungan Data Pribadi"
    -> "PDP", "Perdagangan Melalui Sistem Elektronik" -> "PMSE")."""
    return "".join(w[0] for w in re.findall(r"[^\W\d_][\w-]*", title)
                   if w.lower() not in _NOT_INITIALS).upper()
