"""Near-duplicate detection: MinHash signatures of word shingles, banded for lookup.

A syndicated copy of a story (same body, a new header, a reworded paragraph or two) shares
most of its 5-word shingles with the original; two different stories on the same topic
share almost none. MinHash estimates that Jaccard similarity from 128 numbers; cutting the
signature into 32 bands of 4 rows gives lookup keys, so candidates are found by the bands
they share (``rag.store.neardup``, in memory; two articles at Jaccard 0.5 share a band with probability 1-(1-0.5^4)^32 =
0.87; at 0.7 it is 0.9995) and then confirmed on the full signature. The threshold is
calibrated in docs/INGESTION.md.
"""
from __future__ import annotations

import hashlib
import struct
from functools import lru_cache

from rag.text import normalize, words

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
SHINGLE = 5
#: Estimated Jaccard similarity of shingles at or above which two texts are one story.
NEAR_DUPLICATE = 0.5

_MERSENNE = (1 << 61) - 1
_MAX = (1 << 32) - 1


def _params() -> list[tuple[int, int]]:
    # Fixed pseudo-random permutations (a, b): signatures are comparable across runs.
    out = []
    for i in range(NUM_PERM):
        d = hashlib.sha256(f"pantau-minhash-{i}".encode()).digest()
        a, b = struct.unpack("<QQ", d[:16])
        # a < 2^31 and b < 2^61 keep a*x + b (x < 2^32) inside uint64: exact arithmetic.
        out.append((a % ((1 << 31) - 1) + 1, b % _MERSENNE))
    return out


_PERMS = _params()


def shingles(text: str) -> set[int]:
    """32-bit hashes of the text's overlapping 5-word shingles (case and spacing ignored)."""
    toks = words(normalize(text))
    if len(toks) < SHINGLE:
        toks = toks + [""] * (SHINGLE - len(toks))
    out = set()
    for i in range(len(toks) - SHINGLE + 1):
        key = " ".join(toks[i:i + SHINGLE]).encode("utf-8")
        out.add(int.from_bytes(hashlib.blake2b(key, digest_size=4).digest(), "little"))
    return out


@lru_cache(maxsize=512)  # the service looks an article up, then the store writes it
def signature(text: str) -> tuple[int, ...]:
    """The MinHash signature (NUM_PERM values) of ``text``."""
    import numpy as np

    sh = np.fromiter(shingles(text), dtype=np.uint64)
    a = np.array([p[0] for p in _PERMS], dtype=np.uint64)[:, None]
    b = np.array([p[1] for p in _PERMS], dtype=np.uint64)[:, None]
    vals = (a * sh[None, :] + b) % np.uint64(_MERSENNE)
    return tuple(int(v) & _MAX for v in vals.min(axis=1))


def similarity(a: tuple[int, ...] | list[int], b: tuple[int, ...] | list[int]) -> float:
    """Estimated Jaccard similarity of the two texts' shingles."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b)) / len(a)
