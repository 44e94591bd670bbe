"""Retrieval with metadata filters over a real Chroma store (fake embedder)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from ingest.pipeline import ingest_paths
from rag.types import Filters


@pytest.fixture
def loaded(service, news_dir):
    ingest_paths(service, [news_dir])
    return service


def _articles(service, question, **filters):
    ps = service.retrieve(question, top_k=10, filters=Filters(**filters))
    return {service.store.get_article(p.article_id).title for p in ps}, ps


def test_date_range_filters(loaded):
    titles, ps = _articles(loaded, "TikTok Tokopedia", since=date(2023, 12, 1), until=date(2023, 12, 31))
    assert ps and all("2023-12" in p.published for p in ps)
    titles, ps = _articles(loaded, "TikTok", until=date(2023, 10, 4))
    assert ps and all(p.published[:10] <= "2023-10-04" for p in ps)
    # an article published 4 Oct 18:05 WIB counts as 4 Oct, whatever UTC says
    assert any(p.published.startswith("2023-10-04") for p in ps)


def test_datetime_filter_uses_the_instant(loaded):
    wib = timezone(timedelta(hours=7))
    _, ps = _articles(loaded, "TikTok", since=datetime(2023, 10, 4, 18, 0, tzinfo=wib),
                      until=datetime(2023, 10, 4, 18, 10, tzinfo=wib))
    assert [p.published for p in ps] and {p.published for p in ps} == {"2023-10-04T18:05:00+07:00"}


def test_outlet_and_language_filters(loaded):
    _, ps = _articles(loaded, "TikTok", outlets=["Harbour Business Daily"])
    assert ps and {p.outlet for p in ps} == {"Harbour Business Daily"}
    _, ps = _articles(loaded, "TikTok", language="en")
    assert ps and {p.language for p in ps} == {"en"}
    _, ps = _articles(loaded, "TikTok", outlets=["Nobody"])
    assert ps == []


def test_results_are_distinct_and_include_the_best_dense_match(loaded):
    ps = loaded.retrieve("TikTok Shop", top_k=5)
    assert len(ps) == 5 and len({p.passage_id for p in ps}) == 5
    best = loaded.store.query(loaded.embedder.embed_query("TikTok Shop"), 1)[0]
    assert best.passage_id in {p.passage_id for p in ps}
    assert abs(next(p.score for p in ps if p.passage_id == best.passage_id) - best.score) < 1e-6


def test_regulation_filter_and_metadata(loaded):
    ps = loaded.retrieve("aturan", top_k=10, filters=Filters(regulations=["permendag-31-2023"]))
    assert ps and all("permendag-31-2023" in p.regulations for p in ps)
    texts = " ".join(p.text for p in ps)
    assert "31 Tahun 2023" in texts or "31 of 2023" in texts
    assert loaded.retrieve("aturan", filters=Filters(regulations=["uu-99-1999"])) == []
