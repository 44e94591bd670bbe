"""Duplicates through the real indexer and a real Chroma store: every planted syndicated
copy is found, nothing else is merged, and the earliest copy is the one stored."""
import random
import shutil

from ingest.dedup import content_hash
from ingest.pipeline import ingest_paths
from ingest.sources import read_path
from rag.store import fingerprint
from rag.types import Article, Passage

from conftest import REPO

MESSY = REPO / "tests" / "fixtures" / "messy"
SAMPLE = REPO / "data" / "sample"
SYND = ["s01_sindikasi-asli.txt", "s02_sindikasi-salinan.txt", "s03_sindikasi-diubah.txt"]


def test_messy_fixtures_copies_found_and_no_false_merge(service):
    report = ingest_paths(service, [MESSY])
    stored = service.articles()
    copies = {c.source.rsplit("/", 1)[-1] for a in stored for c in a.also_published}
    assert copies == {"s02_sindikasi-salinan.txt", "s03_sindikasi-diubah.txt"}
    (canonical,) = [a for a in stored if a.also_published]
    assert canonical.source.endswith("s01_sindikasi-asli.txt")
    assert report.duplicates == 2
    assert len(stored) == report.added  # every other article stands alone


def test_sample_corpus_copies(service):
    report = ingest_paths(service, [SAMPLE])
    stored = service.articles()
    merged = [a for a in stored if a.also_published]
    assert len(merged) == 1 and report.duplicates == 3
    story = merged[0]
    assert story.source.endswith("008_teten-tiktok-dekati-tiga-ecommerce.txt")
    assert [c.published[:10] for c in story.also_published] == ["2023-11-24", "2023-11-25", "2023-11-27"]
    assert len(stored) == 37 - 3


def test_earliest_copy_wins_whatever_the_order(service, tmp_path):
    for name in SYND:
        shutil.copy(MESSY / name, tmp_path / name)
    # the later copies first, the original last, each in its own run
    for name in reversed(SYND):
        ingest_paths(service, [tmp_path / name])
    (story,) = service.articles()
    assert story.source.endswith("s01_sindikasi-asli.txt")
    assert sorted(c.source.rsplit("/", 1)[-1] for c in story.also_published) == SYND[1:]
    passages = service.store.passages.get(include=["metadatas"])["metadatas"]
    assert {m["article_id"] for m in passages} == {story.id}  # the superseded copy left no passages
    again = ingest_paths(service, [tmp_path])
    assert again.added == again.duplicates == 0 and len(service.articles()) == 1


def _text(path):
    (article,) = [i for i in read_path(path, 10**7) if isinstance(i, Article)]
    return article.text


def test_threshold_separates_copies_from_stories():
    sig = {n: fingerprint.signature(_text(MESSY / n)) for n in SYND}
    edited = fingerprint.similarity(sig[SYND[0]], sig[SYND[2]])
    assert fingerprint.NEAR_DUPLICATE <= edited < 1.0
    other = fingerprint.signature(_text(SAMPLE / "scraped" / "006_tiktok-shop-tutup-4-oktober.txt"))
    assert fingerprint.similarity(sig[SYND[0]], other) < 0.1


def test_a_batch_reads_the_store_a_few_times_not_once_per_article(service, monkeypatch):
    """The dedup lookups of a batch (stored ids, content hashes, near-duplicates) are one
    read each per batch: ingest does not slow down with round trips per article."""
    ingest_paths(service, [SAMPLE])
    store = service.store
    before = len(service.articles())
    again = list(store.get_articles([a.id for a in service.articles()[:8]]).values())
    words = ("ikan sayur buah beras gula garam minyak kopi teh susu roti telur daging ayam "
             "jagung kedelai cabai bawang tomat kentang pasar harga naik turun").split()
    fresh = [Article(id=f"new-{i}", title=f"Cerita {i}", url=f"https://o.example/{i}",
                     text=(text := " ".join(random.Random(i).choices(words, k=150)) + "."),
                     content_hash=content_hash(text), published=f"2024-01-0{i + 1}",
                     language="id") for i in range(5)]
    assert all(fingerprint.similarity(fingerprint.signature(a.text), fingerprint.signature(
        b.text)) < fingerprint.NEAR_DUPLICATE for a in fresh for b in fresh if a is not b)
    copy_of = again[0].model_copy(update={"id": "copy-0", "url": "https://other.example/c",
                                          "published": "2030-01-01"})
    calls = {"get_articles": 0, "find_by_hashes": 0, "find_similar": 0, "get_article": 0}
    for name in calls:
        def counted(*a, _real=getattr(store, name), _name=name, **k):
            calls[_name] += 1
            return _real(*a, **k)
        monkeypatch.setattr(store, name, counted)

    def one_passage(a):
        return [Passage(id=f"{a.id}:0", article_id=a.id, index=0, text=a.text[:200], start=0,
                        end=len(a.text[:200]))]
    results = service.index([(a, one_passage(a)) for a in again + fresh + [copy_of]])
    assert calls["get_article"] == 0 and calls["find_by_hashes"] == 1
    assert calls["get_articles"] == 2 and calls["find_similar"] == 1
    assert [r.outcome for r in results[:8]] == ["unchanged"] * 8
    assert [r.outcome for r in results[8:13]] == ["added"] * 5
    assert (results[13].outcome, results[13].stored_as) == ("duplicate", again[0].id)
    assert len(service.articles()) == before + 5
