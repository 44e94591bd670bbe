"""A synthetic news corpus for scale benchmarks, deterministic for a seed.

Unlike ``bench.corpus`` (which recombines the ~500 sample sentences, fine for a few hundred
articles), this generator has to fill 100,000 passages without repeating itself, so it
models the sample corpus instead of copying it:

- **words**: a bigram chain per language (Indonesian, English) learnt from data/sample, so
  phrases and word frequencies are those of the news; a share of words is replaced by a
  long tail of pseudo-words (log-uniform ranks over ``TAIL_VOCAB`` Indonesian-looking
  words, about Zipf with exponent 1), so the vocabulary keeps growing with the corpus as
  real news does (Heaps' law) and BM25 sees a realistic number of terms;
- **sentences**: lengths drawn from the sample's own sentence lengths per language;
- **entities and regulations**: sentences name tracked players (rag/data/gazetteer.yaml)
  and cite regulations in the forms news uses ("Permendag Nomor 31 Tahun 2023",
  "PP 80/2019", "Government Regulation No. 12 of 2021") with dated event phrases, so the
  regulation registry and the timelines have real work to do;
- **articles**: 150–600 words (the sample's range), Indonesian 70% / English 30%, dates
  spread over 2018–2025, a dozen outlets, stable URLs (``https://synthetic.example/...``).

``articles(n, seed)`` yields JSONL-shaped records (``ingest.pipeline.ingest_records``
takes them as they are). ``SyntheticEmbeddings`` gives passages cheap deterministic 384-d
vectors (clustered by topic, like real embeddings) and can hand questions to a real model,
so vector search cost at scale is measured without hours of encoding.
"""
from __future__ import annotations

import hashlib
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.embeddings import Embeddings

#: Size of the long-tail pseudo-vocabulary.
TAIL_VOCAB = 400_000
#: Share of words drawn from the long tail instead of the bigram chain.
TAIL_SHARE = 0.06
OUTLETS = ["Kompas", "Detik", "CNBC Indonesia", "Bisnis Indonesia", "Kontan", "Tempo",
           "Katadata", "The Jakarta Post", "Reuters", "TrenAsia", "Antara", "Tech in Asia"]
#: Consonant-vowel syllables, all two letters, so a word splits back into one rank only.
SYLLABLES = [c + v for c in "bdgjklmnprstwy" for v in "aeiou"]
REG_TYPES_ID = [("Peraturan Menteri Perdagangan", "Permendag"), ("Peraturan Pemerintah", "PP"),
                ("Peraturan Presiden", "Perpres"), ("Peraturan Menteri Keuangan", "PMK"),
                ("Peraturan Otoritas Jasa Keuangan", "POJK"), ("Undang-Undang", "UU")]
REG_TYPES_EN = ["Trade Minister Regulation", "Government Regulation", "Presidential Regulation",
                "Finance Minister Regulation", "Law"]
EVENTS_ID = ["mulai berlaku pada", "resmi dihentikan pada", "diumumkan pada", "direvisi pada",
             "ditandatangani pada", "dibuka kembali pada"]
EVENTS_EN = ["took effect on", "was suspended on", "was announced on", "was revised on",
             "was signed on", "reopened on"]
MONTHS_ID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]


def pseudo_word(rank: int) -> str:
    """The long-tail word of a given rank: 2-4 syllables, deterministic, distinct per rank."""
    out, n = [], rank + len(SYLLABLES)  # at least two syllables
    while n:
        out.append(SYLLABLES[n % len(SYLLABLES)])
        n //= len(SYLLABLES)
    return "".join(out)


@dataclass
class LanguageModel:
    """A bigram chain with sentence-start words and sentence lengths, for one language."""

    starts: list[str] = field(default_factory=list)
    follow: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lengths: list[int] = field(default_factory=list)

    def learn(self, sentence: str) -> None:
        ws = sentence.split()
        if len(ws) < 3:
            return
        self.starts.append(ws[0])
        self.lengths.append(len(ws))
        for a, b in zip(ws, ws[1:]):
            self.follow[a].append(b)

    def sentence(self, rng: random.Random) -> str:
        n = rng.choice(self.lengths)
        w = rng.choice(self.starts)
        out = [w]
        while len(out) < n:
            nxt = self.follow.get(w)
            w = rng.choice(nxt) if nxt else rng.choice(self.starts)
            if rng.random() < TAIL_SHARE:
                out.append(pseudo_word(int(TAIL_VOCAB ** rng.random())))
            else:
                out.append(w)
        s = " ".join(out).rstrip(",;:")
        return s if s.endswith((".", "?", "!", '"')) else s + "."


class Generator:
    """Deterministic synthetic articles learnt from a sample corpus folder."""

    def __init__(self, sample_dir: Path = Path("data/sample"), seed: int = 7) -> None:
        from ingest.sources import expand_paths, read_path
        from rag.tracking.entities import load_gazetteer
        from rag.text import sentence_spans
        from rag.types import Article

        self.seed = seed
        self.models = {"id": LanguageModel(), "en": LanguageModel()}
        self.article_words: list[int] = []
        for p in expand_paths([sample_dir]):
            for item in read_path(p, 10**8):
                if not isinstance(item, Article):
                    continue
                lm = self.models["en" if item.language == "en" else "id"]
                for s, e in sentence_spans(item.text):
                    lm.learn(item.text[s:e].replace("\n", " "))
                self.article_words.append(len(item.text.split()))
        if not all(m.starts for m in self.models.values()):
            raise ValueError(f"{sample_dir} has too little Indonesian or English text")
        gaz = load_gazetteer()
        self.entities = sorted({n for e in gaz.entities.values() for n in e.names})

    def _regulation(self, rng: random.Random, lang: str) -> str:
        num, year = rng.randint(1, 120), rng.randint(2008, 2025)
        if lang == "en":
            return f"{rng.choice(REG_TYPES_EN)} No. {num} of {year}"
        long, short = rng.choice(REG_TYPES_ID)
        form = rng.randrange(3)
        if form == 0:
            return f"{long} Nomor {num} Tahun {year}"
        if form == 1:
            return f"{short} {num}/{year}"
        return f"{short} No {num} tahun {year}"

    def _date(self, rng: random.Random, lang: str, year: int) -> str:
        d, m = rng.randint(1, 28), rng.randrange(12)
        return f"{d} {MONTHS_EN[m]} {year}" if lang == "en" else f"{d} {MONTHS_ID[m]} {year}"

    def _sentence(self, rng: random.Random, lang: str, year: int) -> str:
        s = self.models[lang].sentence(rng)
        r = rng.random()
        if r < 0.10:  # a dated regulation event
            ev = rng.choice(EVENTS_EN if lang == "en" else EVENTS_ID)
            s = (f"{self._regulation(rng, lang)} {ev} {self._date(rng, lang, year)}, "
                 f"{s[0].lower()}{s[1:]}")
        elif r < 0.22:  # a tracked player
            who = rng.choice(self.entities)
            s = f"{who} {'said' if lang == 'en' else 'menyatakan'} {s[0].lower()}{s[1:]}"
        return s

    def article(self, i: int) -> dict:
        """The ``i``-th article as a JSONL-shaped record (same for the same seed and i)."""
        rng = random.Random(f"{self.seed}:{i}")
        lang = "en" if rng.random() < 0.3 else "id"
        year = rng.randint(2018, 2025)
        day = self._date(rng, lang, year)
        target = max(150, min(600, rng.choice(self.article_words) + rng.randint(-40, 40)))
        paragraphs, words = [], 0
        while words < target:
            para = " ".join(self._sentence(rng, lang, year) for _ in range(rng.randint(1, 3)))
            paragraphs.append(para)
            words += len(para.split())
        title = self.models[lang].sentence(rng).rstrip(".")
        title = " ".join(title.split()[:rng.randint(6, 12)])
        m = MONTHS_EN.index(day.split()[1]) + 1 if lang == "en" else \
            MONTHS_ID.index(day.split()[1]) + 1
        return {
            "title": title[0].upper() + title[1:],
            "text": "\n\n".join(paragraphs),
            "url": f"https://synthetic.example/{self.seed}/{i}",
            "published": f"{year}-{m:02d}-{int(day.split()[0]):02d}T{rng.randint(6, 22):02d}:"
                         f"{rng.randint(0, 59):02d}:00+07:00",
            "outlet": rng.choice(OUTLETS),
            "language": lang,
        }

    def articles(self, start: int = 0, stop: int | None = None) -> Iterator[dict]:
        """Articles ``start`` .. ``stop - 1`` (endless without ``stop``)."""
        i = start
        while stop is None or i < stop:
            yield self.article(i)
            i += 1


def articles(n: int, seed: int = 7, sample_dir: Path = Path("data/sample")) -> list[dict]:
    """``n`` synthetic articles (see module doc)."""
    return list(Generator(sample_dir, seed).articles(0, n))


class SyntheticEmbeddings(Embeddings):
    """Cheap deterministic vectors of a real model's dimension, for benchmarks at scale.

    A passage's vector is its topic centre plus noise (topic and noise seeded by a hash of
    the text), so neighbourhoods are clustered like real embeddings rather than uniform.
    Questions go to ``query_model`` when given (a real embedder of the same dimension: real
    query vectors against a store of synthetic passage vectors, so the search cost is the
    real one), otherwise they are hashed the same way. Token counting (passage sizing)
    goes to ``query_model`` too when it can, so passages have the real token budget.
    """

    def __init__(self, dim: int = 384, query_model: Embeddings | None = None,
                 topics: int = 256) -> None:
        import numpy as np

        self.dim = dim
        self.query_model = query_model
        self.name = f"synthetic-{dim}" + (f"+{getattr(query_model, 'name', 'model')}"
                                          if query_model else "")
        rng = np.random.default_rng(12345)
        c = rng.standard_normal((topics, dim))
        self._centres = c / np.linalg.norm(c, axis=1, keepdims=True)
        if query_model is not None and hasattr(query_model, "count_tokens"):
            self.count_tokens = query_model.count_tokens
            self.prompt_tokens = query_model.prompt_tokens

    @property
    def max_tokens(self) -> int:
        return getattr(self.query_model, "max_tokens", 512)

    def count_tokens(self, texts: list[str]) -> list[int]:  # replaced by the model's if any
        return [len(t.split()) for t in texts]

    def prompt_tokens(self) -> int:
        return 0

    def _vec(self, text: str) -> list[float]:
        import numpy as np

        h = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
        rng = np.random.default_rng(h)
        topic = self._centres[_topic(text) % len(self._centres)]
        v = topic + 0.8 * rng.standard_normal(self.dim) / np.sqrt(self.dim)
        return (v / np.linalg.norm(v)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        if self.query_model is not None:
            return self.query_model.embed_query(text)
        return self._vec(text)


def _topic(text: str) -> int:
    """A topic key from the text's first title-like words (articles share one topic)."""
    head = re.split(r"[\n·]", text, maxsplit=1)[0]
    return int.from_bytes(hashlib.blake2b(head.encode(), digest_size=4).digest(), "big")
