"""Identity of articles: stable ids and content hashes.

An article's id derives from its canonical URL when it has one; else, for a whole file,
from the file's path (so an edited file replaces its earlier version instead of piling up
beside it); else from its normalised text. Re-ingesting the same article always lands on
the same id. The content hash
(normalised text) tells an unchanged article from an edited one, and finds exact copies
published under other URLs.
"""
from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rag.text import normalize
from rag.types import Article

_TRACKING = ("utm_", "fbclid", "gclid", "ref", "amp")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters, no trailing slash."""
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query)
                       if not k.lower().startswith(_TRACKING)])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def content_hash(text: str) -> str:
    """Hash of the normalised text (case and whitespace do not matter)."""
    return hashlib.sha256(normalize(text).lower().encode("utf-8")).hexdigest()


def article_id(url: str, text: str, path: str = "") -> str:
    """'a' + 16 hex digits, from the canonical URL, else the file path, else the text."""
    key = canonical_url(url) or (f"file:{path}" if path else "text:" + content_hash(text))
    return "a" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def identify(article: Article, path: str = "") -> Article:
    """The article with its canonical URL, stable id and content hash filled in."""
    url = canonical_url(article.url)
    return article.model_copy(update={
        "url": url,
        "id": article.id or article_id(url, article.text, path),
        "content_hash": content_hash(article.text),
    })
