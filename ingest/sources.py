"""Sources: turn what the user points at (files, folders) into articles or clear failures.

Readers never raise for bad input: each yields an ``Article`` for what it could read and
a ``Failure`` naming the input and the reason for what it could not, so
the rest of a batch goes on. URLs, feeds, PDF and CSV plug in here (issue 3).
"""
from __future__ import annotations

import re

from collections.abc import Iterable, Iterator, Sequence
from fnmatch import fnmatch
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from rag.types import Article

from .dedup import identify
from .formats.html import parse_html
from .formats.parse import ParseError, parse_jsonl, parse_markdown, parse_news_text
from .formats.pdf import parse_pdf
from .formats.tabular import parse_csv

TEXT_EXTS = {".txt", ".text"}
MARKDOWN_EXTS = {".md", ".markdown"}
HTML_EXTS = {".html", ".htm"}
JSONL_EXTS = {".jsonl", ".ndjson"}
CSV_EXTS = {".csv"}
PDF_EXTS = {".pdf"}
SUPPORTED = TEXT_EXTS | MARKDOWN_EXTS | HTML_EXTS | JSONL_EXTS | CSV_EXTS | PDF_EXTS


@dataclass
class Failure:
    """An input that could not be ingested, and why."""

    source: str
    error: str


@dataclass
class Notice:
    """Something a person should know about an input that was still ingested."""

    source: str
    message: str


Item = Article | Failure | Notice


def decode(data: bytes) -> tuple[str, str | None]:
    """Text of ``data``: UTF-8 (with or without BOM), else cp1252, else Latin-1.

    Returns (text, note); the note says when a fallback encoding was used.
    """
    if b"\x00" in data[:8192]:
        raise ParseError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        where = exc.start
    for enc in ("cp1252", "latin-1"):
        try:
            return data.decode(enc), f"not valid UTF-8 (byte {where}); decoded as {enc}"
        except UnicodeDecodeError:
            continue
    raise ParseError("undecodable text")  # latin-1 decodes everything; kept for clarity


#: Files in a folder that describe the folder rather than hold news; named directly, they
#: are ingested like any other file.
FOLDER_DOCS = re.compile(r"^(readme|license|licence|changelog|contributing)(\.\w+)?$", re.I)


def expand_paths(paths: Iterable[str | Path], include: Sequence[str] = (),
                 exclude: Sequence[str] = ()) -> Iterator[Path | Failure]:
    """Files named directly, and supported files under folders (recursively, sorted),
    leaving out hidden files and the folder's own docs (README, LICENSE, ...).

    ``include`` / ``exclude`` are glob patterns ("*.html", "2023/**", "drafts/*") matched
    against the path relative to the folder and against the file name; they apply to
    folder contents only, never to files named directly.
    """
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if not f.is_file() or f.suffix.lower() not in SUPPORTED:
                    continue
                rel = f.relative_to(p)
                if any(part.startswith(".") for part in rel.parts) or FOLDER_DOCS.match(f.name):
                    continue
                if include and not _matches(rel, include):
                    continue
                if exclude and _matches(rel, exclude):
                    continue
                yield f
        elif p.is_file():
            yield p
        else:
            yield Failure(str(raw), "no such file or folder")


def _matches(rel: Path, patterns: Sequence[str]) -> bool:
    return any(rel.match(pat) or fnmatch(rel.as_posix(), pat) or fnmatch(rel.name, pat)
               for pat in patterns)


@dataclass
class Parsed:
    """An article as its format's parser read it (no id yet, furniture still in), and the
    path its id derives from when the file holds one article."""

    article: Article
    id_path: str = ""


def read_path(path: Path, max_bytes: int) -> Iterator[Item]:
    """Articles in one file (a JSONL export holds many) with their ids, or why it failed."""
    for item in parse_path(path, max_bytes):
        yield identify(item.article, item.id_path) if isinstance(item, Parsed) else item


def parse_path(path: Path, max_bytes: int) -> Iterator[Parsed | Failure | Notice]:
    """What ``read_path`` reads, before ``identify``: each article as parsed."""
    source = str(path)
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        yield Failure(source, f"unsupported file type '{ext or '(none)'}'; "
                                      f"supported: {', '.join(sorted(SUPPORTED))}")
        return
    try:
        size = path.stat().st_size
        if size == 0:
            raise ParseError("empty file")
        if size > max_bytes:
            raise ParseError(f"file too large ({size:,} bytes; the limit is {max_bytes:,}, "
                             f"set PANTAU_MAX_FILE_BYTES to change it)")
        data = path.read_bytes()
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        if ext in PDF_EXTS:
            yield Parsed(parse_pdf(data, source, mtime), str(path.resolve()))
            return
        text, note = decode(data)
        if not text.strip():
            raise ParseError("file holds only whitespace")
        if note:
            yield Notice(source, note)
        if ext in JSONL_EXTS or ext in CSV_EXTS:
            rows = parse_jsonl(text, source) if ext in JSONL_EXTS else parse_csv(text, source)
            for where, item in rows:
                yield Failure(where, str(item)) if isinstance(item, ParseError) else Parsed(item)
            return
        if ext in HTML_EXTS:
            article = parse_html(text, source)
        elif ext in MARKDOWN_EXTS:
            article = parse_markdown(text, source, mtime)
        else:
            article = parse_news_text(text, source, mtime)
        yield Parsed(article, str(path.resolve()))
    except (ParseError, OSError) as exc:
        yield Failure(source, str(exc) if isinstance(exc, ParseError)
                      else f"cannot read file ({exc.strerror or exc})")
