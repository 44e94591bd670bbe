"""Impact of a regulation: who it affects and what it requires, in the news' own words.

From the passages citing the regulation (see ``rag.tracking.registry``), sentences that state an
obligation, a prohibition, a threshold or an effect are kept; each is attributed to the
stakeholder groups it names (sellers/UMKM, platforms, consumers, importers, government).
Everything returned is a verbatim sentence with its citation.
"""
from __future__ import annotations

import re

from pydantic import BaseModel, Field

from rag.text import sentence_spans
from rag.types import Citation, RetrievedPassage

STAKEHOLDERS: dict[str, str] = {
    "sellers": r"pedagang|penjual|pelaku usaha|umkm|ukm|msmes?|sellers?|merchants?|traders?|"
               r"vendors?|small businesses",
    "platforms": r"platform\w*|marketplace\w*|lokapasar|e-commerce|social commerce|"
                 r"media sosial|social media|tiktok shop|tokopedia|shopee|lazada|bukalapak",
    "consumers": r"konsumen|pembeli|consumers?|buyers?|shoppers?|customers?",
    "importers": r"importir|impor|importers?|imports?|imported|cross-border|lintas negara|"
                 r"luar negeri|foreign goods|barang asing",
    "government": r"pemerintah|kementerian|kemendag|government|ministry|regulators?|"
                  r"minister|menteri",
}
_GROUPS = {k: re.compile(rf"\b(?:{v})\b", re.I) for k, v in STAKEHOLDERS.items()}
# What the rule does to someone, most specific first.
OBLIGATION_CUES: dict[str, str] = {
    "threshold": r"(?:minimal|minimum|paling (?:sedikit|rendah|tinggi)|at least|no less than|"
                 r"batas|floor|cap)\b[^.]{0,40}?(?:usd|us\$|rp|\$|persen|percent|%|\d)",
    "prohibition": r"dilarang|tidak boleh|tidak diperbolehkan|tidak lagi boleh|melarang|"
                   r"may not|must not|cannot|barred|banned|bans|prohibit\w*|not allowed|"
                   r"no longer (?:allowed|permitted)",
    "obligation": r"wajib|harus|diwajibkan|hanya boleh|hanya (?:dapat|diizinkan)|must|"
                  r"required|requires|obliged|only allowed|may only|have to|has to",
    "sanction": r"sanksi|pencabutan izin|peringatan tertulis|sanctions?|revocation|"
                r"warning letters?|penalt\w*",
    "effect": r"terdampak|dampak|berdampak|menyebabkan|akibat|affected|impact\w*|"
              r"forced|led to|result(?:ed)? in",
}
_OBLIGATIONS = {k: re.compile(rf"(?:{v})", re.I) for k, v in OBLIGATION_CUES.items()}


class Statement(BaseModel):
    kind: str  # threshold / prohibition / obligation / sanction / effect
    text: str  # the sentence, verbatim
    stakeholders: list[str] = Field(default_factory=list)
    citation: Citation


class StakeholderImpact(BaseModel):
    group: str
    statements: list[Statement]


class Impact(BaseModel):
    regulation: str
    stakeholders: list[StakeholderImpact]
    obligations: list[Statement]  # what the rule requires or forbids (no mere effects)


def statement_kind(sentence: str) -> str | None:
    """The first matching kind (OBLIGATION_CUES order) of a sentence, if any."""
    for kind, rx in _OBLIGATIONS.items():
        if rx.search(sentence):
            return kind
    return None


def impact_of(reg_id: str, passages: list[RetrievedPassage]) -> Impact:
    """Who ``reg_id`` affects and what it requires, from the passages citing it."""
    seen: set[str] = set()
    statements: list[Statement] = []
    for p in passages:
        for s, e in sentence_spans(p.text):
            sentence = p.text[s:e]
            key = re.sub(r"\W+", " ", sentence.lower()).strip()
            kind = statement_kind(sentence)
            if kind is None or key in seen:
                continue
            seen.add(key)
            groups = [g for g, rx in _GROUPS.items() if rx.search(sentence)]
            cite = Citation.of(p, len(statements) + 1, [(p.start + s, p.start + e)])
            statements.append(Statement(kind=kind, text=sentence, stakeholders=groups,
                                        citation=cite))
    by_group = [StakeholderImpact(group=g, statements=[x for x in statements
                                                       if g in x.stakeholders])
                for g in STAKEHOLDERS]
    return Impact(regulation=reg_id,
                  stakeholders=[b for b in by_group if b.statements],
                  obligations=[x for x in statements if x.kind != "effect"])
