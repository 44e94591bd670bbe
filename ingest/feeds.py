"""Articles from RSS and Atom feeds (a URL or a saved file).

An entry that carries the whole article becomes an article directly; an entry that only
carries a teaser is followed to its page (``ingest.web.read_url``), because a teaser is not
worth citing. feedparser (~0.1 s) and dateparser (~0.15 s) are imported only when used.
"""
from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from rag.text import detect_language, sentence_spans
from rag.types import Article

from rag.dates import parse_date
from .dedup import identify
from .formats.parse import fallback_title
from .fetch import FetchError, fetch
from .web import clean_paragraphs, read_url

if TYPE_CHECKING:
    from .sources import Item

#: An entry's own text counts as the full article from this length or sentence count on.
FULL_TEXT_CHARS = 400
FULL_TEXT_SENTENCES = 3
_BLOCKS = ["p", "li", "blockquote", "h2", "h3", "h4", "h5", "h6", "pre"]


def html_to_paragraphs(fragment: str) -> list[str]:
    """Paragraphs of an entry's HTML (or plain text) body, one per block element."""
    from bs4 import BeautifulSoup

    if "<" not in fragment:
        return [p for p in re.split(r"\n\s*\n|\n", fragment) if p.strip()]
    soup = BeautifulSoup(fragment, "html.parser")
    for tag in soup.find_all(["script", "style", "figure", "figcaption", "iframe"]):
        tag.decompose()
    blocks = [b for b in soup.find_all(_BLOCKS) if not b.find_parent(_BLOCKS)]
    if not blocks:  # text with <br> and no blocks
        return [p for p in soup.get_text("\n").split("\n") if p.strip()]
    return [b.get_text(" ", strip=True) for b in blocks]


def feed_date(raw: str, parsed=None, now: datetime | None = None) -> str | None:
    """ISO 8601 of a feed date, keeping the offset it was written with.

    feedparser's ``*_parsed`` is UTC and would move a 06:00 WIB article to the previous
    day, so the raw string is read first: RFC 822, ISO 8601, then dateparser (Indonesian
    and English, "Rabu, 04 Okt 2023 17:00:00 +0700"); the parsed UTC time is the last
    resort. A date written without a zone stays without one (no guessing the machine's).
    """
    raw = (raw or "").strip()
    if raw:
        try:
            rfc = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            rfc = None
        if rfc is not None and rfc.tzinfo is not None:
            return rfc.isoformat()
        # email.utils drops zones it does not know ("WIB"); dateparser knows them.
        # dateparser wants one language per string; parse_date copes with "Rabu, 4 Oct".
        found = (parse_date(raw) if re.match(r"^\d{4}-\d{2}-\d{2}", raw) else None) \
            or _dateparser(raw, now) or parse_date(raw, now)
        if found or rfc is not None:
            return found or rfc.isoformat()
    if parsed:
        return datetime(*parsed[:6], tzinfo=timezone.utc).isoformat()
    return None


def _dateparser(raw: str, now: datetime | None) -> str | None:
    """dateparser on the wall-clock part, with the zone the string names put back.

    RETURN_AS_TIMEZONE_AWARE alone would stamp zone-less strings with the machine's zone,
    so the zone is popped first (dateparser's own parser: "+0700", "WIB", "WITA").
    """
    import dateparser
    from dateparser.timezone_parser import pop_tz_offset_from_string

    bare, tz = pop_tz_offset_from_string(raw)
    settings = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False,
                "RETURN_TIME_AS_PERIOD": True}
    if now is not None:
        settings["RELATIVE_BASE"] = now.replace(tzinfo=None)
    try:
        data = dateparser.date.DateDataParser(
            languages=["id", "en"], settings=settings).get_date_data(bare)
    except (ValueError, OverflowError):
        return None
    if data is None or data.date_obj is None:
        return None
    if data.period != "time":
        return data.date_obj.date().isoformat()
    found = data.date_obj.replace(tzinfo=None)
    if tz is not None:
        found = found.replace(tzinfo=timezone(tz.utcoffset(None)))
    return found.isoformat()


def _entry_body(entry) -> str:
    """The fullest HTML the entry carries: content:encoded / Atom content, else summary."""
    contents = [c.get("value", "") for c in entry.get("content", []) or []]
    return max(contents + [entry.get("summary", "") or ""], key=len)


# How excerpts end: WordPress's "[…]", "Baca selengkapnya", "Read more".
_CUT = re.compile(r"(\[\s*(…|\.\.\.)\s*\]|…|\.\.\.|\b(baca|lihat)\s+selengkapnya\W*|"
                  r"\bread\s+more\W*|\bcontinue\s+reading\b.*)\s*$", re.I)


def _is_full(paragraphs: list[str]) -> bool:
    """Whether an entry's own text is the article rather than an excerpt of it."""
    text = " ".join(paragraphs)
    if not text or _CUT.search(text):
        return False
    return len(text) >= FULL_TEXT_CHARS or len(sentence_spans(text)) >= FULL_TEXT_SENTENCES


def _load(source: str, settings) -> tuple[bytes, dict, datetime]:
    """The feed's bytes, the headers feedparser should see, and when it was read."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", source, re.I):
        page = fetch(source, settings)
        headers = {"content-location": page.url}
        if page.content_type:
            headers["content-type"] = page.content_type + (
                f"; charset={page.encoding}" if page.encoding else "")
        return page.raw, headers, page.fetched_at
    path = Path(source)
    if not path.is_file():
        raise FetchError(source, "no such file")
    size = path.stat().st_size
    if size > settings.max_file_bytes:
        raise FetchError(source, f"file too large ({size:,} bytes; the limit is "
                                 f"{settings.max_file_bytes:,}, set PANTAU_MAX_FILE_BYTES "
                                 f"to change it)")
    return path.read_bytes(), {}, datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)


def read_feed(source: str, settings) -> Iterator[Item]:
    """Articles of every entry in the feed at ``source``, each entry's failure on its own;
    never raises for bad input."""
    import feedparser

    from .sources import Failure, Notice  # here, not on top: sources may import this module

    try:
        data, headers, read_at = _load(source, settings)
    except (FetchError, OSError) as exc:
        yield Failure(source, str(exc) if isinstance(exc, FetchError)
                      else f"cannot read file ({exc.strerror or exc})")
        return
    # Bytes, never a URL or path: feedparser would fetch or open those itself.
    parsed = feedparser.parse(data, response_headers=headers)
    if not parsed.get("version") or (parsed.bozo and not parsed.entries):
        looks_html = re.match(rb"\s*(<!--.*?-->\s*)*<(!doctype html|html)", data[:2048],
                              re.I | re.S)
        why = ("it is an HTML page" if looks_html or "html" in headers.get("content-type", "")
               else parsed.get("bozo_exception") or "no channel or feed element")
        yield Failure(source, f"not an RSS/Atom feed ({why})")
        return
    if parsed.bozo:
        yield Notice(source, f"feed is not well-formed ({parsed.bozo_exception}); "
                             f"read the {len(parsed.entries)} entries it could")
    if not parsed.entries:
        yield Notice(source, "feed has no entries")
    outlet = (parsed.feed.get("title") or "").strip()
    language = (parsed.feed.get("language") or "")[:2].lower()
    for n, entry in enumerate(parsed.entries, 1):
        try:
            yield from _read_entry(entry, n, source, settings, outlet, language, read_at)
        except Exception as exc:  # one odd entry must not stop the feed
            yield Failure(f"{source}#{n}", f"unreadable entry ({exc})")


def _read_entry(entry, n: int, source: str, settings, outlet: str, language: str,
                read_at: datetime) -> Iterator[Item]:
    from .sources import Failure

    link = (entry.get("link") or "").strip()
    title = re.sub(r"\s+", " ", entry.get("title") or "").strip()
    published = feed_date(entry.get("published") or entry.get("updated") or "",
                          entry.get("published_parsed") or entry.get("updated_parsed"),
                          read_at)
    author = (entry.get("author") or "").strip()
    paragraphs, syndication = clean_paragraphs(html_to_paragraphs(_entry_body(entry)), title)
    if _is_full(paragraphs):
        text = "\n\n".join(paragraphs)
        lang = language if language in ("id", "en") else detect_language(text)
        yield identify(Article(
            id="", text=text, title=title or fallback_title(text), url=link,
            published=published, author=author, outlet=outlet, language=lang,
            source=source, syndication=syndication))
        return
    if not link:
        yield Failure(f"{source}#{n}", "entry has only a summary and no link to the article")
        return
    for item in read_url(link, settings):
        if not isinstance(item, Article):
            yield item  # the page's Failure (source = the entry's link), not the teaser
            continue
        # The page wins, except where it has nothing better than the feed.
        page_title = item.title if item.title != fallback_title(item.text) else ""
        page_date = item.published
        if not page_date or (len(page_date) == 10 and (published or "").startswith(page_date)):
            page_date = published or page_date
        yield item.model_copy(update={
            "title": page_title or title or item.title, "published": page_date,
            "source": source, "author": item.author or author, "outlet": outlet or item.outlet,
            "syndication": item.syndication or syndication,
        })
