"""Uploaded files: saved under the data dir with a safe name, within the size limit.

A client's file name is never trusted as a path: directories, drive letters, "..", NUL
bytes and leading dots are stripped, so nothing can be written outside the upload folder.
Re-uploading a file with the same name replaces it (and so updates its article).
"""
from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import BinaryIO

from .sources import SUPPORTED


class UploadTooLarge(ValueError):
    """The upload exceeds the configured size limit."""


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
    """Copy ``stream`` to ``folder/safe_name(filename)``, refusing more than ``max_bytes``."""
    folder.mkdir(parents=True, exist_ok=True)
    dest = (folder / safe_name(filename)).resolve()
    if dest.parent != folder.resolve():  # belt and braces: never outside the folder
        raise ValueError(f"unusable file name {filename!r}")
    with tempfile.NamedTemporaryFile(dir=folder, delete=False, prefix=".upload-") as tmp:
        size = 0
        while chunk := stream.read(1 << 20):
            size += len(chunk)
            if size > max_bytes:
                tmp.close()
                Path(tmp.name).unlink(missing_ok=True)
                raise UploadTooLarge(f"{filename!r} is larger than the limit of {max_bytes:,} "
                                     f"bytes (PANTAU_MAX_FILE_BYTES)")
            tmp.write(chunk)
    if dest.exists() and dest.read_bytes() == Path(tmp.name).read_bytes():
        Path(tmp.name).unlink()  # same bytes: keep the old file (and its mtime) as it is
    else:
        shutil.move(tmp.name, dest)
    return dest
