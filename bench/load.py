"""`pantau bench load`: a bounded load test of ``POST /api/ask`` over loopback.

``--clients`` concurrent clients (asyncio + httpx, one connection each) ask questions
cycled from the QA set for ``--seconds``, then stop: no client starts a request after the
deadline, requests in flight finish (or time out). Prints requests/s, latency p50/p95/p99
and errors by kind. Only loopback URLs are accepted: this is a benchmark of your own
server, not a tool to load anybody else's. Without ``--url`` it starts its own
``pantau serve`` on a free loopback port (sample corpus in a temporary data dir, model
cache shared, no API key, no rate limit; with PANTAU_CHROMA_URL, collections of its own
on that server, dropped at the end) and stops it at the end, reporting the server
processes' peak memory. A server of your own behind PANTAU_RATE_LIMIT answers 429s, which
are counted as errors ("HTTP 429").
"""
from __future__ import annotations

import asyncio
import ipaddress
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]


class NotLoopback(ValueError):
    """The target URL is not a loopback address."""


def check_loopback(url: str) -> str:
    """``url`` without a trailing slash if it is http(s) on a loopback address (127.0.0.0/8,
    ::1 or ``localhost``); NotLoopback otherwise. Names are not resolved: a name other
    than localhost is refused even if it points at this machine."""
    u = urlparse(url)
    if u.scheme not in ("http", "https") or not u.hostname:
        raise NotLoopback(f"not an http(s) URL: {url!r}")
    host = u.hostname
    if host != "localhost":
        try:
            loop = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loop = False
        if not loop:
            raise NotLoopback(f"refusing to load {host!r}: `pantau bench load` only targets "
                              "loopback addresses (127.0.0.1, ::1, localhost)")
    return url.rstrip("/")


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) by linear interpolation between closest ranks;
    NaN for no values."""
    if not values:
        return math.nan
    xs = sorted(values)
    pos = (len(xs) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


@dataclass
class LoadResult:
    """What one load run measured. Latencies are seconds, end to end (client side)."""

    clients: int
    seconds: float  # wall time from the first request to the last response
    latencies: list[float] = field(default_factory=list)  # successful requests only
    errors: Counter = field(default_factory=Counter)  # "HTTP 503", "ReadTimeout", ...
    server: dict = field(default_factory=dict)  # about the server we started, if any

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    def summary(self) -> dict:
        ms = [x * 1000 for x in self.latencies]
        out = {
            "clients": self.clients, "seconds": round(self.seconds, 2),
            "requests": self.requests, "ok": len(self.latencies),
            "errors": sum(self.errors.values()), "errors_by_kind": dict(self.errors),
            "requests_per_s": round(self.requests / self.seconds, 2) if self.seconds else 0.0,
            "p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1),
            "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(max(ms), 1) if ms else math.nan,
        }
        if self.server:
            out["server"] = self.server
        return out


def load_questions(path: Path) -> list[str]:
    """Questions of a QA file (JSONL with ``question``) or a plain file (one a line)."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            q = json.loads(line).get("question")
            if q:
                out.append(q)
        else:
            out.append(line)
    if not out:
        raise ValueError(f"no questions in {path}")
    return out


async def _run(url: str, questions: Sequence[str], clients: int, seconds: float,
               timeout: float, transport=None, headers: dict | None = None,
               think: float = 0.0) -> LoadResult:
    import httpx

    result = LoadResult(clients=clients, seconds=0.0)
    counter = iter(range(10**12))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits,
                                 transport=transport, headers=headers) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def worker(n: int) -> None:
            if think > 0:  # spread the clients' first questions over one pause
                await asyncio.sleep(think * n / clients)
            while time.perf_counter() < deadline:
                q = questions[next(counter) % len(questions)]
                t0 = time.perf_counter()
                try:
                    r = await client.post("/api/ask", json={"question": q})
                except httpx.HTTPError as exc:
                    result.errors[type(exc).__name__] += 1
                    continue
                dt = time.perf_counter() - t0
                if r.status_code != 200:
                    result.errors[f"HTTP {r.status_code}"] += 1
                else:
                    result.latencies.append(dt)
                if think > 0:  # a person reading the answer before the next question
                    await asyncio.sleep(think)

        await asyncio.gather(*(worker(n) for n in range(clients)))
        result.seconds = time.perf_counter() - start
    return result


def run_load(url: str, questions: Sequence[str], clients: int = 32, seconds: float = 60,
             timeout: float = 60, transport=None, headers: dict | None = None,
             think: float = 0.0) -> LoadResult:
    """Load ``url`` (loopback only) for ``seconds`` with ``clients`` concurrent clients,
    each pausing ``think`` seconds after every answer (0: closed loop, no pause)."""
    url = check_loopback(url)
    if clients < 1 or seconds <= 0:
        raise ValueError("clients must be >= 1 and seconds > 0")
    if think < 0:
        raise ValueError("think must be >= 0")
    return asyncio.run(_run(url, list(questions), clients, seconds, timeout, transport,
                            headers, think))


# -- our own server -------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                kids = Path(f"/proc/{p}/task/{task}/children").read_text().split()
                todo += [int(k) for k in kids]
        except OSError:
            pass
    return out


def _mem_mb(pid: int, key: str) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def server_memory(pid: int) -> dict:
    """Peak (VmHWM) and current RSS of a process and its descendants, in MB."""
    procs = {p: (_mem_mb(p, "VmHWM"), _mem_mb(p, "VmRSS")) for p in _proc_tree(pid)}
    procs = {p: v for p, v in procs.items() if v[0] is not None}
    return {"processes": len(procs),
            "peak_rss_mb_each": [round(v[0]) for v in procs.values()],
            "rss_mb_total": round(sum(v[1] or 0 for v in procs.values()))}


class OwnServer:
    """``pantau serve`` on a free loopback port over a temporary data dir (sample corpus
    ingested on start, model cache shared with ``models_dir``)."""

    def __init__(self, models_dir: Path, workers: int = 1, env: dict | None = None) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="pantau-load-")
        data = Path(self.tmp.name) / "data"
        data.mkdir()
        models_dir = Path(models_dir).resolve()
        models_dir.mkdir(parents=True, exist_ok=True)
        (data / "models").symlink_to(models_dir, target_is_directory=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(self.tmp.name) / "server.log"
        full_env = {**os.environ, **(env or {}), "PANTAU_HOST": "127.0.0.1",
                    "PANTAU_PORT": str(self.port), "PANTAU_DATA_DIR": str(data)}
        cmd = [sys.executable, "-m", "cli", "serve"] + (["--workers", str(workers)]
                                                        if workers > 1 else [])
        with self.log_path.open("w") as log:
            self.proc = subprocess.Popen(cmd, cwd=REPO, env=full_env, stdout=log,
                                         stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 600) -> "OwnServer":
        import httpx

        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n" + self.log_path.read_text()[-3000:])
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError("server not up:\n" + self.log_path.read_text()[-3000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.tmp.cleanup()


def warm_up(url: str, questions: Sequence[str], n: int, headers: dict | None = None) -> None:
    """``n`` sequential requests so every worker has loaded its model and indexes;
    ValueError when nothing answers at ``url``."""
    import httpx

    for i in range(n):
        try:
            httpx.post(url + "/api/ask", json={"question": questions[i % len(questions)]},
                       headers=headers, timeout=300)
        except httpx.TransportError as exc:
            raise ValueError(f"no server answers at {url}: {exc or type(exc).__name__}") from exc


def _drop_collections(chroma_url: str, prefix: str) -> None:
    """Delete the collections ``{prefix}_*`` that our own server made on a Chroma server."""
    import chromadb

    u = urlparse(chroma_url)
    client = chromadb.HttpClient(host=u.hostname or "127.0.0.1",
                                 port=u.port or (443 if u.scheme == "https" else 8000),
                                 ssl=u.scheme == "https")
    for coll in client.list_collections():
        if coll.name.startswith(prefix + "_"):
            client.delete_collection(coll.name)


def run(settings, clients: int, seconds: float, questions_file: Path, url: str | None = None,
        workers: int = 1, timeout: float = 60, think: float = 0.0) -> dict:
    """The whole benchmark: start a server unless ``url`` is given, warm it up, load it,
    stop it. Returns ``LoadResult.summary()``."""
    questions = load_questions(questions_file)
    if clients < 1 or seconds <= 0:
        raise ValueError("clients must be >= 1 and seconds > 0")
    if url is not None:
        url = check_loopback(url)
        headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else None
        warm_up(url, questions, 2, headers)
        return run_load(url, questions, clients, seconds, timeout, headers=headers,
                        think=think).summary()
    from app import check_workers

    check_workers(workers, settings)  # several workers need PANTAU_CHROMA_URL
    env = {"PANTAU_EMBEDDING_MODEL": settings.embedding_model,
           "PANTAU_INGEST_SAMPLE_ON_START": "true", "PANTAU_API_KEY": "",
           "PANTAU_RATE_LIMIT": "", "PANTAU_CHROMA_URL": settings.chroma_url}
    if settings.chroma_url:  # collections of its own on that server, dropped at the end
        env["PANTAU_COLLECTION"] = prefix = f"benchload{uuid.uuid4().hex[:12]}"
    server = OwnServer(settings.models_dir, workers, env=env)
    try:
        server.wait()
        warm_up(server.url, questions, 4 * workers)
        result = run_load(server.url, questions, clients, seconds, timeout, think=think)
        result.server = {"workers": workers, **server_memory(server.proc.pid)}
        return result.summary()
    finally:
        server.stop()
        if settings.chroma_url:
            _drop_collections(settings.chroma_url, prefix)
