"""A record of what was ingested from where, so re-ingesting a folder or feed is cheap.

SQLite in the data dir: per source (a file path, a URL), its size, mtime, sha256 and the
ids under which its articles are stored. The record is a cache, never the truth: a source
is skipped only when its size and mtime (or, after a touch, its hash) match AND every
recorded article is still in the store. Anything else is read and indexed again, which is
always safe because indexing is idempotent.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Record:
    source: str
    size: int
    mtime_ns: int
    sha256: str
    article_ids: list[str]


class IngestRecords:
    """The per-data-dir ingest record (opened on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("""CREATE TABLE IF NOT EXISTS sources (
                source TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha256 TEXT,
                article_ids TEXT, ingested_at REAL)""")
            db.commit()
            self._db = db
        return self._db

    def get(self, source: str) -> Record | None:
        """The record of ``source``, if any."""
        with self._lock:
            row = self.db.execute(
                "SELECT source, size, mtime_ns, sha256, article_ids FROM sources WHERE source=?",
                (source,)).fetchone()
        if row is None:
            return None
        return Record(row[0], row[1], row[2], row[3], json.loads(row[4]))

    def put(self, record: Record) -> None:
        """Save (or replace) the record of a fully ingested source."""
        with self._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?)",
                (record.source, record.size, record.mtime_ns, record.sha256,
                 json.dumps(record.article_ids), time.time()))
            self.db.commit()

    def forget(self, source: str) -> None:
        """Drop the record of ``source`` (it will be read again next time)."""
        with self._lock:
            self.db.execute("DELETE FROM sources WHERE source=?", (source,))
            self.db.commit()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
