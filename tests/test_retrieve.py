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


def test_reranker_slot_reorders_candidates(settings, news_dir):
    from rag.retrieval.retrieve import Retriever
    from rag.service import PantauService

    class ByLength:  # a stand-in cross-encoder: prefers the shortest passage
        calls = 0

        def rerank(self, question, passages):
            ByLength.calls += 1
            return sorted(passages, key=lambda p: len(p.text))

    service = PantauService.from_settings(settings)
    ingest_paths(service, [news_dir])
    plain = service.retrieve("TikTok Shop Tokopedia", top_k=3)
    reranked = Retriever(service.store, service.embedder, settings, reranker=ByLength()).retrieve(
        "TikTok Shop Tokopedia", top_k=3)
    assert ByLength.calls == 1
    assert [len(p.text) for p in reranked] == sorted(len(p.text) for p in reranked)
    assert [p.passage_id for p in reranked] != [p.passage_id for p in plain]


def test_reranker_is_built_from_settings_only_when_configured():
    from rag.models.rerank import CrossEncoderReranker, make_reranker

    assert make_reranker("") is None
    r = make_reranker("/models/some-cross-encoder")
    assert isinstance(r, CrossEncoderReranker) and r._model is None  # nothing loaded yet


def test_wide_dense_lists_equal_chroma_filtered_queries(loaded, monkeypatch):
    """One unfiltered query split per language (filters checked in Python) gives the same
    per-language lists as Chroma's filtered queries while it covers the store; when it does
    not and the filters leave too few, Chroma's filtered query is used (also exact)."""
    from rag.retrieval import retrieve
    from rag.retrieval.query import plan

    r = loaded.retriever
    vec = loaded.embedder.embed_query("TikTok Shop ditutup")
    for f in [Filters(), Filters(until=date(2023, 12, 31)), Filters(outlets=["Harbour Business Daily"]),
              Filters(regulations=["permendag-31-2023"])]:
        qp = plan("TikTok Shop ditutup", r.glossary, f)
        want = [[p.passage_id for p in loaded.store.query(vec, 6, f.model_copy(update={"language": lg}))]
                for lg in ("en", "id")]
        for wide in (retrieve.DENSE_WIDE, 1):  # 1: the wide query no longer covers the store
            monkeypatch.setattr(retrieve, "DENSE_WIDE", wide)
            got = [[p.passage_id for p in ps] for ps, _ in r._dense_lists(vec, 6, qp, r.lexical.languages())]
            if wide == 1 and f == Filters():
                # Unfiltered and too narrow: each language's best among the 12 nearest.
                nearest = [p.passage_id for p in loaded.store.query(vec, 12)]
                assert all(set(g) <= set(nearest) for g in got)
                continue
            assert got == want, (f, wide)


def test_recency_reorders_the_relevant_passages_not_the_whole_candidate_list():
    from rag.retrieval.retrieve import prefer_recent
    from rag.types import RetrievedPassage

    def p(i, day):
        return RetrievedPassage(passage_id=f"a{i}:0", article_id=f"a{i}", title="", outlet="",
                                url="", published=day, language="id", text=f"passage {i}",
                                start=0, end=9, score=0.9)

    # 40 candidates, the best from March 2024; the ninth is the newest of all.
    ps = [p(i, "2024-03-01" if i == 0 else "2023-10-01") for i in range(40)]
    ps[8] = p(8, "2026-01-20")
    assert prefer_recent(ps)[0].passage_id == "a0:0"
    # The second best, when it is the newest, comes first.
    ps[1], ps[8] = p(1, "2026-01-20"), p(8, "2023-10-01")
    assert [x.passage_id for x in prefer_recent(ps)[:2]] == ["a1:0", "a0:0"]


def test_a_passage_without_a_date_is_not_taken_for_the_oldest():
    from rag.dates import recency
    from rag.retrieval.retrieve import prefer_recent
    from rag.types import RetrievedPassage

    assert recency(["2024-01-01", None, "2026-01-01", "2025-01-01"])[1] == pytest.approx(
        recency(["2024-01-01", None, "2026-01-01", "2025-01-01"])[3])
    assert recency(["2024-01-01", None]) is None  # one date: nothing to order by

    def p(i, day):
        return RetrievedPassage(passage_id=f"a{i}:0", article_id=f"a{i}", title="", outlet="",
                                url="", published=day, language="id", text=f"passage {i}",
                                start=0, end=9, score=0.9)

    # The best passage lost its date (a real page without one); "now" must not bury it
    # under the dated passages as if it were the oldest: it counts as the typical date.
    ps = [p(0, None)] + [p(i, "2026-01-14") for i in range(1, 7)] + [
        p(i, "2023-10-01") for i in range(7, 10)]
    assert prefer_recent(ps)[0].passage_id == "a0:0"
