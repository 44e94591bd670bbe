"""The regulation registry: every regulation the stored news cites, as one record.

Built from the passages in the store (their text is the evidence): each reference is
normalised to ``{type}-{number}-{year}`` (see ``rag.regulations``); a record gathers the
forms it was written in (aliases), a title where an article gives one ("Permendag 50/2020
tentang ..."/"... on import policy"), how many passages and articles cite it, when it was
first and last mentioned, and the relations stated between regulations ("Permendag 31/2023
menggantikan Permendag 50/2020", "revised by Permendag 8/2024"). Cached per store
generation, so it follows every ingest and delete.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from .regulations import find_references
from .store import PantauStore
from .text import sentence_spans
from .types import RetrievedPassage

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


@dataclass
class _Acc:
    rec: RegulationRecord
    titles: dict[str, int] = field(default_factory=dict)
    articles: set[str] = field(default_factory=set)
    passages: list[str] = field(default_factory=list)


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


class RegulationRegistry:
    """Regulations cited by the stored passages (rebuilt when the store changes)."""

    def __init__(self, store: PantauStore) -> None:
        self.store = store
        self._cache: tuple[str, dict[str, RegulationRecord], dict[str, list[str]]] | None = None
        self._lock = threading.Lock()

    def _build(self) -> tuple[dict[str, RegulationRecord], dict[str, list[str]]]:
        acc: dict[str, _Acc] = {}
        for pid, text, meta in self.store.passage_snapshot():
            refs = find_references(text)
            if not refs:
                continue
            day = (meta.get("published") or "")[:10] or None
            for ref in refs:
                a = acc.get(ref.id)
                if a is None:
                    a = acc[ref.id] = _Acc(RegulationRecord(
                        id=ref.id, type=ref.type, number=ref.number, year=ref.year,
                        issuer=ISSUERS.get(ref.type, "")))
                alias = re.sub(r"\s+", " ", ref.text.strip())
                if alias not in a.rec.aliases:
                    a.rec.aliases.append(alias)
                m = _TITLE.match(text[ref.end:])
                if m and len(m.group(1).split()) <= _TITLE_WORDS:
                    t = m.group(1).strip(" ,")
                    a.titles[t] = a.titles.get(t, 0) + 1
                if pid not in a.passages:
                    a.passages.append(pid)
                    a.articles.add(meta["article_id"])
                    if day:
                        r = a.rec
                        r.first_seen = min(filter(None, [r.first_seen, day]))
                        r.last_seen = max(filter(None, [r.last_seen, day]))
            for s, e in sentence_spans(text):
                for subj, rtype, obj in relations_in(text[s:e]):
                    rels = acc[subj].rec.relations
                    if not any(x.type == rtype and x.target == obj for x in rels):
                        rels.append(Relation(type=rtype, target=obj))
        records, passages = {}, {}
        for rid, a in acc.items():
            a.rec.mentions, a.rec.articles = len(a.passages), len(a.articles)
            if a.titles:  # the title most articles agree on
                a.rec.title = max(a.titles.items(), key=lambda kv: (kv[1], -len(kv[0])))[0]
            records[rid], passages[rid] = a.rec, a.passages
        return records, passages

    def _fresh(self) -> tuple[dict[str, RegulationRecord], dict[str, list[str]]]:
        gen = self.store.generation()
        with self._lock:
            if self._cache is None or self._cache[0] != gen:
                self._cache = (gen, *self._build())
            return self._cache[1], self._cache[2]

    def all(self) -> list[RegulationRecord]:
        """Every cited regulation, most mentioned first."""
        records, _ = self._fresh()
        return sorted(records.values(), key=lambda r: (-r.mentions, r.id))

    def get(self, reg_id: str) -> RegulationRecord | None:
        """One regulation's record (None if no passage cites it)."""
        return self._fresh()[0].get(reg_id)

    def passages(self, reg_id: str) -> list[RetrievedPassage]:
        """The passages citing a regulation, oldest first."""
        ids = self._fresh()[1].get(reg_id, [])
        got = self.store.get_passages(ids, [1.0] * len(ids))
        return sorted(got, key=lambda p: (p.published or "", p.passage_id))
