"""What a regulation does, from its impact statements (rag.tracking.impact): who it
affects, what it covers, requires, prohibits and sets, its sanctions, what it is, and what
applies to the asker's own group.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from rag.amounts import fits, situation
from rag.regulations import reference_ids, strip_references
from rag.retrieval.glossary import Glossary
from rag.retrieval.intents import ASKS_RULES
from rag.text import content_words, terms
from rag.tracking.impact import Impact, Statement
from rag.tracking.registry import RegulationRecord, titled_in
from rag.tracking.timeline import TimelineEvent
from rag.types import Answer, Citation, RetrievedPassage

from .grounding import generic
from .routed import MAX_ITEMS, Item, compose, distinct, event_span
from .tracked import event_when

GROUP_LABELS = {
    "id": {"sellers": "Penjual / UMKM", "platforms": "Platform", "consumers": "Konsumen",
           "importers": "Importir / barang impor", "industry": "Industri dalam negeri",
           "workers": "Pekerja", "government": "Pemerintah"},
    "en": {"sellers": "Sellers / MSMEs", "platforms": "Platforms", "consumers": "Consumers",
           "importers": "Importers / imported goods", "industry": "Domestic industry",
           "workers": "Workers", "government": "Government"},
}
_IMPACT_LEAD = {"id": "Yang terdampak {label} menurut sumber: {groups}.",
                "en": "Who {label} affects, according to the sources: {groups}."}
#: Asked its effect on groups the question names, the list of groups only repeats them: the
#: lead introduces what the sources say of them.
_IMPACT_ON_LEAD = {"id": "Dampak {label} bagi {groups} menurut sumber:",
                   "en": "How {label} affects {groups}, according to the sources:"}
_RULES_LEAD = {"id": "Yang diatur {label} menurut sumber:",
               "en": "What {label} requires and prohibits, according to the sources:"}
_SANCTIONS_LEAD = {"id": "Sanksi dan penegakan {label} menurut sumber:",
                   "en": "Sanctions and enforcement under {label}, according to the sources:"}
#: The kind of rule a question asks for ("apa saja larangan X", "what must platforms do").
_ASKS_KIND = {
    "prohibition": re.compile(r"\b(larangan\w*|dilarang|melarang|tidak boleh|nggak boleh|"
                              r"prohibit\w*|bans?|banned|forbid\w*|not allowed|may not)\b", re.I),
    "obligation": re.compile(r"\b(wajib|kewajiban\w*|harus|require[sd]?|requirements?|must|"
                             r"obligations?|have to)\b", re.I),
    "threshold": re.compile(r"\b(minimum|minimal|batas\w*|threshold\w*|floor|cap)\b", re.I),
}
#: What a regulation's own rules are (rag.tracking.impact's statement kinds).
RULE_KINDS = ("scope", "prohibition", "obligation", "threshold", "permission")
_WHO = {g: re.compile(rf"\b(?:{rx})\b", re.I) for g, rx in (
    ("sellers", r"pedagang|penjual|seller\w*|merchant\w*|umkm|msmes?|ukm|traders?"),
    ("platforms", r"platform\w*|marketplace\w*|lokapasar|e-commerce|social commerce|"
                  r"media sosial|social media"),
    ("consumers", r"konsumen|pembeli|consumers?|buyers?|shoppers?"),
    ("importers", r"importir|importers?|impor|imports?"),
    ("industry", r"industri|pabrik|manufaktur|industr(?:y|ies)|manufactur(?:ers?|ing)|"
                 r"factor(?:y|ies)|produsen|producers?"),
    ("workers", r"karyawan|pekerja|buruh|employees?|workers?|staff"),
)}


def statement_order(reg_id: str, question: str = "", glossary: Glossary | None = None):
    """Sort key: statements whose range of money holds the asker's own amount first
    ("omzet saya Rp200 juta" -> "omzet di bawah Rp500 juta tidak dikenai pungutan"), then
    those that say more of the question's own words ("what turnover range does the levy
    apply to?" -> the turnover sentence; with a ``glossary``, in either language: "omzet
    saya" -> "turnover"), then those that name the regulation, then those from passages
    that cite it before any other (a passage on a newer rule cites the one it replaced
    too)."""
    asked = asked_terms(ASKS_RULES.sub(" ", strip_references(question)), glossary)
    own = situation(question)

    def key(s: Statement) -> tuple[int, bool, bool]:
        said = {t for lg in ("id", "en")
                for t in terms(ASKS_RULES.sub(" ", strip_references(s.text)), lg)}
        refs = reference_ids(s.citation.quote)
        # its first element is minus how much of the question it says (callers read it as
        # that): holding the asker's amount counts as saying all of it
        told = len(asked) + 1 if fits(s.text, own) else 0
        return (-(told + len(asked & said)), reg_id not in reference_ids(s.text),
                not refs or refs[0] != reg_id)
    return key


#: Relations by which a newer regulation changes what an older one requires.
_SUPERSEDES = frozenset({"amends", "replaces", "revokes"})


def newer_first(regs: Sequence[RegulationRecord]) -> list[RegulationRecord]:
    """``regs`` in their order, except that a regulation amended, replaced or revoked by
    another of them comes after it: what applies now is the amendment's text first
    ("Permendag 8/2024" before the "Permendag 36/2023" it amends)."""
    out: list[RegulationRecord] = []
    for r in regs:
        older = [i for i, o in enumerate(out)
                 if any(rel.type in _SUPERSEDES and rel.target == o.id for rel in r.relations)]
        out.insert(min(older, default=len(out)), r)
    return out


def best_fit(regs: Sequence[RegulationRecord], question: str, rules_of,
             glossary: Glossary | None = None) -> list[RegulationRecord]:
    """Of the first three regulations in play (``regs``, retrieval's order), the one whose
    rules (``rules_of(id)``: Statements) say most of the question's words ("Boleh nggak
    jualan live di TikTok sekarang?": the rule on selling through social media), when its
    best says at least two; else none (the passages answer). A question that gives the
    rule's year ("the 2023 e-commerce rule") is about one of that year, when one is in
    play."""
    years = {int(y) for y in re.findall(r"\b((?:19|20)\d{2})\b", question)}
    regs = [r for r in regs[:3] if r.year in years] or regs[:3]
    best, fit = [], -1
    for rec in regs:
        about = statement_order(rec.id, question, glossary)
        said = [-about(s)[0] for s in rules_of(rec.id)]
        if said and max(said) > fit:
            best, fit = [rec], max(said)
    return best if fit >= 2 else []


def asked_terms(text: str, glossary: Glossary | None = None) -> set[str]:
    """The stemmed content words of ``text`` in both languages, with their glossary
    equivalents ("omzet saya" -> also "turnover")."""
    asked = {t for lg in ("id", "en") for t in terms(text, lg)}
    for m in (glossary.find(text) if glossary is not None else ()):
        asked |= {t for form in glossary.equivalents(m.group(0)) for lg in ("id", "en")
                  for t in terms(form, lg)}
    return asked


#: Words that ask what applies, not about what ("Which rules apply to me now?").
_APPLIES = re.compile(r"\b(?:aturan\w*|peraturan|regulasi|rules?|regulations?|laws?|apply|"
                      r"applies|berlaku|affect\w*|terdampak|kena|do|lakukan|ngapain|gimana|"
                      r"bagaimana|now|sekarang|what|apa|which|mana)\b", re.I)


def topic_terms(question: str, names: Sequence[str] = (),
                glossary: Glossary | None = None) -> set[str]:
    """What an asker's question is about beyond who they are and what kind of rule they
    ask for ("Kewajiban pajak apa yang baru buat kami?" -> pajak, baru): without the groups
    and doings that say who asks (``_WHO``, ``_DOES``), the kinds of rule (``_ASKS_KIND``),
    the players named (``names``) and the words that ask what applies."""
    text = strip_references(question)
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text, flags=re.I)
    for rx in (*_WHO.values(), *_DOES.values(), *_ASKS_KIND.values(), _APPLIES):
        text = rx.sub(" ", text)
    return asked_terms(text, glossary)


#: What the asker does, in their own words: "saya jualan di ...", "I sell ...", "omzet
#: saya" (a seller); "aplikasi kami", "our app" (a platform).
_DOES = {"sellers": re.compile(r"\b(?:(?:ber)?jualan|jual|sell|sells|selling|omzet|"
                               r"turnover)\b", re.I),
         "platforms": re.compile(r"\b(?:aplikasi|app|apps)\b", re.I)}


def groups_asked(question: str, own: bool = False) -> list[str]:
    """The stakeholder groups a question names ("dampaknya bagi UMKM" -> sellers); with
    ``own``, also the asker's own by what they say they do ("saya jualan di ..." -> sellers)."""
    named = [g for g, rx in _WHO.items() if rx.search(question)]
    # what the asker says of themselves first: "We run a social media app ... to keep
    # selling" runs a platform (whose users sell)
    found = [(m.start(), g) for g, rx in _DOES.items() if own and (m := rx.search(question))]
    mine = [g for _, g in sorted(found)]
    return mine + [g for g in named if g not in mine]  # the asker's own group first


_YOU_LEAD = {"id": "Yang berlaku untuk {group} sekarang, menurut sumber:",
             "en": "What applies to {group} now, according to the sources:"}
_OWN_GROUP = {"id": "Anda", "en": "you"}


def stakeholder_answer(newest: Sequence[TimelineEvent], impacts: Sequence[Impact],
                       groups: Sequence[str], lang: str, question: str,
                       glossary: Glossary | None = None,
                       told: Sequence[Statement] = (), names: Sequence[str] = ()) -> Answer | None:
    """"Saya jualan di X, harus bagaimana?": the newest status of the players the asker
    names (``newest``: one event each; ``names``: theirs) and what the news says the
    asker's group was told to do (``told``: "sellers have been asked to complete outstanding
    orders"), then what the regulations in play (``impacts``, taking turns, the best fit
    first) require of the asker's group, the statements that say more of the question's
    words first. Of the regulations, those whose rules say what the question is about
    (``topic_terms``) are in play when any does. A regulation that names no rule for the
    asker's group gives its rules for all (a seller on a social-commerce app lives under the
    rules its statements put on platforms); one that does gives those, then those naming no
    group, then whom it covers of another group (its scope), never the duties it puts on
    another group."""
    items = [Item(e.summary, e.citation, event_span(e), prefix=f"{event_when(e, lang)}: ")
             for e in newest]
    items += [Item.of(s) for s in told[:2]]
    # "Kewajiban pajak apa yang baru?": the tax rule, not the licensing one.
    topic = topic_terms(question, names, glossary)

    def on_topic(impact: Impact) -> bool:
        return any(topic & {t for lg in ("id", "en") for t in terms(s.text, lg)}
                   for s in impact.obligations if s.kind in (*RULE_KINDS, "sanction"))
    impacts = [i for i in impacts if on_topic(i)] or list(impacts)
    per_rule = []
    for impact in impacts:
        about = statement_order(impact.regulation, question, glossary)
        rules = [s for s in sorted(impact.obligations, key=about)
                 if s.kind in (*RULE_KINDS, "sanction")]
        # The asker's group's rules, then those naming no group ("Each item must be worth at
        # least USD 100"); not those put on other groups.
        mine = [s for s in rules if set(groups) & set(s.stakeholders)]
        if mine:
            # then those naming no group, then whom the rule covers ("berlaku bagi pedagang
            # dengan omzet ..." tells a marketplace whose sales it must withhold from)
            rest = [s for s in rules if s not in mine]
            rules = (mine + [s for s in rest if not s.stakeholders]
                     + [s for s in rest if s.stakeholders and s.kind == "scope"])
        fit = about(rules[0])[0] if rules else 0  # minus the question words its best says
        rules = [Item.of(s, fit=-about(s)[0]) for s in rules]
        per_rule.append((fit, distinct(rules, glossary, lang) if glossary is not None else rules))
    # The regulations take turns until the list is full: the one whose best statement says
    # more of the question first ("a social media app with a shopping feature": the rule on
    # social commerce before the marketplace tax), else in the order given.
    per_rule = [rules for _, rules in sorted(per_rule, key=lambda x: x[0])]
    for turn in range(MAX_ITEMS):
        for rules in per_rule:
            if turn < len(rules) and len(items) < MAX_ITEMS and all(
                    rules[turn].text != had.text for had in items):
                items.append(rules[turn])
    if len(items) <= len(newest):
        return None  # no rule for the group: the passages answer
    label = (GROUP_LABELS[lang][groups[0]] if groups else _OWN_GROUP[lang])
    if lang == "en":  # "sellers / MSMEs": a capital opens the label only, an acronym keeps its
        label = " ".join(w if w[1:].lower() != w[1:] else w.lower() for w in label.split())
    return compose(_YOU_LEAD[lang].format(group=label),
                   items, lang, "stakeholder", glossary)


def impact_answer(impact: Impact, label: str, lang: str, groups: Sequence[str] = (),
                  question: str = "", glossary: Glossary | None = None,
                  names: Sequence[str] = ()) -> Answer | None:
    """Who the regulation affects: one statement per stakeholder group first (the groups
    the question names first), then more of theirs; each bullet names its group. Asked the
    effect of something beyond the rule, its players (``names``) and those hit ("penumpukan
    kontainer gara-gara X dampaknya ke importir"), only the statements that say it; None
    when none does (the rule's general effects do not answer it)."""
    about = statement_order(impact.regulation, question, glossary)
    by_group = {s.group: sorted(s.statements, key=about)
                for s in impact.stakeholders if s.group != "government"}
    topic = topic_terms(" ".join(w for w in question.split()
                                 if not generic(w.lower().strip("?,.!"))), names, glossary)
    if topic:  # of the groups asked about, when the question names some
        on = {g: [s for s in ss if topic & _said(s.text)] for g, ss in by_group.items()
              if g in groups or not groups}
        if not any(on.values()):
            return None
        by_group = {g: ss for g, ss in on.items() if ss}
    # The groups the question names first, then the group whose best statement fits best.
    order = [g for g in groups if g in by_group] + sorted(
        (g for g in by_group if g not in groups), key=lambda g: about(by_group[g][0]))
    if not order:
        return None
    picked: list[tuple[str, Statement]] = []
    used: set[str] = set()
    for rnd in range(MAX_ITEMS):
        for g in order:
            left = [s for s in by_group[g] if s.text not in used]
            if left and len(picked) < MAX_ITEMS and (rnd == 0 or not groups or g in groups):
                picked.append((g, left[0]))
                used.add(left[0].text)
    names = ", ".join(dict.fromkeys(GROUP_LABELS[lang][g] for g, _ in picked))
    items = [Item(s.text, s.citation, s.citation.highlights[0],
                  prefix=f"{GROUP_LABELS[lang][g]}: ")
             for g, s in picked]
    if groups and picked[0][0] in groups:  # what the sources say of the groups asked about
        names = ", ".join(GROUP_LABELS[lang][g] for g in groups if g in by_group)
        lead = _IMPACT_ON_LEAD[lang].format(label=label, groups=names)
    else:
        lead = _IMPACT_LEAD[lang].format(label=label, groups=names)
    return compose(lead, items, lang, "impact", glossary)


def _said(text: str) -> set[str]:
    """The stemmed words of ``text`` in both languages, references left out."""
    return {t for lg in ("id", "en") for t in terms(strip_references(text), lg)}


def rules_answer(impact: Impact, label: str, lang: str, sanctions: bool = False,
                 groups: Sequence[str] = (), question: str = "",
                 glossary: Glossary | None = None) -> Answer | None:
    """What the regulation covers, requires, prohibits and sets as thresholds, or, with
    ``sanctions``, the sanctions and enforcement the sources state. The kind of rule the
    question asks for comes first ("apa saja larangan X": its prohibitions), then the
    statements about the groups it names and that say more of its words; asked for no kind,
    the one saying most of the question leads, then each kind's best comes before any
    kind's second."""
    kinds = ("sanction",) if sanctions else RULE_KINDS
    about = statement_order(impact.regulation, question, glossary)
    wanted = {k for k, rx in _ASKS_KIND.items() if rx.search(question)}
    found = sorted((s for s in impact.obligations if s.kind in kinds),
                   key=lambda s: (bool(wanted) and s.kind not in wanted,
                                  -len(measures(s.text)) if sanctions else 0,
                                  not set(groups) & set(s.stakeholders), about(s),
                                  kinds.index(s.kind)))
    if not found:
        return None
    items = [Item.of(s, fit=-about(s)[0]) for s in found]
    if not wanted:
        # The statement saying most of the question first ("and goods sold from abroad?":
        # the price floor), then each kind's best before any kind's second.
        items = items[:1] + by_turns(items[1:])
    lead = (_SANCTIONS_LEAD if sanctions else _RULES_LEAD)[lang].format(label=label)
    return compose(lead, items, lang, "sanctions" if sanctions else "obligations", glossary)


#: What is done to those who break a rule: the sanctions a statement names, not "sanksi"
#: alone ("mulai dari peringatan tertulis hingga pencabutan izin usaha" says what they are;
#: "tidak akan ragu menjatuhkan sanksi" does not).
_MEASURES = re.compile(
    r"\b(?:peringatan|teguran|pencabutan|dicabut|revocation|revok\w*|revoked|warnings?|denda|"
    r"didenda|fine[sd]?|pemblokiran|diblokir|blokir|block\w*|pemutusan|penutupan|ditutup|"
    r"closure|shut down|suspen\w*|pembekuan|dibekukan|freez\w*|penghentian)\b", re.I)


def measures(text: str) -> set[str]:
    """The sanctions ``text`` names (lower-cased cues)."""
    return {m.group(0).lower() for m in _MEASURES.finditer(text)}


def by_turns(items: list[Item]) -> list[Item]:
    """Each kind's first item before any kind's second (what a rule covers, bans, requires,
    sets), each kind keeping its order."""
    counted: dict[str, int] = {}
    turn = []
    for it in items:
        counted[it.kind] = counted.get(it.kind, 0) + 1
        turn.append(counted[it.kind])
    return [it for _, _, it in sorted(zip(turn, range(len(items)), items))]


_DEFINITION_LEAD = {"id": "{label} tentang {title}, menurut sumber:",
                    "en": "{label}, on {title}, according to the sources:"}
_ABOUT_LEAD = {"id": "Tentang {label}, menurut sumber:", "en": "About {label}, according to the sources:"}


#: Words that name what a regulation is, not something in it ("Permendag 8/2024 itu aturan
#: apa?", "What kind of regulation is X?").
_IS_WORDS = frozenset("""aturan peraturan regulasi beleid rule regulation law kind jenis
    sebenarnya maksudnya artinya exactly""".split())


def asks_what_it_is(question: str) -> bool:
    """Whether a definition question asks what a named regulation is ("Apa itu PP 80/2019?"),
    not what something in it is ("What is the positive list in X?", "How does X define
    social commerce?")."""
    return set(content_words(strip_references(question))) <= _IS_WORDS


def definition_answer(rec: RegulationRecord, passages: Sequence[RetrievedPassage],
                      impact: Impact | None, lang: str, question: str = "",
                      glossary: Glossary | None = None) -> Answer | None:
    """"Apa itu PP 80/2019?": the sentence naming it with its title, then what it covers and
    its first rules (``impact``: scope first), the statements that say more of the question's
    words first."""
    items = []
    titled = titled_in(rec.id, list(passages))
    if titled is not None:
        p, s, e = titled
        items.append(Item(p.text[s:e], Citation.of(p, 0, []), (p.start + s, p.start + e)))
    if impact is not None:
        about = statement_order(rec.id, question, glossary)
        rules = [Item.of(st, fit=-about(st)[0])
                 for st in sorted((st for st in impact.obligations if st.kind in RULE_KINDS),
                                  key=lambda st: (RULE_KINDS.index(st.kind), about(st)))
                 if all(st.text != it.text for it in items)]
        rules = distinct(rules, glossary, lang) if glossary is not None else rules
        items += by_turns(rules)[:3]
    if not items:
        return None
    lead = (_DEFINITION_LEAD[lang].format(label=rec.label, title=rec.title) if rec.title and titled
            else _ABOUT_LEAD[lang].format(label=rec.label))
    return compose(lead, items, lang, "definition", glossary)
