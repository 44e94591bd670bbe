"""Evaluation over a QA set: does retrieval find the evidence, does the answer hold the
fact, does Pantau refuse what the sources don't answer?

A QA item (JSONL): question, language, kind, answer, answer_alternatives, evidence (verbatim
substrings of the supporting passages), history. Unanswerable items have no evidence. A
persona-battery item (data/eval/persona.jsonl) has an ``intent`` for its kind, ``answerable``
and ``keys``: groups of accepted strings, every group to be said, the first group in the
answer's first sentence.
"""
from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .service import PantauService
from .text import normalize, sentence_spans
from .types import Answer, RetrievedPassage

#: The QA sets `pantau eval` runs by default: (name, QA file, corpus), paths from the
#: repository root. Each corpus is ingested once for all its sets.
SUITE = [
    ("qa", "data/eval/qa.jsonl", "data/sample"),
    ("heldout", "data/eval/heldout.jsonl", "data/sample"),
    ("persona", "data/eval/persona.jsonl", "data/sample"),
    ("realnews", "data/realnews/qa.jsonl", "data/realnews/corpus"),
    ("realpersona", "data/realnews/persona.jsonl", "data/realnews/corpus"),
]

#: (question, history, k) -> (retrieved passages, answer)
Runner = Callable[[str, list[dict], int], tuple[list[RetrievedPassage], Answer]]


@dataclass
class ItemResult:
    id: str
    kind: str
    language: str
    answerable: bool
    top_score: float
    evidence_rank: int | None  # 1-based rank of the first passage holding the evidence
    found: bool
    correct: bool
    first_sentence: bool  # the answer's first sentence says the (first) key
    cited: int
    cited_with_evidence: int
    seconds: float
    question: str = ""
    answer: str = ""
    cited_ranks: list[int] = field(default_factory=list)  # 1-based retrieval rank per citation
    intent: str = ""  # the intent Pantau recognised (Answer.intent)
    expected_intent: str = ""  # the item's own intent, where the set gives one

    def miss(self) -> str | None:
        """Why this item counts against Pantau ("answered", "refused", "wrong citation",
        "wrong answer"), or None."""
        if not self.answerable:
            return "answered" if self.found else None
        if not self.found:
            return "refused"
        if self.cited_with_evidence < self.cited:
            return "wrong citation"
        return None if self.correct else "wrong answer"


@dataclass
class Report:
    items: list[ItemResult] = field(default_factory=list)

    def summary(self, kind: str | None = None) -> dict[str, float]:
        """Metrics over all items, or over one kind."""
        rs = [r for r in self.items if kind is None or r.kind == kind]
        ans = [r for r in rs if r.answerable]
        una = [r for r in rs if not r.answerable]
        out: dict[str, float] = {"items": len(rs)}
        if ans:
            out["evidence@1"] = sum(r.evidence_rank == 1 for r in ans) / len(ans)
            out["evidence@5"] = sum(r.evidence_rank is not None and r.evidence_rank <= 5
                                    for r in ans) / len(ans)
            out["mrr"] = sum(1 / r.evidence_rank for r in ans if r.evidence_rank) / len(ans)
            out["answer_correct"] = sum(r.correct for r in ans) / len(ans)
            out["first_sentence"] = sum(r.first_sentence for r in ans) / len(ans)
            out["cited_evidence"] = sum(r.cited_with_evidence > 0 for r in ans) / len(ans)
            out["false_refusals"] = sum(not r.found for r in ans) / len(ans)
            typed = [r for r in ans if r.expected_intent]
            if typed:
                out["intent_recognised"] = (sum(r.intent == r.expected_intent for r in typed)
                                            / len(typed))
            cited = sum(r.cited for r in ans)
            out["citation_precision"] = (sum(r.cited_with_evidence for r in ans) / cited
                                         if cited else 0.0)
        if una:
            out["refusal_accuracy"] = sum(not r.found for r in una) / len(una)
        lat = sorted(r.seconds for r in rs)
        if lat:
            out["p50_ms"] = 1000 * statistics.median(lat)
            out["p95_ms"] = 1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        return out

    def misses(self) -> list[ItemResult]:
        """The items that count against the system, in QA-set order."""
        return [r for r in self.items if r.miss()]

    def by_kind(self) -> dict[str, dict[str, float]]:
        kinds = sorted({r.kind for r in self.items})
        return {k: self.summary(k) for k in kinds}

    def threshold_sweep(self, thresholds: list[float]) -> list[tuple[float, float, float]]:
        """(threshold, refusal accuracy, false-refusal rate) if only the top score decided."""
        ans = [r for r in self.items if r.answerable]
        una = [r for r in self.items if not r.answerable]
        rows = []
        for t in thresholds:
            refuse = sum(r.top_score < t for r in una) / max(1, len(una))
            false = sum(r.top_score < t for r in ans) / max(1, len(ans))
            rows.append((t, refuse, false))
        return rows


def load_qa(path: Path) -> list[dict]:
    """The QA items of a JSONL file."""
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def key_groups(item: dict) -> list[list[str]]:
    """What a correct answer must say: groups of accepted strings, each group once."""
    if "keys" in item:
        return [[k for k in g if k] for g in item["keys"] if any(g)]
    keys = [k for k in [item.get("answer", ""), *(item.get("answer_alternatives") or [])] if k]
    return [keys] if keys else []


def first_sentence(text: str) -> str:
    """The answer's first sentence (its lead), markers included. A lead that introduces a
    list ("Yang diatur X menurut sumber:" and bullets) reads on into its first item."""
    spans = sentence_spans(text)
    first = text[spans[0][0]:spans[0][1]] if spans else text
    head, _, rest = text.partition("\n")
    if first.strip() == head.strip() and head.rstrip().endswith(":") and rest.startswith("- "):
        return f"{head} {rest.splitlines()[0][2:]}"
    return first


def _holds(text: str, evidence: list[str]) -> bool:
    t = normalize(text).lower()
    return any(normalize(e).lower() in t for e in evidence)


def says_key(text: str, keys: list[str]) -> bool:
    """Whether ``text`` holds one of the answer keys as whole words ("No" is not in
    "Nomor", "450" not in "4500")."""
    t = normalize(text).lower()
    return any(k and re.search(rf"(?<!\w){re.escape(normalize(k).lower())}(?!\w)", t)
               for k in keys)


def pantau_runner(service: PantauService) -> Runner:
    """Pantau's own pipeline, exactly as ``/api/ask`` runs it (tracker for status
    questions, hybrid retrieval and the configured answerer otherwise)."""

    def run(question: str, history: list[dict], k: int):
        return service.respond(question, k, None, history)

    return run


def evaluate(run: Runner, items: list[dict], k: int = 5) -> Report:
    """Run every item through ``run`` (retrieval and answering)."""
    report = Report()
    for it in items:
        evidence = it.get("evidence") or []
        t0 = time.perf_counter()
        passages, answer = run(it["question"], it.get("history") or [], k)
        seconds = time.perf_counter() - t0
        rank = next((i + 1 for i, p in enumerate(passages) if _holds(p.text, evidence)), None)
        groups = key_groups(it)
        answerable = bool(it.get("answerable", bool(evidence)))
        correct = answer.found and bool(groups) and all(says_key(answer.answer, g)
                                                        for g in groups)
        lead = answer.found and bool(groups) and says_key(first_sentence(answer.answer),
                                                          groups[0])
        report.items.append(ItemResult(
            id=it.get("id", ""), kind=it.get("kind") or it.get("intent", ""),
            language=it.get("language", ""),
            answerable=answerable, top_score=passages[0].score if passages else 0.0,
            evidence_rank=rank, found=answer.found, correct=correct, first_sentence=lead,
            cited=len(answer.citations) if evidence else 0,
            cited_with_evidence=sum(_holds(c.quote, evidence) for c in answer.citations)
            if evidence else 0,
            seconds=seconds, question=it["question"], answer=answer.answer,
            cited_ranks=[next((i + 1 for i, p in enumerate(passages)
                               if p.passage_id == c.passage_id), 0)
                         for c in answer.citations],
            intent=answer.intent or "", expected_intent=it.get("intent", ""),
        ))
    return report
