"""`pantau bench pages`: how much page furniture reaches the passages, and how well dates
are inferred, on a labelled corpus (data/realnews: every furniture item and every true
date written down by the set's authors, in labels.jsonl).

Furniture: each article is read by its format's parser (``ingest.sources.parse_path``)
and split into passages as ingestion splits it, once from the parsed text as it was
before cleaning and once after ``ingest.formats.clean.tidy``; a passage "holds" a
furniture item when it contains the item's text. Dates: each article's date from its
source is hidden and inferred from what remains (URL, dateline, text).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from ingest.chunk import split_passages
from ingest.formats.clean import tidy, tidy_text
from ingest.sources import Parsed, expand_paths, parse_path
from rag.text import normalize

KINDS = ("nav", "flash", "caption", "credit", "read_also", "byline", "editor", "share", "tags",
         "headline_repeat", "markdown", "dateline", "cutoff", "other")


def load_labels(path: Path) -> dict[str, dict]:
    """labels.jsonl: one object per article, keyed by its ``source``."""
    rows = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return {r["source"]: r for r in rows}


def source_key(corpus: Path, parsed: Parsed) -> str:
    """'pages/A11-x.txt', or 'records-A.jsonl#<url>' for a record of an export."""
    a = parsed.article
    path = Path(a.source.split(":")[0]) if not parsed.id_path else Path(parsed.id_path)
    rel = path.resolve().relative_to(corpus.resolve()).as_posix()
    return rel if parsed.id_path else f"{rel}#{a.url}"


def articles(corpus: Path) -> list[tuple[str, Parsed]]:
    out = []
    for path in expand_paths([corpus]):
        if isinstance(path, Path):
            for item in parse_path(path, 50_000_000):
                if isinstance(item, Parsed):
                    out.append((source_key(corpus, item), item))
    return out


#: A furniture item shorter than this is looked for as a whole line, not as a substring:
#: "Ekonomi" or "TikTok Shop" as a section or tag line is furniture, inside a sentence not.
SHORT_ITEM_WORDS = 3


class _Passage:
    def __init__(self, text: str) -> None:
        self.raw = text
        self.flat = normalize(text).lower()
        self.lines = {normalize(ln).lower() for ln in text.splitlines() if ln.strip()}

    def holds(self, item: str, kind: str = "") -> bool:
        if kind == "markdown":  # the marks themselves: "*e-commerce*"
            return item in self.raw
        needle = normalize(item).lower()
        if not needle:
            return False
        if len(needle.split()) < SHORT_ITEM_WORDS:
            return needle in self.lines
        return needle in self.flat


def run(corpus: Path, labels_path: Path, size: int = 900, overlap: int = 200) -> dict:
    labels = load_labels(labels_path)
    found = articles(corpus)
    unlabelled = sorted(k for k, _ in found if k not in labels)
    missing = sorted(set(labels) - {k for k, _ in found})
    held = {"before": Counter(), "after": Counter()}
    items_by_kind: Counter = Counter()
    passages = {"before": 0, "after": 0}
    passages_with = {"before": 0, "after": 0}
    left: dict[str, list[str]] = defaultdict(list)
    dates = Counter()
    wrong: list[str] = []
    unlabelled_removals: list[str] = []  # taken out, but no label calls it furniture
    for key, parsed in found:
        label = labels.get(key)
        if label is None:
            continue
        raw = parsed.article
        texts = {"before": raw.text, "after": tidy(raw).text}
        for when, text in texts.items():
            ps = [_Passage(p.text) for p in split_passages("x", text, size, overlap)]
            passages[when] += len(ps)
            furniture = [f for f in label.get("furniture", []) if f["kind"] in KINDS]
            hit_any = [False] * len(ps)
            for f in furniture:
                hits = [i for i, p in enumerate(ps) if p.holds(f["text"], f["kind"])]
                for i in hits:
                    hit_any[i] = True
                if hits:
                    held[when][f["kind"]] += 1
                    if when == "after":
                        left[f["kind"]].append(f"{key}: {f['text'][:80]}")
                if when == "before":
                    items_by_kind[f["kind"]] += 1
            passages_with[when] += sum(hit_any)
        labelled = [normalize(f["text"]).lower() for f in label.get("furniture", [])]
        for kind, text in tidy_text(raw.text, raw.title).removed:
            t = normalize(text).lower()
            if t and not any(t in f or f in t for f in labelled if f):
                unlabelled_removals.append(f"{key}: {kind}: {text[:100]}")
        # Dates, with the source's own date hidden.
        truth = label.get("true_date")
        hidden = raw.model_copy(update={"published": None, "date_source": "",
                                        "date_confidence": None})
        got = tidy(hidden)
        dates["articles"] += 1
        dates["with_true_date"] += bool(truth)
        if got.published:
            dates["inferred"] += 1
            dates[f"from_{got.date_source}"] += 1
            if truth and got.published[:10] == truth:
                dates["exact"] += 1
            elif truth:
                wrong.append(f"{key}: {got.published[:10]} ({got.date_source}, "
                             f"{got.date_confidence}) vs {truth}")
    n = dates["articles"] or 1
    return {
        "corpus": str(corpus), "articles": len(found), "unlabelled": unlabelled,
        "labels_without_article": missing,
        "passages": passages, "passages_with_furniture": passages_with,
        "furniture_items": dict(items_by_kind),
        "items_in_passages": {w: dict(c) for w, c in held.items()},
        "left_after": dict(left),
        "removed_unlabelled": unlabelled_removals,
        "dates": {**dates, "inferred_share": dates["inferred"] / n,
                  "exact_share": dates["exact"] / n,
                  "exact_of_inferred": dates["exact"] / (dates["inferred"] or 1)},
        "wrong_dates": wrong,
    }
