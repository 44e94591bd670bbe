"""Synthetic news for benchmarks: distinct articles of realistic length and vocabulary.

Sentences are drawn from the sample corpus (data/sample) and recombined, so vocabulary,
sentence length and the Indonesian/English mix are those of real news, while no two
articles are near-duplicates of each other.
"""
from __future__ import annotations

import random
from pathlib import Path

from ingest.sources import expand_paths, read_path
from rag.text import sentence_spans
from rag.types import Article

DAYS_ID = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS_ID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember"]


def sentence_pool(sample_dir: Path) -> list[str]:
    """Every sentence of the sample corpus."""
    pool = []
    for p in expand_paths([sample_dir]):
        for item in read_path(p, 10**8):
            if isinstance(item, Article):
                pool += [item.text[s:e] for s, e in sentence_spans(item.text)]
    return pool


def write_corpus(folder: Path, n: int, sample_dir: Path, seed: int = 7) -> int:
    """Write ``n`` scraped-format articles into ``folder``; returns the number written."""
    import datetime as dt

    rng = random.Random(seed)
    pool = sentence_pool(sample_dir)
    folder.mkdir(parents=True, exist_ok=True)
    start = dt.date(2019, 1, 1)
    for i in range(n):
        day = start + dt.timedelta(days=rng.randrange(2500))
        k = rng.randint(8, 22)  # 150-450 words, like the sample
        paragraphs = [" ".join(rng.sample(pool, rng.randint(1, 3))) for _ in range(k // 2)]
        header = (f"Laporan pasar digital nomor {i}\nEkonomi\n"
                  f"{DAYS_ID[day.weekday()]}, {day.day} {MONTHS_ID[day.month - 1]} {day.year} "
                  f"{rng.randint(6, 22):02d}:{rng.randint(0, 59):02d} WIB\nPenulis:Redaksi {i % 17}\n")
        (folder / f"{i:06d}.txt").write_text(header + "\n".join(paragraphs) + "\n")
    return n
