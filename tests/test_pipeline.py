"""Ingestion into a real Chroma store (temp dir) with the fake embedder."""
import random
import shutil

from ingest.pipeline import ingest_paths, ingest_records


def _passage_ids(service):
    return sorted(service.store.passages.get(include=[])["ids"])


def test_ingest_folder_then_again_changes_nothing(service, news_dir):
    first = ingest_paths(service, [news_dir])
    assert (first.added, first.updated, first.duplicates) == (7, 0, 0)
    assert {f.source.rsplit(":", 1)[-1] for f in first.failed} == {"3", "4"}  # two bad JSONL lines
    arts, passages = service.store.counts()
    ids = _passage_ids(service)
    second = ingest_paths(service, [news_dir])
    assert (second.added, second.updated, second.unchanged) == (0, 0, 7)
    assert not second.changed
    assert service.store.counts() == (arts, passages) and _passage_ids(service) == ids


def test_passages_are_exact_spans_of_the_stored_article(service, news_dir):
    ingest_paths(service, [news_dir])
    got = service.store.passages.get(include=["documents", "metadatas"])
    texts = {}
    for doc, meta in zip(got["documents"], got["metadatas"]):
        aid = meta["article_id"]
        if aid not in texts:
            texts[aid] = service.store.get_article(aid).text
        assert texts[aid][meta["start"]:meta["end"]] == doc


def test_edited_file_replaces_its_passages(service, news_dir):
    ingest_paths(service, [news_dir])
    path = news_dir / "002_tiktok-kembali.txt"
    (art_id,) = [a.id for a in service.articles() if a.section == "Ekonomi"]
    before = service.store.counts()
    path.write_text(path.read_text() + "Kalimat tambahan tentang migrasi yang selesai pada Maret 2024.\n")
    report = ingest_paths(service, [path])
    assert (report.added, report.updated) == (0, 1)
    assert service.store.counts()[0] == before[0]
    stored = service.store.get_article(art_id)
    assert "Maret 2024" in stored.text
    pids = service.store.passages.get(where={"article_id": art_id}, include=["documents"])
    assert all(doc in stored.text for doc in pids["documents"])
    assert sorted(pids["ids"]) == sorted(f"{art_id}:{i}" for i in range(len(pids["ids"])))


def test_exact_copy_under_another_name_is_a_duplicate(service, news_dir):
    ingest_paths(service, [news_dir])
    shutil.copy(news_dir / "001_tiktok-shop-berhenti.txt", news_dir / "copy-of-001.txt")
    report = ingest_paths(service, [news_dir / "copy-of-001.txt"])
    assert (report.added, report.duplicates) == (0, 1)
    (orig,) = [a for a in service.articles() if a.author == "Dimas Prakoso"]
    assert [c.source for c in orig.also_published] == [str(news_dir / "copy-of-001.txt")]
    again = ingest_paths(service, [news_dir / "copy-of-001.txt"])
    assert (again.duplicates, again.unchanged) == (0, 1)


def test_bad_inputs_do_not_stop_the_batch_or_lose_data(service, news_dir, tmp_path):
    ingest_paths(service, [news_dir])
    before = service.store.counts()
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.html").write_bytes(b"\x00\x01\x02")
    good = tmp_path / "good.txt"
    good.write_text("Ekonomi\nKamis, 5 Oktober 2023 09:00 WIB\nPenjual daring mulai pindah ke "
                    "marketplace setelah TikTok Shop tutup pada 4 Oktober 2023.\n")
    report = ingest_paths(service, [tmp_path / "empty.txt", tmp_path / "missing.txt",
                                    tmp_path / "bin.html", good])
    assert report.added == 1
    errors = {f.source.rsplit("/", 1)[-1]: f.error for f in report.failed}
    assert set(errors) == {"empty.txt", "missing.txt", "bin.html"}
    assert "no such file" in errors["missing.txt"]
    assert service.store.counts()[0] == before[0] + 1


def test_records_from_the_api_and_delete(service):
    recs = [{"title": "A", "url": "https://x.example/a", "text": "TikTok Shop tutup pada 4 Oktober 2023."},
            {"title": "no text"}, "not an object"]
    report = ingest_records(service, recs)
    assert report.added == 1 and [f.source for f in report.failed] == ["api[1]", "api[2]"]
    (info,) = service.articles()
    assert info.url == "https://x.example/a" and info.passages == 1
    assert service.delete(info.id) is True
    assert service.store.counts() == (0, 0)
    assert service.delete(info.id) is False


def test_record_makes_reingest_cheap_but_never_wrong(service, news_dir, monkeypatch):
    import ingest.pipeline as pl

    first = ingest_paths(service, [news_dir])
    assert first.skipped_sources == 0
    reads = []
    real = pl.read_path
    monkeypatch.setattr(pl, "read_path", lambda p, m: reads.append(p.name) or real(p, m))
    again = ingest_paths(service, [news_dir])
    # the JSONL file had bad lines, so it is never recorded as done: it is read again
    assert reads == ["004_export.jsonl"] and again.skipped_sources == 4
    assert again.unchanged == 7 and not again.changed
    # touched but identical: still skipped (hash check); edited: read and updated
    txt = news_dir / "002_tiktok-kembali.txt"
    txt.touch()
    reads.clear()
    ingest_paths(service, [news_dir])
    assert "002_tiktok-kembali.txt" not in reads
    txt.write_text(txt.read_text().replace("dua bulan", "delapan pekan"))
    reads.clear()
    r = ingest_paths(service, [news_dir])
    assert "002_tiktok-kembali.txt" in reads and r.updated == 1
    # an article deleted from the store brings its file back on the next ingest
    (gone,) = [a for a in service.articles() if a.outlet == "Harbour Business Daily"]
    service.delete(gone.id)
    reads.clear()
    r = ingest_paths(service, [news_dir])
    assert "003_tokopedia-deal.html" in reads and r.added == 1


def test_include_and_exclude_globs(service, news_dir):
    (news_dir / "drafts").mkdir()
    (news_dir / "drafts" / "x.txt").write_text("Ekonomi\nDraf tulisan tentang Permendag 31/2023 yang belum terbit.\n")
    r = ingest_paths(service, [news_dir], include=["*.txt", "*.md"], exclude=["drafts/*"])
    assert sorted(a["source"].rsplit("/", 1)[-1] for a in r.articles) == [
        "001_tiktok-shop-berhenti.txt", "002_tiktok-kembali.txt", "005_catatan.md"]


def test_articles_since_a_day_are_those_published_or_ingested_on_or_after_it(service):
    from datetime import date, datetime, timezone

    ingest_records(service, [
        {"text": "Kementerian Perdagangan menerbitkan aturan baru tentang perdagangan daring "
                 "dan kewajiban izin usaha bagi pedagang.", "url": "https://a.example/old",
         "published": "2021-03-01"},
        {"text": "Otoritas pajak mulai memungut pajak penghasilan dari penjual di lokapasar "
                 "sejak pertengahan tahun.", "url": "https://a.example/new",
         "published": "2025-05-02"}])
    today = datetime.now(timezone.utc).date()

    def since(day):
        return sorted(a.url for a in service.store.scan_articles(since=day.isoformat()))

    assert since(today) == ["https://a.example/new", "https://a.example/old"]  # ingested today
    # As if both had been ingested in 2020: then what counts is when each was published.
    arts = service.store.articles_collection
    ids = arts.get(include=[])["ids"]
    then = datetime(2020, 1, 1, tzinfo=timezone.utc)
    arts.update(ids=ids, metadatas=[{"ingested_at": then.isoformat(),
                                     "ingested_ts": int(then.timestamp())}] * len(ids))
    assert since(date(2021, 1, 1)) == ["https://a.example/new", "https://a.example/old"]
    assert since(date(2021, 6, 1)) == ["https://a.example/new"]
    assert since(date(2025, 5, 2)) == ["https://a.example/new"]
    assert since(date(2025, 5, 3)) == []


def test_the_batch_size_sets_how_many_articles_are_indexed_together(service, monkeypatch):
    """`pantau ingest --batch N` / PANTAU_INGEST_BATCH_ARTICLES: the indexer gets N articles
    at a time (the bulk path writes fewer, larger batches), and a copy is still known as
    one whether its original came in the same batch or an earlier one."""
    rng = random.Random(5)
    vocab = [f"kata{n}" for n in range(2000)]
    records = [{"text": " ".join(rng.choice(vocab) for _ in range(120)) + ".",
                "url": f"https://o.example/{i}"} for i in range(7)]
    records.append({**records[1], "url": "https://copy.example/1"})  # a syndicated copy
    sizes = []
    index = type(service).index
    monkeypatch.setattr(type(service), "index",
                        lambda self, items: sizes.append(len(items)) or index(self, items))
    monkeypatch.setattr(service, "settings",
                        service.settings.model_copy(update={"ingest_batch_articles": 3}))
    report = ingest_records(service, records)
    assert sizes == [3, 3, 2]
    assert (report.added, report.duplicates) == (7, 1)


def test_store_scans_page_by_ids_in_stored_order(service, news_dir, monkeypatch):
    """A full scan (what rebuilds read) lists the ids, then reads each page by its ids: every
    record once, in stored order, whatever the page sizes (offset paging re-reads every row
    before the offset: seconds a page at 1M passages)."""
    from rag.store import store as store_mod

    ingest_paths(service, [news_dir])
    store = service.store
    stored = store.passages.get(include=["documents"])
    articles = store.articles_collection.get(include=["metadatas"])["ids"]
    assert len(stored["ids"]) > 5
    monkeypatch.setattr(store_mod, "SCAN_IDS", 3)  # several id listings, a short last one
    for page in (1, 2, len(stored["ids"]) + 1):
        rows = list(store.scan_passages(page=page))
        assert [r[0] for r in rows] == stored["ids"]
        assert [r[1] for r in rows] == stored["documents"]
        assert [r[0] for r in store.scan_article_records(page=page)] == articles
        assert [a.id for a in store.scan_articles(page=page)] == articles
        assert [a.id for a in store.scan_articles(page=page, since="1990-01-01")] == articles
        assert not list(store.scan_articles(page=page, since="2999-01-01"))
    assert [a.id for a in store.list_articles()] and len(store.list_articles()) == len(articles)
