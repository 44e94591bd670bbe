"""What a question asks for, and whether a sentence gives it.

A question asks for a kind of fact (a date for "kapan / when", a number for "berapa / how
much", an amount of money for "how much did it pay", a duration for "berapa lama / how
long", a name for "siapa / who" (in the role it names: "pejabat mana", "which minister"), a
cause for "mengapa / why", a definition for "apa itu / how does it define") about its
anchors (rag.answering.grounding), through its focus terms. The extractive answerer
(rag.answering.answer) scores and filters the sentences of the retrieved passages with what
is worked out here; what a sentence's wording says whatever is asked is in
rag.answering.cues.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from rag.dates import MONTH_NAMES, WEEKDAY_NUMBERS
from rag.figures import (DURATION, ELAPSED, HAS_CLOCK, HAS_DATE, HAS_DAY, HAS_MONTH, HAS_NUMBER,
                         HAS_TIME, MONEY, NOT_QUANTITY, RATE, TIME_UNITS, VAGUE,
                         gives_deadline)
from rag.regulations import find_references
from rag.retrieval.intents import (ASKS_CLOCK, ASKS_DAY, ASKS_DEADLINE, ASKS_DEFINITION,
                                   ASKS_DURATION, ASKS_EXACT, ASKS_MEMBERS, ASKS_MONEY, ASKS_NAME,
                                   ASKS_NUMBER, ASKS_REASON, ASKS_SHARE, WHO_ROLE, acronym_asked,
                                   asked_head, asks_date, given_clause, intent_of)
from rag.text import STOPWORDS, text_forms, word_forms, words

from .cues import GIVES_DEFINITION, INTRODUCES
from .grounding import GENERIC, covers, focus_groups, measured, tells
from .sentences import Sentence

#: A word as names are read: "Tanjung", "Bukalapak.com", "TikTok's", "e-commerce".
_WORD = re.compile(r"\w[\w'’.-]*")
#: A dateline opening a sentence: "JAKARTA - ".
_DATELINE = re.compile(r"^[A-Z]{3,}\s+-\s+")
#: How many words after the role asked for ("which ports") a new name may stand to fill it
#: ("pelabuhan utama, seperti Tanjung Priok").
NEAR_ROLE = 4
#: What may stand between a name and the role after it: nothing ("Tanjung Priok port"), a
#: comma and an article ("Raka Pradipta, a consultant", "Teten, selaku menteri"), or a
#: copula ("Teten Masduki menjadi salah satu pejabat", "GoTo is the parent company").
_APPOSITION = re.compile(
    r"\s*(,\s*(a|an|the|sang|seorang|selaku|sebagai)?\s*)?|"
    r"\s+(is|was|are|were|became|menjadi|adalah|merupakan|ialah)\s+"
    r"((salah\s+satu|one\s+of\s+the|the|a|an|seorang)\s+)?", re.I)


@dataclass
class Asked:
    """What a question asks for, worked out once per answer: a date ("when"), a number
    ("how much"; for "how many X / berapa X" also its X), a name ("who", "which
    minister"), a cause ("why"), and its focus terms."""

    date: bool
    day: bool
    clock: bool
    number: bool
    money: bool
    name: bool
    reason: bool
    duration: bool
    definition: bool
    language: str
    focus: list[frozenset[str]]
    measured: list[frozenset[str]]
    known: set[str]  # the question's words in every form (a name it lacks is new)
    role: list[frozenset[str]]  # "pejabat mana", "which minister": who the name must be
    head: frozenset[str] = frozenset()  # "which system", "produk apa": the noun asked for
    own_refs: frozenset[str] = frozenset()  # the regulations the question names
    tells: frozenset[str] = frozenset()  # "announce", "describe": the telling asked about
    acronym: str = ""  # "What is PMSE?", "OSS itu apa?": the abbreviation asked to spell out
    predicate: int = -1  # "apa yang dikeluhkan", "who collects": that verb's focus group
    done: int = -1  # "Has TikTok appealed the fine?": the act's focus group (``_done``)
    exact: bool = False  # "exactly how many", "komoditas apa persisnya": no rough figure
    deadline: bool = False  # "kapan harus dibayar": "dalam 30 hari" answers as a date does
    members: bool = False  # "which goods are on the list": the answer names some
    given: frozenset[int] = frozenset()  # focus groups of the scene-setting clause ("... once
    # the shop shut"): said by sentences that set the scene as much as by the answer

    @classmethod
    def of(cls, question: str, language: str, glossary,
           names: set[str] | None = None, intent: str | None = None) -> "Asked":
        number = bool(ASKS_NUMBER.search(question))
        # The role of the name asked for ("Pejabat mana", "which minister"): the answer
        # names someone new in that role.
        who = ASKS_NAME.search(question)
        role_word = who and (who.group(4) or who.group(5))
        if who and not role_word and (named := WHO_ROLE.search(question)):
            role_word = named.group(1) or named.group(2)
        role = [glossary.equivalents(role_word.lower())] if role_word else []
        focus = focus_groups(question, glossary, names)
        given = given_clause(question)
        if given:
            rest = set(focus_groups(question[:given[0]] + question[given[1]:], glossary,
                                    names))
            given = frozenset(i for i, g in enumerate(focus) if g not in rest)
        return cls(date=asks_date(question),
                   day=bool(ASKS_DAY.search(question)),
                   clock=bool(ASKS_CLOCK.search(question)),
                   number=number,
                   money=number and bool(ASKS_MONEY.search(question))
                   and not ASKS_SHARE.search(question),
                   reason=bool(ASKS_REASON.search(question)),
                   duration=bool(ASKS_DURATION.search(question)),
                   definition=(bool(ASKS_DEFINITION.search(question))
                               or (intent or intent_of(question)) == "definition"),
                   name=bool(ASKS_NAME.search(question)), language=language,
                   focus=focus,
                   predicate=_predicate(question, focus),
                   done=_done(question, focus),
                   measured=measured(question, glossary), role=role,
                   known=text_forms(question),
                   head=_head(question, glossary),
                   own_refs=frozenset(r.id for r in find_references(question)),
                   tells=frozenset(f for w in words(question) if tells(w)
                                   for f in glossary.equivalents(w)),
                   acronym=acronym_asked(question),
                   exact=bool(ASKS_EXACT.search(question)),
                   deadline=bool(ASKS_DEADLINE.search(question)),
                   members=bool(ASKS_MEMBERS.search(question)),
                   given=given or frozenset())

    def _names(self, text: str) -> tuple[list[re.Match], list[int]]:
        """``text``'s words (``_WORD``) and the positions among them of what it names that
        the question does not: capitalised words (not a sentence's first, not a "JAKARTA -"
        dateline, not a month or a weekday, not a figure such as "Rp500") that the question
        lacks in any form ("Kementerian" is the question's "Menteri")."""
        toks = list(_WORD.finditer(text))
        dateline = _DATELINE.match(text)
        body = [i for i, m in enumerate(toks) if not dateline or m.start() >= dateline.end()]
        out = []
        for at in body[1:]:
            w = toks[at].group(0)
            low = w.lower().strip(".’'")
            if (w[0].isupper() and not any(c.isdigit() for c in w)
                    and low not in STOPWORDS and low not in MONTH_NAMES
                    and low not in WEEKDAY_NUMBERS and not word_forms(low) & self.known):
                out.append(at)
        return toks, out

    def new_name(self, text: str) -> bool:
        """Whether ``text`` names someone or something the question does not."""
        return bool(self._names(text)[1])

    def names_role(self, s: "Sentence") -> bool:
        """Whether ``s`` names someone or something new in the role asked for, the name
        close after the role ("pelabuhan utama, seperti Tanjung Priok" for "which ports",
        "consultant Raka Pradipta" for "which consultant", within ``NEAR_ROLE`` words) or
        in apposition just before it ("Tanjung Priok port", "Raka Pradipta, a consultant");
        a name elsewhere is someone else's ("Minister Airlangga said ... at the ports", "took
        control of the Indonesian e-commerce company"). False when the question names no
        role."""
        if not self.role:
            return False
        text = s.unreferenced
        toks, named = self._names(text)
        low = [m.group(0).lower() for m in toks]
        for g in self.role:
            # the role's own words, not their stems ("Kementerian" is no "menteri"), or one
            # of its forms word for word ("Menteri Komunikasi dan Informatika" for
            # "Menkominfo"): where it starts and ends
            at = [(i, i) for i, t in enumerate(low) if t in g or t.removesuffix("nya") in g]
            for form in (f.split() for f in g if " " in f):
                at += [(i, i + len(form) - 1) for i in range(len(low) - len(form) + 1)
                       if low[i:i + len(form)] == form]
            if not any(0 < j - last <= NEAR_ROLE
                       or (j < first and _APPOSITION.fullmatch(
                           text[toks[j].end():toks[first].start()]))
                       for first, last in at for j in named):
                return False
        return True

    @property
    def asks_regulation(self) -> bool:
        """"Peraturan apa", "which rule": a regulation is the answer."""
        return bool(self.head & _REGULATION)

    def says_head(self, s: "Sentence") -> bool:
        """Whether ``s`` says the noun a which/what question asks for ("through the Online
        Single Submission system" for "which system"); for "which regulation", only a
        regulation the question does not name; for a role ("which company"), only with a
        name in it ("The two companies said" names none)."""
        if not self.head:
            return False
        if any(self.head & g for g in self.role):  # "which company": one named in that role
            return self.names_role(s)
        if self.asks_regulation:  # "the rule" names none
            return any(r.id not in self.own_refs for r in find_references(s.text))
        return _says(self.head, s, self.language) is True

    def defines(self, s: "Sentence") -> bool:
        """Whether ``s`` says what something asked about is: a definition's cue ("adalah",
        "mencakup", "refers to") after a focus term ("Potongan tersebut mencakup biaya
        layanan ..."), not before it ("Salah satu hal baru ... adalah biaya admin")."""
        cue = GIVES_DEFINITION.search(s.text)
        if not cue:
            return False
        if not self.focus:
            return True
        before = s.text[:cue.start()].lower()
        forms = text_forms(before)
        return any(covers(g, before, forms) for g in self.focus)

    def says_telling(self, s: "Sentence") -> bool:
        """Whether ``s`` reports the telling a question asks about ("announced the change in
        January 2025" for "When did Bukalapak announce ...")."""
        return bool(self.tells) and _says(self.tells, s, self.language) is True

    def holds_kind(self, sentences: list[Sentence], every: bool = False) -> bool:
        """A "when" question needs a date in its answer ("what date": a day, not just a
        year; "what time": a clock time), a "how much" one a number (``answers_number``).
        A question asking both ("When did it list, and how big was the IPO?") is answered
        by either (the sources may give the size in words: "the largest"), unless
        ``every``."""
        return self.kinds_held(sentences) >= (2 if every else 1)

    def kinds_held(self, sentences: list[Sentence]) -> int:
        """2 when ``sentences`` hold all the kind asked (``holds_kind``), 1 when they hold
        one part of a question asking both a date and a number, 0 otherwise."""
        if self.members and not any(self.names_members(s) for s in sentences):
            return 0  # "Barang apa saja yang masuk daftar positif?": none named
        counted = not self.number or any(self.answers_number(s) for s in sentences)
        if self.exact and self.head and not self.role and not self.number:
            said = [s for s in sentences if self.says_head(s)]
            if said and not any(self._names_head_exactly(s) for s in said):
                return 0  # "komoditas apa persisnya": "sejumlah komoditas" names none
        if self.clock:
            return 2 if counted and any(HAS_CLOCK.search(s.text) for s in sentences) else 0
        dated = HAS_DAY if self.day else HAS_DATE
        timed = not self.date or any(dated.search(s.unreferenced)
                                     or (not self.day and HAS_MONTH.search(s.unreferenced))
                                     or (self.deadline and gives_deadline(s.unreferenced))
                                     for s in sentences)
        if counted and timed:
            return 2
        return 1 if self.number and self.date and (counted or timed) else 0

    def names_members(self, s: Sentence) -> bool:
        """Whether ``s`` names members of a set (``members``): after something the question
        asks about, a word that introduces them ("antara lain", "seperti", "meliputi",
        "including", "such as", a colon), then a word the question does not hold ("yakni
        daftar barang ..." only says what the list is; "Proses transaksi, termasuk
        pembayaran" names what else)."""
        text = s.unreferenced
        for m in INTRODUCES.finditer(text):
            before = text[:m.start()].lower()
            forms = text_forms(before)
            if (not word_forms(m[1].lower()) & self.known
                    and any(covers(g, before, forms) for g in self.focus)):
                return True
        return False

    def _names_head_exactly(self, s: Sentence) -> bool:
        """Whether ``s``, which says the noun asked for, says it other than as a rough
        quantity of it ("sejumlah komoditas", "several product groups"): where an exact
        question may find its items."""
        rough = [m.end() for m in VAGUE.finditer(s.low)]  # where each rough quantity ends
        said = [m.start() for f in self.head for m in re.finditer(rf"\b{re.escape(f)}", s.low)]
        return not rough or any(not any(0 <= at - r <= 20 for r in rough) for at in said)

    def answers_number(self, s: Sentence) -> bool:
        """Whether ``s`` holds a number that can answer a "how much / how many" question.
        Regulation references ("Nomor 31 Tahun 2023"), dates, years, clock times and "one
        of" are no such number; nor is a duration ("dalam dua tahun terakhir"), unless the
        question counts time. "How much did it pay / cost" needs an amount of money; "how
        many X" a number that comes with X ("How many employees did Bukalapak lay off?" is
        not answered by Bukalapak's count of sellers)."""
        text = NOT_QUANTITY.sub("", HAS_TIME.sub("", HAS_DATE.sub("", s.unreferenced)))
        if self.exact:  # "puluhan ribu kontainer", "roughly 450" give no exact count
            text = VAGUE.sub("", text)
        if self.duration:  # "how long": a duration, not any number
            return bool(DURATION.search(text))
        if not self.counts_time:
            text = DURATION.sub("", text)
        text = ELAPSED.sub("", text)  # "twelve months on", "dua tahun lalu": when, not how many
        if not HAS_NUMBER.search(text):
            return False
        if self.money and not (MONEY.search(s.unreferenced) or RATE.search(text)):
            return False
        return not self.measured or any(_counts(t, text, s, self.language) is not False
                                        for t in self.measured)

    @cached_property
    def counts_time(self) -> bool:
        """"How long", "berapa tahun": the question asks for a duration."""
        return not self.measured or any(g & TIME_UNITS for g in self.measured)

    @cached_property
    def figure_of(self) -> int:
        """How many focus terms say what a "how many / how much" question's figure is of,
        the money verbs aside ("pay", "fined", "cost": the amount itself answers them)."""
        return sum(not any(ASKS_MONEY.fullmatch(f) for f in g) for g in self.focus)

    def coverage(self, s: Sentence) -> int:
        """How many of the focus terms ``s`` says (in either language)."""
        return len(self.says(s))

    def says(self, s: Sentence, judged: bool = True) -> set[int]:
        """Which of the focus terms (their indexes) ``s`` says (in either language); with
        ``judged`` False, also those that cannot be judged in its language."""
        return {i for i, g in enumerate(self.focus)
                if _says(g, s, self.language) is True
                or (not judged and _says(g, s, self.language) is None)}

    def may_say_done(self, s: Sentence) -> bool:
        """Whether ``s`` says the act a yes/no question asks about (``done``), or cannot be
        judged on it (another language, no glossary equivalent)."""
        return self.done < 0 or _says(self.focus[self.done], s, self.language) is not False

    def focused(self, s: Sentence) -> bool:
        """Whether ``s`` says one of the focus terms. Across languages only terms with a
        glossary equivalent can be judged; a sentence in which fewer than half of them can
        be judged passes (too little to judge it by)."""
        said = [_says(g, s, self.language) for g in self.focus]
        if not self.focus or 2 * sum(x is not None for x in said) < len(self.focus):
            return True
        return any(said)


#: The head nouns that a regulation's name answers ("peraturan apa", "which rule").
_REGULATION = frozenset({"regulation", "regulations", "rule", "rules", "peraturan", "aturan"})


def _head(question: str, glossary) -> frozenset[str]:
    head = asked_head(question)
    if not head or head in STOPWORDS or head in GENERIC:
        return frozenset()
    return frozenset(glossary.equivalents(head))


def _says(group: frozenset[str], s: Sentence, q_lang: str) -> bool | None:
    """Whether sentence ``s`` says one form of ``group``; None when that cannot be judged
    (another language than the question's and no glossary equivalent)."""
    if s.language != q_lang and len(group) < 2:
        return None
    return covers(group, *s.said)


#: How many words from a number the thing it counts may stand ("450 karyawan", "laid off
#: roughly 450 of its 5,000 employees").
NEAR_NUMBER = 5


def _counts(group: frozenset[str], text: str, s: Sentence, q_lang: str) -> bool | None:
    """Whether a number in ``text`` (``s``'s text less dates, times and references) comes
    with a form of ``group`` within ``NEAR_NUMBER`` words ("sekitar 450 karyawan", not "...
    karyawan usai merger ..., terutama ketika dua perusahaan"); None when that cannot be
    judged in ``s``'s language (``_says``)."""
    judged = _says(group, s, q_lang)
    if not judged:
        return judged
    toks = words(text)
    for i, t in enumerate(toks):
        if any(ch.isdigit() for ch in t) or HAS_NUMBER.fullmatch(t):
            near = toks[max(0, i - NEAR_NUMBER):i + NEAR_NUMBER + 1]
            forms = {f for w in near for f in word_forms(w)}
            if covers(group, " ".join(near), forms):
                return True
    return False


#: The verb a question asks about comes right after "apa yang", "siapa yang", "who" (modal
#: words aside: "apa yang hendak diatur").
_ASKED_VERB = re.compile(r"\b(?:(?:apa|siapa)(?:\s+(?:saja|aja))?\s+yang|who)((?:\s+[\w-]+){1,3})",
                         re.I)


#: "Has TikTok appealed the fine?", "Did KPPU approve it?", "Apakah TikTok mengajukan
#: banding?": whether a named subject did something (the verb: group 1) ...
_DID_NAMED = re.compile(
    r"^\W*(?:(?i:has|have|had|did|does|do)\s+(?:(?:the|a|an|its|their)\s+)?|(?i:apakah)\s+)"
    r"(?:[A-Z0-9][\w'’|&.-]*\s+)+(?:(?:ever|actually|really|finally|also|even|pernah|telah|"
    r"sempat)\s+)?([a-z][\w-]*)")
#: ... asked without "yet": "Has the revision been issued yet?" is answered by where it stands
#: ("it is still being drafted"), which need not say the act.
_YET = re.compile(r"\b(?:yet|so far|already|belum|sudah|udah)\b", re.I)


def _done(question: str, focus: list[frozenset[str]]) -> int:
    """The index of the focus group of the act a yes/no question asks a named subject did
    ("appealed" in "Has TikTok appealed that fine?"), or -1."""
    m = _DID_NAMED.match(question)
    if not m or _YET.search(question):
        return -1
    return _group_of(m.group(1).lower(), focus)


def _predicate(question: str, focus: list[frozenset[str]]) -> int:
    """The index of the focus group of the verb the question asks about, or -1."""
    m = _ASKED_VERB.search(question)
    verb = m and next((w.lower() for w in m.group(1).split() if w.lower() not in STOPWORDS),
                      None)
    return _group_of(verb, focus) if verb else -1


def _group_of(verb: str, focus: list[frozenset[str]]) -> int:
    forms = word_forms(verb)
    return next((i for i, g in enumerate(focus)
                 if verb in g or forms & {f for w in g for f in word_forms(w)}), -1)

