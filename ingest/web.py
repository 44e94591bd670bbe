"""Articles from web pages: trafilatura-based extraction of what ``ingest.fetch`` fetched.

``article_from_page`` takes text and metadata from trafilatura and what it misses from
``ingest.formats.html``; ``read_url`` turns a URL into items (an article, a PDF, a feed's entries).
trafilatura (~0.3 s to import) is imported only when a page is parsed.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from rag.dates import DATE_LINE, is_relative_date_line, parse_date
from rag.text import detect_language
from rag.types import Article, Syndication

from .dedup import identify
from .fetch import FetchError, fetch
from .formats.html import parse_html
from .formats.clean import is_boilerplate, syndication_from_line
from .formats.parse import ParseError, fallback_title
from .formats.pdf import parse_pdf

if TYPE_CHECKING:
    from .sources import Item


_BYLINE = re.compile(r"^(penulis|reporter|editor|pewarta|oleh|by|author|writer)(\s*:\s*|\s+)",
                     re.I)


def _byline(line: str) -> str:
    """The name in a byline ("Penulis: Rina Lestari", "By Daniel Wirawan"), else "".
    A sentence that starts with "By" ("By 2024, ...") is not one."""
    m = _BYLINE.match(line)
    name = line[m.end():].strip() if m else ""
    ok = name[:1].isupper() and len(name.split()) <= 6 and not name.endswith((".", "!", "?"))
    return name if ok else ""


_WP_FOOTER = re.compile(r"^the post .+ appeared first on .+$", re.I)


def clean_paragraphs(lines: list[str], *titles: str) -> tuple[list[str], list[Syndication]]:
    """Paragraphs without boilerplate, bylines, date stamps or a repeated title; the
    syndication lines ("Tulisan ini telah tayang di ...") come back separately."""
    out, synd = [], []
    known = {t.strip().lower() for t in titles if t and t.strip()}
    lines = [re.sub(r"\s+", " ", line).strip() for line in lines]
    # Unclosed <p> tags nest each paragraph in the one before it, so a paragraph ends with
    # the next one; cut that tail off, and skip a paragraph already said (a pull quote).
    lines = [a[:-len(b)].strip() if b and a != b and a.endswith(" " + b) else a
             for a, b in zip(lines, lines[1:] + [""])]
    for t in lines:
        if (not t or is_boilerplate(t) or _WP_FOOTER.match(t) or t.lower() in known
                or t in out or (len(t) >= 40 and any(t in kept for kept in out))):
            continue
        s = syndication_from_line(t)
        if s:
            synd.append(s)
        elif len(t) < 80 and (DATE_LINE.match(t) or is_relative_date_line(t) or _byline(t)):
            continue
        else:
            out.append(t)
    return out, synd


def _page_signals(html: str, fetched_at: datetime) -> dict:
    """What trafilatura and parse_html leave out: <html lang>, the <h1>, a printed byline
    ("Reporter: ...", "Editor: ...") and the first date stamp shown on the page, absolute
    or relative ("3 hari yang lalu", resolved against ``fetched_at``)."""
    from bs4 import BeautifulSoup, NavigableString

    soup = BeautifulSoup(html, "html.parser")
    tag, h1 = soup.find("html"), soup.find("h1")
    lang = (tag.get("lang", "") if tag else "")[:2].lower()
    found = {"lang": "id" if lang == "in" else lang, "shown": None, "relative": None,
             "h1": h1.get_text(" ", strip=True) if h1 else "", "author": "", "editor": ""}
    for s in soup.find_all(string=True):
        t = s.strip()
        # Document order: the article's own stamp sits above sidebars of related stories.
        if (type(s) is not NavigableString or not t or len(t) > 80
                or s.parent.name in ("script", "style", "title", "template")):
            continue
        if not found["shown"] and DATE_LINE.match(t):
            found["shown"] = parse_date(t)
        elif name := _byline(t):
            key = "editor" if t.lower().startswith("editor") else "author"
            found[key] = found[key] or name
        elif not found["relative"] and is_relative_date_line(t):
            found["relative"] = parse_date(t, fetched_at)
    return found


def _best_date(*candidates: str | None) -> str | None:
    """The first candidate, upgraded to a later one with a time on the same day."""
    dates = [c for c in candidates if c]
    if not dates:
        return None
    best = dates[0]
    if len(best) == 10:
        best = next((d for d in dates if d.startswith(best + "T")), best)
    return best


def article_from_page(html: str, url: str, fetched_at: datetime,
                      source: str | None = None) -> Article:
    """One article from a fetched page; raises ParseError when it holds no article text.

    ``url`` is the final fetched URL; the article's URL is the page's canonical URL when
    it declares one. ``source`` (default ``url``) is what the user asked for.
    """
    import trafilatura

    try:
        # No url= on purpose: trafilatura then reports only a URL the page declares.
        doc = trafilatura.bare_extraction(
            html, with_metadata=True, favor_precision=True, include_comments=False,
            include_tables=False, include_images=False,
            date_extraction_params={"extensive_search": False, "original_date": True,
                                    "max_date": fetched_at.strftime("%Y-%m-%d")})
    except Exception:  # trafilatura can choke on odd markup; parse_html still may not
        doc = None
    data = doc.as_dict() if doc is not None else {}
    try:
        fallback = parse_html(html, source or url)
    except ParseError:
        fallback = None
    signals = _page_signals(html, fetched_at)
    title = (data.get("title") or (fallback.title if fallback else "") or "").strip()
    titles = (title, fallback.title if fallback else "", signals["h1"])
    paragraphs, syndication = clean_paragraphs((data.get("text") or "").split("\n"), *titles)
    if not paragraphs and fallback:
        paragraphs, syndication = clean_paragraphs(fallback.text.split("\n\n"), *titles)
    text = "\n\n".join(paragraphs)
    # On a page with no article trafilatura still returns scraps (a menu item); when
    # parse_html, which drops navigation, found nothing either, scraps are all there is.
    if not text.strip() or (fallback is None and len(text) < _MIN_SCRAPS):
        raise ParseError("no article text found")
    for s in fallback.syndication if fallback else []:
        if s not in syndication:
            syndication.append(s)
    # parse_html reads <link rel=canonical> before og:url; trafilatura the other way round.
    declared = ((fallback.url if fallback else "") or data.get("url") or "").strip()
    canonical = urljoin(url, declared) if declared else ""
    if urlsplit(canonical).scheme not in ("http", "https"):
        canonical = url
    # trafilatura keeps the label of a printed byline: "Penulis Rina Lestari".
    author = ((fallback.author if fallback else "") or signals["author"]
              or _BYLINE.sub("", data.get("author") or "").strip())
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    published = _best_date(fallback.published if fallback else None, signals["shown"],
                           parse_date(data.get("date") or ""), signals["relative"])
    lang = (data.get("language") or signals["lang"] or "")[:2]
    return Article(
        id="", text=text, title=title or fallback_title(text), url=canonical,
        published=published, author=author, editor=signals["editor"],
        outlet=(fallback.outlet if fallback else "") or data.get("sitename") or host,
        section=fallback.section if fallback else "",
        language=lang if lang in ("id", "en") else detect_language(text),
        source=source or url, syndication=syndication,
    )


_MIN_SCRAPS = 200
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml")


def read_url(url: str, settings) -> Iterator[Item]:
    """The article at ``url`` with its id, or a Failure saying why not; never raises."""
    from .sources import Failure  # here, not on top: sources may import this module

    try:
        page = fetch(url, settings)
    except FetchError as exc:
        yield Failure(url, str(exc))
        return
    ctype, head = page.content_type, page.raw[:1024].lstrip().lower()
    try:
        if ctype == "application/pdf" or page.raw.startswith(b"%PDF-"):
            article = parse_pdf(page.raw, url, page.fetched_at)
            article = article.model_copy(update={"url": article.url or page.url})
        elif ctype in _HTML_TYPES or (ctype in ("", "application/octet-stream")
                                      and head.startswith((b"<!doctype html", b"<html"))):
            article = article_from_page(page.text, page.url, page.fetched_at, source=url)
        elif ctype in _FEED_TYPES or (ctype.endswith("xml") and re.search(
                rb"<(rss|feed|rdf:rdf)\b", head)):
            raise ParseError("this URL is an RSS/Atom feed, not an article page; "
                             "add it as a feed")
        else:
            raise ParseError(f"not an HTML page or PDF (content type "
                             f"'{ctype or 'unknown'}')")
    except ParseError as exc:
        yield Failure(url, str(exc))
        return
    except Exception as exc:  # a parser bug on one odd page must not stop a batch
        yield Failure(url, f"cannot parse the page ({type(exc).__name__}: {exc})")
        return
    yield identify(article)
