"""Snapshots of the derived indexes, so a starting process need not rebuild them.

The lexical index, the regulation registry and the timelines are derived from the stored
passages (``rag.store.changes``). Rebuilding them reads and parses every passage: minutes
at 100k passages, for every process, on every start. A snapshot is one index's state saved
with where its ``ChangeFollower`` stood in the store's change log (generation token, log
floor, entries applied since); a starting process loads it and replays only the log entries
after it, as a running process would.

Each snapshot is one file, ``{data_dir}/snapshots/{store}/{index}.snap``, where ``{store}``
names the store (the embedded directory, or the Chroma server and collection prefix), so
every process of a machine that serves one store shares the files:

- a header line (JSON: format, index name, the store it follows, its *recipe*, the
  follower's position, the payload's length and SHA-256), then the payload (pickle);
- written to a temporary file, flushed to disk, then renamed over the old one (a reader
  sees the old file or the new one, never half of one);
- trusted only when the header parses, the payload's length and digest match, the store
  and the recipe are this process's: the recipe fingerprints the code that derives the
  index (every source file of the ``rag`` package and its data) and what else the index
  depends on (the gazetteer), so an upgrade or a changed gazetteer rebuilds once. Anything
  else is logged and the index is rebuilt.

The payload is a pickle: it is read only from the data directory, which holds the store
itself and is as trusted as it; the digest catches a damaged file, not a forged one.

Several workers of one machine share the indexes' memory when a parent process reads the
snapshots once (``preload``) and then forks them (``pantau serve --workers N``): each worker
starts from the parent's objects, whose pages stay shared until a worker changes them.
"""
from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import pickle
import re
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger("pantau.snapshots")

FORMAT = 1
#: A temporary snapshot file this old was left by a writer that was killed (a save takes
#: seconds); the next save of that index removes it.
STALE_TMP_S = 3600.0
_RAG = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over the ``rag`` package's source and data files (names and contents)."""
    h = hashlib.sha256()
    for path in sorted(p for p in _RAG.rglob("*") if p.is_file()
                       and p.suffix in (".py", ".txt", ".yaml", ".yml", ".json")):
        h.update(str(path.relative_to(_RAG)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def store_key(location: str, collection: str) -> str:
    """A folder name for one store: readable, and unique by a digest of where it is."""
    digest = hashlib.sha256(f"{location}\n{collection}".encode()).hexdigest()[:16]
    return f"{re.sub(r'[^A-Za-z0-9_-]+', '-', collection)[:40]}-{digest}"


class Snapshots:
    """The snapshot files of one store's derived indexes (see module doc)."""

    def __init__(self, directory: Path, store: str) -> None:
        self.directory = Path(directory)
        self.store = store

    @classmethod
    def of(cls, settings) -> "Snapshots | None":
        """The snapshots of the store ``settings`` name (``rag.config.Settings``): under the
        data dir, one folder per store (the embedded one, or a server and collection
        prefix); None when snapshots are off. Opens nothing."""
        if not settings.snapshots:
            return None
        where = "embedded" if not settings.chroma_url else settings.chroma_url.rstrip("/")
        key = store_key(where, settings.collection)
        return cls(Path(settings.data_dir) / "snapshots" / key, key)

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.snap"

    def save(self, name: str, recipe: str, position: dict[str, Any], state: Any) -> int:
        """Write ``state`` (picklable) with the follower's ``position``, atomically; the
        bytes written."""
        payload = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        header = {"format": FORMAT, "index": name, "store": self.store, "recipe": recipe,
                  "position": position, "bytes": len(payload),
                  "sha256": hashlib.sha256(payload).hexdigest()}
        self.directory.mkdir(parents=True, exist_ok=True)
        self._sweep(name)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(json.dumps(header).encode() + b"\n")
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)  # as the store's own files: other processes read it
            os.replace(tmp, self.path(name))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return len(payload)

    def _sweep(self, name: str) -> None:
        """Remove what writers of ``name`` that were killed mid-write left (temporary files
        older than ``STALE_TMP_S``: one at a million passages is 200 MB)."""
        now = time.time()
        for tmp in self.directory.glob(f".{name}.*.tmp"):
            try:
                if now - tmp.stat().st_mtime > STALE_TMP_S:
                    tmp.unlink()
                    log.info("removed %s, left by a writer that did not finish", tmp)
            except OSError:
                pass  # another process removed or finished it

    def load(self, name: str, recipe: str) -> tuple[dict[str, Any], Any] | None:
        """(position, state) of the named index's snapshot, or None (no file, or one that
        is damaged, of another store or made by other code: logged). A state ``preload``
        read before this process was forked from its parent is taken from memory while the
        file still holds it (each at most once: the index taking it may change it)."""
        path = self.path(name)
        kept = _PRELOADED.pop(str(path), None)
        if kept is not None and _header(path) == kept[0]:
            header, state = kept
            why = _refused(header, name, self.store, recipe)
            if why is None:
                return header["position"], state
            log.warning("snapshot %s not used, %s: rebuilding", path, why)
            return None
        try:
            header, payload = _read(path)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("snapshot %s unreadable (%s): rebuilding", path, exc)
            return None
        why = _refused(header, name, self.store, recipe) or _damaged(header, payload)
        if why is None:
            try:
                return header["position"], _unpickle(payload)
            except Exception as exc:  # noqa: BLE001 - any unpickling failure means rebuild
                why = f"unpicklable ({type(exc).__name__})"
        log.warning("snapshot %s not used, %s: rebuilding", path, why)
        return None


#: Snapshot states read by ``preload`` (file path -> (header, state)), for the processes
#: forked afterwards to take instead of reading the files again (``Snapshots.load``).
_PRELOADED: dict[str, tuple[dict[str, Any], Any]] = {}


def preload(directory: Path) -> list[str]:
    """Read every intact snapshot in ``directory`` (one store's) into this process, before
    it forks worker processes: each worker then starts its indexes from these objects
    instead of reading and unpickling the files itself, and the memory they occupy is
    shared by every worker (copy-on-write: pages a worker never changes are the parent's)
    instead of each holding its own copy. Whether a snapshot suits the store and code is
    still judged by each worker when it loads it. Returns the names read."""
    out = []
    for path in sorted(Path(directory).glob("*.snap")):
        try:
            header, payload = _read(path)
            why = _damaged(header, payload)
            state = _unpickle(payload) if why is None else None
        except Exception as exc:  # noqa: BLE001 - the worker reads it again and says why
            why = f"unreadable ({type(exc).__name__})"
        if why is not None:
            log.warning("snapshot %s not preloaded: %s", path, why)
            continue
        _PRELOADED[str(path)] = (header, state)
        out.append(path.stem)
    return out


def _unpickle(payload: bytes) -> Any:
    """``pickle.loads`` with the cyclic garbage collector paused: a snapshot is millions of
    small objects, and each allocation threshold crossed while they are made runs a
    collection over the young ones, then over all of them (the timelines of 300k passages
    unpickle in 1.7-2.4 s instead of 4.2-5.4 s, the registry in 0.5 s instead of 1.2 s).
    The objects it makes hold no cycles to collect."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(payload)
    finally:
        if enabled:
            gc.enable()


def _read(path: Path) -> tuple[dict[str, Any], bytes]:
    with path.open("rb") as f:
        header = json.loads(f.readline())
        return header, f.read()


def _header(path: Path) -> dict[str, Any] | None:
    """The snapshot file's header as it is now (None: missing or unreadable)."""
    try:
        with path.open("rb") as f:
            return json.loads(f.readline())
    except (OSError, ValueError):
        return None


def _refused(header: Any, name: str, store: str, recipe: str) -> str | None:
    """Why a snapshot with ``header`` is not this store's index by this code (or None)."""
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        return "another format"
    if header.get("index") != name or header.get("store") != store:
        return "made for another store or index"
    if header.get("recipe") != recipe:
        return "made by other code or settings"
    return None


def _damaged(header: Any, payload: bytes) -> str | None:
    if (not isinstance(header, dict) or len(payload) != header.get("bytes")
            or hashlib.sha256(payload).hexdigest() != header.get("sha256")):
        return "damaged (length or digest differs)"
    return None
