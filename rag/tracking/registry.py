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
from typing import NamedTuple

from pydantic import BaseModel, Field

from rag.regulations import (called_by_title, find_references, initials, nicknames,
                              reference_ids)
from rag.store.perarticle import PerArticle
from rag.text import sentence_spans
from rag.types import RetrievedPassage

from .packing import Shared

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


class _Entry(NamedTuple):
    """What the registry keeps of one regulation: its record, the passages citing it
    (oldest first), those stating each of its relations ((type, target) -> passage ids) and
    those giving its title: what answers read, found without going through its mentions."""
    record: RegulationRecord
    passages: list[str]
    stated: dict[tuple[str, str], tuple[str, ...]]
    titled: tuple[str, ...]


#: Between two references that only list them: "Permendag 3/2024 dan Permendag 7/2024".
_LISTED = re.compile(r"^\s*(?:,\s*)?(?:(?:dan|and|serta|as well as|&)\s*)?$", re.I)
#: A sentence that opens on a regulation named before it: "Aturan tersebut direvisi
#: melalui ...", "That regulation was amended by ...".
#: The rules that carry out another, which they point back to by themselves ("the trade
#: ministry then issued detailed implementing rules through X").
_IMPLEMENTING = (r"implementing (?:rules|regulations?)|aturan (?:pelaksana(?:an)?|turunan)(?:nya)?|"
                 r"peraturan pelaksana(?:an|nya)?")
_BACK = re.compile(r"\b(?:(?:aturan|peraturan|beleid|regulasi|ketentuan)\s+(?:tersebut|itu|ini)|"
                   r"(?:that|the|this)\s+(?:regulation|rule)|{implementing})\b".format(
                       implementing=_IMPLEMENTING), re.I)


#: "... revised that regulation twice, through X": the government acts on it by means of X;
#: "issued detailed implementing rules through X": X implements it.
_BY_MEANS = {"amends": r"revised|amended|merevisi|mengubah",
             "replaces": r"replaced|menggantikan|mengganti",
             "revokes": r"revoked|repealed|mencabut",
             "implements": _IMPLEMENTING}
_MEANS = re.compile(r"\b(?:through|via|with|by|melalui|lewat|dengan|oleh)\s*$", re.I)


def _relation(between: str, table: dict[str, str]) -> str | None:
    low = between.lower()
    return next((rtype for rtype, rx in table.items() if re.search(rf"\b(?:{rx})\b", low)),
                None)


def relations_in(sentence: str, before: str | None = None) -> list[tuple[str, str, str]]:
    """(subject id, relation type, object id) stated in one sentence. ``before``: the
    regulation named last before the sentence, which "aturan tersebut / that regulation"
    at its start refers to. A list takes its first item's part ("X direvisi melalui A dan
    B": A and B amend X)."""
    refs = find_references(sentence)
    out: list[tuple[str, str, str]] = []
    last: tuple[str, str, str] | None = None  # type, fixed id, role of the listed items
    head = sentence[:refs[0].start] if refs else ""
    if refs and before and refs[0].id != before and _BACK.search(head):
        rtype = _relation(head, _PASSIVE) or (_relation(head, _BY_MEANS)
                                              if _MEANS.search(head) else None)
        if rtype:
            out.append((refs[0].id, rtype, before))
            last = (rtype, before, "actor")
    for a, b in zip(refs, refs[1:]):
        between = sentence[a.end:b.start]
        # A list of rules of one kind ("Permendag 3/2024 dan Permendag 7/2024"); "X replaces
        # Y and PP Z still applies" is no list of what X replaced.
        if last and _LISTED.match(between) and b.type == a.type:
            rtype, fixed, role = last
            out.append((b.id, rtype, fixed) if role == "actor" else (fixed, rtype, b.id))
            continue
        last = None
        if len(between) > 80:
            continue
        rtype = _relation(between, _PASSIVE)
        if rtype:
            out.append((b.id, rtype, a.id))
            last = (rtype, a.id, "actor")
            continue
        rtype = _relation(between, _ACTIVE)
        if rtype:
            out.append((a.id, rtype, b.id))
            last = (rtype, a.id, "object")
    return out


def passage_relations(text: str) -> list[tuple[int, int, tuple[str, str, str]]]:
    """Every relation a passage states, with the offsets of the sentence stating it. A
    sentence that refers back ("aturan tersebut", "that regulation") means the regulation
    the passage's last stated relation acted on, else the one named last before it."""
    refs = find_references(text)
    out: list[tuple[int, int, tuple[str, str, str]]] = []
    for s, e in sentence_spans(text):
        before = out[-1][2][2] if out else next((r.id for r in reversed(refs) if r.end <= s),
                                                None)
        out += [(s, e, rel) for rel in relations_in(text[s:e], before)]
    return out


class _Mentions(NamedTuple):
    """What one passage says about regulations (a tuple: snapshots load fast)."""
    pid: str
    article: str
    day: str | None
    refs: tuple[tuple[str, str, int, int, str, str | None], ...]  # id, type, no, year, alias, title
    relations: tuple[tuple[str, str, str], ...]


def titled_in(reg_id: str, passages: list[RetrievedPassage]
              ) -> tuple[RetrievedPassage, int, int] | None:
    """The first sentence (passage, start, end in the passage's text) that names ``reg_id``
    with its title ("PP 80/2019 tentang Perdagangan Melalui Sistem Elektronik ...")."""
    for p in passages:
        for s, e in sentence_spans(p.text):
            sentence = p.text[s:e]
            for ref in find_references(sentence):
                if ref.id == reg_id and _TITLE.match(sentence[ref.end:]):
                    return p, s, e
    return None


class _Related(NamedTuple):
    """The relations between records, both ways: target -> the ids stating a relation to
    it, and id -> the targets of its relations."""
    to: dict[str, frozenset[str]]
    made: dict[str, tuple[str, ...]]


class RegulationRegistry(PerArticle):
    """Regulations cited by the stored passages; follows the store's changes by article."""

    def __init__(self, store) -> None:
        super().__init__(store)
        # A passage's references and relations are mostly ones other passages state too:
        # kept once (at a million passages, 500 MB of mentions held 4.1M strings).
        self._shared = Shared()
        self._titles_of: tuple[dict, dict] | None = None  # (view, ``_titles``)

    def extract(self, pid: str, text: str, meta: dict) -> _Mentions | None:
        refs = find_references(text)
        if not refs:
            return None
        one = self._shared.one
        found = []
        for ref in refs:
            m = _TITLE.match(text[ref.end:])
            title = m.group(1).strip(" ,") if m and len(m.group(1).split()) <= _TITLE_WORDS else None
            found.append(one((one(ref.id), one(ref.type), ref.number, ref.year,
                              one(re.sub(r"\s+", " ", ref.text.strip())), title and one(title))))
        rels = tuple(dict.fromkeys(one(tuple(map(one, rel)))
                                   for _, _, rel in passage_relations(text)))
        return _Mentions(pid, meta["article_id"],
                         one((meta.get("published") or "")[:10] or None),
                         one(tuple(found)), one(rels))

    def keys(self, mention: _Mentions) -> set[str]:
        return {r[0] for r in mention.refs}

    def order(self, mention: _Mentions) -> tuple[str, str]:
        return (mention.day or "", mention.pid)

    def aggregate_key(self, rid: str, mentions: list[_Mentions]) -> _Entry:
        """One regulation's entry (``_Entry``) from the mentions of the articles citing it
        (what they say of other regulations is skipped)."""
        a: _Acc | None = None
        stated: dict[tuple[str, str], dict[str, None]] = {}
        titled: dict[str, None] = {}
        for mention in mentions:
            pid, day = mention.pid, mention.day
            for subj, rtype, obj in mention.relations:
                if subj == rid:
                    stated.setdefault((rtype, obj), {})[pid] = None
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
                    titled[pid] = None
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
        return _Entry(a.rec, list(a.passages), {k: tuple(v) for k, v in stated.items()},
                      tuple(titled))

    def derive(self, view: dict, changed, before: _Related | None) -> _Related:
        """Which records state a relation to each regulation, kept up to date by the
        records that changed, so that "what replaced X" reads a few records, not all."""
        if before is None:
            to: dict[str, frozenset[str]] = {}
            made: dict[str, tuple[str, ...]] = {}
            changed = view.keys()
        else:
            to, made = dict(before.to), dict(before.made)
        for rid in changed:
            old = made.pop(rid, ())
            got = view.get(rid)
            new = tuple(dict.fromkeys(r.target for r in got.record.relations)) if got else ()
            for target in set(old) - set(new):
                left = to.get(target, frozenset()) - {rid}
                if left:
                    to[target] = left
                else:
                    to.pop(target, None)
            for target in set(new) - set(old):
                to[target] = to.get(target, frozenset()) | {rid}
            if new:
                made[rid] = new
        return _Related(to, made)

    def keep(self, derived: _Related | None) -> _Related | None:
        return derived

    def reuse(self, view: dict, kept: _Related) -> _Related:
        return kept

    def all(self) -> list[RegulationRecord]:
        """Every cited regulation, most mentioned first."""
        return sorted((e.record for e in self.view().values()), key=lambda r: (-r.mentions, r.id))

    def related(self, ids) -> list[RegulationRecord]:
        """The records of ``ids``, of those they state a relation to and of those stating a
        relation to them (what a relations answer needs), most mentioned first."""
        self.follower.sync()
        with self._lock:
            view, rel = self._view, self._derived
        wanted = set(ids)
        if rel is not None:
            for rid in list(wanted):
                wanted |= rel.to.get(rid, frozenset()) | set(rel.made.get(rid, ()))
        recs = [got.record for got in (view.get(rid) for rid in wanted) if got]
        return sorted(recs, key=lambda r: (-r.mentions, r.id))

    def named_in(self, text: str, glossary=None) -> list[RegulationRecord]:
        """The tracked regulations ``text`` names: by reference ("Permendag 31/2023"), then by
        type and the initials of the title ("UU PDP": the UU titled Pelindungan Data Pribadi),
        then by type and title, in either language with the ``glossary`` ("Undang-Undang
        Pelindungan Data Pribadi", "the personal data protection law"): a title of two words
        or more that no other regulation of the type has."""
        view = self.view()
        found = [view[rid].record for rid in reference_ids(text) if rid in view]
        for rtype, abbr in nicknames(text):
            found += [e.record for rid, e in view.items() if rid.startswith(f"{rtype}-")
                      and e.record.title and initials(e.record.title) == abbr]
        low = " ".join(text.lower().split())
        for (rtype, title), recs in self._titles(view).items():
            if len(recs) > 1:
                continue  # a title two regulations share names neither
            same = glossary.equivalents(title) if glossary is not None else ()
            if called_by_title(low, rtype, dict.fromkeys(
                    [title, *(t for t in same if len(t.split()) >= 2)])):
                found.append(recs[0])
        return list({r.id: r for r in found}.values())

    def _titles(self, view: dict) -> dict[tuple[str, str], list[RegulationRecord]]:
        """(type, lower-case title) -> the records with that title of two words or more, in
        ``view`` (worked out once per view)."""
        kept = self._titles_of
        if kept is not None and kept[0] is view:
            return kept[1]
        titled: dict[tuple[str, str], list[RegulationRecord]] = {}
        for e in view.values():
            title = " ".join((e.record.title or "").lower().split())
            if len(title.split()) >= 2:
                titled.setdefault((e.record.type, title), []).append(e.record)
        self._titles_of = (view, titled)
        return titled

    def get(self, reg_id: str) -> RegulationRecord | None:
        """One regulation's record (None if no passage cites it)."""
        got = self.view().get(reg_id)
        return got.record if got else None

    def stating(self, relation: tuple[str, str, str]) -> list[RetrievedPassage]:
        """The passages that state ``relation`` ((a, type, b): "a replaces b"), oldest first:
        found in a's entry, then only those read (not every passage citing a much-cited
        rule: thousands at 100k)."""
        got = self.view().get(relation[0])
        return self._oldest_first(list(got.stated.get(relation[1:], ())) if got else [])

    def titled(self, reg_id: str) -> list[RetrievedPassage]:
        """The passages that give a regulation's title beside its number ("PP 80/2019
        tentang ..."), oldest first."""
        got = self.view().get(reg_id)
        return self._oldest_first(list(got.titled) if got else [])

    def passages(self, reg_id: str, limit: int | None = None) -> list[RetrievedPassage]:
        """The passages citing a regulation, oldest first (the ``limit`` oldest)."""
        got = self.view().get(reg_id)
        ids = (got.passages if got else [])[:limit]
        return self._oldest_first(ids)

    def _oldest_first(self, ids: list[str]) -> list[RetrievedPassage]:
        """The passages ``ids`` as stored now, oldest first."""
        got = self.store.get_passages(ids, [1.0] * len(ids))
        return sorted(got, key=lambda p: (p.published or "", p.passage_id))
