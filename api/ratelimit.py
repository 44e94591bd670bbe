"""Per-client rate limiting (``PANTAU_RATE_LIMIT``): a token bucket per client, in memory.

With ``"60/minute"`` each client holds up to 60 tokens, refilled at one a second: bursts of
60, then one request a second. What takes a token:

* every request to ``/api/*`` and ``/v1/*``;
* the web UI's calls that start work: ``POST /gradio_api/`` ``queue/join``, ``run/``,
  ``api/``, ``call/`` and ``upload`` (the same service behind a different door).

``/health``, ``/docs``, the UI's pages and assets and CORS preflights (OPTIONS) are never
counted. A request with no token left gets 429 in its API family's error shape
(``{"error": "rate_limited", "detail": ...}`` on /api and the UI, OpenAI's shape on /v1, so
the ``openai`` client raises RateLimitError) and a ``Retry-After`` header: the whole
seconds until the next token.

The client is its IP address: the TCP peer, or with ``PANTAU_TRUST_PROXY`` the last
``X-Forwarded-For`` entry, the one the reverse proxy in front of Pantau wrote (earlier
entries are whatever the client sent). IPv6 clients count per /64, the block one
subscriber gets. The API key is not an identity: any client can send any key, so per-key
buckets would let it mint fresh ones, and Pantau has a single key shared by its holders.

The buckets live in this process: with ``pantau serve --workers N`` each worker counts on
its own, so a client may get up to N times the limit. Behind a reverse proxy, limit there
too (nginx ``limit_req``, Caddy ``rate_limit``) for one count across workers and hosts.
"""
from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import error_response, is_openai_path

_now = time.monotonic  # the default clock (a seam for tests)

#: POST paths of the Gradio UI that run an event or take a file (mounted at "/").
UI_CALLS = tuple(f"/gradio_api/{p}" for p in ("queue/join", "run/", "api/", "call/",
                                               "upload"))


def counted(method: str, path: str) -> bool:
    """Whether a request takes a token (see the module doc)."""
    if method == "OPTIONS":
        return False
    if path == "/api" or path.startswith("/api/") or is_openai_path(path):
        return True
    return method == "POST" and path.startswith(UI_CALLS)


def client_id(scope: Scope, trust_proxy: bool = False) -> str:
    """The client a request counts against: its IP address (IPv6 as its /64), taken from
    the last X-Forwarded-For entry when ``trust_proxy``, else from the connection."""
    addr = ""
    if trust_proxy:
        forwarded = [v.decode("latin-1") for k, v in scope.get("headers") or []
                     if k.lower() == b"x-forwarded-for"]
        entries = [e.strip() for e in ",".join(forwarded).split(",") if e.strip()]
        addr = entries[-1] if entries else ""
    if not addr:
        peer = scope.get("client")
        addr = str(peer[0]) if peer else ""
    try:
        ip = ipaddress.ip_address(addr.strip("[]").split("%", 1)[0])
    except ValueError:
        return addr or "unknown"  # a Unix socket peer, or TestClient's "testclient"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


class TokenBuckets:
    """``capacity`` tokens per client, refilled continuously at ``capacity / period`` per
    second. Buckets that have refilled to full are forgotten once more than
    ``max_clients`` are held (a full bucket is what a new client gets anyway)."""

    def __init__(self, capacity: int, period: float, *, max_clients: int = 100_000,
                 clock: Callable[[], float] | None = None) -> None:
        self.capacity = capacity
        self.rate = capacity / period
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Take one of ``client``'s tokens: 0.0 when there was one, else the seconds until
        there will be (nothing is taken then)."""
        with self._lock:
            now = (self.clock or _now)()
            tokens, when = self._buckets.get(client, (float(self.capacity), now))
            tokens = min(float(self.capacity), tokens + (now - when) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                if len(self._buckets) > self.max_clients:
                    self._forget(now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _forget(self, now: float) -> None:
        """Drop full buckets; if every bucket is in use, the longest idle half."""
        busy = {c: (t, w) for c, (t, w) in self._buckets.items()
                if t + (now - w) * self.rate < self.capacity}
        if len(busy) > self.max_clients:
            keep = sorted(busy.items(), key=lambda item: item[1][1])[len(busy) // 2:]
            busy = dict(keep)
        self._buckets = busy

    def __len__(self) -> int:
        return len(self._buckets)


class RateLimit:
    """ASGI middleware: 429 + Retry-After for a client over its ``rule`` = (requests,
    seconds) on the counted paths (see ``counted``)."""

    def __init__(self, app: ASGIApp, rule: tuple[int, float], trust_proxy: bool = False,
                 label: str = "", clock: Callable[[], float] | None = None) -> None:
        self.app = app
        self.buckets = TokenBuckets(rule[0], rule[1], clock=clock)
        self.trust_proxy = trust_proxy
        self.label = label or f"{rule[0]} per {rule[1]:g} s"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not counted(scope.get("method", ""),
                                                  scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(client_id(scope, self.trust_proxy))
        if wait > 0:
            retry = max(1, math.ceil(wait))
            detail = (f"too many requests from this client: the limit is {self.label} "
                      f"(PANTAU_RATE_LIMIT); retry in {retry} s")
            path = scope["path"]  # OpenAI's own code on /v1, so clients that switch on it work
            code = "rate_limit_exceeded" if is_openai_path(path) else "rate_limited"
            await error_response(path, 429, detail, code=code,
                                 headers={"Retry-After": str(retry)})(scope, receive, send)
            return
        await self.app(scope, receive, send)
