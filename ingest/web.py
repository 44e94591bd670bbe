"""Articles from web pages: a careful fetcher and trafilatura-based extraction.

``fetch`` refuses private, loopback and link-local addresses on every redirect hop (an
ingest endpoint that fetches URLs is otherwise a way into the host's network) and connects
only to the addresses it checked, so a name that resolves differently on a second lookup
(DNS rebinding) cannot slip through; it caps the body at ``max_file_bytes`` and decodes
text the way browsers do. ``article_from_page`` takes text and metadata from trafilatura
and what it misses from ``ingest.html``.
trafilatura (~0.3 s to import) is imported only when a page is parsed.
"""
from __future__ import annotations

import codecs
import functools
import ipaddress
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from rag.text import detect_language
from rag.types import Article, Syndication

from rag.dates import DATE_LINE, is_relative_date_line, parse_date
from .dedup import identify
from .html import parse_html
from .parse import BOILERPLATE, ParseError, fallback_title, syndication_from_line
from .pdf import parse_pdf

if TYPE_CHECKING:
    from .sources import Item


class FetchError(Exception):
    """A URL could not be fetched; ``str()`` names the reason and the URL."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason} ({url})")
        self.url, self.reason = url, reason


@dataclass
class Fetched:
    """A fetched response: final URL after redirects, body as bytes and decoded text."""

    url: str
    status: int
    content_type: str  # media type only, lower case: "text/html"
    text: str  # "" for binary types (PDF)
    raw: bytes
    fetched_at: datetime  # aware, UTC
    encoding: str = ""


_ALLOW_HINT = "set PANTAU_FETCH_ALLOW_PRIVATE=true to allow it"


def _refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why this address must not be fetched, or None when it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address hidden in IPv6 (::ffff:127.0.0.1, 6to4, Teredo) is judged as IPv4.
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None:
            return _refusal(inner)
    for kind in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:  # carrier-grade NAT (100.64/10) and other special ranges
        return "non-public"
    return None


def _resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (a seam for tests)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


class _Refused(Exception):
    """A host the guard will not connect to; ``reason`` says why (FetchError adds the URL)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _vet(host: str, port: int, allow_private: bool) -> list[str]:
    """The addresses ``host`` resolves to, looked up once; _Refused when it cannot be
    resolved or, unless ``allow_private``, when any of them is not public."""
    try:
        addresses = _resolve(host, port)
    except (OSError, ValueError) as exc:  # UnicodeError (a bad IDN label) is a ValueError
        raise _Refused(f"cannot resolve host '{host}' ({exc})") from None
    if not addresses:
        raise _Refused(f"cannot resolve host '{host}'")
    if allow_private:
        return addresses
    for addr in addresses:
        try:
            ip = ipaddress.ip_address(addr.split("%", 1)[0])  # drop an IPv6 zone id
        except ValueError:
            raise _Refused(f"host '{host}' resolved to an unreadable address") from None
        why = _refusal(ip)
        if why:
            shown = f"{host} is" if host == addr else f"'{host}' resolves to {addr},"
            raise _Refused(f"refused: {shown} a {why} address ({_ALLOW_HINT})")
    return addresses


def check_url(url: str, allow_private: bool) -> list[str]:
    """The addresses to connect to for ``url``; FetchError unless it is http(s) and its
    host resolves only to public addresses (any address counts: a name with one private
    address is refused).

    ``fetch`` connects to exactly these addresses (the name is not looked up again), so
    a resolver that answers differently a moment later (DNS rebinding) changes nothing.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(url, f"invalid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(url, f"unsupported URL scheme '{parts.scheme or '(none)'}' "
                              f"(only http and https)")
    host = parts.hostname
    if not host:
        raise FetchError(url, "URL has no host")
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        return _vet(host, port, allow_private)
    except _Refused as exc:
        raise FetchError(url, exc.reason) from None


def _origin(url: str) -> tuple[str, int] | None:
    """(host, port) as httpx will connect for ``url``, when httpx reads the same host from
    it as ``check_url`` did (else None: the connection then vets the host itself)."""
    import httpx

    try:
        u = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return None
    if (u.host or "").lower() != (urlsplit(url).hostname or ""):
        return None
    return u.raw_host.decode("ascii").lower(), u.port or (443 if u.scheme == "https" else 80)


@functools.cache
def _guarded_transport_class() -> type:
    """An httpx transport whose TCP connections go only to vetted addresses (built on
    first use: httpx and httpcore are imported only when fetching)."""
    import httpcore
    import httpx

    class Backend(httpcore.SyncBackend):
        """Connects to the addresses ``fetch`` pinned for (host, port); a host it did not
        pin (none is expected) is resolved and vetted here, once, before connecting."""

        def __init__(self, pins: dict[tuple[str, int], list[str]], allow_private: bool):
            self.pins, self.allow_private = pins, allow_private

        def connect_tcp(self, host, port, timeout=None, local_address=None,
                        socket_options=None):
            addresses = self.pins.get((host.lower(), port))
            if addresses is None:
                addresses = _vet(host, port, self.allow_private)
            error: Exception | None = None
            for addr in addresses:  # in resolver order, as socket.create_connection does
                try:
                    return super().connect_tcp(addr, port, timeout, local_address,
                                               socket_options)
                except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                    error = exc
            raise error or httpcore.ConnectError(f"no address for {host}")

    class GuardedTransport(httpx.HTTPTransport):
        """httpx's transport on httpcore's pool with ``Backend``: the URL, Host header,
        TLS SNI and certificate check keep the name; only the TCP connect is pinned.
        Proxies from the environment are not used (a proxy would resolve names itself)."""

        def __init__(self, pins: dict[tuple[str, int], list[str]], allow_private: bool):
            ssl_context = httpx.create_ssl_context()
            super().__init__(verify=ssl_context)
            self._pool = httpcore.ConnectionPool(
                ssl_context=ssl_context, network_backend=Backend(pins, allow_private))

    return GuardedTransport


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Browsers read these labels as windows-1252; pages that say latin-1 usually mean it.
_AS_CP1252 = {"iso-8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "iso8859-1"}


def decode_body(raw: bytes, declared: str | None) -> tuple[str, str]:
    """(text, encoding): the declared charset (header, else <meta>), else UTF-8, else
    windows-1252, else Latin-1 (which decodes anything)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw.decode("utf-8-sig", "replace"), "utf-8"
    if not declared:
        m = _META_CHARSET.search(raw[:4096])
        declared = m[1].decode("ascii") if m else None
    candidates = []
    if declared:
        label = declared.strip().lower()
        candidates.append("cp1252" if label in _AS_CP1252 else label)
    candidates += ["utf-8", "cp1252", "latin-1"]
    for enc in candidates:
        try:
            return raw.decode(enc), codecs.lookup(enc).name  # "windows-1252" -> "cp1252"
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("latin-1"), "latin-1"  # not reached: latin-1 cannot fail


_TEXTUAL = re.compile(r"^(text/|application/(xhtml\+xml|xml|rss\+xml|atom\+xml|json))|\+xml$")


def fetch(url: str, settings) -> Fetched:
    """GET ``url`` with redirects followed by hand, so each hop passes ``check_url``, and
    connections made only to the addresses it checked (no second DNS lookup)."""
    import httpx  # ~0.2 s; only fetching needs it

    limit, timeout = settings.max_file_bytes, settings.fetch_timeout
    deadline = time.monotonic() + timeout  # httpx times single reads; this bounds the whole
    headers = {"User-Agent": settings.user_agent}
    current = url
    pins: dict[tuple[str, int], list[str]] = {}
    transport = _guarded_transport_class()(pins, settings.fetch_allow_private)
    with httpx.Client(timeout=timeout, headers=headers, follow_redirects=False,
                      transport=transport) as client:
        for _hop in range(settings.fetch_max_redirects + 1):
            addresses = check_url(current, settings.fetch_allow_private)
            origin = _origin(current)
            if origin:
                pins[origin] = addresses
            try:
                with client.stream("GET", current) as resp:
                    if resp.is_redirect:
                        location = resp.headers.get("location", "")
                        current = urljoin(str(resp.url), location)
                        continue
                    if 300 <= resp.status_code < 400:
                        raise FetchError(current, f"HTTP {resp.status_code} without a "
                                                  f"Location to follow")
                    if resp.status_code >= 400:
                        raise FetchError(current, f"HTTP {resp.status_code} "
                                                  f"{resp.reason_phrase}".strip())
                    declared = resp.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit:
                        raise FetchError(current, _too_large(int(declared), limit))
                    chunks, size = [], 0
                    for chunk in resp.iter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise FetchError(current, _too_large(size, limit, more=True))
                        if time.monotonic() > deadline:
                            raise FetchError(current, f"timed out after {timeout:g} s")
                        chunks.append(chunk)
                    raw = b"".join(chunks)
                    ctype, _, params = resp.headers.get("content-type", "").partition(";")
                    ctype = ctype.strip().lower()
                    m = re.search(r"charset\s*=\s*\"?([\w.:-]+)", params, re.I)
                    text, enc = ("", "")
                    if not ctype or _TEXTUAL.search(ctype):
                        text, enc = decode_body(raw, m[1] if m else None)
                    return Fetched(url=str(resp.url), status=resp.status_code,
                                   content_type=ctype, text=text, raw=raw, encoding=enc,
                                   fetched_at=datetime.now(timezone.utc))
            except _Refused as exc:  # a host the pins did not cover, refused on connect
                raise FetchError(current, exc.reason) from None
            except httpx.TimeoutException:
                raise FetchError(current, f"timed out after {timeout:g} s") from None
            except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
                what = "cannot connect" if isinstance(exc, httpx.ConnectError) else "request failed"
                raise FetchError(current, f"{what} ({exc or type(exc).__name__})") from None
    raise FetchError(url, f"too many redirects (more than {settings.fetch_max_redirects})")


def _too_large(size: int, limit: int, more: bool = False) -> str:
    return (f"response too large ({'over ' if more else ''}{size:,} bytes; the limit is "
            f"{limit:,}, set PANTAU_MAX_FILE_BYTES to change it)")


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
        if (not t or BOILERPLATE.match(t) or _WP_FOOTER.match(t) or t.lower() in known
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
