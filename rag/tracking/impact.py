"""Impact of a regulation: who it affects and what it requires, in the news' own words.

From the passages citing the regulation (see ``rag.tracking.registry``), sentences that state an
obligation, a prohibition, a threshold or an effect are kept; each is attributed to the
stakeholder groups it names (sellers/UMKM, platforms, consumers, importers, domestic
industry, workers, government).
Everything returned is a verbatim sentence with its citation. ``Impacts`` keeps each
regulation's impact between questions, read from its oldest citing passages.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Sequence

from pydantic import BaseModel, Field

from rag.regulations import find_references, reference_ids
from rag.text import open_quote, sentence_spans
from rag.types import Citation, RetrievedPassage

log = logging.getLogger("pantau.impact")

STAKEHOLDERS: dict[str, str] = {
    "sellers": r"pedagang|penjual|pelaku usaha|umkm|ukm|msmes?|sellers?|merchants?|traders?|"
               r"vendors?|small businesses",
    "platforms": r"platform\w*|marketplace\w*|lokapasar|e-commerce|social commerce|"
                 r"media sosial|social media|tiktok shop|tokopedia|shopee|lazada|bukalapak",
    "consumers": r"konsumen|pembeli|consumers?|buyers?|shoppers?|customers?",
    "importers": r"importir|impor|importers?|imports?|imported|cross-border|lintas negara|"
                 r"luar negeri|foreign goods|barang asing",
    # who makes goods at home, and who works for the companies a rule reshapes
    "industry": r"industri|pabrik|manufaktur|industr(?:y|ies)|manufactur(?:ers?|ing)|"
                r"factor(?:y|ies)|(?:domestic|local) producers?|produsen (?:lokal|dalam negeri)",
    "workers": r"karyawan|pekerja|buruh|tenaga kerja|employees?|workers?|staff|"
               r"phk|layoffs?|laid off",
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
    # What it still allows ("masih boleh dijual langsung", "may still be sold"): "tidak
    # boleh" and "hanya boleh" are taken above.
    "permission": r"\b(?:boleh|diperbolehkan|dibolehkan|diizinkan|may still|can still|"
                  r"(?:still |are |is )(?:allowed|permitted) to)\b",
    "sanction": r"sanksi|pencabutan izin|peringatan tertulis|sanctions?|revocation|"
                r"warning letters?|penalt\w*",
    "scope": r"\b(?:mengatur|diatur|mengatur tentang|regulates|regulating|governs|governing|"
             r"applies to|apply to|berlaku (?:bagi|untuk|pada)|dikenakan (?:kepada|pada|bagi)|"
             r"(?:not |tidak )?(?:subject to|dikenai|dikenakan)|exempt\w*|dikecualikan)\b",
    "effect": r"terdampak|dampak|berdampak|menyebabkan|akibat|affected|impact\w*|"
              r"forced|led to|result(?:ed)? in",
}
_OBLIGATIONS = {k: re.compile(rf"(?:{v})", re.I) for k, v in OBLIGATION_CUES.items()}


class Statement(BaseModel):
    kind: str  # threshold / prohibition / obligation / permission / sanction / scope / effect
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


def _groups_in(sentence: str) -> list[str]:
    """The stakeholder groups a sentence names (STAKEHOLDERS order)."""
    return [g for g, rx in _GROUPS.items() if rx.search(sentence)]


def _cue(sentence: str) -> tuple[str, re.Match] | None:
    """(kind, match) of a statement's cue: the first kind (OBLIGATION_CUES order) it has."""
    for kind, rx in _OBLIGATIONS.items():
        m = rx.search(sentence)
        if m:
            return kind, m
    return None


#: A sentence that asks ("Apa kewajiban marketplace?", an explainer's subheading): it
#: states nothing.
_ASKS = re.compile(r"\?[\s\"'”’)\]]*$")


def statement_kind(sentence: str) -> str | None:
    """The first matching kind (OBLIGATION_CUES order) of a sentence, if any; a question
    has none."""
    if _ASKS.search(sentence):
        return None
    cue = _cue(sentence)
    return cue[0] if cue else None


#: A relative pronoun just before a cue: the clause says what the rule named before it does
#: ("... mematuhi Permendag 31/2023 yang melarang media sosial memfasilitasi transaksi").
_RELATIVE_BEFORE = re.compile(r"\b(?:yang|which|that)\s+(?:(?:juga|also|kini|now)\s+)?$",
                              re.I)


def cue_clause(sentence: str, with_cue: bool = False) -> str:
    """The clause a statement's cue stands in, less the cue unless ``with_cue`` ("Platform
    media sosial tidak diperbolehkan memfasilitasi transaksi pembayaran" -> "Platform media
    sosial memfasilitasi transaksi pembayaran", without "Namun setelah masa transisi selesai,
    ..."): whom the rule binds and to what."""
    cue = _cue(sentence)
    if cue is None:
        return sentence
    m = cue[1]
    starts = [b.end() for b in re.finditer(r"[,;:]", sentence[:m.start()])]
    if rel := _RELATIVE_BEFORE.search(sentence, starts[-1] if starts else 0, m.start()):
        starts.append(rel.end())  # "... 2023 yang melarang media sosial ...": the rule's clause
    end = re.search(r"[,;:]", sentence[m.end():])
    return (sentence[starts[-1] if starts else 0:m.start()]
            + (m.group(0) if with_cue else " ")
            + sentence[m.end():m.end() + end.start() if end else None])


#: Words that deny or exempt ("tidak dikenai pungutan", "are not subject to").
_NEGATED = re.compile(r"\b(?:tidak|tak|bukan|belum|tanpa|nggak|gak|enggak|not|no|never|"
                      r"without|exempt\w*)\b|n't\b", re.I)


def denies(sentence: str) -> bool:
    """Whether a statement denies or exempts in the clause of its cue ("Pedagang dengan omzet
    di bawah Rp500 juta tidak dikenai pungutan"): it says the opposite of the same words
    without the denial. A prohibition's own "may not" is its kind, not a denial."""
    cue = _cue(sentence)
    return bool(_NEGATED.search(cue_clause(sentence, with_cue=bool(cue)
                                           and cue[0] != "prohibition")))


def what_it_says(sentence: str) -> str:
    """The part of a statement after its cue ("... yang melarang media sosial memproses
    pembayaran" -> "media sosial memproses pembayaran"): what the rule bans, requires or sets,
    without how the sentence came to it."""
    cue = _cue(sentence)
    return sentence[cue[1].end():] if cue else sentence


#: "harus tunduk pada X", "must comply with X": complying with the rule, not what it says.
_COMPLYING = re.compile(r"\b(?:harus|wajib|must|have to|has to|required to)\s+(?:tetap\s+)?"
                        r"(?:tunduk|patuh|mematuhi|menaati|dipenuhi|dipatuhi|ditaati|comply|"
                        r"abide|follow|be (?:met|respected|followed))\b", re.I)
#: Someone's claim or view ("kata Teten", "Menurut dia, ...", "..., he said"), or a quote.
_ATTRIBUTED = re.compile(
    r"^\W*[\"“]|\b(?:kata|ujar|ungkap|tutur|jelas|menurut (?:dia|nya|mereka|pengamat|\w+ \w+)|"
    r"said|says|told|according to|argued|complained|mengeluhkan|mengaku|berharap|hope[sd]?)\b",
    re.I)


#: "revisi Permendag 50/2020", "replaces X", "perubahan atas X": X is what the new rule acts
#: on; what follows speaks of the new rule, not of X.
_ACTED_ON = re.compile(r"(?:revisi|revision of|revising|perubahan atas|amendment to|amending|"
                       r"menggantikan|mengganti|replac\w+|mencabut|revok\w+|pengganti)"
                       r"\s+(?:\w+\s+){0,3}$", re.I)


def subject_of(text: str, successors: dict[str, str] | None = None) -> str | None:
    """The regulation ``text`` speaks of: the first it names that is not what another acts on
    ("Permendag 31/2023 yang menggantikan Permendag 50/2020": 31/2023); "the revision of X"
    speaks of what replaced X (``successors``) when that is known, else of a rule not named
    (None)."""
    refs = find_references(text)
    for ref in refs:
        if not _ACTED_ON.search(text[max(0, ref.start - 40):ref.start]):
            return ref.id
    return (successors or {}).get(refs[0].id) if refs else None


def provision_of(sentence: str, reg_id: str, current: str | None) -> bool:
    """Whether ``sentence`` states what regulation ``reg_id`` provides, not another's rule
    or someone's claim: it names the regulation; or it names none, is no attributed claim
    or quote, and its passage is speaking of ``reg_id`` (``current``: the regulation the
    passage named last before it, else the first it names). Naming it only as what is
    being revised or replaced ("tengah menyusun revisi Permendag 31/2023 untuk mengatur
    biaya admin") states what the revision will provide, not what it does."""
    refs = reference_ids(sentence)
    if _COMPLYING.search(sentence):
        return False
    if reg_id in refs:
        return not all(_ACTED_ON.search(sentence[max(0, r.start - 40):r.start])
                       for r in find_references(sentence) if r.id == reg_id)
    return not refs and current == reg_id and not _ATTRIBUTED.search(sentence)


#: A sentence that goes on with the one before it: it opens with a pronoun standing for what
#: that one spoke of ("Mereka ...", "They ..."), or it is a quote its speaker is only
#: pronoun-attributed in ('"Kami beri waktu satu minggu ...," ujarnya.').
_RUNS_ON = re.compile(r"^(?:(?:mereka|ia|dia|they|he|she)\b|[\"“].*[\"”,]\s*"
                      r"(?:ujar|kata|tutur|jelas|imbuh|tegas)nya\b|[\"“].*[\"”,]\s*"
                      r"(?:he|she|they) (?:said|added))", re.I | re.S)


def continues(sentence: str) -> bool:
    """Whether ``sentence`` goes on with the one before it (``_RUNS_ON``) without being a
    statement of its own."""
    return bool(_RUNS_ON.search(sentence)) and statement_kind(sentence) is None


def _next_sentence(text: str, spans: Sequence[tuple[int, int]],
                   at: int) -> tuple[int, int] | None:
    """The span of the sentence after ``spans[at]``, a quote whole across the sentence
    breaks in it (up to three sentences)."""
    if at + 1 >= len(spans):
        return None
    start, end = spans[at + 1]
    j = at + 1
    while open_quote(text[start:end]) > 0 and j + 1 < len(spans) and j - at < 3:
        j += 1
        end = spans[j][1]
    return start, end


def _paragraph(text: str, at: int) -> int:
    """Which paragraph of ``text`` (blank-line separated) offset ``at`` is in."""
    return len(re.findall(r"\n\s*\n", text[:at]))


def _paragraph_text(text: str, n: int) -> str:
    return re.split(r"\n\s*\n", text)[n].strip() if n >= 0 else ""


#: A paragraph opening a point of a list: "Ketiga, soal sanksi.", "Third,", "2. ", "(3)".
_POINT = re.compile(r"(?:(?:pertama|kedua|ketiga|keempat|kelima|keenam|ketujuh|kedelapan|"
                    r"kesembilan|kesepuluh|terakhir|first|second|third|fourth|fifth|sixth|"
                    r"seventh|eighth|ninth|tenth|finally|lastly)\b\s*[,:.]|\(?\d{1,2}[.)]\s)",
                    re.I)


def impact_of(reg_id: str, passages: list[RetrievedPassage],
              successors: dict[str, str] | None = None) -> Impact:
    """Who ``reg_id`` affects and what it requires, from the passages citing it: each
    sentence that states an effect on a group (``stakeholders``), and the rules and
    thresholds that are the regulation's own (``obligations``; see ``provision_of``), with
    the sanctions told in its passages (enforcement is often told apart from the rule).
    ``successors`` maps a regulation to what replaced it: the news speaks of the revision of
    the old rule before the new one has its number."""
    successors = successors or {}
    seen: set[str] = set()
    statements: list[Statement] = []
    provisions: set[int] = set()
    for p in passages:
        current = subject_of(p.text, successors)
        # Before the passage names a regulation, its sentences speak of the first it names,
        # unless that one opens a new point of a list: a roundup's "Ketiga, soal sanksi. ...
        # Denda itu menyangkut kewajiban notifikasi merger" is not a rule of the tax
        # regulation named under "Kelima, soal pajak".
        refs_in = find_references(p.text)
        lead_para = _paragraph(p.text, refs_in[0].start) if refs_in else -1
        new_point = bool(refs_in) and bool(_POINT.match(_paragraph_text(p.text, lead_para)))
        named_yet = False
        cites = reg_id in reference_ids(p.text)  # else it speaks of it as "the revision of"
        spans = sentence_spans(p.text)
        for at, (s, e) in enumerate(spans):
            sentence = p.text[s:e]
            refs = reference_ids(sentence)
            named_yet = named_yet or bool(refs)
            ahead = new_point and not named_yet and _paragraph(p.text, s) != lead_para
            own = provision_of(sentence, reg_id, None if ahead else current)
            if refs:
                current = subject_of(sentence, successors)
            if not (cites or own):
                continue
            if refs and reg_id not in refs and not any(successors.get(r) == reg_id
                                                       for r in refs):
                continue  # it speaks of the other regulations it names, whoever it affects
            kind = statement_kind(sentence)
            key = re.sub(r"\W+", " ", sentence.lower()).strip() if kind else ""
            if kind is None or key in seen:
                continue
            seen.add(key)
            groups = _groups_in(sentence)
            nxt = _next_sentence(p.text, spans, at)
            if nxt is not None and continues(p.text[nxt[0]:nxt[1]]):
                # "Pedagang di bawah Rp500 juta tidak dikenai pungutan. Mereka cukup
                # menyampaikan pernyataan ...": the statement runs on into the next sentence.
                e = nxt[1]
                sentence = re.sub(r"\s+", " ", p.text[s:e])
            cite = Citation.of(p, len(statements) + 1, [(p.start + s, p.start + e)])
            if own or (kind == "sanction" and (not refs or reg_id in refs) and not ahead):
                provisions.add(len(statements))
            statements.append(Statement(kind=kind, text=sentence, stakeholders=groups,
                                        citation=cite))
    by_group = [StakeholderImpact(group=g, statements=[x for x in statements
                                                       if g in x.stakeholders])
                for g in STAKEHOLDERS]
    return Impact(regulation=reg_id,
                  stakeholders=[b for b in by_group if b.statements],
                  obligations=[x for i, x in enumerate(statements)
                               if x.kind != "effect" and i in provisions])


#: What someone was told to do ("Para penjual diminta ...", "sellers have been asked to
#: complete outstanding orders"): an instruction, from a company as much as a regulator.
_INSTRUCTED = re.compile(r"\b(?:diminta|diimbau|dianjurkan|disarankan|diarahkan|"
                         r"(?:asked|urged|advised|told|instructed|requested) to)\b", re.I)


def instructions_in(passages: Sequence[RetrievedPassage], groups: Sequence[str],
                    names: Sequence[str]) -> list[Statement]:
    """The instructions ``passages`` report to the ``groups`` (what they were asked to do),
    in passages that name one of ``names`` (the player the asker deals with); no quote or
    someone's claim. Retrieval order, each sentence once."""
    wanted = [_GROUPS[g] for g in groups if g in _GROUPS]
    out: list[Statement] = []
    seen: set[str] = set()
    for p in passages:
        if not any(re.search(rf"\b{re.escape(n)}\b", p.text, re.I) for n in names):
            continue
        for s, e in sentence_spans(p.text):
            sentence = p.text[s:e]
            if (not _INSTRUCTED.search(sentence) or _ATTRIBUTED.search(sentence)
                    or not any(rx.search(sentence) for rx in wanted) or sentence in seen):
                continue
            seen.add(sentence)
            out.append(Statement(
                kind="obligation", text=sentence,
                stakeholders=_groups_in(sentence),
                citation=Citation.of(p, len(out) + 1, [(p.start + s, p.start + e)])))
    return out


#: Regulations whose impact ``Impacts`` keeps between questions.
IMPACTS_KEPT = 256
#: The most-cited regulations whose impact a started process reads ahead (``prefetch``).
IMPACTS_PREFETCHED = 16
#: A regulation's impact is read from its oldest citing passages, this many (and as many of
#: each rule it replaced): the coverage of its issue states its rules, and a much-cited
#: rule's thousands of later mentions took seconds per question to read (10 s for one cited
#: by 4,853 passages of the 30k benchmark store).
IMPACT_PASSAGES = 300


class Impacts:
    """Each cited regulation's impact (``impact_of``) from its ``IMPACT_PASSAGES`` oldest
    citing passages and those of the rules it replaced (before it had its number, the news
    spoke of it as their revision), as the ``registry`` (rag.tracking.registry) holds them.

    Kept while the registry's entries for it and what it replaced stay the same; when they
    change (a write citing it), kept still while the passages it is read from say the same
    (a digest of them): a new mention of a much-cited rule is not among its oldest."""

    def __init__(self, registry) -> None:
        self.registry = registry
        self._kept: dict[str, tuple[tuple, bytes, Impact]] = {}
        self._lock = threading.Lock()  # requests and ``prefetch`` keep impacts side by side

    def prefetch(self, most: int = IMPACTS_PREFETCHED) -> threading.Thread:
        """Read the impacts of the ``most`` most-cited regulations in a background thread
        (a start's first analyst question about one would wait for it: 1-3 s at a million
        passages, 2 ms once kept). Returns the thread (started)."""

        def read() -> None:
            try:
                view = self.registry.view()
                cited = sorted(view, key=lambda rid: -len(view[rid].passages))[:most]
                for rid in cited:
                    self.get(rid)
            except Exception as exc:  # noqa: BLE001 - only a head start: requests read them anyway
                log.warning("impacts not read ahead: %s", exc)

        thread = threading.Thread(target=read, name="impacts-prefetch", daemon=True)
        thread.start()
        return thread

    def get(self, reg_id: str) -> Impact | None:
        """``reg_id``'s impact (None if no passage cites it)."""
        view = self.registry.view()
        entry = view.get(reg_id.lower())
        if entry is None:
            return None
        rec = entry.record
        replaced = {rel.target: rec.id for rel in rec.relations if rel.type == "replaces"}
        used = (entry, *(view.get(old) for old in replaced))
        kept = self._kept.get(rec.id)
        if kept is not None and len(kept[0]) == len(used) and all(
                a is b for a, b in zip(kept[0], used)):
            return kept[2]
        passages = self.registry.passages(rec.id, IMPACT_PASSAGES)
        seen = {p.passage_id for p in passages}
        for old in replaced:
            passages += [p for p in self.registry.passages(old, IMPACT_PASSAGES)
                         if p.passage_id not in seen]
        digest = hashlib.sha256(repr(sorted(replaced)).encode())
        for p in passages:
            digest.update(f"\0{p.passage_id}\0{p.start}\0{p.text}".encode())
        said = digest.digest()
        impact = kept[2] if kept is not None and kept[1] == said else impact_of(
            rec.id, passages, replaced)
        with self._lock:
            self._kept.pop(rec.id, None)
            if len(self._kept) >= IMPACTS_KEPT:
                self._kept.pop(next(iter(self._kept)))
            self._kept[rec.id] = (used, said, impact)
        return impact
