"""News articles from saved HTML pages.

Metadata from the usual places (Open Graph, article:published_time, article:section,
meta author, JSON-LD NewsArticle, <link rel=canonical>, <html lang>, <time datetime>, a
date printed in the byline, the outlet after the title in <title>), text from the article
body with navigation, asides, share buttons and "Baca juga" boxes left out.
"""
from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup

from rag.text import detect_language
from rag.types import Article

from rag.dates import parse_date
from .clean import comparable, is_boilerplate, syndication_from_line
from .parse import ParseError, fallback_title

_NOISE_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form",
               "button", "iframe", "svg", "figure", "figcaption", "template", "amp-sidebar",
               "amp-ad", "amp-social-share"]
_NOISE_CLASS = re.compile(r"(share|social|related|baca-?juga|read-?also|breadcrumb|comment|"
                          r"newsletter|advert|\bads?\b|promo|menu|footer|sidebar|widget|"
                          r"tags?|caption|keterangan|credit|kredit|\bfoto\b|\bphoto\b|kicker|"
                          r"ticker|flash|trending|populer|byline|penulis|author)", re.I)
_BODY_SELECTORS = ["article", "[itemprop=articleBody]", "main", ".content", ".article-body",
                   ".post-content", ".entry-content", "#content"]
_BLOCKS = ["p", "li", "blockquote"]


def _own_text(block) -> str:
    """A block's text without the blocks nested in it (those are read on their own)."""
    if not block.find(_BLOCKS):
        return block.get_text(" ", strip=True)
    parts = []
    for child in block.children:
        if getattr(child, "name", None) in _BLOCKS:
            continue
        if getattr(child, "name", None) is None:
            parts.append(str(child))
        elif not child.find(_BLOCKS):
            parts.append(child.get_text(" ", strip=True))
    return " ".join(parts)


def _densest(soup: BeautifulSoup):
    """The element holding the most paragraph text directly: the article body on pages
    that mark it with no known container (readability's core idea)."""
    best, best_len = None, 0
    for el in soup.find_all(True):
        n = sum(len(p.get_text(" ", strip=True)) for p in el.find_all("p", recursive=False))
        if n > best_len:
            best, best_len = el, n
    return best


def _meta(soup: BeautifulSoup, *keys: str) -> str:
    for key in keys:
        tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
        if tag and tag.get("content", "").strip():
            return tag["content"].strip()
    return ""


_LD_ARTICLE_TYPES = {"newsarticle", "article", "blogposting", "reportagenewsarticle",
                     "analysisnewsarticle", "opinionnewsarticle", "report", "webpage"}
# Elements that print the article's date as text: "Rabu, 4 Oktober 2023 | 17:30 WIB".
_DATE_HOLDER = re.compile(r"(date|time|tanggal|waktu|publish|posted|byline|meta|info)", re.I)
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ")


def _ld_nodes(soup: BeautifulSoup) -> list[dict]:
    """Every object in the page's JSON-LD blocks (lists and @graph flattened)."""
    nodes: list[dict] = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            stack = [json.loads(script.string or script.get_text() or "")]
        except (ValueError, RecursionError):  # broken (or absurdly nested) JSON-LD is
            continue  # common; the page's other metadata remains
        while stack:
            node = stack.pop(0)
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                nodes.append(node)
                if isinstance(node.get("@graph"), list):
                    stack.extend(node["@graph"])
    return nodes


def _ld_article(soup: BeautifulSoup) -> dict[str, str]:
    """Title, date, author, outlet, section, URL and language from a JSON-LD article.

    References ({"@id": ...}, as Yoast writes authors and publishers) are looked up in the
    page's other JSON-LD objects.
    """
    nodes = _ld_nodes(soup)
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}

    def types(n: dict) -> set[str]:
        t = n.get("@type", [])
        return {x.lower() for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)}

    def names(value: object) -> list[str]:
        out = []
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, dict) and "name" not in v and isinstance(v.get("@id"), str):
                v = by_id.get(v["@id"], v)
            name = v.get("name") if isinstance(v, dict) else v
            if isinstance(name, str) and name.strip() and not name.startswith("http"):
                out.append(name.strip())
        return out

    # A NewsArticle beats a WebPage describing the same page.
    ranked = sorted((n for n in nodes if types(n) & _LD_ARTICLE_TYPES),
                    key=lambda n: "webpage" in types(n))
    if not ranked:
        return {}
    art = ranked[0]
    page = art.get("mainEntityOfPage")
    url = page.get("@id", "") if isinstance(page, dict) else page
    section = art.get("articleSection")
    lang = art.get("inLanguage")
    return {
        "title": art.get("headline", "") if isinstance(art.get("headline"), str) else "",
        "published": art.get("datePublished", "") if isinstance(
            art.get("datePublished"), str) else "",
        "author": ", ".join(dict.fromkeys(names(art.get("author")))),
        "outlet": next(iter(names(art.get("publisher"))), ""),
        "section": next(iter(names(section)), ""),
        "url": url if isinstance(url, str) else "",
        "language": lang[:2].lower() if isinstance(lang, str) else "",
    }


def _text_date(soup: BeautifulSoup) -> str | None:
    """A date printed in a byline or date element ("Rabu, 4 Oktober 2023 | 17:30 WIB").

    Elements inside related-article lists and sidebars are skipped: their dates belong to
    other stories. The first readable date in document order wins.
    """
    def holder(tag) -> bool:
        classes = " ".join(tag.get("class", []))
        return tag.name == "time" or bool(classes and _DATE_HOLDER.search(classes))

    for tag in soup.find_all(holder):
        if (_NOISE_CLASS.search(" ".join(tag.get("class", [])))
                or tag.find_parent(class_=_NOISE_CLASS) or tag.find_parent(["aside", "nav"])):
            continue
        text = tag.get_text(" ", strip=True)
        if not text or len(text) > 160:
            continue
        # Separators between day and time stop dates.parse_date from seeing the time.
        published = parse_date(re.sub(r"\s*[|•·]\s*", " ", text))
        if published:
            return published
    return None


def _outlet_from_title(page_title: str, title: str) -> str:
    """'Headline | Outlet' -> 'Outlet' when the part before the separator is the headline."""
    want = comparable(title)
    for sep in _TITLE_SEPARATORS:
        head, found, tail = page_title.rpartition(sep)
        if found and comparable(head) == want \
                and 0 < len(tail.split()) <= 6:
            return tail.strip()
    return ""


def parse_html(html: str, source: str) -> Article:
    """One article from an HTML page; raises ParseError when no article text is found."""
    try:
        # html.parser survives an unclosed <title> that lxml (like a browser) would let
        # swallow the page; the nested <p> it makes of unclosed paragraphs is undone below.
        soup = BeautifulSoup(html, "html.parser")
    except Exception as exc:  # html.parser is lenient; this guards against the odd crash
        raise ParseError(f"malformed HTML ({exc})") from exc
    h1 = soup.find("h1")
    ld = _ld_article(soup)
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    title = (_meta(soup, "og:title", "twitter:title") or ld.get("title", "")
             or (h1.get_text(" ", strip=True) if h1 else "") or page_title)
    canonical = soup.find("link", rel="canonical")
    url = ((canonical.get("href", "").strip() if canonical else "") or _meta(soup, "og:url")
           or ld.get("url", ""))
    time_tag = soup.find("time", attrs={"datetime": True})
    published = (
        parse_date(_meta(soup, "article:published_time", "datePublished", "pubdate", "date")
                   or ld.get("published", "") or (time_tag["datetime"] if time_tag else ""))
        or _text_date(soup))
    author = _meta(soup, "author", "article:author") or ld.get("author", "")
    outlet = (_meta(soup, "og:site_name", "application-name") or ld.get("outlet", "")
              or _outlet_from_title(page_title, title))
    section = _meta(soup, "article:section") or ld.get("section", "")
    html_tag = soup.find("html")
    lang = (html_tag.get("lang", "") if html_tag else "")[:2].lower() or ld.get("language", "")

    for tag in soup.find_all(_NOISE_TAGS):
        tag.decompose()
    for tag in soup.find_all(class_=_NOISE_CLASS):
        if tag.name not in ("html", "body", "article", "main"):
            tag.decompose()
    root = (next((el for sel in _BODY_SELECTORS if (el := soup.select_one(sel))), None)
            or _densest(soup) or soup.body or soup)
    blocks = root.find_all(_BLOCKS) or [root]
    paragraphs, syndication = [], []
    for block in blocks:
        t = re.sub(r"\s+", " ", _own_text(block)).strip()
        if not t or is_boilerplate(t) or (title and t == title):
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
        author=author, outlet=outlet, section=section,
        language=lang if lang in ("id", "en") else detect_language(text),
        source=source, syndication=syndication,
    )
