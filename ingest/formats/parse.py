"""Article metadata from the formats users feed: scraped news text, Markdown, HTML, JSONL.

Each parser returns ``Article`` objects without id or content hash (the pipeline assigns
them) or raises ``ParseError`` with a reason a person can act on.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime

from rag.text import detect_language, sentence_spans
from rag.types import Article, Syndication

from rag.dates import DATE_LINE, is_relative_date_line, parse_date

from .clean import is_boilerplate, syndication_from_line, take_dateline


class ParseError(ValueError):
    """The input cannot be read as an article; the message says why."""


_BYLINE = re.compile(r"^\s*(penulis|editor|reporter|pewarta|author|writer|editor)\s*:\s*(.*)$",
                     re.I)
_SOURCE = re.compile(r"^\s*(sumber|source|outlet)\s*:\s*(.+)$", re.I)
_MAX_HEADER_LINES = 8
_TITLE_WORDS = 14


def fallback_title(body: str) -> str:
    """A stand-in title when the page has none: its first sentence, shortened."""
    spans = sentence_spans(body)
    if not spans:
        return ""
    first = body[spans[0][0]:spans[0][1]]
    first = take_dateline(first)[0]  # "JAKARTA - ", "Bisnis.com, JAKARTA - "
    toks = first.split()
    return " ".join(toks[:_TITLE_WORDS]) + ("…" if len(toks) > _TITLE_WORDS else "")


def parse_news_text(text: str, source: str, fetched: datetime | None = None) -> Article:
    """A scraped news page saved as text (the shape of the seed article).

    Header lines (title, section, date line, "Penulis:", "Editor:") come first, then one
    paragraph per line; syndication lines, a "7 hari yang lalu" stamp and boilerplate
    ("Baca juga", share buttons) are metadata or noise, never text.
    """
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    meta: dict[str, str] = {}
    head: list[str] = []  # lines before the date line: title and/or section
    body: list[str] = []
    syndication: list[Syndication] = []
    relative = None
    date_seen = False
    for i, line in enumerate(lines):
        if not line:
            continue
        in_header = not body and i < _MAX_HEADER_LINES + len(head)
        if in_header and not date_seen and DATE_LINE.match(line):
            meta["published"] = parse_date(line) or ""
            date_seen = True
            continue
        m = _BYLINE.match(line) if in_header else None
        if m:
            key = "editor" if m[1].lower() == "editor" else "author"
            meta.setdefault(key, m[2].strip())
            continue
        m = _SOURCE.match(line) if in_header else None
        if m:
            meta["outlet"] = m[2].strip()
            continue
        synd = syndication_from_line(line)
        if synd:
            syndication.append(synd)
            continue
        if is_relative_date_line(line):
            relative = line
            continue
        if is_boilerplate(line):
            continue
        if in_header and not date_seen and len(line) < 200 and not line.endswith("."):
            head.append(line)
            continue
        body.append(line)
    if not date_seen and head and not body:
        body, head = head, []
    text_out = "\n\n".join(body)
    if not text_out.strip():
        raise ParseError("no article text found")
    title, section = "", ""
    if len(head) == 1:
        # One short line above the date is a section ("UMKM"); a longer one a title.
        if len(head[0].split()) <= 3:
            section = head[0]
        else:
            title = head[0]
    elif head:
        title = max(head, key=len)
        section = next((h for h in head if h is not title), "")
    published = meta.get("published") or (parse_date(relative, fetched) if relative else None)
    return Article(
        id="", text=text_out, title=title or fallback_title(text_out), section=section,
        outlet=meta.get("outlet", ""), author=meta.get("author", ""),
        editor=meta.get("editor", ""), published=published or None,
        language=detect_language(text_out), source=source, syndication=syndication,
    )


def parse_markdown(text: str, source: str, fetched: datetime | None = None) -> Article:
    """Markdown: optional front matter (key: value), a '# ' heading as title, then text."""
    front: dict[str, str] = {}
    m = re.match(r"^---\s*\n(.*?)\n---\s*\n", text, re.S)
    if m:
        for line in m[1].splitlines():
            k, _, v = line.partition(":")
            if v.strip():
                front[k.strip().lower()] = v.strip().strip('"').strip("'")
        text = text[m.end():]
    title = front.get("title", "")
    h = re.search(r"^#\s+(.+)$", text, re.M)
    if h:
        title = title or h[1].strip()
        text = text[:h.start()] + text[h.end():]
    # Markdown decoration that would otherwise end up in quotes (emphasis: clean.tidy).
    text = re.sub(r"^#{1,6}\s+", "", text, flags=re.M)
    text = re.sub(r"(?<!!)\[([^\]]+)\]\([^)]+\)", r"\1", text)  # images stay: tidy drops them
    art = parse_news_text(text, source, fetched)
    return art.model_copy(update={
        "title": title or art.title,
        "url": front.get("url", art.url),
        "outlet": front.get("outlet", art.outlet),
        "author": front.get("author", art.author),
        "published": parse_date(front.get("published") or front.get("date", "")) or art.published,
        "language": front.get("language", art.language),
    })


JSONL_FIELDS = ("title", "url", "published", "outlet", "language", "author", "editor",
                "section")


def article_from_record(rec: object, source: str) -> Article:
    """One exported article (a JSON object); only ``text`` is required."""
    if not isinstance(rec, dict):
        raise ParseError(f"expected a JSON object, got {type(rec).__name__}")
    text = rec.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ParseError("missing or empty 'text'")
    fields = {}
    for f in JSONL_FIELDS:
        v = rec.get(f)
        if v is not None and not isinstance(v, str):
            raise ParseError(f"field '{f}' must be a string")
        fields[f] = (v or "").strip()
    body = "\n\n".join(p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip())
    published = parse_date(fields["published"]) if fields["published"] else None
    if fields["published"] and not published:
        raise ParseError(f"unreadable date in 'published': {fields['published']!r}")
    return Article(
        id="", text=body, title=fields["title"] or fallback_title(body), url=fields["url"],
        published=published, outlet=fields["outlet"],
        language=fields["language"] or detect_language(body), author=fields["author"],
        editor=fields["editor"], section=fields["section"], source=source,
    )


def parse_jsonl(text: str, source: str) -> Iterator[tuple[str, Article | ParseError]]:
    """Each line of a JSONL export: (line source, Article or the error for that line)."""
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{source}:{n}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield where, ParseError(f"line is not JSON ({exc.msg} at column {exc.colno})")
            continue
        except (ValueError, RecursionError) as exc:  # a 5000-digit number, [[[[... nesting
            why = ("nested too deeply" if isinstance(exc, RecursionError) else
                   "a number too long to read" if "digits" in str(exc) else str(exc))
            yield where, ParseError(f"line is not JSON Pantau can read ({why})")
            continue
        try:
            yield where, article_from_record(rec, where)
        except ParseError as exc:
            yield where, exc
