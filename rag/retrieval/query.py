"""Understanding a question before retrieval: language, follow-ups, time, expansion.

- Follow-ups: "Kapan dibuka lagi?" after "Mengapa TikTok Shop ditutup?" names nothing; the
  rule-based rewrite carries the earlier question's anchors (names, regulation ids) over.
- Time: questions about the present ("sekarang", "terbaru", "now", "latest", "still") want
  the newest evidence first; a status question with a period ("status on 1 November 2023")
  only considers evidence published up to the end of that period.
- Expansion: glossary terms found in the question bring their equivalents in the other
  language, so an English question can match Indonesian text lexically.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from rag.dates import MONTH_NAMES, find_period, format_date, parse_date
from rag.regulations import find_references
from rag.text import STOPWORDS, content_words, detect_language, sentence_spans
from rag.types import Filters

from .glossary import Glossary
from .intents import ASKS_STATUS, intent_of

_PRESENT = re.compile(
    r"\b(sekarang|saat ini|terbaru|terkini|kini|masih|hingga kini|sampai sekarang|now|"
    r"latest|current|currently|today|still|these days|at present|newest|most recent|recent)\b",
    re.I)
#: "Kalau platform masih bandel, ...", "If a seller still refuses, ...": a condition's "still"
#: supposes a case, it does not ask how things stand now.
_CONDITION = re.compile(r"^\W*(?:(?:terus|lalu|and|so|but)\s+)?(?:kalau|kalo|jika|jikalau|apabila|"
                        r"bila|seandainya|andaikan|if|should|suppose)\b[^,?]*,", re.I)
#: "What may platforms still do?", "Barang apa yang masih boleh dijual?": asked with a
#: question word, a permission that remains under a rule, not how things stand now.
_STILL_ALLOWED = re.compile(r"\b(?:(?:may|can|could)\s+(?:\w+\s+){0,3}?still|still\s+(?:be\s+)?"
                            r"(?:allowed|permitted)|masih\s+(?:boleh|bisa|dapat|"
                            r"diperbolehkan|dibolehkan|diizinkan))\b", re.I)
#: A yes/no question opens with an auxiliary or "apakah" ("Is it still closed?", "Apakah
#: aturan itu direvisi?"), or asks "still / already / ever / yet / masih / sudah / belum"
#: without a question word ("Masih ditutup?", "TikTok Shop sudah buka lagi?", "Temu udah
#: boleh beroperasi belum?").
_YES_NO_OPEN = re.compile(
    r"^\W*(is|are|was|were|has|have|had|does|do|did|can|could|will|would|should|isn't|aren't|"
    r"hasn't|haven't|doesn't|didn't|apakah|apa benar|benarkah|betulkah|masih|sudah|udah|"
    r"pernahkah|bisakah|bolehkah)\b", re.I)
_YES_NO_WORDS = re.compile(r"\b(masih|sudah|udah|belum|pernah|still|already|ever|yet|anymore|"
                           r"any more|no longer)\b", re.I)
_WH = re.compile(r"\b(apa|siapa|kapan|mengapa|kenapa|bagaimana|gimana|berapa|dimana|mana|what|"
                 r"who|whom|whose|when|why|how|which|where)\b", re.I)
_CHRONO = re.compile(
    r"\b(what happened|apa yang terjadi|kronologi|chronology|timeline|perkembangan|"
    r"how did .* unfold|bagaimana .* berjalan|sequence of events|history of|sejarah)\b", re.I)
#: Words that point back to an earlier turn; Indonesian "-nya" ("its", "the") on a word
#: does too ("Pengumumannya disampaikan kapan?": the announcement of what was asked before).
_ELLIPTIC = re.compile(
    r"\b(it|its|it's|they|them|their|this|that|those|these|there|he|she|his|her|"
    r"nya|ia|dia|mereka|itu|tersebut|ini|sana|aturan itu|the rule|the regulation|"
    r"the company|perusahaan itu|[^\W\d_]{3,}nya)\b", re.I)
_NAME = re.compile(r"\b[A-Z][\w'’.-]*[A-Za-z0-9](?:\s+[A-Z][\w'’.-]*[A-Za-z0-9])*")
_QUESTION_WORDS = {"apa", "apakah", "siapa", "kapan", "mengapa", "kenapa", "bagaimana",
                   "berapa", "dimana", "what", "when", "why", "how", "who", "which", "where",
                   "is", "are", "was", "were", "did", "does", "do", "has", "have", "can",
                   # conversational openers: "Lalu ...?", "Katanya ...", "And when ...?"
                   "lalu", "terus", "trus", "kemudian", "nah", "jadi", "kalau", "kalo",
                   "katanya", "tapi", "namun", "dan", "atau", "gimana", "so", "then",
                   "and", "but", "also", "ok", "okay", "btw", "i", "i've", "i'm", "we"}


@dataclass
class QueryPlan:
    """What retrieval and answering need to know about a question."""

    question: str  # standalone (rewritten when it was an elliptical follow-up)
    original: str
    language: str
    terms: list[str]  # words and expansions for lexical matching
    wants_latest: bool = False
    wants_chronology: bool = False
    asks_status: bool = False  # "status", "kondisi": the tracker can answer
    asks_yes_no: bool = False  # "Is it still closed?", "Sudah buka lagi?"
    intent: str = "fact"  # rag.retrieval.intents.INTENTS
    period: tuple[date, date] | None = None
    filters: Filters = field(default_factory=Filters)
    # names the corpus takes as its setting ("indonesia" in news about Indonesia): no
    # anchor an answer must name (rag.retrieval.lexical.LexicalView.setting)
    setting: frozenset[str] = frozenset()


def names_asked(text: str) -> list[str]:
    """The capitalised words of ``text``, lower case, without a possessive "'s"."""
    return [re.sub(r"['’]s$", "", w).lower() for w in _CAPITALISED.findall(text)]


_CAPITALISED = re.compile(r"\b[A-Z][\w'’]*")


def _anchors_of(text: str) -> list[str]:
    """Names and regulation references in ``text`` (what a follow-up leaves implicit)."""
    out = [r.text for r in find_references(text)]
    for m in _NAME.finditer(text):
        name = m.group(0)
        first = name.split()[0].lower()
        if first in _QUESTION_WORDS:
            name = " ".join(name.split()[1:])
        if (name and name.lower() not in STOPWORDS and name.lower() not in MONTH_NAMES
                and not re.fullmatch(r"[^\W\d_]{3,}nya", name.lower())  # "Dampaknya": no name
                and not any(name in o for o in out)):
            out.append(name)
    return out


#: "What about Shopee?", "Bagaimana dengan Bukalapak?": the earlier question, about another
#: subject.
_CONTRAST = re.compile(
    r"^\W*(?:(?:and|so|but|terus|lalu|trus|nah)\s+)?(?:what about|how about|what of|"
    r"bagaimana dengan|gimana dengan|kalau|kalo)\s+(?P<rest>.+)$", re.I)


def _switched_subject(question: str, users: list[str]) -> str | None:
    """A "what about X" follow-up: X is the new subject. Asked with a question of its own
    ("What about Bukalapak, where does it stand now?") it stands alone, its pronouns
    pointing at X; asked bare ("What about Shopee?") it is the most recent earlier question
    that names something, with X in place of what it named (see below)."""
    m = _CONTRAST.match(question)
    if not m:
        return None
    rest = m.group("rest")
    named = _anchors_of(re.split(r"[?,;:\u2014\u2013]|\s-\s", rest)[0])
    if not named:
        return None
    tail = rest
    for n in named:
        tail = tail.replace(n, " ")
    if len(content_words(tail)) >= 2:
        return question
    new = named[0]
    is_ref = bool(find_references(new))
    for earlier in reversed(users):
        # A regulation takes a regulation's place, a name a name's; of several, the last
        # ("When did KPPU fine TikTok?" -> "What about Shopee?": KPPU fining Shopee).
        before = [a for a in _anchors_of(earlier) if bool(find_references(a)) == is_ref]
        if before:
            at = earlier.rfind(before[-1])
            return earlier[:at] + new + earlier[at + len(before[-1]):]
    return question


#: "perusahaan itu", "aturan ini", "the company", "this rule": a noun that points back to an
#: earlier turn's subject of its kind (what ``kind_of`` says a name is).
_POINTER_NOUNS = {
    "regulation": r"aturan|peraturan|regulasi|beleid|ketentuan|rule|rules|regulation|law",
    "player": r"perusahaan|platform|aplikasi|lokapasar|marketplace|raksasa|company|firm|app",
    "agency": r"kementerian|lembaga|komisi|badan|regulator|otoritas|ministry|agency|"
              r"commission|watchdog|authority",
}
_POINTER_KINDS = {"regulation": {"regulation"}, "player": {"company", "platform", "group"},
                  "agency": {"ministry", "regulator"}}
_POINTER = re.compile(
    "|".join(rf"\b(?:(?P<{k}_id>{v})\s+(?:itu|ini|tersebut|tadi)|(?:this|that|the same|the)\s+"
             rf"(?P<{k}_en>{v}))\b" for k, v in _POINTER_NOUNS.items()), re.I)


def resolve_pointers(question: str, turns: list[str], kind_of) -> str:
    """"Terus perusahaan itu banding nggak?" after a question about KPPU fining TikTok:
    "Terus TikTok banding nggak?". Each pointing noun phrase takes the first name of its kind
    (``kind_of(name)``: "regulation", a gazetteer kind, or None) in the most recent earlier
    turn that has one (``turns``: oldest first; an answer can name what its question did
    not: "Aturan ini ...?" after "Aturan yang memisahkan ... namanya apa?"); left as it is
    when none has."""
    def named(m: re.Match) -> str:
        kind = next(k for k in _POINTER_NOUNS if m[f"{k}_id"] or m[f"{k}_en"])
        for earlier in reversed(turns):
            for name in _anchors_of(earlier):
                if kind_of(name) in _POINTER_KINDS[kind] and name not in question:
                    return name
        return m.group(0)
    return _POINTER.sub(named, question)


def rewrite_followup(question: str, history: list[dict] | None, kind_of=None) -> str:
    """Make an elliptical follow-up standalone using the previous user turns (rules, for
    extractive mode). A question that names its own subject is returned unchanged; "what
    about X?" asks the earlier question about X; "perusahaan itu / this rule" is the earlier
    subject of that kind (``resolve_pointers``, when ``kind_of`` tells names' kinds)."""
    users = [h.get("content", "") for h in history or [] if h.get("role") == "user"]
    if not users:
        return question
    question = _since_then(question, history or [])
    switched = _switched_subject(question, users)
    if switched is not None:
        return switched
    if kind_of is not None:
        # The latest exchange first; within one, its question before its answer.
        turns = [h.get("content", "") for h in history or []
                 if h.get("role") in ("user", "assistant")]
        pairs = [turns[i:i + 2] for i in range(0, len(turns), 2)]
        question = resolve_pointers(question, [t for pair in pairs for t in reversed(pair)],
                                    kind_of)
    own = _anchors_of(question)
    short = len(content_words(question)) <= 4
    if own and not _ELLIPTIC.search(question):
        return question
    if not (short or _ELLIPTIC.search(question) or not own):
        return question
    carried: list[str] = []
    for earlier in reversed(users):  # the most recent turn that names something
        carried = [a for a in _anchors_of(earlier) if a not in question]
        if carried:
            break
    return f"{question} ({', '.join(carried)})" if carried else question


#: "Since then", "sejak itu": from the day the conversation last named.
_SINCE_THEN = re.compile(r"\b(?:since then|(?:sejak|semenjak) (?:saat |waktu )?itu)\b", re.I)


def _since_then(question: str, history: list[dict]) -> str:
    """"Anything new since then?" after an answer dated 12 December 2023: "since 12
    December 2023" (the first full date of the latest turn that gives one)."""
    m = _SINCE_THEN.search(question)
    if not m:
        return question
    for turn in reversed([h.get("content", "") for h in history]):
        day = parse_date(turn)
        if day:
            lang = "en" if m.group(0).lower().startswith("since") else "id"
            said = f"{'since' if lang == 'en' else 'sejak'} {format_date(day[:10], lang)}"
            return question[:m.start()] + said + question[m.end():]
    return question


def asks_yes_no(question: str) -> bool:
    """Whether ``question`` is asked to be answered yes or no (see ``_YES_NO_OPEN``)."""
    if _CHRONO.search(question):  # "kronologi ... sampai buka lagi": a story, not yes/no
        return False
    return bool(_YES_NO_OPEN.match(question)
                or (_YES_NO_WORDS.search(question) and not _WH.search(question)))


def yes_no_part(question: str) -> bool:
    """Whether one of ``question``'s sentences asks yes or no ("Revisinya udah terbit belum?
    Batasnya berapa?")."""
    return any(asks_yes_no(question[s:e]) for s, e in sentence_spans(question))


def plan(question: str, glossary: Glossary, filters: Filters | None = None,
         history: list[dict] | None = None, kind_of=None) -> QueryPlan:
    """Analyse ``question`` (and the conversation) into a QueryPlan; ``kind_of`` says what
    kind a name is (see ``resolve_pointers``)."""
    standalone = rewrite_followup(question, history, kind_of)
    language = detect_language(question, default="en")
    terms = list(content_words(standalone)) + [r.id for r in find_references(standalone)]
    for m in glossary.find(standalone):
        terms += sorted(glossary.equivalents(m.group(0)))
    yes_no = asks_yes_no(question)
    asked = _CONDITION.sub("", standalone)
    if not yes_no:  # "Is Temu still allowed to operate?" asks how it stands
        asked = _STILL_ALLOWED.sub("", asked)
    wants_latest = bool(_PRESENT.search(asked))
    period = find_period(standalone)
    f = (filters or Filters()).model_copy()
    # A status question pinned to a period sees only what was known by its end.
    if period and ASKS_STATUS.search(standalone) and not wants_latest and f.until is None:
        f.until = period[1]
    asks_status = bool(ASKS_STATUS.search(standalone))
    intent = intent_of(question, asks_status, yes_no)
    users = [h.get("content", "") for h in history or [] if h.get("role") == "user"]
    contrast = _CONTRAST.match(question)
    if intent == "fact" and users and contrast and not _WH.search(contrast.group("rest")):
        # "And what about goods sold from abroad?" after "What are the rules under X?": the
        # same kind of question, about something else ("what about X, when ...?" is its own).
        intent = intent_of(users[-1])
    return QueryPlan(question=standalone, original=question, language=language,
                     terms=list(dict.fromkeys(terms)), wants_latest=wants_latest,
                     wants_chronology=bool(_CHRONO.search(standalone)), period=period,
                     asks_status=asks_status, asks_yes_no=yes_no,
                     intent=intent,
                     filters=f)
