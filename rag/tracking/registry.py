"""The regulation registry: every regulation the stored news cites, as one record.

Built from the passages in the store (their text is the evidence): each reference is
normalised to ``{type}-{number}-{year}`` (see ``rag.regulations``); a record gathers the
forms it was written in (aliases), a title where an article gives one ("Permendag 50/2020
tentang ..."/"... on import policy"), how many passages and articles cite it, when it was
first and last mentioned, and the relations stated between regulations ("Permendag 31/2023
menggantikan Permendag 50/2020", "revised by Permendag 8/2024").
Aggregated on demand from what each passage says; follows the store's change log
(``rag.store.changes``), so it follows every ingest and delete by re-reading only the
articles they touched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from rag.regulations import find_references
from rag.store.changes import PerArticle
from rag.text import sentence_spans
from rag.types import RetrievedPassage

ISSUERS = {
    "uu": "DPR and the President", "perppu": "the President", "pp": "the Government",
    "perpres": "the President", "permendag": "Ministry of Trade (Kemendag)",
    "pmk": "Ministry of Finance (Kemenkeu)",
    "permenkominfo": "Ministry of Communication and Informatics (Kominfo)",
    "permenkop": "Ministry of Cooperatives and SMEs (Kemenkop UKM)",
    "pojk": "Financial Services Authority (OJK)", "perban": "a government agency",
}
# Between two references in one sentence: "A <active> B" means A acts on B; "A <passive> B"
# (A "direvisi lewat" B, A "was replaced by" B) means B acts on A.
_ACTIVE = {
    "amends": r"mengubah|merevisi|perubahan atas|perubahan dari|revisi atas|amends|amending|"
              r"revises|revising|the third amendment to|an amendment to",
    "replaces": r"menggantikan|mengganti|pengganti|replaces|replacing|superseded|supersedes",
    "revokes": r"mencabut|revokes|revoking|repeals|repealing",
    "implements": r"aturan turunan dari|aturan pelaksana(?:an)? dari|melaksanakan|implements|"
                  r"implementing",
}
_PASSIVE = {
    "amends": r"direvisi(?: lagi)?(?: lewat| melalui| dengan| oleh)?|diubah(?: lewat| melalui|"
              r" dengan| oleh)?|(?:was |is |been )?(?:amended|revised) by",
    "replaces": r"digantikan(?: oleh)?|diganti(?: dengan| oleh)?|(?:was |is |been )?replaced by",
    "revokes": r"dicabut(?: oleh| lewat| melalui)?|(?:was |is |been )?revoked by",
}
_TITLE = re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:tentang|on|concerning|regarding)\s+"
                    r"([^.;:()\"“”]{6,160}?)(?=\s+(?:yang|which|that|in force|berlaku)\b|"
                    r"[.;:()\"“”]|,\s+(?:the|a|an|which|yang|dan berlaku)\b|$)", re.I)
_TITLE_WORDS = 14


class Relation(BaseModel):
    type: str  # amends / replaces / revokes / implements
    target: str  # a regulation id


class RegulationRecord(BaseModel):
    """One regulation as the news cites it."""

    id: str
    type: str
    number: int
    year: int
    title: str = ""
    issuer: str = ""
    aliases: list[str] = Field(default_factory=list)
    mentions: int = 0  # passages citing it
    articles: int = 0
    first_seen: str | None = None  # ISO date of the earliest citing article
    last_seen: str | None = None
    relations: list[Relation] = Field(default_factory=list)

    @property
    def label(self) -> str:
        """How to name it to a reader: its shortest alias ("Permendag 31/2023"), else its id."""
        return min(self.aliases, key=len) if self.aliases else self.id


@dataclass
class _Acc:
    rec: RegulationRecord
    titles: dict[str, int] = field(default_factory=dict)
    articles: set[str] = field(default_factory=set)
    passages: dict[str, None] = field(default_factory=dict)  # an ordered set: one check each
    days: list[str] = field(default_factory=list)  # of the passages citing it


def relations_in(sentence: str) -> list[tuple[str, str, str]]:
    """(subject id, relation type, object id) stated in one sentence."""
    refs = find_references(sentence)
    out = []
    for a, b in zip(refs, refs[1:]):
        between = sentence[a.end:b.start].lower()
        if len(between) > 80:
            continue
        for rtype, rx in _PASSIVE.items():
            if re.search(rf"\b(?:{rx})\b", between):
                out.append((b.id, rtype, a.id))
                break
        else:
            for rtype, rx in _ACTIVE.items():
                if re.search(rf"\b(?:{rx})\b", between):
                    out.append((a.id, rtype, b.id))
                    break
    return out


@dataclass(frozen=True)
class _Mentions:
    """What one passage says about regulations."""
    pid: str
    article: str
    day: str | None
    refs: tuple[tuple[str, str, int, int, str, str | None], ...]  # id, type, no, year, alias, title
    relations: tuple[tuple[str, str, str], ...]


class RegulationRegistry(PerArticle):
    """Regulations cited by the stored passages; follows the store's changes by article."""

    def extract(self, pid: str, text: str, meta: dict) -> _Mentions | None:
        refs = find_references(text)
        if not refs:
            return None
        found = []
        for ref in refs:
            m = _TITLE.match(text[ref.end:])
            title = m.group(1).strip(" ,") if m and len(m.group(1).split()) <= _TITLE_WORDS else None
            found.append((ref.id, ref.type, ref.number, ref.year,
                          re.sub(r"\s+", " ", ref.text.strip()), title))
        rels = tuple(r for s, e in sentence_spans(text) for r in relations_in(text[s:e]))
        return _Mentions(pid, meta["article_id"], (meta.get("published") or "")[:10] or None,
                         tuple(found), rels)

    def keys(self, mention: _Mentions) -> set[str]:
        return {r[0] for r in mention.refs}

    def order(self, mention: _Mentions) -> tuple[str, str]:
        return (mention.day or "", mention.pid)

    def aggregate_key(self, rid: str, mentions: list[_Mentions]) -> tuple[RegulationRecord, list[str]]:
        """One regulation's record, and the passages citing it, from the mentions of the
        articles citing it (what they say of other regulations is skipped)."""
        a: _Acc | None = None
        for mention in mentions:
            pid, day = mention.pid, mention.day
            for ref_id, rtype, number, year, alias, title in mention.refs:
                if ref_id != rid:
                    continue
                if a is None:
                    a = _Acc(RegulationRecord(id=rid, type=rtype, number=number, year=year,
                                              issuer=ISSUERS.get(rtype, "")))
                if alias not in a.rec.aliases:
                    a.rec.aliases.append(alias)
                if title:
                    a.titles[title] = a.titles.get(title, 0) + 1
                if pid not in a.passages:
                    a.passages[pid] = None
                    a.articles.add(mention.article)
                    if day:
                        a.days.append(day)
            for subj, rtype, obj in mention.relations:
                if subj == rid and a is not None and not any(
                        x.type == rtype and x.target == obj for x in a.rec.relations):
                    a.rec.relations.append(Relation(type=rtype, target=obj))
        assert a is not None  # every mention handed over cites rid
        a.rec.mentions, a.rec.articles = len(a.passages), len(a.articles)
        if a.days:
            a.rec.first_seen, a.rec.last_seen = min(a.days), max(a.days)
        if a.titles:  # the title most articles agree on
            a.rec.title = max(a.titles.items(), key=lambda kv: (kv[1], -len(kv[0])))[0]
        return a.rec, list(a.passages)

    def all(self) -> list[RegulationRecord]:
        """Every cited regulation, most mentioned first."""
        return sorted((rec for rec, _ in self.view().values()), key=lambda r: (-r.mentions, r.id))

    def get(self, reg_id: str) -> RegulationRecord | None:
        """One regulation's record (None if no passage cites it)."""
        got = self.view().get(reg_id)
        return got[0] if got else None

    def passages(self, reg_id: str) -> list[RetrievedPassage]:
        """The passages citing a regulation, oldest first."""
        got = self.view().get(reg_id)
        ids = got[1] if got else []
        got = self.store.get_passages(ids, [1.0] * len(ids))
        return sorted(got, key=lambda p: (p.published or "", p.passage_id))
