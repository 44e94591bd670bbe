"""The near-duplicate index (rag.store.neardup): a lookup answers what a search of every
stored signature by its bands answers (what the old Chroma query over the band keys did); it sees every write acknowledged before
it, from any instance on the store; deleted articles are no candidates; a damaged snapshot
is rebuilt and said; merges and dead rows leave the answers as a rebuild gives them."""
import json
import logging
import random
import uuid

import numpy as np
import pytest

from ingest.dedup import content_hash
from rag.service import PantauService
from rag.store import changes, fingerprint, neardup
from rag.store.neardup import NearDuplicates
from rag.store.snapshots import Snapshots
from rag.store.store import PantauStore
from rag.types import Article, Passage

WORDS = ("harga pasar pedagang umkm tiktok shop toko daring larang transaksi sosial media "
         "impor barang murah menteri perdagangan aturan permendag berlaku tutup buka lagi "
         "ikan sayur buah beras gula garam minyak kopi teh susu roti telur daging ayam "
         "jagung kedelai cabai bawang tomat kentang naik turun stok gudang kapal").split()


def _story(seed: int, n: int = 160) -> str:
    return " ".join(random.Random(seed).choices(WORDS, k=n)) + "."


def _copy_of(text: str, seed: int, edits: int = 6) -> str:
    """The story with a few words changed: a near-duplicate."""
    rng = random.Random(seed)
    toks = text.split()
    for _ in range(edits):
        toks[rng.randrange(len(toks))] = rng.choice(WORDS)
    return " ".join(toks)


def _article(aid: str, text: str, day: int = 1) -> tuple[Article, list[Passage]]:
    a = Article(id=aid, title=f"Cerita {aid}", url=f"https://o.example/{aid}", text=text,
                content_hash=content_hash(text), published=f"2024-01-{day:02d}", language="id")
    return a, [Passage(id=f"{aid}:0", article_id=aid, index=0, text=text[:200], start=0,
                       end=len(text[:200]))]


def _put(service: PantauService, *items: tuple[Article, list[Passage]]) -> None:
    """Write articles as they are (no dedup decision): the store's own write."""
    texts = [p.text for _, ps in items for p in ps]
    service.store.put_articles(list(items), service.embedder.embed_documents(texts))


def _chroma_similar(store: PantauStore, sigs):
    """The lookup by brute force over every stored record: the articles sharing all the
    values of some band with the signature (what the old Chroma query over the band keys
    found), kept at ``NEAR_DUPLICATE`` similarity or more."""
    out = []
    got = store.articles_collection.get(include=["metadatas"])
    stored = [(aid, json.loads(m.get("minhash") or "[]"))
              for aid, m in zip(got["ids"], got["metadatas"])]
    rows = fingerprint.ROWS
    for sig in sigs:
        hits = []
        for aid, other in stored:
            if len(other) == len(sig) and any(
                    list(sig[b * rows:(b + 1) * rows]) == other[b * rows:(b + 1) * rows]
                    for b in range(fingerprint.BANDS)):
                sim = fingerprint.similarity(sig, other)
                if sim >= fingerprint.NEAR_DUPLICATE:
                    hits.append((aid, sim))
        out.append(sorted(hits, key=lambda x: (-x[1], x[0])))
    return out


class _NoBandQueries:
    """The articles collection, refusing a ``get`` filtered on the ``lsh_*`` keys: what the
    old lookup did."""

    def __init__(self, coll):
        self.coll = coll

    def get(self, **kw):
        assert "lsh_" not in json.dumps(kw.get("where")), "a band-key query of the articles"
        return self.coll.get(**kw)

    def __getattr__(self, name):
        return getattr(self.coll, name)


def test_a_lookup_sees_what_another_instance_wrote_after_it_started(settings, monkeypatch):
    reader, writer = PantauService.from_settings(settings), PantauService.from_settings(settings)
    original = _story(1)
    copy = _copy_of(original, 2)
    sig = fingerprint.signature(copy)
    assert fingerprint.similarity(sig, fingerprint.signature(original)) >= 0.5
    assert reader.store.find_similar([sig]) == [[]]  # built (empty) before the write
    assert reader.store.near_duplicates.follower.last["kind"] == "rebuild"
    _put(writer, _article("orig", original), _article("other", _story(3)))
    monkeypatch.setattr(PantauStore, "articles_collection",
                        property(lambda s: _NoBandQueries(s._chroma.connect().articles)))
    (hits,) = reader.store.find_similar([sig])
    assert [aid for aid, _ in hits] == ["orig"]
    assert hits[0][1] == fingerprint.similarity(sig, fingerprint.signature(original))
    last = reader.store.near_duplicates.follower.last
    assert (last["kind"], last["articles"]) == ("refresh", 2)
    # Through the indexer too: the reader's ingest stores the copy as a duplicate.
    (result,) = reader.index([_article("copy", copy, day=5)])
    assert (result.outcome, result.stored_as) == ("duplicate", "orig")


def test_a_deleted_article_is_no_longer_a_candidate(settings):
    reader, writer = PantauService.from_settings(settings), PantauService.from_settings(settings)
    original = _story(4)
    _put(writer, _article("orig", original))
    sig = fingerprint.signature(_copy_of(original, 5))
    assert [a for a, _ in reader.store.find_similar([sig])[0]] == ["orig"]
    assert writer.delete("orig")
    assert reader.store.find_similar([sig]) == [[]]
    assert reader.store.near_duplicates.follower.last["kind"] == "refresh"
    assert len(reader.store.near_duplicates) == 0
    # An edit that makes it another story removes it as a candidate as well.
    _put(writer, _article("orig", original))
    assert [a for a, _ in reader.store.find_similar([sig])[0]] == ["orig"]
    _put(writer, _article("orig", _story(6)))
    assert reader.store.find_similar([sig]) == [[]]


def test_a_damaged_or_refused_snapshot_is_rebuilt_and_said(settings, caplog):
    first = PantauService.from_settings(settings)
    original = _story(7)
    _put(first, _article("orig", original), _article("b", _story(8)))
    sig = fingerprint.signature(_copy_of(original, 9))
    want = first.store.find_similar([sig])
    assert [a for a, _ in want[0]] == ["orig"]
    first.store.near_duplicates.follower.wait_saved(60)
    snaps = first.store.snapshots
    path = snaps.path("nearduplicates")
    assert path.exists()
    # A valid snapshot: a new instance starts from it, with the same answers.
    second = PantauService.from_settings(settings)
    assert second.store.find_similar([sig]) == want
    assert second.store.near_duplicates.follower.last["kind"] == "snapshot"
    # One byte of the payload flipped: not used, said, rebuilt from the store, saved again.
    raw = bytearray(path.read_bytes())
    raw[-20] ^= 0xFF
    path.write_bytes(bytes(raw))
    third = PantauService.from_settings(settings)
    with caplog.at_level(logging.INFO):
        assert third.store.find_similar([sig]) == want
    follower = third.store.near_duplicates.follower
    assert follower.last["kind"] == "rebuild" and follower.last["records"] == 2
    assert "nearduplicates.snap not used, damaged" in caplog.text
    assert "rebuilt from 2 records" in caplog.text
    follower.wait_saved(60)
    assert PantauService.from_settings(settings).store.find_similar([sig]) == want
    # Intact on disk but not fitting together (band keys of rows it does not hold): the
    # index refuses it, and the follower rebuilds.
    header = json.loads(path.read_bytes().split(b"\n", 1)[0])
    state = third.store.near_duplicates.capture()
    state["main"] = np.array([(1 << 32) | 99], dtype=np.uint64)
    snaps.save("nearduplicates", header["recipe"], header["position"], state)
    caplog.clear()
    fourth = PantauService.from_settings(settings)
    with caplog.at_level(logging.WARNING):
        assert fourth.store.find_similar([sig]) == want
    assert fourth.store.near_duplicates.follower.last["kind"] == "rebuild"
    assert "refused by the index" in caplog.text


def test_lookups_equal_the_chroma_query_through_writes_edits_and_deletes(settings):
    """Real Chroma: stories with planted copies (nearer and farther), edits and deletes;
    every lookup equals what a brute-force search of the stored signatures answers."""
    service = PantauService.from_settings(settings)
    rng = random.Random(11)
    stories = {f"s{i}": _story(100 + i, rng.randint(60, 200)) for i in range(40)}
    items = [_article(aid, t) for aid, t in stories.items()]
    # Stored copies of a few stories, at several distances (some below the threshold).
    for i in range(12):
        base = stories[f"s{i}"]
        items.append(_article(f"c{i}", _copy_of(base, 200 + i, edits=rng.choice([2, 8, 20, 40]))))
    _put(service, *items)
    queries = [fingerprint.signature(_copy_of(stories[f"s{i}"], 300 + i,
                                              edits=rng.choice([1, 5, 15])))
               for i in range(20)] + [fingerprint.signature(_story(999))]

    def check():
        got = service.store.find_similar(queries)
        want = _chroma_similar(service.store, queries)
        assert [sorted(h, key=lambda x: (-x[1], x[0])) for h in got] == want
        return sum(map(len, want))

    assert check() >= 15  # most queries have candidates
    for aid in ("s0", "c1", "s5"):
        service.delete(aid)
    _put(service, _article("s2", _story(555)), _article("s3", _copy_of(stories["s4"], 7)))
    check()
    fresh = PantauService.from_settings(settings.model_copy(update={"snapshots": False}))
    assert fresh.store.find_similar(queries) == service.store.find_similar(queries)


class FakeRecords:
    """The change-log interface over article records in a dict, with a moving clock, and
    real snapshot files."""

    def __init__(self, snapshots=None):
        self.records: dict[str, dict] = {}
        self.log: list[tuple[int, str, list[str]]] = []
        self.token, self.pruned, self.now = "", 0, 1_000_000
        self.snapshots = snapshots

    def identity(self):
        return "fake-store"

    def generation_info(self):
        return self.token, self.pruned

    def changes(self, since_ms):
        return sorted(e for e in self.log if e[0] >= since_ms)

    def scan_article_records(self, page=1000):
        return [(a, "", m) for a, m in sorted(self.records.items())]

    def article_records_of(self, ids):
        return [(a, "", self.records[a]) for a in ids if a in self.records]

    def write(self, aid, sig):
        self.records[aid] = {"minhash": json.dumps(list(sig))} if sig is not None else {}
        self._bump(aid)

    def delete(self, aid):
        self.records.pop(aid, None)
        self._bump(aid)

    def _bump(self, aid):
        self.now += 10
        self.log.append((self.now, uuid.uuid4().hex, [aid]))
        self.token = uuid.uuid4().hex


def _brute(records: dict[str, dict], sigs) -> list[list[tuple[str, float]]]:
    out = []
    for sig in sigs:
        hits = []
        for aid, m in records.items():
            theirs = json.loads(m.get("minhash") or "[]")
            if not theirs:
                continue
            if any(sig[b * 4:b * 4 + 4] == tuple(theirs[b * 4:b * 4 + 4])
                   for b in range(fingerprint.BANDS)):
                sim = fingerprint.similarity(sig, theirs)
                if sim >= fingerprint.NEAR_DUPLICATE:
                    hits.append((aid, sim))
        out.append(sorted(hits, key=lambda x: (-x[1], x[0])))
    return out


def _mutated(sig, rng, changed):
    s = list(sig)
    for i in rng.sample(range(fingerprint.NUM_PERM), changed):
        s[i] = rng.getrandbits(32)
    return tuple(s)


def test_merges_and_dead_rows_keep_lookups_exact(monkeypatch, tmp_path):
    """Many small writes (adds, edits, deletes, records without a signature) with merges
    forced often and snapshots saved often: every lookup equals a brute-force comparison
    with every record, in the index that saw them all, in one started from a snapshot
    midway, and in one rebuilt at the end."""
    store = FakeRecords(Snapshots(tmp_path / "snaps", "fake"))
    monkeypatch.setattr(changes, "_now_ms", lambda: store.now)
    monkeypatch.setattr(neardup, "MERGE_AT", 64)
    monkeypatch.setattr(neardup, "SAVE_AFTER_ARTICLES", 10)
    merges = []
    real_merge = NearDuplicates._merge
    monkeypatch.setattr(NearDuplicates, "_merge", lambda self: (merges.append(1),
                                                                real_merge(self)))
    rng = random.Random(3)
    bases = [tuple(rng.getrandbits(32) for _ in range(fingerprint.NUM_PERM)) for _ in range(15)]
    index = NearDuplicates(store)
    assert index.similar([bases[0]]) == [[]]
    views = [index]
    for step in range(60):
        for _ in range(rng.randint(1, 6)):
            aid = f"a{rng.randint(0, 40)}"
            r = rng.random()
            if r < 0.2:
                store.delete(aid)
            elif r < 0.25:
                store.write(aid, None)  # a record written before signatures
            else:
                store.write(aid, _mutated(rng.choice(bases), rng,
                                          rng.choice([0, 10, 40, 70, 120])))
        if step == 30:
            index.follower.wait_saved(60)
            views.append(NearDuplicates(store))
            views[1].follower.sync()
            assert views[1].follower.last["kind"] in ("snapshot", "refresh")  # not rebuilt
        queries = [_mutated(rng.choice(bases), rng, rng.choice([0, 20, 60])) for _ in range(4)]
        want = _brute(store.records, queries)
        for view in views:
            got = view.similar(queries)
            assert [sorted(h, key=lambda x: (-x[1], x[0])) for h in got] == want
            assert len(view) == sum(1 for m in store.records.values() if "minhash" in m)
    assert index.follower.last["kind"] == "refresh" and len(merges) > 10
    assert views[1].follower.last["kind"] == "refresh"
    rebuilt = NearDuplicates(FakeRecords())
    rebuilt.store.records, rebuilt.store.token = store.records, "t"
    queries = [_mutated(b, rng, 30) for b in bases]
    assert rebuilt.similar(queries) == index.similar(queries) == views[1].similar(queries)
    assert rebuilt.follower.last["kind"] == "rebuild"


def test_a_signature_of_another_length_finds_nothing(settings):
    service = PantauService.from_settings(settings)
    _put(service, _article("a", _story(1)))
    sig = fingerprint.signature(_story(1))
    assert service.store.find_similar([sig[:64], sig]) == [[], [("a", 1.0)]]
    assert service.store.find_similar([]) == []


@pytest.mark.parametrize("n", [1000])
def test_memory_per_article_is_small(n):
    """Under 1 KB per article held (signature, band keys, id)."""
    store = FakeRecords()
    rng = random.Random(5)
    for i in range(n):
        store.records[f"a{i:016x}"] = {"minhash": json.dumps(
            [rng.getrandbits(32) for _ in range(fingerprint.NUM_PERM)])}
    store.token = "t"
    index = NearDuplicates(store)
    index.similar([tuple(range(fingerprint.NUM_PERM))])
    assert len(index) == n
    assert index.size_bytes() / n < 1024
