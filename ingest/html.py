"""News articles from saved HTML pages.

Metadata from the usual places (Open Graph, article:published_time, meta author,
<link rel=canonical>, <html lang>, <time datetime>), text from the article body with
navigation, asides, share buttons and "Baca juga" boxes left out.
"""
from __future__ import annotations

import re

from bs4 import BeautifulSoup

from rag.text import detect_language
from rag.types import Article

from .dates import parse_date
from .parse import BOILERPLATE, ParseError, fallback_title, syndication_from_line

_NOISE_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form",
               "button", "iframe", "svg", "figure", "figcaption", "template"]
_NOISE_CLASS = re.compile(r"(share|social|related|baca-?juga|read-?also|breadcrumb|comment|"
                          r"newsletter|advert|\bads?\b|promo|menu|footer|sidebar|tags?)", re.I)
_BODY_SELECTORS = ["article", "[itemprop=articleBody]", "main", ".content", ".article-body",
                   ".post-content", ".entry-content", "#content", "body"]


def _meta(soup: BeautifulSoup, *keys: str) -> str:
    for key in keys:
        tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
        if tag and tag.get("content", "").strip():
            return tag["content"].strip()
    return ""


def parse_html(html: str, source: str) -> Article:
    """One article from an HTML page; raises ParseError when no article text is found."""
    try:
        soup = BeautifulSoup(html, "html.parser")
    except Exception as exc:  # html.parser is lenient; this guards against the odd crash
        raise ParseError(f"malformed HTML ({exc})") from exc
    h1 = soup.find("h1")
    title = (_meta(soup, "og:title", "twitter:title")
             or (h1.get_text(" ", strip=True) if h1 else "")
             or (soup.title.get_text(" ", strip=True) if soup.title else ""))
    canonical = soup.find("link", rel="canonical")
    url = (canonical.get("href", "").strip() if canonical else "") or _meta(soup, "og:url")
    time_tag = soup.find("time", attrs={"datetime": True})
    published = parse_date(
        _meta(soup, "article:published_time", "datePublished", "pubdate", "date")
        or (time_tag["datetime"] if time_tag else "")
    )
    author = _meta(soup, "author", "article:author")
    outlet = _meta(soup, "og:site_name", "application-name")
    html_tag = soup.find("html")
    lang = (html_tag.get("lang", "") if html_tag else "")[:2].lower()

    for tag in soup.find_all(_NOISE_TAGS):
        tag.decompose()
    for tag in soup.find_all(class_=_NOISE_CLASS):
        if tag.name not in ("html", "body", "article", "main"):
            tag.decompose()
    root = next((el for sel in _BODY_SELECTORS if (el := soup.select_one(sel))), soup)
    blocks = root.find_all(["p", "li", "blockquote"]) or [root]
    paragraphs, syndication = [], []
    for block in blocks:
        t = re.sub(r"\s+", " ", block.get_text(" ", strip=True)).strip()
        if not t or BOILERPLATE.match(t) or (title and t == title):
            continue
        synd = syndication_from_line(t)
        if synd:
            syndication.append(synd)
            continue
        paragraphs.append(t)
    text = "\n\n".join(paragraphs)
    if not text.strip():
        raise ParseError("no article text found in the HTML")
    return Article(
        id="", text=text, title=title or fallback_title(text), url=url, published=published,
        author=author, outlet=outlet, language=lang if lang in ("id", "en") else detect_language(text),
        source=source, syndication=syndication,
    )
