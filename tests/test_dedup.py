"""Duplicates through the real indexer and a real Chroma store: every planted syndicated
copy is found, nothing else is merged, and the earliest copy is the one stored."""
import shutil

from ingest.pipeline import ingest_paths
from ingest.sources import read_path
from rag.store import fingerprint
from rag.types import Article

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
