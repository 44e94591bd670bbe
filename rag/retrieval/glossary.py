"""A bilingual glossary: terms that mean the same thing in Indonesian and English.

Shipped as ``rag/data/glossary.txt`` (one concept per line, terms joined by " = ");
users add their own file with ``PANTAU_GLOSSARY_FILE``. Lookups are case-insensitive and
match whole words.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from rag.text import stem

BUILTIN = Path(__file__).parent.parent / "data" / "glossary.txt"


class Glossary:
    """Concepts as sets of equivalent lower-case terms."""

    def __init__(self, concepts: list[frozenset[str]]) -> None:
        self.concepts = concepts
        self._by_term: dict[str, frozenset[str]] = {}
        for c in concepts:
            for t in c:
                self._by_term[t] = self._by_term.get(t, frozenset()) | c
        self._stems: dict[str, str] | None = None  # built on first use
        # Longest first, so "perdagangan elektronik" wins over a shorter overlapping term.
        terms = sorted(self._by_term, key=len, reverse=True)
        self._pattern = re.compile(
            r"(?<![\w-])(" + "|".join(re.escape(t) for t in terms) + r")(?![\w-])", re.I
        ) if terms else None

    @classmethod
    def load(cls, *paths: Path) -> "Glossary":
        """Read glossary files (missing user files are an error, not silently ignored)."""
        concepts = []
        for path in paths:
            for line in Path(path).read_text(encoding="utf-8").splitlines():
                line = line.split("#", 1)[0].strip()
                if "=" not in line:
                    continue
                terms = frozenset(t.strip().lower() for t in line.split("=") if t.strip())
                if len(terms) > 1:
                    concepts.append(terms)
        return cls(concepts)

    def equivalents(self, term: str) -> frozenset[str]:
        """Every term meaning the same as ``term`` (including itself)."""
        t = term.lower()
        return self._by_term.get(t, frozenset()) | {t}

    def concept_of_stem(self, stemmed: str) -> str | None:
        """The concept (its least term) one of whose one-word terms has this stem in either
        language ("bertransaksi" stems as "transaksi" does: transaction), or None."""
        if self._stems is None:
            self._stems = {}
            for t, c in self._by_term.items():
                if " " not in t and "-" not in t:
                    for lg in ("id", "en"):
                        self._stems.setdefault(stem(t, lg), min(c))
        return self._stems.get(stemmed)

    def find(self, text: str) -> list[re.Match]:
        """Glossary terms occurring in ``text``, not overlapping, in text order; where two
        overlap the longer wins, wherever it starts ("melantai di Bursa Efek Indonesia":
        "bursa efek indonesia" over "melantai di bursa")."""
        if not self._pattern:
            return []
        # At each word start the longest term there (the alternation is longest first).
        found = [m for w in _WORD_START.finditer(text)
                 if (m := self._pattern.match(text, w.start()))]
        kept: list[re.Match] = []
        for m in sorted(found, key=lambda m: (m.start() - m.end(), m.start())):
            if all(m.end() <= k.start() or m.start() >= k.end() for k in kept):
                kept.append(m)
        return sorted(kept, key=lambda m: m.start())


_WORD_START = re.compile(r"(?<![\w-])\w")


@lru_cache(maxsize=8)
def load_glossary(extra: str = "") -> Glossary:
    """The built-in glossary plus an optional user file (cached per path)."""
    return Glossary.load(BUILTIN, *([Path(extra)] if extra else []))
