"""The synthetic corpus of `pantau bench scale`: deterministic, realistic, ingestible."""
import statistics

import pytest

from bench.synthetic import Generator, SyntheticEmbeddings, pseudo_word
from rag.regulations import find_references
from rag.text import sentence_spans


@pytest.fixture(scope="module")
def gen():
    return Generator(seed=7)


def test_deterministic_for_a_seed(gen):
    again = Generator(seed=7)
    assert [gen.article(i) for i in (0, 5, 999)] == [again.article(i) for i in (0, 5, 999)]
    assert gen.article(5) != Generator(seed=8).article(5)
    assert gen.article(5) != gen.article(6)


def test_realistic_lengths_languages_and_dates(gen):
    arts = list(gen.articles(0, 300))
    words = [len(a["text"].split()) for a in arts]
    assert min(words) >= 150 and max(words) <= 800
    assert 180 <= statistics.mean(words) <= 450
    sent = [len(a["text"][s:e].split()) for a in arts[:50] for s, e in sentence_spans(a["text"])]
    assert 8 <= statistics.median(sent) <= 30  # news-like sentences, not word salad lines
    en = sum(a["language"] == "en" for a in arts) / len(arts)
    assert 0.15 <= en <= 0.45
    years = {a["published"][:4] for a in arts}
    assert len(years) >= 6  # spread over years
    assert len({a["url"] for a in arts}) == len(arts)


def test_vocabulary_keeps_growing_and_regulations_are_cited(gen):
    def vocab(n):
        return {w.lower() for a in gen.articles(0, n) for w in a["text"].split()}

    small, large = vocab(100), vocab(400)
    assert len(large) > 1.6 * len(small)  # a long tail keeps adding words (Heaps' law)
    arts = list(gen.articles(0, 100))
    cited = sum(bool(find_references(a["text"])) for a in arts)
    assert cited > 50


def test_articles_ingest_through_the_pipeline(service, gen):
    from ingest.pipeline import ingest_records

    report = ingest_records(service, gen.articles(0, 20))
    assert report.added == 20 and not report.failed and report.duplicates == 0
    assert service.store.counts()[1] >= 40
    assert service.regulations()  # the registry finds the cited regulations


def test_pseudo_words_are_distinct():
    assert len({pseudo_word(i) for i in range(5000)}) == 5000


def test_synthetic_embeddings():
    emb = SyntheticEmbeddings(384)
    a1, a2, b = emb.embed_documents(["Judul A · 2023-01-01\nsatu", "Judul A · 2023-01-01\ndua",
                                     "Judul B\ntiga"])
    assert len(a1) == 384 and abs(sum(x * x for x in a1) - 1) < 1e-6
    assert emb.embed_documents(["Judul A · 2023-01-01\nsatu"])[0] == a1

    def cos(x, y):
        return sum(p * q for p, q in zip(x, y))

    assert cos(a1, a2) > cos(a1, b)  # passages of one article cluster
    assert emb.embed_query("apa") == emb.embed_documents(["apa"])[0]
