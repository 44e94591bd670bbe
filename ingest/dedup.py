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
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rag.text import normalize
from rag.types import Article

from .formats.clean import tidy

_TRACKING = ("utm_", "fbclid", "gclid", "ref", "amp")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters, no trailing slash."""
    url = (url or "").strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[broken": kept as given, still a stable key
        return url
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


_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_unicode(value: Any) -> Any:
    """``value`` with every string's lone surrogates (from JSON escapes like "\\ud800",
    which UTF-8 cannot encode, so nothing could hash or store them) replaced by U+FFFD."""
    if isinstance(value, str):
        if not _SURROGATE.search(value):
            return value
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_valid_unicode(v) for v in value]
    if isinstance(value, dict):
        return {k: _valid_unicode(v) for k, v in value.items()}
    return value


def identify(article: Article, path: str = "") -> Article:
    """The article as it is stored, whatever format it came in: any lone surrogate in its
    strings replaced (so it can be hashed and stored), page furniture out of its text and a
    date inferred where it had none (``formats.clean.tidy``), its canonical URL, stable id
    and content hash filled in."""
    data = article.model_dump()
    clean = _valid_unicode(data)
    if clean != data:
        article = Article.model_validate(clean)
    article = tidy(article)
    url = canonical_url(article.url)
    return article.model_copy(update={
        "url": url,
        "id": article.id or article_id(url, article.text, path),
        "content_hash": content_hash(article.text),
    })
