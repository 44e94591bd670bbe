"""A careful fetcher: the only way Pantau reads a URL.

``fetch`` refuses private, loopback and link-local addresses on every redirect hop (an
ingest endpoint that fetches URLs is otherwise a way into the host's network) and connects
only to the addresses it checked, so a name that resolves differently on a second lookup
(DNS rebinding) cannot slip through; it caps the body at ``max_file_bytes`` and its time at
``fetch_timeout``, and decodes text the way browsers do. httpx and httpcore are imported
only when fetching.
"""
from __future__ import annotations

import codecs
import functools
import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit


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
