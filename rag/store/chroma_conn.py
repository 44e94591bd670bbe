"""The connection to Chroma and what its faults mean.

``ChromaConnection`` opens the client on first use (embedded ``PersistentClient`` under the
data dir, or ``HttpClient`` when a server URL is configured), never at import or
construction, and turns the store's faults into one exception type, ``StoreUnavailable``
(the HTTP layer answers 503):

- Chroma server mode: connecting is bounded by ``chroma_connect_timeout`` and every request
  by ``chroma_timeout`` (the chromadb client itself waits forever). A connection failure
  drops the client; the next call opens a new one, so the store recovers by itself as soon
  as the server is back, and fails fast (a refused connection, no retry loop) while it is
  down. Reads are retried once on a fresh connection when a pooled connection turns out
  dead (the server restarted between two requests): see ``guarded``.
- Embedded store: a store that cannot be opened or written (read-only data dir, no space
  left) raises ``StoreWriteError`` naming the directory and the reason, found by probing
  the directory itself rather than trusting the wording of SQLite's message; writes the
  disk cannot take are refused before Chroma touches them (``check_room``).
"""
from __future__ import annotations

import errno
import functools
import inspect
import logging
import os
import re
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlparse

from chromadb.api.types import Documents, EmbeddingFunction
from langchain_core.embeddings import Embeddings

from rag.config import Settings

__all__ = ["ChromaConnection", "ChromaEmbedding", "StoreUnavailable", "StoreWriteError", "guarded",
           "probe_writable"]

log = logging.getLogger("pantau.store")


class ChromaEmbedding(EmbeddingFunction[Documents]):
    """Chroma adapter: documents get the passage prompt, queries the query prompt."""

    def __init__(self, embedder: Embeddings) -> None:
        self.embedder = embedder

    def __call__(self, input: Documents) -> list:  # noqa: A002 - Chroma's signature
        import numpy as np

        return [np.asarray(v, dtype="float32") for v in self.embedder.embed_documents(list(input))]

    def embed_query(self, input: Documents) -> list:  # noqa: A002
        import numpy as np

        return [np.asarray(self.embedder.embed_query(t), dtype="float32") for t in input]

    @staticmethod
    def name() -> str:
        return "pantau"


#: Collection metadata: what an articles collection's vectors are. "none": one placeholder
#: ([1.0]) per article, since nothing searches articles by vector while Chroma loads a
#: collection's whole vector index on any read of it (0.7 GB at 365k articles of 384
#: dimensions); absent in stores made before (the mean of the article's passage vectors)
#: until ``pantau migrate`` (rag.store.migrate) rewrites them.
ARTICLE_VECTORS = "pantau:article_vectors"
#: The metadata an articles collection without vectors is made with.
NO_VECTORS = {"hnsw:space": "cosine", ARTICLE_VECTORS: "none"}
#: Where ``pantau migrate`` builds the articles collection anew, beside the old one.
NEXT_ARTICLES = "_articles_next"


def holds_vectors(articles) -> bool:
    """Whether an articles collection's records hold real vectors (an older store's)."""
    return (articles.metadata or {}).get(ARTICLE_VECTORS) != "none"


def _articles(client, name: str, ef):
    """The articles collection; a new one is made without vectors (``ARTICLE_VECTORS``).
    Refuses (``StoreUnavailable``) a store whose migration stopped half-way, the articles
    collection missing beside the one being built: ``pantau migrate`` finishes it."""
    try:
        found = client.get_collection(name, embedding_function=ef)
        if holds_vectors(found):
            log.warning("%s holds a vector per article record, which Chroma keeps in memory "
                        "whole (0.7 GB at 365k articles) and nothing searches: stop Pantau "
                        "and run `pantau migrate` to drop them", name)
        return found
    except Exception as exc:  # chromadb.errors.NotFoundError (not importable before chromadb)
        if type(exc).__name__ != "NotFoundError":
            raise
    if any(c.name == name.removesuffix("_articles") + NEXT_ARTICLES
           for c in client.list_collections()):
        raise StoreUnavailable(f"the store's articles collection {name} is missing beside "
                               "an unfinished migration's copy: run `pantau migrate`")
    return client.get_or_create_collection(
        name, embedding_function=ef, metadata=dict(NO_VECTORS))


class StoreUnavailable(RuntimeError):
    """The vector store cannot be reached, opened or written."""


class StoreWriteError(StoreUnavailable):
    """The store answers but cannot be written: read-only or full data dir (or server's)."""


@dataclass(frozen=True)
class _Connection:
    client: Any
    passages: Any
    articles: Any
    meta: Any


def guarded(kind: str):
    """Decorate a method of an object holding a ``ChromaConnection`` as ``_chroma``: turn
    the store's faults (see module doc) raised inside it into
    ``StoreUnavailable``; other errors pass through unchanged. Reads (``kind='read'``) are
    retried once on a fresh connection after a dead pooled connection."""
    def deco(fn):
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen(self, *args, **kwargs):
                try:
                    yield from fn(self, *args, **kwargs)
                except StoreUnavailable:
                    raise
                except Exception as exc:
                    self._chroma.raise_fault(exc)
            return gen

        @functools.wraps(fn)
        def call(self, *args, **kwargs):
            try:
                return fn(self, *args, **kwargs)
            except StoreUnavailable:
                raise
            except Exception as exc:
                if not (kind == "read" and self._chroma.stale(exc)):
                    self._chroma.raise_fault(exc)
                log.info("Chroma connection lost (%s): retrying once", exc)
            try:
                return fn(self, *args, **kwargs)
            except StoreUnavailable:
                raise
            except Exception as exc:
                self._chroma.raise_fault(exc)
        return call
    return deco


class ChromaConnection:
    """One Chroma client and Pantau's three collections, opened on first use, dropped and
    reopened after a server fault. Thread-safe."""

    def __init__(self, settings: Settings, embedder: Embeddings) -> None:
        self.settings = settings
        self._embedder = embedder
        self._conn: _Connection | None = None
        self._heartbeat = None  # httpx.Client for the server's heartbeat, made on first use
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        """Where the store lives: the server URL or the embedded store's directory."""
        return self.settings.chroma_url or str(self.settings.chroma_dir)

    def connect(self) -> _Connection:
        conn = self._conn
        if conn is None:
            with self._lock:
                conn = self._conn
                if conn is None:
                    conn = self._conn = self._open()
        return conn

    def client(self):
        """A Chroma client of this store, its collections not opened (``pantau migrate``)."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self.settings.chroma_url:
            return self._http_client(chroma_settings)
        self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(self.settings.chroma_dir),
                                         settings=chroma_settings)

    def embedding_function(self) -> ChromaEmbedding:
        """What Pantau's collections are made with (Chroma keeps it with each collection
        and refuses to open one with another)."""
        return ChromaEmbedding(self._embedder)

    def _open(self) -> _Connection:
        client = None
        try:
            client = self.client()
            ef = self.embedding_function()
            prefix = self.settings.collection
            meta = {"hnsw:space": "cosine"}
            passages = client.get_or_create_collection(
                f"{prefix}_passages", embedding_function=ef, metadata=meta
            )
            articles = _articles(client, f"{prefix}_articles", ef)
            # One record whose token changes with every write: readers (the lexical index,
            # other processes) compare it to know when to refresh.
            meta_coll = client.get_or_create_collection(f"{prefix}_meta", embedding_function=None)
            return _Connection(client, passages, articles, meta_coll)
        except StoreUnavailable:
            raise
        except Exception as exc:  # chromadb raises many types; callers need one
            if client is not None and self.settings.chroma_url:
                _close_quietly(client)
            reason = self._reason(exc)
            why = f"{reason} ({exc})" if reason else str(exc)
            cls = StoreWriteError if reason and not self.settings.chroma_url else StoreUnavailable
            raise cls(f"cannot open the Chroma store at {self.location}: {why}") from exc

    def _http_client(self, chroma_settings):
        """An HttpClient with bounded waits. The server is asked for its heartbeat first,
        under the connect timeout: chromadb's own client would wait forever on a host that
        does not answer."""
        import chromadb
        import httpx

        u = urlparse(self.settings.chroma_url)
        host = u.hostname or "127.0.0.1"
        port = u.port or (443 if u.scheme == "https" else 8000)
        timeout = httpx.Timeout(self.settings.chroma_timeout,
                                connect=self.settings.chroma_connect_timeout)
        scheme = "https" if u.scheme == "https" else "http"
        if self._heartbeat is None:  # kept: a new httpx client costs ~50 ms (TLS setup)
            self._heartbeat = httpx.Client(
                timeout=httpx.Timeout(self.settings.chroma_connect_timeout))
        try:
            self._heartbeat.get(f"{scheme}://{host}:{port}/api/v2/heartbeat").raise_for_status()
        except httpx.HTTPError as exc:
            raise StoreUnavailable(
                f"the Chroma server at {self.settings.chroma_url} is unreachable: "
                f"{exc or type(exc).__name__}") from exc
        client = chromadb.HttpClient(host=host, port=port, ssl=scheme == "https",
                                     settings=chroma_settings)
        session = getattr(getattr(client, "_server", None), "_session", None)
        if isinstance(session, httpx.Client):  # chromadb leaves it at timeout=None
            session.timeout = timeout
        return client

    def reset(self) -> None:
        """Forget the server connection; the next call opens a new one."""
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None and self.settings.chroma_url:
            _close_quietly(conn.client)

    def stale(self, exc: Exception) -> bool:
        """Whether ``exc`` says the connection (not the server) died: worth one retry on a
        fresh connection. A refused connection or a timeout is not: fail fast."""
        if not self.settings.chroma_url:
            return False
        import httpx
        from chromadb.errors import NotFoundError

        stale = isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError,
                                 httpx.WriteError, NotFoundError))
        if stale:
            self.reset()
        return stale

    def raise_fault(self, exc: Exception) -> NoReturn:
        fault = self.fault(exc)
        if fault is exc:
            raise exc
        raise fault from exc

    def fault(self, exc: Exception) -> Exception:
        """The exception to raise for ``exc``: ``StoreUnavailable`` for the store's faults
        (unreachable server, unwritable store), ``exc`` itself for anything else."""
        import httpx
        from chromadb.errors import ChromaError, NotFoundError

        url = self.settings.chroma_url
        if isinstance(exc, httpx.TimeoutException):
            self.reset()
            return StoreUnavailable(f"the Chroma server at {url} did not answer within "
                                    f"{self.settings.chroma_timeout:g} s ({type(exc).__name__})")
        if isinstance(exc, httpx.TransportError):
            self.reset()
            return StoreUnavailable(f"the Chroma server at {url} is unreachable: "
                                    f"{exc or type(exc).__name__}")
        if url and isinstance(exc, NotFoundError):
            self.reset()
            return StoreUnavailable(f"the Chroma server at {url} lost Pantau's collections "
                                    f"(restarted on another store?): {exc}")
        if isinstance(exc, (OSError, ChromaError)):
            reason = self._reason(exc)
            if reason:
                return StoreWriteError(f"the Chroma store at {self.location} cannot be "
                                       f"written: {reason} ({exc})")
        return exc

    def _reason(self, exc: Exception) -> str | None:
        """Why the store cannot be written, if that is the problem: probed on the embedded
        store's directory, read from the error's text for a server."""
        if not self.settings.chroma_url:
            found = probe_writable(self.settings.chroma_dir)
            if found:
                return found
        text = str(exc)
        for pattern, reason in _WRITE_REASONS:
            if pattern.search(text):
                return reason
        return None

    def check_room(self, payload: int) -> None:
        """Refuse a write the embedded store's disk cannot take, before Chroma touches it.

        Chroma's embedded engine does not recover well from a write that fails for lack of
        space: in the same process, later reads of the store can block for good (seen with
        chromadb 1.5 on a full tmpfs). So a write needs about four times its payload (the
        write-ahead log, the metadata and full-text indexes, the vector index) plus 2 MiB
        free, and a read-only file system is refused at once. Server mode: the server's
        business, nothing checked here."""
        if self.settings.chroma_url:
            return
        directory = self.settings.chroma_dir
        try:
            st = os.statvfs(directory)
        except OSError:
            return  # no such directory yet: opening the store reports what is wrong
        if st.f_flag & os.ST_RDONLY:
            reason = "read-only file system"
        else:
            free, need = st.f_bavail * st.f_frsize, 4 * payload + (2 << 20)
            if free >= need:
                return
            reason = (f"no space left on device ({free / 2**20:.1f} MiB free, this write "
                      f"needs about {need / 2**20:.1f} MiB)")
        raise StoreWriteError(f"the Chroma store at {directory} cannot be written: {reason}; "
                              "nothing was written")

_WRITE_REASONS = [  # SQLite/OS wording -> the reason in plain words
    (re.compile(r"read-?only|\(code: 8\)|EROFS|os error 30", re.I), "read-only file system"),
    (re.compile(r"disk is full|no space left|\(code: 13\)|ENOSPC|os error 28", re.I),
     "no space left on device"),
    (re.compile(r"quota", re.I), "disk quota exceeded"),
    (re.compile(r"permission denied|EACCES|os error 13\b", re.I), "permission denied"),
]
_ERRNO_REASONS = {errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
                  errno.EPERM: "permission denied", errno.ENOSPC: "no space left on device",
                  errno.EDQUOT: "disk quota exceeded"}


def probe_writable(directory: Path, size: int = 4096) -> str | None:
    """None when ``directory`` takes a small file (written, synced, removed); else why not,
    in plain words ("read-only file system", "no space left on device", ...)."""
    probe = Path(directory) / f".pantau-probe-{uuid.uuid4().hex}"
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
        with open(probe, "wb") as f:
            f.write(b"\0" * size)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        return _ERRNO_REASONS.get(exc.errno or 0, exc.strerror or str(exc))
    finally:
        try:
            probe.unlink()
        except OSError:
            pass
    return None


def _close_quietly(client) -> None:
    try:
        client.close()
    except Exception:  # closing a client of a dead server must not mask the real error
        log.debug("closing the Chroma client failed", exc_info=True)
