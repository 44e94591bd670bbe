"""Uploaded files: saved under the data dir with a safe name, within the size limit.

A client's file name is never trusted as a path: directories, drive letters, "..", NUL
bytes and leading dots are stripped, so nothing can be written outside the upload folder.
Re-uploading a file with the same name replaces it (and so updates its article).
"""
from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import BinaryIO

from .sources import SUPPORTED


class UploadTooLarge(ValueError):
    """The upload exceeds the configured size limit."""


class UploadNotSaved(OSError):
    """The upload folder cannot be written (read-only, full, or not a folder); an OSError,
    so callers that report I/O failures per file (the web UI) report it too."""


def safe_name(filename: str) -> str:
    """A file name safe to create in the upload folder (ValueError when nothing is left)."""
    name = unicodedata.normalize("NFKC", filename or "").replace("\x00", "")
    name = re.split(r"[\\/]", name)[-1]  # drop any directory part, Windows or POSIX
    name = re.sub(r"[^\w.\- ]", "_", name).strip(" .")
    # File systems cap a name at 255 bytes, not characters ("é" is two): keep the last 200
    # bytes' worth, so the extension survives.
    name = name[-200:]
    while len(name.encode("utf-8")) > 200:
        name = name[1:]
    name = name.strip(" .")
    if not name or name in {".", ".."}:
        raise ValueError(f"unusable file name {filename!r}")
    if Path(name).suffix.lower() not in SUPPORTED:
        raise ValueError(f"{filename!r}: unsupported file type; supported: "
                         f"{', '.join(sorted(SUPPORTED))}")
    return name


def save_upload(stream: BinaryIO, filename: str, folder: Path, max_bytes: int) -> Path:
    """Copy ``stream`` to ``folder/safe_name(filename)``, refusing more than ``max_bytes``.
    A folder that cannot be written raises ``UploadNotSaved`` naming it and the reason; a
    partly written copy is removed and an earlier file of that name is kept."""
    name = safe_name(filename)
    tmp_name = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        dest = (folder / name).resolve()
        if dest.parent != folder.resolve():  # belt and braces: never outside the folder
            raise ValueError(f"unusable file name {filename!r}")
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, prefix=".upload-") as tmp:
            tmp_name = tmp.name
            size = 0
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(f"{filename!r} is larger than the limit of "
                                         f"{max_bytes:,} bytes (PANTAU_MAX_FILE_BYTES)")
                tmp.write(chunk)
        # Same bytes: keep the old file (and its mtime) as it is; the copy goes below.
        if not (dest.exists() and dest.read_bytes() == Path(tmp_name).read_bytes()):
            shutil.move(tmp_name, dest)
        return dest
    except OSError as exc:
        raise UploadNotSaved(f"cannot save the upload {filename!r} in {folder}: "
                             f"{exc.strerror or exc}") from exc
    finally:
        if tmp_name:  # moved into place, or an unneeded or partial copy: never left behind
            with contextlib.suppress(OSError):
                Path(tmp_name).unlink(missing_ok=True)
