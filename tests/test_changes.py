"""Derived indexes follow the store's change log (rag.store.changes): the lexical index, registry
and timelines after any sequence of writes equal the same indexes rebuilt from scratch,
BM25 scores equal bm25s's, filters equal ``matches()``; and with the real Chroma store,
a second process's view refreshes only the articles a write touched."""
import pickle
import random
import uuid

import numpy as np
import pytest

from rag.store import changes

from rag.retrieval import lexical
from rag.retrieval.lexical import LexicalIndex, query_tokens, tokens
from rag.store.perarticle import _articles
from rag.store.metadata import matches
from rag.types import Filters

WORDS = ("harga pasar pedagang umkm tiktok shop toko daring larang transaksi sosial media "
         "impor barang murah menteri perdagangan aturan permendag berlaku tutup buka lagi "
         "seller marketplace price import ban store closed reopened rules commerce").split()
OUTLETS = ["kompas", "tempo", "detik", "reuters"]


class FakeStore:
    """The store's change-log interface over a dict, with a clock the test moves."""

    def __init__(self):
        self.passages: dict[str, tuple[str, dict]] = {}  # pid -> (text, meta)
        self.log: list[tuple[int, str, list[str]]] = []
        self.token, self.pruned, self.now = "", 0, 1_000_000
        self.change_reads = 0

    def generation_info(self):
        return self.token, self.pruned

    def changes(self, since_ms):
        self.change_reads += 1
        return sorted(e for e in self.log if e[0] >= since_ms)

    def scan_passages(self, page=2000):
        return [(pid, t, m) for pid, (t, m) in sorted(self.passages.items())]

    def passages_of(self, article_ids):
        want = set(article_ids)
        return [(pid, t, m) for pid, (t, m) in sorted(self.passages.items())
                if m["article_id"] in want]

    def write(self, article_id, texts, meta=None):
        self.passages = {p: v for p, v in self.passages.items() if v[1]["article_id"] != article_id}
        for i, text in enumerate(texts):
            self.passages[f"{article_id}:{i}"] = (text, {"article_id": article_id, "title": "",
                                                          "start": 0, **(meta or {})})
        self._bump(article_id)

    def delete(self, article_id):
        self.passages = {p: v for p, v in self.passages.items() if v[1]["article_id"] != article_id}
        self._bump(article_id)

    def _bump(self, article_id):
        self.now += 10
        self.log.append((self.now, uuid.uuid4().hex, [article_id]))
        self.token = uuid.uuid4().hex


@pytest.fixture
def clock(monkeypatch):
    """The follower's wall clock, pinned to the fake store's."""
    holder = {}
    monkeypatch.setattr(changes, "_now_ms", lambda: holder["store"].now)
    return holder


def _random_meta(rng):
    year = rng.choice([2022, 2023, 2024, 2025])
    day = year * 10000 + rng.randint(1, 12) * 100 + rng.randint(1, 28)
    meta = {"language": rng.choice(["id", "en"]), "outlet": rng.choice(OUTLETS),
            "published_day": day, "published_ts": (year - 1970) * 31_556_952 + rng.randint(0, 10**7)}
    if rng.random() < 0.1:  # some passages have no date
        meta.pop("published_day"), meta.pop("published_ts")
    if rng.random() < 0.3:
        meta["regs"] = ["permendag-31-2023", "pp-80-2019"]
    elif rng.random() < 0.1:  # a store written before ``regs``: flags
        meta["reg:permendag-31-2023"] = True
    return meta


def _random_writes(store, rng, most, articles, article):
    """1..most writes to articles a0..a<articles>: a delete one time in five, else the
    texts and metadata ``article()`` makes."""
    for _ in range(rng.randint(1, most)):
        aid = f"a{rng.randint(0, articles)}"
        if rng.random() < 0.2:
            store.delete(aid)
        else:
            store.write(aid, *article())


def _random_text(rng):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40)))


def test_follower_rebuilds_once_then_refreshes_only_what_changed(clock):
    store = clock["store"] = FakeStore()
    store.write("a", ["harga rambutan naik"])
    store.write("b", ["harga durian turun"])
    index = LexicalIndex(store)
    assert [p for p, _ in index.search(query_tokens(["harga"]), 5)] and index.follower.last["kind"] == "rebuild"
    reads = store.change_reads
    index.search(query_tokens(["harga"]), 5)
    assert store.change_reads == reads  # same generation: the log is not read
    store.write("b", ["harga manggis stabil"])
    assert [p for p, _ in index.search(query_tokens(["manggis"]), 5)] == ["b:0"]
    assert index.follower.last == {**index.follower.last, "kind": "refresh", "entries": 1,
                                   "articles": 1, "passages": 1}
    assert index.search(query_tokens(["durian"]), 5) == []
    store.delete("a")
    assert index.search(query_tokens(["rambutan"]), 5) == [] and index.size() == 1
    # A reader further behind than the log keeps (pruned past its floor) rebuilds.
    store.now += 10**9
    store.write("c", ["harga salak"])
    store.pruned = store.now - 5
    store.log = [e for e in store.log if e[0] >= store.pruned]
    assert [p for p, _ in index.search(query_tokens(["salak"]), 5)] == ["c:0"]
    assert index.follower.last["kind"] == "rebuild"


def test_scores_equal_bm25s():
    import bm25s

    rng = random.Random(3)
    store = FakeStore()
    for i in range(300):
        store.write(f"a{i}", [_random_text(rng)], {"language": "id"})
    index = LexicalIndex(store)
    rows = store.scan_passages()
    corpus = [tokens(f"\n{t}", "id") or ["\u2205"] for _, t, _ in rows]
    ref = bm25s.BM25()
    ref.index(corpus, show_progress=False)
    for q in (["harga", "pasar"], ["tiktok", "shop", "tutup"], ["permendag"], ["import", "ban"]):
        groups = query_tokens(q)
        got = dict(index.search(groups, 1000))
        known = [t for g in groups for t in dict.fromkeys(g) if t in ref.vocab_dict]
        want = np.asarray(ref.get_scores(list(dict.fromkeys(known))))
        expected = {rows[i][0]: float(s) for i, s in enumerate(want) if s > 0}
        assert set(got) == set(expected), q
        for pid, s in expected.items():
            assert got[pid] == pytest.approx(s, rel=1e-4), (q, pid)


def test_incremental_equals_rebuild_through_random_writes(clock, monkeypatch):
    """Adds, edits and deletes in random batches, with segments merged often: after every
    batch the followed index answers exactly as one built from scratch, filters included."""
    monkeypatch.setattr(lexical, "MAX_SEGMENTS", 3)
    rng = random.Random(11)
    store = clock["store"] = FakeStore()
    followed = LexicalIndex(store)
    queries = [query_tokens(rng.sample(WORDS, 2)) for _ in range(12)]
    filters = [None, Filters(language="en"), Filters(outlets=["kompas", "tempo"]),
               Filters(since="2024-01-01"), Filters(until="2023-06-30", language="id"),
               Filters(regulations=["permendag-31-2023"])]
    for batch in range(15):
        _random_writes(store, rng, 12, 40, lambda: (
            [_random_text(rng) for _ in range(rng.randint(1, 4))], _random_meta(rng)))
        fresh = LexicalIndex(store)
        for q in queries:
            for f in filters:
                assert followed.search(q, 8, f) == fresh.search(q, 8, f), (batch, q, f)
        assert followed.languages() == fresh.languages()
        assert followed.size() == fresh.size() == len(store.passages)


def test_filter_mask_equals_matches():
    rng = random.Random(5)
    store = FakeStore()
    for i in range(200):
        store.write(f"a{i}", ["harga"], _random_meta(rng))
    index = LexicalIndex(store)
    metas = {pid: m for pid, _, m in store.scan_passages()}
    from datetime import datetime
    for f in [Filters(language="en"), Filters(outlets=["detik"]), Filters(since="2024-03-01"),
              Filters(until="2023-12-31"), Filters(since=datetime(2024, 1, 1, 12)),
              Filters(regulations=["permendag-31-2023"], outlets=["kompas", "reuters"]),
              Filters(outlets=["nowhere"]), Filters(regulations=["uu-1-1945"])]:
        got = {pid for pid, _ in index.search(query_tokens(["harga"]), 1000, f)}
        assert got == {pid for pid, m in metas.items() if matches(m, f)}, f


def test_registry_and_timelines_follow_by_article(settings, monkeypatch):
    """Real Chroma, two views of one store: a write through one refreshes only the touched
    article in the other's registry and timelines, which then equal a rebuilt view."""
    from ingest.pipeline import ingest_records
    from rag.service import PantauService

    writer = PantauService.from_settings(settings)
    reader = PantauService.from_settings(settings)
    base = {"url": "https://x.example/1", "published": "2023-10-05", "outlet": "Contoh"}
    ingest_records(writer, [{**base, "title": "Aturan baru", "text":
                             "Permendag 31/2023 mulai berlaku pada 26 September 2023. "
                             "TikTok Shop ditutup pada 4 Oktober 2023."}])
    assert reader.registry.get("permendag-31-2023").mentions == 1
    assert [e.type for e in reader.timelines.timeline("tiktok-shop").events] == ["stopped"]
    assert reader.registry.follower.last["kind"] == "rebuild"
    ingest_records(writer, [{**base, "url": "https://x.example/2", "published": "2024-03-02",
                             "title": "Kembali", "text": "TikTok Shop dibuka kembali pada "
                             "12 Desember 2023 setelah Permendag 31/2023 berlaku."}])
    assert reader.registry.get("permendag-31-2023").mentions == 2
    assert [e.type for e in reader.timelines.timeline("tiktok-shop").events] == ["stopped", "resumed"]
    assert reader.timelines.follower.last["kind"] == "refresh"
    assert reader.timelines.follower.last["articles"] == 1
    fresh = PantauService.from_settings(settings)
    assert fresh.registry.all() == reader.registry.all()
    assert fresh.timelines.view() == reader.timelines.view()
    assert fresh.timelines.by_subject() == reader.timelines.by_subject()
    writer.delete(writer.articles()[0].id)
    assert reader.registry.get("permendag-31-2023").mentions == 1
    assert len(reader.timelines.timeline("tiktok-shop").events) == 1


def test_a_write_is_seen_by_the_next_lookup_of_any_view(settings):
    """No time window: the next lookup after a write, through any view of the store (any
    process), sees it."""
    from ingest.pipeline import ingest_records
    from rag.service import PantauService

    other, mine = PantauService.from_settings(settings), PantauService.from_settings(settings)
    index = mine.retriever.lexical
    assert index.size() == 0
    ingest_records(other, [{"text": "Harga rambutan naik tajam di pasar.", "url": "https://x.example/a"}])
    assert index.size() == 1
    ingest_records(mine, [{"text": "Harga durian turun di pasar induk.", "url": "https://x.example/b"}])
    assert index.size() == 2
    other.delete(other.articles()[-1].id)
    assert index.size() == 1


SENTENCES = [
    "TikTok Shop ditutup pada 4 Oktober 2023 setelah Permendag 31/2023 berlaku.",
    "TikTok Shop dibuka kembali pada 12 Desember 2023.",
    "Permendag Nomor 31 Tahun 2023 menggantikan Permendag 50/2020 tentang ketentuan perizinan usaha.",
    "Shopee didenda KPPU pada 2 Mei 2024.",
    "Tokopedia bergabung dengan TikTok pada Januari 2024.",
    "PP 80/2019 tentang perdagangan melalui sistem elektronik mulai berlaku pada 25 November 2019.",
    "Harga cabai naik di pasar induk.",
    "Permendag 36/2023 kembali direvisi lewat Permendag 8/2024.",
    "PP 80/2019 tentang Perdagangan Melalui Sistem Elektronik diubah oleh PP 5/2025.",
]


def _related_brute(reg, ids: set[str]) -> list[str]:
    """What ``RegulationRegistry.related`` must give, from every record."""
    wanted = set(ids)
    for r in reg.all():
        for rel in r.relations:
            if r.id in ids:
                wanted.add(rel.target)
            if rel.target in ids:
                wanted.add(r.id)
    return [r.id for r in reg.all() if r.id in wanted]


def test_registry_and_timelines_incremental_equal_rebuild(clock):
    """Random adds, edits and deletes: the registry and timelines refreshed article by
    article equal the same indexes rebuilt from scratch, after every batch."""
    from rag.tracking.entities import load_gazetteer
    from rag.tracking.timeline import TimelineIndex
    from rag.tracking.registry import RegulationRegistry

    rng = random.Random(21)
    store = clock["store"] = FakeStore()
    gaz = load_gazetteer(None)
    reg, tl = RegulationRegistry(store), TimelineIndex(store, gaz)
    related_seen = 0
    for batch in range(12):
        _random_writes(store, rng, 6, 15, lambda: (
            [" ".join(rng.sample(SENTENCES, rng.randint(1, 3))) for _ in range(rng.randint(1, 3))],
            {"published": f"20{rng.randint(19, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
             "language": "id"}))
        if batch % 3 == 2:
            # as a snapshot keeps them: what each kept per article frozen (rag.store.frozen),
            # the next batches' writes going over that frozen base
            for index in (reg, tl):
                index.view()
                index.restore(pickle.loads(pickle.dumps(index.capture())))
                assert not index._items.changes
        fresh_reg, fresh_tl = RegulationRegistry(store), TimelineIndex(store, gaz)
        assert reg.all() == fresh_reg.all(), batch
        assert {r.id: reg.view()[r.id][1] for r in reg.all()} == {
            r.id: fresh_reg.view()[r.id][1] for r in fresh_reg.all()}
        assert tl.view() == fresh_tl.view(), batch
        assert tl.by_subject() == fresh_tl.by_subject(), batch
        # What they keep per article and per key, compact (an article's events packed; a
        # key's articles one id or a tuple, never an empty entry), equals a rebuild's
        # (a key's articles in any order: aggregate_key gets their items sorted).
        for index, fresh in ((reg, fresh_reg), (tl, fresh_tl)):
            assert {a: index.unpack(p) for a, p in index._items.items()} == {
                a: fresh.unpack(p) for a, p in fresh._items.items()}, batch
            assert {k: set(_articles(v)) for k, v in index._by_key.items()} == {
                k: set(_articles(v)) for k, v in fresh._by_key.items()}, batch
            assert all(isinstance(v, str) or (isinstance(v, tuple) and len(v) > 1)
                       for v in index._by_key.values()), batch
        assert all(isinstance(p, tuple) and isinstance(p[1], bytes)
                   for p in tl._items.values())
        assert reg.follower.last["kind"] == ("rebuild" if batch == 0 else "refresh")
        # The relations both ways, kept by the records that changed: what reading every
        # record finds ("what replaced X" reads only those).
        for r in reg.all():
            assert [x.id for x in reg.related([r.id])] == _related_brute(reg, {r.id}), batch
        related_seen += sum(len(reg.related([r.id])) > 1 for r in reg.all())
        # The passages stating each relation and giving each title, kept in the entries:
        # what a scan of every mention finds.
        mentions = list(reg.all_items())
        for rid, entry in reg.view().items():
            assert {k: set(v) for k, v in entry.stated.items()} == {
                (t, o): {m.pid for m in mentions if (rid, t, o) in m.relations}
                for m0 in mentions for s_, t, o in m0.relations if s_ == rid}, batch
            assert set(entry.titled) == {m.pid for m in mentions
                                         if any(r[0] == rid and r[5] for r in m.refs)}, batch
    assert reg.all() and tl.subjects()  # the test saw regulations and events at all
    assert related_seen  # and relations between them


def test_a_write_re_aggregates_only_the_timeline_buckets_it_touches(clock, monkeypatch):
    """A busy subject's events are not all re-aggregated when one article changes: only the
    (subject, date, type) buckets the article has events in, and the earliest report of a
    bucket still wins after its first reporter is deleted."""
    from rag.tracking.entities import load_gazetteer
    from rag.tracking.timeline import TimelineIndex

    store = clock["store"] = FakeStore()
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni"]
    for i in range(60):  # 60 articles on TikTok Shop, each stopping it on another day
        store.write(f"a{i}", [f"TikTok Shop ditutup pada {i % 28 + 1} {months[i // 28]} 2023."],
                    {"published": f"2023-0{i // 28 + 1}-28"})
    tl = TimelineIndex(store, load_gazetteer(None))
    assert len(tl.by_subject()["tiktok-shop"]) == 60
    handed = []
    real = TimelineIndex.aggregate_key
    monkeypatch.setattr(TimelineIndex, "aggregate_key",
                        lambda self, key, items: handed.append(items) or real(self, key, items))
    # A later report of the first day, and one of a new day.
    store.write("late", ["TikTok Shop ditutup pada 1 Januari 2023. TikTok Shop dibuka kembali "
                         "pada 12 Desember 2023."], {"published": "2024-01-05"})
    events = tl.by_subject()["tiktok-shop"]
    assert len(events) == 61 and events[-1].type == "resumed"
    assert sum(len(items) for items in handed) == 3  # a0's and late's passages, late's again
    assert events[0].passage_id == "a0:0"  # the earliest report of 1 January
    handed.clear()
    store.delete("a0")
    events = tl.by_subject()["tiktok-shop"]
    assert events[0].passage_id == "late:0" and len(events) == 61
    assert sum(len(items) for items in handed) == 1
    assert tl.by_subject() == TimelineIndex(store, load_gazetteer(None)).by_subject()
