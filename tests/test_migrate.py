"""`pantau migrate` (rag.store.migrate): article records without vectors. A new store writes
placeholders; an older store's mean vectors are rewritten without losing a record, and a
migration stopped half-way is refused at open and finished by running it again."""
from __future__ import annotations

import logging

import pytest

from cli import main
from conftest import FIXTURES
from ingest.pipeline import ingest_paths
from rag.service import PantauService
from rag.store.chroma_conn import ARTICLE_VECTORS, StoreUnavailable
from rag.store.migrate import migrate


def _records(coll) -> dict[str, tuple]:
    got = coll.get(include=["documents", "metadatas", "embeddings"])
    return {i: (d, m, len(e)) for i, d, m, e in
            zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])}


def _older_store(settings) -> PantauService:
    """A store as older code made it: the articles collection without the marker, each
    record holding the mean of its passages' vectors."""
    service = PantauService.from_settings(settings)
    conn = service.store._chroma
    client = conn.client()
    name = f"{settings.collection}_articles"
    client.create_collection(name, embedding_function=conn.embedding_function(),
                             metadata={"hnsw:space": "cosine"})  # before any open
    ingest_paths(service, [FIXTURES])
    return service


def test_a_new_store_keeps_no_article_vectors(settings):
    service = PantauService.from_settings(settings)
    ingest_paths(service, [FIXTURES])
    articles = service.store.articles_collection
    assert articles.metadata[ARTICLE_VECTORS] == "none"
    records = _records(articles)
    assert records and {n for _, _, n in records.values()} == {1}
    assert migrate(service.store, say=lambda _: None) == {"article_vectors": 0}


def test_an_older_store_is_rewritten_without_losing_a_record(settings, caplog):
    with caplog.at_level(logging.WARNING, logger="pantau"):
        service = _older_store(settings)
    assert "run `pantau migrate`" in caplog.text  # said when the older store is opened
    before = _records(service.store.articles_collection)
    dims = {n for _, _, n in before.values()}
    assert len(before) > 3 and dims == {service.embedder.dim}  # the older records
    passages = service.store.passages.count()
    answer = service.respond("Kapan TikTok Shop ditutup?")[1].answer
    said: list[str] = []
    assert migrate(service.store, say=said.append, page=2) == {"article_vectors": len(before)}
    after = _records(service.store.articles_collection)
    assert {i: (d, m) for i, (d, m, _) in after.items()} == {
        i: (d, m) for i, (d, m, _) in before.items()}
    assert {n for _, _, n in after.values()} == {1}
    assert service.store.articles_collection.metadata[ARTICLE_VECTORS] == "none"
    assert service.store.passages.count() == passages
    names = {c.name for c in service.store._chroma.client().list_collections()}
    assert names == {f"{settings.collection}_{x}" for x in ("passages", "articles", "meta")}
    assert "rewritten without vectors" in said[-1]
    # the store reopens in a new process as it was, and answers the same
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pantau"):
        fresh = PantauService.from_settings(settings)
        assert fresh.respond("Kapan TikTok Shop ditutup?")[1].answer == answer
    assert "pantau migrate" not in caplog.text
    assert fresh.store.has_articles(list(before))
    # a re-ingest reads every file and finds each article unchanged: its record intact
    again = ingest_paths(fresh, [FIXTURES], use_records=False)
    assert not again.added and not again.updated and again.unchanged >= len(before)


def test_a_migration_stopped_between_its_renames_is_refused_then_finished(settings, capsys,
                                                                          monkeypatch):
    service = _older_store(settings)
    before = _records(service.store.articles_collection)
    client = service.store._chroma.client()
    name = f"{settings.collection}_articles"
    # what a run killed after renaming the old collection and before renaming the copy leaves
    nxt = client.create_collection(f"{settings.collection}_articles_next",
                                   embedding_function=service.store._chroma.embedding_function(),
                                   metadata={"hnsw:space": "cosine", ARTICLE_VECTORS: "none"})
    nxt.add(ids=list(before), documents=[d for d, _, _ in before.values()],
            metadatas=[m for _, m, _ in before.values()], embeddings=[[1.0]] * len(before))
    client.get_collection(name).modify(name=f"{settings.collection}_articles_old")
    with pytest.raises(StoreUnavailable, match="pantau migrate"):
        PantauService.from_settings(settings).store.articles_collection
    # `pantau migrate`, in a new process's settings (the environment's)
    monkeypatch.setenv("PANTAU_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PANTAU_EMBEDDING_MODEL", "fake")
    assert main(["migrate"]) == 0
    out = capsys.readouterr().out
    assert "finished an interrupted migration" in out and "removed" in out
    assert "article_vectors: up to date" in out
    fresh = PantauService.from_settings(settings)
    after = _records(fresh.store.articles_collection)
    assert {i: (d, m) for i, (d, m, _) in after.items()} == {
        i: (d, m) for i, (d, m, _) in before.items()}
    names = {c.name for c in client.list_collections()}
    assert names == {f"{settings.collection}_{x}" for x in ("passages", "articles", "meta")}
    assert main(["migrate"]) == 0 and "up to date" in capsys.readouterr().out


@pytest.mark.integration
def test_a_store_on_a_chroma_server_is_migrated_too(tmp_path, chroma_url):
    """The same migration through a real `chroma run` (HttpClient): renames and all."""
    from conftest import make_settings, unique_prefix

    settings = make_settings(tmp_path, chroma_url=chroma_url, collection=unique_prefix("mig"))
    service = _older_store(settings)
    before = _records(service.store.articles_collection)
    assert migrate(service.store, say=lambda _: None) == {"article_vectors": len(before)}
    fresh = PantauService.from_settings(settings)
    after = _records(fresh.store.articles_collection)
    assert {i: (d, m) for i, (d, m, _) in after.items()} == {
        i: (d, m) for i, (d, m, _) in before.items()}
    assert {n for _, _, n in after.values()} == {1}
