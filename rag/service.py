"""PantauService: the one object every interface (HTTP, UI, CLI) talks to.

It receives its collaborators (store, embedder, retriever, answerer) so tests can hand it
fakes; ``PantauService.from_settings`` builds the real ones.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence

from langchain_core.embeddings import Embeddings

from rag.answering.answer import ExtractiveAnswerer
from rag.answering.generate import LLMAnswerer
from rag.answering.relations import relations_answer
from rag.answering.routed import as_context, with_passages
from rag.answering.rules import (RULE_KINDS, asks_what_it_is, best_fit, definition_answer,
                                 groups_asked, impact_answer, newer_first, rules_answer,
                                 stakeholder_answer)
from rag.answering.stories import chronology_answer, whats_new_answer
from rag.answering.tracked import OPERATION, status_answer, yes_no_answer
from rag.models.embeddings import make_embeddings
from rag.models.llm import make_chat_model
from rag.models.rerank import make_reranker
from rag.retrieval.intents import asks_only_rules
from rag.retrieval.retrieve import Retriever
from rag.store.indexing import BatchIndexer, IndexResult
from rag.store.store import PantauStore
from rag.tracking.entities import load_gazetteer
from rag.tracking.impact import Impact, Impacts, instructions_in, subject_of
from rag.tracking.registry import RegulationRecord, RegulationRegistry
from rag.tracking.events import asked_event_type
from rag.tracking.timeline import (Event, Line, Timeline, TimelineIndex, dated_sentences,
                                   passage_events)
from rag.tracking.updates import Updates, collect_updates

from .config import Settings
from .dates import find_since, find_window
from .regulations import find_references
from .types import Answer, Article, ArticleInfo, Filters, Passage, RetrievedPassage

log = logging.getLogger("pantau.service")


def embedding_text(article: Article, passage: Passage) -> str:
    """What gets embedded for a passage: its article's title and date give it context.

    The stored (quoted) text stays the passage alone, so offsets remain exact.
    """
    head = " · ".join(x for x in (article.title, (article.published or "")[:10]) if x)
    return f"{head}\n{passage.text}" if head else passage.text




class PantauService:
    """Ask questions, index articles, list and delete them."""

    def __init__(self, settings: Settings, store: PantauStore, embedder: Embeddings,
                 retriever: Retriever, answerer: ExtractiveAnswerer | LLMAnswerer) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.retriever = retriever
        self.answerer = answerer
        self.registry = RegulationRegistry(store)
        self.impacts = Impacts(self.registry)
        self.timelines = TimelineIndex(store, load_gazetteer(settings.gazetteer_file))
        self.followers = {"lexical": retriever.lexical.follower,  # the derived indexes
                          "registry": self.registry.follower, "timelines": self.timelines.follower}

    @classmethod
    def from_settings(cls, settings: Settings) -> "PantauService":
        """Wire the real components. Loads nothing yet: models and Chroma open on first use."""
        embedder = make_embeddings(settings)
        store = PantauStore(settings, embedder)
        retriever = Retriever(store, embedder, settings,
                              reranker=make_reranker(settings.reranker))
        extractive = ExtractiveAnswerer(settings)
        chat = make_chat_model(settings)
        answerer = LLMAnswerer(settings, chat, extractive) if chat else extractive
        return cls(settings, store, embedder, retriever, answerer)

    # -- questions ----------------------------------------------------------------------
    def retrieve(self, question: str, top_k: int | None = None,
                 filters: Filters | None = None,
                 history: list[dict] | None = None) -> list[RetrievedPassage]:
        """The passages most relevant to ``question``."""
        return self.retriever.retrieve(question, top_k, filters, history)

    def ask(self, question: str, top_k: int | None = None, filters: Filters | None = None,
            history: list[dict] | None = None) -> Answer:
        """A cited answer to ``question`` (or a plain statement that the sources don't say).
        ``history`` (earlier turns, {"role", "content"}) lets follow-ups omit their subject."""
        return self.respond(question, top_k, filters, history)[1]

    def respond(self, question: str, top_k: int | None = None, filters: Filters | None = None,
                history: list[dict] | None = None) -> tuple[list[RetrievedPassage], Answer]:
        """The retrieved passages and the answer (``ask`` returns the answer alone)."""
        qp = self._plan(question, filters, history)
        passages = self.retriever.retrieve(qp.question, top_k, query_plan=qp)
        return passages, self._answer(qp, passages, self._tracked_answer(qp, passages))

    def _answer(self, qp, passages: list[RetrievedPassage], tracked: Answer | None) -> Answer:
        """The answer to a planned question: the tracker's (``tracked``) when it has one,
        else the answerer's over ``passages``; labelled with the question's intent.

        A routed answer (impact, rules, relations, chronology) is followed by what the
        passages' best sentences add (not "what's new since": retrieval does not keep to the
        date); a status only by newer ones (where it stands, told as no event). In LLM mode
        the model writes it, given the routed answer's statements as numbered, cited facts;
        the routed answer stands when the model's does not."""
        if tracked is not None and (tracked.intent == "whats_new" or (
                tracked.intent == "status" and isinstance(self.answerer, LLMAnswerer))):
            return _with_intent(tracked, qp.intent)
        if tracked is not None and isinstance(self.answerer, LLMAnswerer):
            shown, facts = as_context(tracked)
            ids = {p.passage_id for p in shown}
            context = shown + [p for p in passages if p.passage_id not in ids]
            written = self.answerer.answer(qp.question, context, qp.language, plan=qp,
                                           facts=facts)
            answer = written if written.found and written.mode == self.answerer.mode else tracked
            return _with_intent(answer, qp.intent)
        said = self.answerer.answer(qp.question, passages, qp.language, plan=qp)
        return _with_intent(said if tracked is None else with_passages(
            tracked, said, newer=tracked.intent == "status"), qp.intent)

    def _tracked_answer(self, qp, passages: Sequence[RetrievedPassage] = ()) -> Answer | None:
        """The answer from the structured layer when the question's intent has one and the
        tracker knows its subject: status and yes/no from the timeline, a chronology from
        the timelines, relations from the registry, impact, rules and sanctions from the
        regulation's impact statements. None: retrieval answers."""
        # "Permendag 31/2023", "UU PDP", "the personal data protection law"
        regs = self.registry.named_in(qp.question, self.retriever.glossary)
        subjects = [r.id for r in regs] + self._players(qp.question)
        answer = self._status_answer(qp, subjects)
        if answer is not None:
            return answer
        lang = qp.language if qp.language in ("id", "en") else "en"
        if qp.intent == "chronology":
            tls = [tl for tl in (self._line(s) for s in subjects[:2]) if tl is not None]
            window, dated = find_window(qp.question), dated_sentences(passages)
            if not tls and not window:  # "import rules during 2024": what the passages date
                return None
            told = passage_events(passages, {tl.entity for tl in tls},
                                  self.timelines.gazetteer.ids_in) if tls else list(dated)
            told += self._making_of([r for r in regs if r.id in subjects[:2]], tls)
            return chronology_answer(tls, lang, qp.question, window, told, dated,
                                     self.timelines.read, self.retriever.glossary)
        if qp.intent == "whats_new":
            since = find_since(qp.question)
            if since is None:
                return None
            day = since.isoformat()
            if subjects:  # "sejak ... soal TikTok-Tokopedia": both
                found = {k: v for sub in subjects[:2]
                         for k, v in self.timelines.since(day, sub.lower()).items()}
            else:
                found = self.timelines.since(day)
                if asks_only_rules(qp.question):
                    # "aturan baru apa": the regulations' news and what regulators did
                    # (their own events, and those of others that name them)
                    kept = {k: v if self._regulatory(k)
                            else [e for e in v if any(map(self._regulatory, e.named))]
                            for k, v in found.items()}
                    found = {k: v for k, v in kept.items() if v} or found
            return whats_new_answer(found, day, lang, self.timelines.read, self.retriever.glossary)
        if qp.intent == "stakeholder":
            return self._stakeholder_answer(qp, regs, lang, passages)
        named = bool(regs)
        if not regs and qp.intent == "obligations":
            # "Wajib punya izin usaha nggak?": a rule, of the regulation in play. (Who was
            # hit, or who was fined, is asked of an event more often than of a rule.)
            regs = best_fit(self._cited_by(passages), qp.question, self._rules_of,
                            self.retriever.glossary)
        if not regs:
            return None
        if qp.intent == "relations":
            return relations_answer(regs, self.registry.related(r.id for r in regs),
                                    self.registry.stating, lang, qp.question, self._line,
                                    self._rules_of, self.retriever.glossary, self.timelines.read)
        if qp.intent == "definition" and len(regs) == 1 and asks_what_it_is(qp.question):
            return definition_answer(regs[0], self.registry.titled(regs[0].id),
                                     self.impact(regs[0].id), lang, qp.question,
                                     self.retriever.glossary)
        if qp.intent in ("impact", "obligations", "sanctions"):
            if named and subject_of(qp.question) is None:
                return None  # "what will the revision of X regulate": not X's rules
            impact = self.impact(regs[0].id)
            if impact is None:
                return None
            # "I sell on ...: how does X affect me?": the asker's own group first
            groups = groups_asked(qp.question, own=qp.intent == "impact")
            if qp.intent == "impact":
                return impact_answer(impact, regs[0].label, lang, groups, qp.question,
                                     self.retriever.glossary,
                                     self._names_of(self._players(qp.question)))
            return rules_answer(impact, regs[0].label, lang, qp.intent == "sanctions", groups,
                                qp.question, self.retriever.glossary)
        return None

    def _making_of(self, regs: Sequence[RegulationRecord], tls: Sequence[Line]) -> list[Event]:
        """How a regulation came about: the events of those it replaced or amended (their
        revision was its drafting) before its own first event."""
        own = {tl.entity: tl for tl in tls}
        out: list[Event] = []
        for rec in regs:
            tl = own.get(rec.id)
            start = tl.events[0].date if tl and tl.events else None
            for rel in rec.relations:
                if rel.type not in ("replaces", "amends") or rel.target in own:
                    continue
                before = self._line(rel.target)
                out += [e for e in (before.events if before else ())
                        if start is None or e.date < start]
        return out

    def _stakeholder_answer(self, qp, regs: list[RegulationRecord], lang: str,
                            passages: Sequence[RetrievedPassage]) -> Answer | None:
        """"Saya jualan di X, harus bagaimana?": X's newest status, then what the rules in
        play require of the asker's group: those the question names, else those cited by
        the passages retrieved for it (best first), up to three. Asked from a date on ("which
        new rules from 2025 onward affect me?"), the rules in play are those with news since
        then (when any has), each after its newest such event (a revision being drafted)."""
        newest = []
        players = self._players(qp.question)[:2]
        if "sellers" in groups_asked(qp.question, own=True):
            players = list(dict.fromkeys(map(self.timelines.gazetteer.shop_of, players)))
        for eid in players:
            tl = self._line(eid)
            if tl is not None and tl.events:
                # Where it stands for those who use it: its newest opening, closing or move,
                # else its newest event (a seller on TikTok is not asking about its fine).
                ops = [e for e in tl.events if e.type in OPERATION]
                newest.append((ops or tl.events)[-1])
        regs = newer_first(regs or self._cited_by(passages))
        since = find_since(qp.question)
        if since is not None:
            recent = [(rec, tl.events[-1]) for rec, tl in ((r, self._line(r.id)) for r in regs)
                      if tl is not None and tl.events and tl.events[-1].date >= since.isoformat()]
            if recent:
                regs = [rec for rec, _ in recent]
                newest += [e for _, e in recent]
        newest = self.timelines.read(newest)
        impacts = [i for i in (self.impact(r.id) for r in regs[:3]) if i is not None]
        groups = groups_asked(qp.question, own=True)
        names = self._names_of(players)
        told = instructions_in(passages, groups, names) if names else []
        return stakeholder_answer(newest, impacts, groups, lang, qp.question,
                                  self.retriever.glossary, told, names)

    def _cited_by(self, passages: Sequence[RetrievedPassage]) -> list[RegulationRecord]:
        """The tracked regulations the passages cite, in the order they first come."""
        seen = dict.fromkeys(rid for p in passages for rid in p.regulations)
        return [r for r in (self.registry.get(rid) for rid in seen) if r is not None]

    def _rules_of(self, reg_id: str) -> list:
        """A regulation's rules (prohibitions, obligations, thresholds) as Statements."""
        impact = self.impact(reg_id)
        return [s for s in (impact.obligations if impact else []) if s.kind in RULE_KINDS]

    def _regulatory(self, subject: str) -> bool:
        """A tracked regulation, or a regulator or ministry: whose news is regulatory."""
        ent = self.timelines.gazetteer.entities.get(subject)
        return (self.registry.get(subject) is not None
                or (ent is not None and ent.kind in ("regulator", "ministry")))

    def _kind_of(self, name: str) -> str | None:
        """"regulation" for a reference, the gazetteer's kind for a tracked player."""
        if find_references(name):
            return "regulation"
        ids = self.timelines.gazetteer.ids_in(name)
        return self.timelines.gazetteer.entities[ids[0]].kind if ids else None

    def _names_of(self, players: Sequence[str]) -> list[str]:
        """Every name and alias the gazetteer knows the ``players`` (entity ids) by."""
        known = self.timelines.gazetteer.entities
        return [n for eid in players for n in (*known[eid].names, *known[eid].aliases)]

    def _players(self, question: str) -> list[str]:
        """The tracked entities a question names, the players before the agencies acting on
        them ("did the KPPU fine cost TikTok its licence?" is about TikTok)."""
        gaz = self.timelines.gazetteer
        return sorted(gaz.ids_in(question),
                      key=lambda eid: gaz.entities[eid].kind in ("regulator", "ministry"))

    def _status_answer(self, qp, subjects: list[str]) -> Answer | None:
        """"What is the status of X (now / on DATE)?" about a tracked entity or a cited
        regulation is answered from its timeline: the newest events, dated and cited. Asked
        as yes/no ("Is X still closed?", "Has X ever been fined?"), with a yes/no lead when
        the timeline settles it. ``subjects``: the regulations and players the question names."""
        yes_no = qp.asks_yes_no and asked_event_type(qp.question)
        if not (qp.asks_status or yes_no):
            return None
        if not subjects:
            return None
        until = qp.filters.until.isoformat()[:10] if qp.filters.until else None
        tl = self._line(subjects[0], until)
        if tl is None:
            return None
        read = self.timelines.read
        answer = yes_no_answer(tl, yes_no, qp.language, read) if yes_no else None
        if answer is None and qp.asks_status:
            answer = status_answer(tl, qp.language, read)
        return answer

    def _plan(self, question: str, filters: Filters | None, history: list[dict] | None):
        # In LLM mode the model rewrites a follow-up first; the rules still run after it.
        rewrite = getattr(self.answerer, "rewrite_question", None)
        if history and rewrite is not None:
            question = rewrite(question, history)
        return self.retriever.plan(question, filters, history, self._kind_of)

    def ask_stream(self, question: str, top_k: int | None = None,
                   filters: Filters | None = None,
                   history: list[dict] | None = None) -> Iterator[str | Answer]:
        """``ask`` as a stream: text deltas as they are produced, then the final Answer
        (with its citations) as the last item."""
        qp = self._plan(question, filters, history)
        passages = self.retriever.retrieve(qp.question, top_k, query_plan=qp)
        # Questions the tracker answers get its answer here as in ``respond``.
        tracked = self._tracked_answer(qp, passages)
        stream = getattr(self.answerer, "stream", None)
        if tracked is None and stream is not None:
            for item in stream(qp.question, passages, qp.language, plan=qp):
                yield _with_intent(item, qp.intent) if isinstance(item, Answer) else item
            return
        answer = self._answer(qp, passages, tracked)
        # Whole answers exist at once; they still arrive sentence by sentence.
        for part in re.findall(r".*?\](?:\s+|$)|.+$", answer.answer, flags=re.S):
            yield part
        yield answer

    # -- articles -----------------------------------------------------------------------
    def index(self, items: Sequence[tuple[Article, Sequence[Passage]]]) -> list[IndexResult]:
        """Store parsed articles; return what happened to each ("added", "updated",
        "unchanged", "duplicate") and where its story is stored, in order. See
        ``rag.store.indexing`` for the rules."""
        return BatchIndexer(self.store, self.embedder, embedding_text).run(items)

    def token_budget(self, article: Article) -> int | None:
        """Tokens left for a passage's own text once the embedder's prompt, special tokens
        and the article's title and date (see ``embedding_text``) are counted; None when the
        embedder cannot count tokens."""
        count = getattr(self.embedder, "count_tokens", None)
        if count is None:
            return None
        head = embedding_text(article, Passage(id="", article_id="", index=0, text="", start=0,
                                               end=0))
        used = self.embedder.prompt_tokens() + count([head])[0] + 1
        # Joining sentences can tokenise a little differently from counting them apart.
        return int((self.embedder.max_tokens - used) * 0.97)

    def articles(self) -> list[ArticleInfo]:
        """All stored articles, newest first."""
        return self.store.list_articles()

    def regulations(self) -> list[RegulationRecord]:
        """Every regulation the stored news cites, most mentioned first."""
        return self.registry.all()

    def regulation(self, reg_id: str) -> tuple[RegulationRecord, list[RetrievedPassage]] | None:
        """One regulation's record and the passages citing it (oldest first)."""
        rec = self.registry.get(reg_id.lower())
        return None if rec is None else (rec, self.registry.passages(rec.id))

    def impact(self, reg_id: str) -> Impact | None:
        """Who a cited regulation affects and what it requires (None: not cited; Impacts)."""
        return self.impacts.get(reg_id)

    def updates(self, since: str, subject: str | None = None) -> Updates:
        """Articles and events since ``since`` (ISO date), grouped by regulation and entity
        (only ``subject``'s when given)."""
        return collect_updates(self.store.scan_articles(since=since), self.timelines,
                               self.timelines.gazetteer, since,
                               subject.lower() if subject else None)

    def timeline(self, subject: str, until: str | None = None) -> Timeline | None:
        """The dated, cited events of a tracked entity or a regulation id (up to ``until``);
        None when the subject is neither tracked nor cited."""
        tl = self.timelines.timeline(subject.lower(), until)
        if tl is not None:
            tl.label = self._label(tl.entity, tl.label)
        return tl

    def _line(self, subject: str, until: str | None = None) -> Line | None:
        """``timeline`` as kept (``Line``: answers read only the events they show)."""
        line = self.timelines.line(subject.lower(), until=until)
        if line is not None:
            line.label = self._label(line.entity, line.label)
        return line

    def _label(self, subject: str, label: str) -> str:
        """"Permendag 31/2023" reads better than its id."""
        rec = self.registry.get(subject)
        return rec.label if rec is not None and rec.aliases else label

    def article(self, article_id: str) -> Article | None:
        """One stored article with its full text (what citation offsets point into)."""
        return self.store.get_article(article_id)

    def delete(self, article_id: str) -> bool:
        """Delete an article and its passages; False if there was no such article."""
        return self.store.delete_article(article_id)

    def warm(self) -> dict[str, float]:
        """Load the embedding model and build the derived indexes (lexical, registry,
        timelines; then the most-cited rules' impacts, in the background); seconds each."""
        took = {}
        for name, step in (("model", lambda: self.embedder.embed_query("warm-up")),
                           *((name, f.sync) for name, f in self.followers.items())):
            t = time.perf_counter()
            step()
            took[name] = round(time.perf_counter() - t, 2)
        self.impacts.prefetch()
        return took

    def health(self) -> dict:
        """Counts and the embedding model in use."""
        articles, passages = self.store.counts()
        return {"status": "ok", "articles": articles, "passages": passages,
                "embedding_model": getattr(self.embedder, "name", type(self.embedder).__name__),
                "answer_mode": self.answerer.mode}

    def subjects(self) -> list[tuple[str, str]]:
        """Every tracked entity and cited regulation with dated events, as (id, label):
        entities first (by label), then regulations (labelled by their shortest alias)."""
        entities, regulations = [], []
        for sid in self.timelines.subjects():
            ent = self.timelines.gazetteer.entities.get(sid)
            if ent is not None:
                entities.append((sid, ent.label))
            else:
                rec = self.registry.get(sid)
                regulations.append((sid, rec.label if rec else sid))
        return sorted(entities, key=lambda x: x[1].lower()) + sorted(regulations)


def _with_intent(answer: Answer, intent: str) -> Answer:
    """``answer`` labelled with the question's intent (a tracker answer keeps its own)."""
    if answer.intent:
        return answer
    return answer.model_copy(update={"intent": intent})
