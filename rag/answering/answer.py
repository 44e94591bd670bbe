"""Grounded answers without a language model: the sentences that answer, with markers.

The extractive answerer splits the retrieved passages into sentences, scores each against
the question (weighted term overlap, the passage's retrieval rank, and whether it holds
the kind of fact asked for: a date for "kapan/when", a number for "berapa/how much", a
cause for "mengapa/why"),
keeps the best few that say different things, and numbers the passages they came from.
A single fact is cited from its best source (another joins only when nearly as strong and
on point); stories ("what happened", "now") gather events from every source. When the
retrieved evidence is too weak, or no sentence that names the question's anchors says what
it asks about them (its focus terms; for "how many X" a number with X), it says so instead
of answering; when a source says the asked date or figure is not known yet, that "not
found" cites it. What a question asks for is worked out in rag.answering.asked.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from rag.config import Settings
from rag.dates import mentions_period, recency
from rag.figures import HAS_DATE, HAS_MONTH, gives_deadline
from rag.retrieval.glossary import load_glossary
from rag.retrieval.query import QueryPlan, yes_no_part
from rag.text import detect_language, open_quote, terms
from rag.tracking.entities import load_gazetteer
from rag.tracking.events import anchor_before, own_date
from rag.types import Answer, Citation, RetrievedPassage

from .asked import Asked
from .compose import NOT_FOUND, UNKNOWN, contradicted, dated, published_day, written
from .cues import GIVES_REASON, UNDISCLOSED, attribution_only, spells_out
from .gist import gist, same_gist
from .grounding import anchors, anchors_reached, covers, missing_anchors, names_in
from .sentences import (Sentence, dated_on, passage_sentences, text_before, told_on,
                        whole_quotes)

#: A sentence from another passage than the best sentence's joins a single-fact answer only
#: when it scores at least this share of the best: every extra source cited must earn it.
OTHER_SOURCE_RATIO = 0.9
#: Intents whose answer is a list (rag.retrieval.intents), and how many sentences more than a
#: fact's they may take.
LIST_INTENTS = frozenset({"impact", "obligations", "sanctions", "stakeholder"})
LIST_EXTRA = 2
#: For what stands now, a newer source leads when its sentence says at least this share of
#: what the best of the chosen sentences says of the question (its focus terms, weighed).
SAYS_ENOUGH = 0.5
class ExtractiveAnswerer:
    """Builds an Answer from retrieved passages by selecting their best sentences."""

    mode = "extractive"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.glossary = load_glossary(settings.glossary_file)
        self.gazetteer = load_gazetteer(settings.gazetteer_file)  # "the company" named

    def grounded(self, question: str, passages: Sequence[RetrievedPassage],
                 wanted: list[frozenset[str]] | None = None,
                 plan: QueryPlan | None = None) -> bool:
        """Whether the passages can answer at all: the most similar is similar enough and
        one of them mentions every specific thing the question names (``wanted``, its
        anchors, when the caller has them)."""
        if not passages or max(p.score for p in passages) < self.settings.min_relevance:
            return False
        if wanted is None:
            wanted = self.wanted(question, passages, plan)
        return not missing_anchors(question, passages, self.glossary, wanted)

    def wanted(self, question: str, passages: Sequence[RetrievedPassage],
               plan: QueryPlan | None = None) -> list[frozenset[str]]:
        """The question's anchors (``grounding.anchors``) that an answer must name: not
        the corpus's setting (``plan.setting``: "Indonesia" in news about Indonesia)."""
        found = anchors(question, self.glossary, names_in(passages))
        setting = plan.setting if plan else frozenset()
        return [a for a in found if not a & setting]

    def not_found(self, passages: Sequence[RetrievedPassage], lang: str) -> Answer:
        """The plain "the sources don't answer this" Answer, with the closest passages."""
        return Answer(answer=NOT_FOUND[lang], found=False, as_of=None, language=lang,
                      mode=self.mode, closest=list(passages[:3]))

    def not_known(self, passages: Sequence[RetrievedPassage], lang: str,
                  said: "Sentence") -> Answer:
        """Not found, citing the source that says what is asked is not known yet."""
        text = f"{NOT_FOUND[lang]}\n\n{UNKNOWN[lang]}{said.text} [1]"
        return Answer(answer=text, found=False, as_of=None, language=lang, mode=self.mode,
                      citations=[Citation.of(passages[said.passage], 1, [(said.start, said.end)])],
                      closest=list(passages[:3]))

    def answer(self, question: str, passages: Sequence[RetrievedPassage],
               language: str | None = None, plan: QueryPlan | None = None) -> Answer:
        """Answer ``question`` from ``passages`` (best first), or say the sources don't."""
        lang = language or detect_language(question, default="en")
        names = names_in(passages)
        wanted = self.wanted(question, passages, plan)
        if not self.grounded(question, passages, wanted):
            return self.not_found(passages, lang)
        asked = Asked.of(question, lang, self.glossary, names, plan.intent if plan else None)
        chosen, unknown = self._select(question, passages, asked, plan, wanted)
        if unknown is not None:
            return self.not_known(passages, lang, unknown)
        if not chosen or not (asked.holds_kind(chosen) or UNDISCLOSED.search(chosen[0].text)):
            return self.not_found(passages, lang)
        chosen = told_on(whole_quotes(chosen, passages), passages)
        markers: dict[int, int] = {}
        for s in chosen:
            markers.setdefault(s.passage, len(markers) + 1)
        citations = [Citation.of(passages[pi], n, [(s.start, s.end) for s in chosen
                                                    if s.passage == pi])
                     for pi, n in markers.items()]
        dates = [c.published for c in citations if c.published]
        as_of = max(dates)[:10] if dates else None
        conflicts = contradicted(chosen, passages, markers) if plan and plan.wants_latest else []
        text = written(chosen, passages, markers, lang, as_of, bool(conflicts), self.gazetteer)
        if asked.date and not asked.clock and not conflicts:
            text = dated(chosen[0], passages, lang) + text
        return Answer(answer=text, found=True, as_of=as_of, language=lang, mode=self.mode,
                      citations=citations, conflicts=conflicts)

    def _select(self, question: str, passages: Sequence[RetrievedPassage], asked: "Asked",
                plan: QueryPlan | None,
                wanted: list[frozenset[str]]) -> tuple[list[Sentence], Sentence | None]:
        """The answer's sentences, or (no sentences, S) when a source's sentence S says that
        what is asked is not known yet."""
        sents = passage_sentences(passages)
        # "Kapan ... dinyatakan beres?": a statement dated by a sentence after it that
        # points back ("Kepastian itu disampaikan ..., Selasa (26/3/2024)"), taken whole
        runs = dated_on(sents, passages, lambda t: bool(HAS_DATE.search(t))) if asked.date else []
        merged = {id(s) for s in runs}
        sents += runs
        if not sents:
            return [], None
        # Sentences are told apart by what the question asks about its anchors, its focus
        # terms: an answer sentence must come with the anchors anyway (``anchors_reached``), and
        # counting them again favours lead sentences that merely restate them ("Kemendag
        # menerbitkan Permendag 31/2023 ..." over what the rule bans).
        q_terms = {t for g in asked.focus for f in g for lg in ("id", "en") for t in terms(f, lg)}
        if not q_terms:
            words_in = [question] + (plan.terms if plan else [])
            q_terms = {t for w in words_in for lg in ("id", "en") for t in terms(w, lg)}
        n = len(sents)
        df: dict[str, int] = {}
        for s in sents:
            for t in s.terms & q_terms:
                df[t] = df.get(t, 0) + 1
        idf = {t: math.log(1 + n / (1 + df.get(t, 0))) for t in q_terms}
        total = sum(idf.values()) or 1.0
        recency = _recency(passages) if plan and plan.wants_latest else None
        hints = {id(s): _kind_hint(s, asked) for s in sents}
        # a quote cut at a sentence break is judged whole: '"The legal question is settled.
        # Now the competition question starts," said X, pointing to ... Shopee, the market
        # leader' says what each part says
        whole = {id(s): whole_quotes([s], passages)[0] if open_quote(s.text) else s
                 for s in sents}
        says = {id(s): asked.says(whole[id(s)]) for s in sents}  # the focus terms each says
        for s in sents:
            lexical = sum(idf[t] for t in s.terms & q_terms) / total
            rank = 1.0 / (1 + s.passage)  # retrieval order, best first
            s.score = 0.55 * lexical + 0.35 * rank + hints[id(s)]
            if recency is not None and (says[id(s)]
                                        or any(covers(g, s.low, s.forms) for g in wanted)):
                # Newer sources first, for what they say about the question: a roundup's
                # sentence on another story does not ride its article's date.
                s.score += 0.3 * recency[s.passage]
        ranked = sorted(sents, key=lambda s: s.score, reverse=True)
        # The answer must be about what the question names: a sentence qualifies when its
        # passage, up to and including it (plus the title), mentions every anchor.
        # A quote's sentence ends where the quote does: '"I used to run forty live sessions
        # a month. After October it went to zero," said Wulan, who sells batik from
        # Pekalongan' names its speaker after it.
        reach = [anchors_reached(wanted, p) for p in passages]
        ranked = [s for s in ranked if reach[s.passage] is not None
                  and (s.end >= reach[s.passage]
                       or (open_quote(s.text) > 0
                           and whole_quotes([s], passages)[0].end >= reach[s.passage]))]
        # Naming the anchors is not enough: the answer must say what is asked about them,
        # one of the question's focus terms ("Who was appointed chief executive of
        # Tokopedia?" is not answered by a sentence on Tokopedia's fine).
        focused = {id(s): asked.focused(whole[id(s)]) for s in ranked}
        # 2: the kind asked (all of it, for "how big, and when?"); 1: part of it; 0: none
        of_kind = {id(s): asked.kinds_held([s]) for s in ranked}
        pending = None  # a source's "not decided yet" that answers a yes/no part
        if asked.date or asked.number:
            # A "when"/"how much" question is answered by a sentence holding a date/number;
            # for "when", best one that also says what is asked ("when did it stop?" wants
            # the date of the stop, not of the reopening). No refusal on focus alone: their
            # verbs vary too much ("how much did it pay" is answered by "agreed to buy ...
            # for"; "how many X" is checked by its X in ``Asked.holds_kind``).
            # A month without its year ("sejak Juli lalu") is a date, after the complete ones.
            # "Kapan harus dibayar?": a deadline before the date of the decision.
            # "When did X announce ...?": the date of the telling, not of what it told
            ranked.sort(key=lambda s: (-of_kind[id(s)],
                                       asked.deadline and not gives_deadline(s.unreferenced),
                                       asked.date and not focused[id(s)],
                                       bool(asked.tells) and not asked.says_telling(s),
                                       _month_only(s) if asked.date else False))
            # "When will the revision be issued?": a date of its drafting does not answer it
            # when a source says, about more of what is asked, that nobody has said when.
            unknown = max((s for s in ranked if UNDISCLOSED.search(s.text)),
                          key=asked.coverage, default=None)
            answering = ranked[0] if ranked and of_kind[id(ranked[0])] else None
            if unknown is not None and asked.coverage(unknown) > (
                    asked.coverage(answering) if answering else 0):
                if not yes_no_part(question):
                    return [], unknown
                # "Sudah terbit belum? Batasnya berapa?": "not decided yet" answers it; it
                # leads what else the sources say
                pending = unknown
            if (asked.number and answering is not None and asked.figure_of >= 2
                    and not any(of_kind[id(s)] and focused[id(s)] for s in ranked)):
                # a figure, but of nothing the question asks about ("how many days after
                # closing must a company notify?" is not answered by a two-month
                # suspension); one focus term may be put otherwise ("how much did it pay for
                # its stake?": "will take 75% for USD 840 million")
                return [], None
        elif not any(focused.values()):
            return [], None
        elif not any(asked.may_say_done(whole[id(s)]) for s in ranked):
            # "Has TikTok appealed the fine?": sentences on the fine that never say an
            # appeal do not answer it
            return [], None
        elif (asked.role or asked.asks_regulation) and any(
                named := [asked.names_role(s) or asked.asks_regulation and asked.says_head(s)
                          for s in ranked]):
            # "Which ports ...?", "which consultant ...?", "berasal dari aturan apa?": a
            # sentence naming someone new in that role, or a regulation the question does
            # not name, answers it, whatever source it is in; the best passage's sentences
            # about the ports or the consultant's subject only set the scene.
            ranked = [s for s, n in zip(ranked, named) if n] + [
                s for s, n in zip(ranked, named) if not n]
        elif not wanted and ranked and not focused[id(ranked[0])]:
            # Nothing the question names ties the passages to it: the best sentence must
            # at least say what it asks ("Resep rendang ...?" is not answered by import news).
            return [], None
        if not ranked:
            return [], None
        best = ranked[0].score
        # One fact is cited from its best source; stories ("what happened", "now") gather
        # their events from every source.
        single = not (plan and (plan.wants_chronology or plan.wants_latest))
        # Who is affected, what it requires, what to do: the answer is a list, a few more
        # sentences than a fact's (as the tracker's routed lists are).
        most = self.settings.answer_max_sentences + (
            LIST_EXTRA if plan and plan.intent in LIST_INTENTS else 0)
        facts: dict[int, tuple[set[str], tuple | None]] = {}

        def restates(a: Sentence, b: Sentence) -> bool:
            """In two languages, one fact told twice (a syndicated copy's translation): the
            same gist, or both dated by their own text to the same day."""
            for x in (a, b):
                if id(x) not in facts:
                    facts[id(x)] = (gist(x.text, self.glossary), own_date(
                        x.text, published_day(passages[x.passage]) or None,
                        anchor_before(text_before(x, passages))))
            (ga, da), (gb, db) = facts[id(a)], facts[id(b)]
            return same_gist(ga, gb) or (da is not None and da == db and da[1] == "text")

        chosen: list[Sentence] = []
        said: set[int] = set()  # the focus terms the chosen sentences say
        # A single fact's sources past the best rarely fill a place (the best passage's
        # sentences outscore them on rank), so what only they say of the question goes
        # missing: once the answer is full, one more sentence from another source joins when
        # it is on point and says a focus term none of the chosen says ("Siapa pemegang saham
        # besar Bukalapak?": the best passage tells its founding and listing, another that a
        # media group is a major shareholder). It may lead, as any chosen sentence may. What
        # stands now gathers from every source, and takes the one more from any ("Has the
        # transition period of the data protection law ended?": three sentences on another
        # transition filled it). A story keeps to its events.
        one_more = not (plan and plan.wants_chronology)
        extra: Sentence | None = None
        for s in ranked:
            full = len(chosen) >= most
            if full and (not one_more or extra is not None):
                break
            if s.score < self.settings.support_ratio * best:
                # not ``break``: a date/number question ranks the sentences holding one
                # first, so a weaker one of these may stand before a strong supporting
                # sentence without one
                continue
            adds = says[id(s)] - said
            if full and not ((s.passage != chosen[0].passage or not single) and focused[id(s)]
                             and of_kind[id(s)] and adds - asked.given):
                continue
            if any(term_overlap(s.terms, c.terms) >= 0.6
                   or (s.language != c.language and restates(s, c)) for c in chosen):
                continue  # says what a chosen sentence already says (in either language)
            if full:
                extra = s
                chosen.append(s)
                continue
            if (single and chosen and s.passage != chosen[0].passage
                    and (s.score < OTHER_SOURCE_RATIO * best or not focused[id(s)]
                         or not of_kind[id(s)])
                    and not (adds and of_kind[id(s)])):
                # another source only when it is nearly as strong and on point, or when it
                # says what the question asks that no chosen sentence says yet ("how much
                # was it fined, and for what?")
                continue
            chosen.append(s)
            said |= asked.says(s, judged=False)  # what it may say in its language
        most += extra is not None

        def told(s: Sentence) -> tuple:  # the order the sources tell events in
            return (passages[s.passage].published or "", s.passage, s.start)

        if plan and plan.wants_chronology:
            return _first(pending, sorted(chosen, key=told), most), None
        # The lead, then the supporting sentences in the order their sources tell them. The
        # lead is the chosen sentence that holds the kind of fact asked, says the noun a
        # which/what question asks for ("which system": "... through the Online Single
        # Submission system"; "which regulation": a regulation the question does not name),
        # and says the most of what is asked (its focus terms, the rarer among these
        # sentences weighing more):
        # the score that chose the sentences favours the best passage's opening, which
        # often restates the subject without the answer ("Government Regulation 80/2019 ...
        # spells out who counts as an e-commerce business" before "Anyone selling through
        # an electronic system needs a business licence"). A sentence that only says who
        # presented it, to whom and when leads only when who or when is asked.
        weight = _focus_weights(len(asked.focus), list(says.values()))
        period = plan.period if plan and not (plan.wants_chronology or plan.wants_latest) else None
        in_period = {id(s): bool(period) and mentions_period(s.unreferenced, period)
                     for s in chosen}

        def like_answer(s: Sentence) -> tuple:
            # A new name looks like the answer to "who" only in the role asked or in a
            # sentence that says something asked: "Siapa yang khawatir soal pelonggaran
            # impor?" is answered by "pelaku industri tekstil khawatir pelonggaran ini ...",
            # not by the minister's quote beside it.
            hint = (hints[id(s)] if focused.get(id(s), True)
                    else _kind_hint(s, asked, focused=False))
            # "signed in November" gives less of the date than "in November 2019"
            complete = not (asked.date and _month_only(s))
            due = not asked.deadline or gives_deadline(s.unreferenced)  # "dalam 30 hari"
            return (of_kind[id(s)], due, complete, hint, asked.says_head(s),
                    asked.predicate in says[id(s)],  # the verb asked about
                    # "how far along was it as of February 2024?": a time in that month
                    in_period[id(s)],
                    id(s) not in merged,  # one sentence before a run of them
                    # what is asked before the scene it is asked in
                    sum(weight[i] for i in says[id(s)] if i not in asked.given),
                    sum(weight[i] for i in says[id(s)] if i in asked.given), s.score)

        if plan and plan.wants_latest:
            # newest source first; in each, the sentence most like the answer asked for
            # ("Siapa Menteri Perdagangan saat ini?": the one naming a minister). A sentence
            # that says nothing asked does not lead on its source's date ("Bukalapak masih
            # ngelola jaringan apa?" is not answered by a newer roundup's line on TikTok).
            # Newest among those saying much of what is asked: a newer roundup that says
            # only "the regulation" does not lead the sentence saying what the question asks
            # of it ("Apakah aturan impor yang membuat kontainer menumpuk masih berlaku?").
            said_w = {id(s): sum(weight[i] for i in says[id(s)]) for s in chosen}
            enough = SAYS_ENOUGH * max(said_w.values(), default=0.0)
            return _first(pending, sorted(
                chosen, key=lambda s: (asked.says_head(s)
                                       or bool(says[id(s)]) and said_w[id(s)] >= enough,
                                       published_day(passages[s.passage]), like_answer(s)),
                reverse=True), most), None
        pool = [s for s in chosen
                if asked.name or asked.date or not attribution_only(s.text)] or chosen[:1]
        lead = max(pool, key=like_answer, default=None)
        rest = [s for s in chosen if s is not lead]
        return _first(pending, ([lead] if lead else []) + sorted(rest, key=told), most), None


def _first(lead: Sentence | None, chosen: list[Sentence], most: int) -> list[Sentence]:
    """``chosen`` with ``lead`` (when there is one) first, at most ``most`` in all."""
    if lead is None:
        return chosen
    return [lead] + [s for s in chosen if s is not lead][:most - 1]


def _kind_hint(s: Sentence, asked: Asked, focused: bool = True) -> float:
    """How much ``s`` looks like the kind of answer asked for: a date, a number, a name the
    question lacks (in the role asked for, or in a ``focused`` sentence), a cause, a
    definition, the telling asked about ("announced", "described ... as") (added to its
    score; it also ranks the lead)."""
    hint = 0.0
    if asked.date and (HAS_DATE.search(s.text)
                       or (asked.deadline and gives_deadline(s.unreferenced))):
        hint += 0.15
    if asked.number and asked.answers_number(s):  # a year or a date is no count
        hint += 0.15
    if asked.name and asked.new_name(s.unreferenced):
        # someone the question does not name; more likely the answer when the sentence
        # also says the role asked for ("pejabat", "minister")
        hint += 0.2 if asked.names_role(s) else 0.15 if focused else 0.0
    if asked.reason and GIVES_REASON.search(s.text):  # a lighter hint: cues vary
        hint += 0.1
    if asked.says_telling(s):  # "when did X announce": the sentence that reports it
        hint += 0.1
    if asked.definition and asked.defines(s):
        hint += 0.1  # "apa itu X": a sentence that says what X is
    if asked.acronym and spells_out(asked.acronym, s.text):
        hint += 0.1  # "What is PMSE?": "Perdagangan Melalui Sistem Elektronik (PMSE)"
    return hint


def _month_only(s: Sentence) -> bool:
    """Whether ``s`` dates by a month without its year ("signed in November"): a date, if
    less of one than "in November 2019"."""
    return bool(HAS_MONTH.search(s.unreferenced)) and not HAS_DATE.search(s.unreferenced)


def _focus_weights(terms: int, said: Sequence[set[int]]) -> list[float]:
    """Per focus term of the question (``terms`` of them), how telling it is among the
    sentences that ``said`` them (each sentence's ``Asked.says``): its inverse frequency."""
    n = len(said)
    return [math.log(1 + n / (1 + sum(i in sb for sb in said))) for i in range(terms)]


def term_overlap(a: set[str], b: set[str]) -> float:
    """Share of the smaller term set found in the other."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _recency(passages: Sequence[RetrievedPassage]) -> list[float]:
    """0..1 per passage: how recent it is among these passages (``rag.dates.recency``)."""
    return recency([p.published for p in passages]) or [0.0] * len(passages)
