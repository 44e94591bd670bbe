"""Ingestion pipeline: sources -> articles -> passages -> the service's index.

Articles are indexed in batches so the embedder sees many passages per call. Bad input
becomes an entry in the report's ``failed`` and the batch goes on.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.service import PantauService
from rag.types import Article

from .chunk import split_passages
from .dedup import identify
from .parse import ParseError, article_from_record
from .sources import Failure, Item, Notice, expand_paths, read_path

BATCH_ARTICLES = 32

Progress = Callable[[int], None]  # called with the number of inputs just handled


@dataclass
class IngestReport:
    """What an ingest did: counts per outcome, failures with reasons, and each article."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    failed: list[Failure] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    articles: list[dict[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the store changed."""
        return bool(self.added or self.updated)

    def to_dict(self) -> dict[str, Any]:
        """The report as the API returns it."""
        d = asdict(self)
        d["failed"] = [asdict(f) for f in self.failed]
        d["notices"] = [asdict(n) for n in self.notices]
        return d


def ingest_paths(service: PantauService, paths: Iterable[str | Path],
                 progress: Progress | None = None) -> IngestReport:
    """Ingest files and folders (recursively)."""
    max_bytes = service.settings.max_file_bytes

    def items() -> Iterator[Item]:
        for p in expand_paths(paths):
            if isinstance(p, Failure):
                yield p
            else:
                yield from read_path(p, max_bytes)
            if progress:
                progress(1)

    return _run(service, items())


def ingest_records(service: PantauService, records: Iterable[Any],
                   source: str = "api") -> IngestReport:
    """Ingest exported articles given as objects (JSONL-shaped: only ``text`` required)."""

    def items() -> Iterator[Item]:
        for n, rec in enumerate(records):
            where = f"{source}[{n}]"
            try:
                yield identify(article_from_record(rec, where))
            except ParseError as exc:
                yield Failure(where, str(exc))

    return _run(service, items())


def _run(service: PantauService, items: Iterable[Item]) -> IngestReport:
    report = IngestReport()
    batch: list[Article] = []
    for item in items:
        if isinstance(item, Failure):
            report.failed.append(item)
        elif isinstance(item, Notice):
            report.notices.append(item)
        else:
            batch.append(item)
            if len(batch) >= BATCH_ARTICLES:
                _flush(service, batch, report)
                batch = []
    if batch:
        _flush(service, batch, report)
    return report


def _flush(service: PantauService, batch: list[Article], report: IngestReport) -> None:
    s: Settings = service.settings
    items = [(a, split_passages(a.id, a.text, s.chunk_size, s.chunk_overlap)) for a in batch]
    outcomes = service.index(items)
    for article, outcome in zip(batch, outcomes):
        key = "duplicates" if outcome == "duplicate" else outcome
        setattr(report, key, getattr(report, key) + 1)
        report.articles.append({"id": article.id, "source": article.source,
                                "title": article.title, "outcome": outcome})
