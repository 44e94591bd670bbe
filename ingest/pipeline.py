"""Ingestion pipeline: sources -> articles -> passages -> the service's index.

Articles are indexed in batches so the embedder sees many passages per call. Bad input
becomes an entry in the report's ``failed`` and the batch goes on. Files whose record
(see ``ingest.records``) shows them unchanged are skipped without being read.
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag.service import PantauService
from rag.types import Article

from .chunk import split_passages
from .dedup import identify
from .formats.parse import ParseError, article_from_record
from .records import IngestRecords, Record
from .sources import Failure, Item, Notice, expand_paths, read_path

log = logging.getLogger("pantau.ingest")

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
    skipped_sources: int = 0  # unchanged files not even read, thanks to the record

    @property
    def changed(self) -> bool:
        """True when the store changed."""
        return bool(self.added or self.updated or self.duplicates)

    def count(self, outcome: str) -> None:
        key = "duplicates" if outcome == "duplicate" else outcome
        setattr(self, key, getattr(self, key) + 1)

    def to_dict(self) -> dict[str, Any]:
        """The report as the API returns it."""
        d = asdict(self)
        d["failed"] = [asdict(f) for f in self.failed]
        d["notices"] = [asdict(n) for n in self.notices]
        return d


@dataclass
class _Source:
    """A file being ingested: recorded once all its articles are indexed without failure."""

    key: str
    path: Path | None
    open_articles: int = 0
    stored_as: list[str] = field(default_factory=list)
    failed: bool = False
    read: bool = False


class _Batcher:
    def __init__(self, service: PantauService, report: IngestReport,
                 records: IngestRecords | None) -> None:
        self.service = service
        self.report = report
        self.records = records
        self.batch: list[tuple[Article, _Source | None]] = []

    def add(self, item: Item, src: _Source | None = None) -> None:
        if isinstance(item, Failure):
            self.report.failed.append(item)
            if src:
                src.failed = True
        elif isinstance(item, Notice):
            self.report.notices.append(item)
        else:
            self.batch.append((item, src))
            if src:
                src.open_articles += 1
            if len(self.batch) >= self.service.settings.ingest_batch_articles:
                self.flush()

    def source_read(self, src: _Source) -> None:
        src.read = True
        self._maybe_record(src)

    def flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        s = self.service.settings
        count = getattr(self.service.embedder, "count_tokens", None)
        items = [(a, split_passages(a.id, a.text, s.chunk_size, s.chunk_overlap, count,
                                    self.service.token_budget(a))) for a, _ in batch]
        results = self.service.index(items)
        for (article, src), res in zip(batch, results):
            self.report.count(res.outcome)
            self.report.articles.append({"id": article.id, "stored_as": res.stored_as,
                                         "source": article.source, "title": article.title,
                                         "outcome": res.outcome})
            if src:
                src.open_articles -= 1
                src.stored_as.append(res.stored_as)
                self._maybe_record(src)
        log.info("indexed a batch of %d articles (%s)", len(batch),
                 ", ".join(sorted({r.outcome for r in results})))

    def _maybe_record(self, src: _Source) -> None:
        if (self.records is None or src.path is None or not src.read or src.open_articles
                or src.failed or not src.stored_as):
            return
        st = src.path.stat()
        self.records.put(Record(src.key, st.st_size, st.st_mtime_ns, file_sha256(src.path),
                                sorted(set(src.stored_as))))


class _OptionalRecords:
    """The ingest record is a cache (see ``ingest.records``): when it cannot be read or
    written (a read-only or full data dir) ingest goes on without it, and the store reports
    its own write errors, clearly, if it cannot be written either."""

    def __init__(self, records: IngestRecords) -> None:
        self.records = records
        self.broken = False

    def _try(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self.broken:
            return None
        try:
            return fn(*args)
        except (sqlite3.Error, OSError) as exc:
            self.broken = True
            log.warning("ingest record %s unusable (%s): ingesting without it",
                        self.records.path, exc)
            return None

    def get(self, source: str) -> Record | None:
        return self._try(self.records.get, source)

    def put(self, record: Record) -> None:
        self._try(self.records.put, record)

    def close(self) -> None:
        try:
            self.records.close()
        except (sqlite3.Error, OSError):
            pass


def file_sha256(path: Path) -> str:
    """sha256 of a file, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _unchanged(service: PantauService, path: Path, rec: Record | None) -> bool:
    """Whether the record shows ``path`` ingested as it is now, with its articles stored."""
    if rec is None:
        return False
    st = path.stat()
    if st.st_size != rec.size:
        return False
    if st.st_mtime_ns != rec.mtime_ns and file_sha256(path) != rec.sha256:
        return False
    return service.store.has_articles(rec.article_ids)


def ingest(service: PantauService, paths: Iterable[str | Path] = (),
           urls: Iterable[str] = (), feeds: Iterable[str] = (), records: Iterable[Any] = (),
           progress: Progress | None = None, include: Sequence[str] = (),
           exclude: Sequence[str] = (), use_records: bool = True) -> IngestReport:
    """Ingest any mix of files and folders, web pages, RSS/Atom feeds and exported article
    objects into one report. ``include``/``exclude`` are glob patterns for folder contents.
    """
    report = IngestReport()
    log_db = (_OptionalRecords(IngestRecords(service.settings.data_dir / "ingest.sqlite"))
              if use_records else None)
    batcher = _Batcher(service, report, log_db)
    try:
        for n, rec in enumerate(records):
            where = f"api[{n}]"
            try:
                batcher.add(identify(article_from_record(rec, where)))
            except ParseError as exc:
                batcher.add(Failure(where, str(exc)))
        for url in urls:
            from .web import read_url

            for item in read_url(url, service.settings):
                batcher.add(item)
            if progress:
                progress(1)
        for feed in feeds:
            from .feeds import read_feed

            for item in read_feed(feed, service.settings):
                batcher.add(item)
            if progress:
                progress(1)
        _ingest_files(service, batcher, log_db, paths, include, exclude, progress)
        batcher.flush()
    finally:
        if log_db:
            log_db.close()
    return report


def _ingest_files(service: PantauService, batcher: _Batcher, log_db: IngestRecords | None,
                  paths: Iterable[str | Path], include: Sequence[str], exclude: Sequence[str],
                  progress: Progress | None) -> None:
    report = batcher.report
    for p in expand_paths(paths, include, exclude):
        if isinstance(p, Failure):
            batcher.add(p)
        else:
            key = str(p.resolve())
            rec = log_db.get(key) if log_db else None
            if _unchanged(service, p, rec):
                report.skipped_sources += 1
                for aid in rec.article_ids:
                    report.count("unchanged")
                    report.articles.append({"id": aid, "stored_as": aid, "source": str(p),
                                            "title": "", "outcome": "unchanged"})
                if rec.mtime_ns != p.stat().st_mtime_ns:  # touched, same bytes
                    log_db.put(Record(key, rec.size, p.stat().st_mtime_ns, rec.sha256,
                                      rec.article_ids))
            else:
                src = _Source(key, p)
                for item in read_path(p, service.settings.max_file_bytes):
                    batcher.add(item, src)
                batcher.source_read(src)
        if progress:
            progress(1)


def ingest_paths(service: PantauService, paths: Iterable[str | Path],
                 progress: Progress | None = None, include: Sequence[str] = (),
                 exclude: Sequence[str] = (), use_records: bool = True) -> IngestReport:
    """Ingest files and folders (recursively)."""
    return ingest(service, paths=paths, progress=progress, include=include, exclude=exclude,
                  use_records=use_records)


def ingest_records(service: PantauService, records: Iterable[Any]) -> IngestReport:
    """Ingest exported articles given as objects (JSONL-shaped: only ``text`` required)."""
    return ingest(service, records=records)
