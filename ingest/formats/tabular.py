"""CSV exports: one article per row, columns found by name in English or Indonesian.

Spreadsheets and media-monitoring tools export with a header row, but with their own
column names ("isi", "judul", "tanggal"), delimiters (comma, semicolon in Indonesian
locales, tab) and sometimes a byte-order mark. Each row goes through the same validation
as a JSONL record (``article_from_record``), so a bad row fails alone.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from rag.types import Article

from .parse import ParseError, article_from_record

#: Column names (lower case, spaces and hyphens as "_") for each article field.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "text": ("text", "content", "body", "isi", "article", "isi_berita", "konten"),
    "title": ("title", "judul", "headline"),
    "url": ("url", "link"),
    "published": ("published", "date", "tanggal", "pubdate", "published_at"),
    "outlet": ("outlet", "source", "media", "site"),
    "language": ("language", "lang", "bahasa"),
    "author": ("author", "penulis", "writer"),
    "editor": ("editor",),
    "section": ("section", "kategori", "category"),
}
_FIELD_OF = {name: field for field, names in SYNONYMS.items() for name in names}
_DELIMITERS = ",;\t"
_LANGUAGES = {"id": "id", "ind": "id", "indonesia": "id", "indonesian": "id",
              "bahasa indonesia": "id", "en": "en", "eng": "en", "english": "en",
              "inggris": "en", "bahasa inggris": "en"}


def _column_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip().lower())


def _dialect(text: str) -> type[csv.Dialect]:
    """Excel's dialect with the file's delimiter: one of , ; and tab.

    When the header line holds only one of the three, that is it (headers are short and
    rarely quoted); otherwise csv.Sniffer decides from a sample of the file, and when it
    cannot, the most frequent of the three in the header line wins.
    """
    header = text.split("\n", 1)[0]
    present = [d for d in _DELIMITERS if d in header]
    if len(present) == 1:
        delimiter = present[0]
    else:
        try:
            delimiter = csv.Sniffer().sniff(text[:64 * 1024], delimiters=_DELIMITERS).delimiter
        except csv.Error:
            delimiter = max(_DELIMITERS, key=header.count) if present else ","

    class Dialect(csv.excel):
        pass
    Dialect.delimiter = delimiter
    Dialect.skipinitialspace = True  # "a, b" exports; a quoted cell may follow a space
    Dialect.strict = True  # a broken quote fails its row instead of eating the next ones
    return Dialect


def _language(value: str) -> str:
    """'Bahasa Indonesia', 'ID', 'English' -> 'id' / 'en'; other values are kept as codes."""
    v = value.strip().lower()
    return _LANGUAGES.get(v, v if re.fullmatch(r"[a-z]{2}", v) else "")


def parse_csv(text: str, source: str) -> Iterator[tuple[str, Article | ParseError]]:
    """Each row of a CSV export with a header row: (f"{source}:{row}", Article or error).

    Rows are numbered as a spreadsheet shows them, the header being row 1 (a quoted cell
    spanning several lines is still one row). A file without a text column yields one
    error for the whole file, naming the columns it has.
    """
    text = text.lstrip("\ufeff")
    if not text.strip():
        yield source, ParseError("empty CSV file")
        return
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        yield source, ParseError(f"unreadable CSV header ({exc})")
        return
    columns: dict[int, str] = {}
    for i, name in enumerate(header):
        field = _FIELD_OF.get(_column_key(name))
        # The first column for a field wins; a second "date" column is left alone.
        if field and field not in columns.values():
            columns[i] = field
    if "text" not in columns.values():
        found = ", ".join(repr(h.strip()) for h in header if h.strip()) or "none"
        yield source, ParseError(
            f"no text column (expected one of {', '.join(SYNONYMS['text'])}); "
            f"columns found: {found}")
        return
    row_number = 1
    while True:
        row_number += 1
        where = f"{source}:{row_number}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" in str(exc):
                # Inside an oversized cell the reader has lost track of rows: stop here.
                yield where, ParseError(f"unreadable CSV row ({exc}); the rest of the "
                                        f"file was not read")
                return
            # Strict parsing skips just the broken row ('"a"b'); an unterminated quote
            # is reported at the end of the file instead of swallowing it silently.
            reason = ("a quoted cell is never closed" if "end of data" in str(exc)
                      else str(exc))
            yield where, ParseError(f"unreadable CSV row ({reason})")
            continue
        if not any(cell.strip() for cell in row):
            continue  # blank line between rows
        # A trailing delimiter adds empty cells; only cells with content are too many.
        extra = [c for c in row[len(header):] if c.strip()]
        if len(row) < len(header) or extra:
            yield where, ParseError(f"row has {len(row)} cells, the header has "
                                    f"{len(header)}")
            continue
        record = {field: row[i] for i, field in columns.items()}
        if "language" in record:
            record["language"] = _language(record["language"])
        try:
            yield where, article_from_record(record, where)
        except ParseError as exc:
            yield where, exc
