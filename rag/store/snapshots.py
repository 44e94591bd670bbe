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
  follower's position, the body's length and SHA-256, where its arrays lie), then the body:
  the pickle, then the large numpy arrays' raw bytes (pickle protocol 5's out-of-band
  buffers, each at a 64-byte boundary);
- read by mapping the file into memory (private, copy-on-write): the arrays are views of
  the mapped file, so the postings of a million passages cost memory only for the pages
  that questions touch, a start does not copy them, and every process of the machine that
  maps one file shares its pages through the page cache (a page an index changes becomes
  that process's own);
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
import mmap
import os
import pickle
import re
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger("pantau.snapshots")

FORMAT = 2
#: Arrays at least this large are kept outside the pickle, mapped from the file when read.
MAPPED_BYTES = 64 * 1024
_ALIGN = 64
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
        buffers: list[pickle.PickleBuffer] = []
        payload = pickle.dumps(state, protocol=5, buffer_callback=lambda b: _in_band(b, buffers))
        body = [payload]  # the pickle, then each array at an aligned offset
        size = len(payload)
        places = []
        for b in buffers:
            body.append(b"\0" * (-size % _ALIGN))
            size += len(body[-1])
            places.append([size, b.raw().nbytes])
            body.append(b.raw())
            size += b.raw().nbytes
        digest = hashlib.sha256()
        for part in body:
            digest.update(part)
        header = {"format": FORMAT, "index": name, "store": self.store, "recipe": recipe,
                  "position": position, "bytes": size, "buffers": places,
                  "sha256": digest.hexdigest()}
        line = json.dumps(header).encode()
        # spaces up to a boundary, so that the arrays' offsets are aligned in the file too
        line += b" " * (-(len(line) + 1) % _ALIGN) + b"\n"
        self.directory.mkdir(parents=True, exist_ok=True)
        self._sweep(name)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(line)
                for part in body:
                    f.write(part)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)  # as the store's own files: other processes read it
            os.replace(tmp, self.path(name))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return size

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
            header, state = _read(path, lambda h: _refused(h, name, self.store, recipe))
        except FileNotFoundError:
            return None
        except _NotUsed as exc:
            log.warning("snapshot %s not used, %s: rebuilding", path, exc)
            return None
        except (OSError, ValueError) as exc:
            log.warning("snapshot %s unreadable (%s): rebuilding", path, exc)
            return None
        return header["position"], state


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
            header, state = _read(path)
        except _NotUsed as exc:
            log.warning("snapshot %s not preloaded: %s", path, exc)
            continue
        except Exception as exc:  # noqa: BLE001 - the worker reads it again and says why
            log.warning("snapshot %s not preloaded: unreadable (%s)", path, type(exc).__name__)
            continue
        _PRELOADED[str(path)] = (header, state)
        out.append(path.stem)
    return out


def _in_band(buffer: pickle.PickleBuffer, kept: list[pickle.PickleBuffer]) -> bool:
    """Pickle's buffer callback: a small array stays in the pickle (True); a large one is
    kept to be written after it (``MAPPED_BYTES``)."""
    if buffer.raw().nbytes < MAPPED_BYTES:
        return True
    kept.append(buffer)
    return False


def _unpickle(payload, buffers=()) -> Any:
    """``pickle.loads`` with the cyclic garbage collector paused: a snapshot is millions of
    small objects, and each allocation threshold crossed while they are made runs a
    collection over the young ones, then over all of them (the timelines of 300k passages
    unpickle in 1.7-2.4 s instead of 4.2-5.4 s, the registry in 0.5 s instead of 1.2 s).
    The objects it makes hold no cycles to collect."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(payload, buffers=buffers)
    finally:
        if enabled:
            gc.enable()


class _NotUsed(Exception):
    """A snapshot that is not to be used; the message says why."""


def _read(path: Path, refused=lambda header: None) -> tuple[dict[str, Any], Any]:
    """The header and state of the snapshot at ``path``; ``_NotUsed`` when ``refused``
    (given the header) says why not or the body is damaged. The body is checked by reading
    the file in blocks (the page cache's memory, not this process's); the pickle is read and
    unpickled, the large arrays are views of the file mapped (nothing of them is read until
    used)."""
    with path.open("rb") as f:
        line = f.readline()
        header = json.loads(line)
        why = refused(header) or _damaged(header, f)
        if why is not None:
            raise _NotUsed(why)
        places = header["buffers"]
        pickled = f.read(places[0][0] if places else header["bytes"])
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY) if places else None
    body = len(line)
    try:
        return header, _unpickle(pickled, [memoryview(mapped)[body + o:body + o + n]
                                           for o, n in places])
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means rebuild
        raise _NotUsed(f"unpicklable ({type(exc).__name__})") from exc


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


def _damaged(header: Any, body) -> str | None:
    """Why the body read from the open file ``body`` does not match ``header`` (length,
    SHA-256), or None; read in blocks, the file's position left where it was."""
    start = body.tell()
    digest, size = hashlib.sha256(), 0
    block = bytearray(1 << 22)
    while n := body.readinto(block):
        digest.update(memoryview(block)[:n])
        size += n
    body.seek(start)
    if (not isinstance(header, dict) or size != header.get("bytes")
            or digest.hexdigest() != header.get("sha256")
            or not isinstance(header.get("buffers"), list)):
        return "damaged (length or digest differs)"
    return None
