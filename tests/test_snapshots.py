"""Snapshots of the derived indexes (rag.store.snapshots): a new process starts from them,
replays only the writes after them, and never trusts a damaged, foreign or outdated one."""
import logging

from ingest.pipeline import ingest_paths, ingest_records
from rag.service import PantauService

from conftest import FIXTURES


def _followers(service):
    return {"lexical": service.retriever.lexical.follower,
            "registry": service.registry.follower, "timelines": service.timelines.follower}


def _sync_all(service) -> dict[str, str]:
    """Bring every derived index up to date; what each follower did."""
    service.retriever.lexical.view()
    service.registry.view()
    service.timelines.view()
    return {name: f.last["kind"] for name, f in _followers(service).items()}


def _saved(service) -> None:
    for f in _followers(service).values():
        f.wait_saved(60)


def _state(service):
    """What readers get: lexical hits for a few questions, the registry, every timeline."""
    hits = [service.retriever.lexical.search([[w]], 5) for w in ("tiktok", "permendag", "shop")]
    return hits, service.registry.view(), service.timelines.by_subject()


ZORBLAX = {"url": "https://o.example/zorblax", "published": "2024-05-03", "outlet": "Contoh",
           "title": "Zorblax Mart menutup layanan",
           "text": "Zorblax Mart menutup layanan belanja pada 3 Mei 2024. Permendag 31/2023 "
                   "menjadi alasannya, kata pengelola."}


def test_a_new_process_starts_from_the_snapshots_and_replays_later_writes(settings):
    first = PantauService.from_settings(settings)
    ingest_paths(first, [FIXTURES])
    assert set(_sync_all(first).values()) == {"rebuild"}
    _saved(first)
    folder = first.store.snapshots.directory
    assert sorted(p.name for p in folder.iterdir()) == [  # + ingest's near-duplicate index
        "lexical.snap", "nearduplicates.snap", "regulationregistry.snap", "timelineindex.snap"]
    # A second process on the same store: every index from its snapshot, the same answers.
    second = PantauService.from_settings(settings)
    assert set(_sync_all(second).values()) == {"snapshot"}
    # Every subject's shown events come made (no pass over a busy subject's events on its
    # first question).
    restored = second.timelines.derived()
    assert restored.order and set(restored._shown) == set(restored.order)
    assert _state(second) == _state(first)
    # A write after the snapshot: a third process loads the snapshot, then refreshes just
    # that article; the running second one refreshes it too.
    assert not ingest_records(first, [ZORBLAX]).failed
    third = PantauService.from_settings(settings)
    assert set(_sync_all(third).values()) == {"refresh"}
    for svc in (first, second, third):
        pids = [pid for pid, _ in svc.retriever.lexical.search([["zorblax"]], 5)]
        assert len({p.split(":")[0] for p in pids}) == 1
    assert _state(third) == _state(first) == _state(second)
    # Deleting it reaches a process that starts from the older snapshot as well.
    article = first.retriever.lexical.search([["zorblax"]], 5)[0][0].split(":")[0]
    assert first.delete(article)
    fourth = PantauService.from_settings(settings)
    assert not fourth.retriever.lexical.search([["zorblax"]], 5)
    assert _state(fourth) == _state(first)


def test_a_damaged_foreign_or_outdated_snapshot_is_rebuilt_and_said(settings, tmp_path, caplog):
    first = PantauService.from_settings(settings)
    ingest_paths(first, [FIXTURES])
    _sync_all(first)
    _saved(first)
    folder = first.store.snapshots.directory
    # Damaged: one byte of the payload flipped.
    lex = folder / "lexical.snap"
    raw = bytearray(lex.read_bytes())
    raw[-10] ^= 0xFF
    lex.write_bytes(bytes(raw))
    # Made with another gazetteer: the timelines are found again, the others are not.
    extra = tmp_path / "gazetteer.yaml"
    extra.write_text("- id: zorblax-mart\n  kind: platform\n  names: [Zorblax Mart]\n")
    other = settings.model_copy(update={"gazetteer_file": str(extra)})
    with caplog.at_level(logging.INFO, logger="pantau"):
        kinds = _sync_all(PantauService.from_settings(other))
    assert kinds == {"lexical": "rebuild", "registry": "snapshot", "timelines": "rebuild"}
    said = caplog.text
    assert "lexical.snap not used, damaged" in said
    assert "timelineindex.snap not used, made by other code or settings" in said
    # Taken of another store: a new store at the same place (its collections made again).
    fresh = settings.model_copy(update={"data_dir": tmp_path / "other"})
    other_store = PantauService.from_settings(fresh)
    ingest_paths(other_store, [FIXTURES])
    (fresh.data_dir / "snapshots").mkdir(parents=True, exist_ok=True)
    target = fresh.data_dir / "snapshots" / folder.name
    target.mkdir(exist_ok=True)
    (target / "regulationregistry.snap").write_bytes(
        (folder / "regulationregistry.snap").read_bytes())
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pantau"):
        other_store.registry.view()
    assert other_store.registry.follower.last["kind"] == "rebuild"
    assert "taken of another store" in caplog.text


def test_snapshots_can_be_turned_off(settings):
    off = settings.model_copy(update={"snapshots": False})
    service = PantauService.from_settings(off)
    ingest_paths(service, [FIXTURES])
    _sync_all(service)
    assert service.store.snapshots is None
    assert not (off.data_dir / "snapshots").exists()
    assert set(_sync_all(PantauService.from_settings(off)).values()) == {"rebuild"}


def test_workers_forked_after_a_preload_start_from_the_parents_objects(settings, caplog):
    """`pantau serve --workers N`: the parent reads the snapshots once (``preload``) and the
    workers it forks take those objects (no read, no unpickling: shared memory) while the
    files still hold them, each once; a file written since is read again, and a snapshot of
    other code is still refused."""
    import os
    import pickle

    from rag.store import snapshots as snapmod

    first = PantauService.from_settings(settings)
    ingest_paths(first, [FIXTURES])
    _sync_all(first)
    _saved(first)
    snaps = first.store.snapshots
    names = snapmod.preload(snaps.directory)
    try:
        assert names == ["lexical", "nearduplicates", "regulationregistry", "timelineindex"]
        recipe = first.retriever.lexical.follower._recipe()
        kept = snapmod._PRELOADED[str(snaps.path("lexical"))][1]
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # a worker: the parent's object itself, once; then the file again
            try:
                a = snaps.load("lexical", recipe)
                b = snaps.load("lexical", recipe)
                os.write(write, pickle.dumps((a[1] is kept, b[1] is kept,
                                              pickle.dumps(a[1]) == pickle.dumps(b[1]))))
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as f:
            took, again, same = pickle.loads(f.read())
        os.waitpid(pid, 0)
        assert (took, again, same) == (True, False, True)
        # A new snapshot written after the preload: a worker reads the new file.
        assert not ingest_records(first, [ZORBLAX]).failed
        follower = first.retriever.lexical.follower
        follower.sync()
        follower.wait_saved(60)
        follower._save()
        follower.wait_saved(60)
        got = snaps.load("lexical", recipe)
        assert got is not None and got[1] is not kept
        assert "zorblax" in got[1][1]  # its vocabulary has the new article's word
        # Preloaded, but made by other code: refused as the file would be.
        with caplog.at_level(logging.INFO, logger="pantau"):
            assert snaps.load("timelineindex", "other code") is None
        assert "timelineindex.snap not used, made by other code or settings" in caplog.text
        # A damaged file is not preloaded at all (said); its worker reads and refuses it.
        reg = snaps.path("regulationregistry")
        raw = bytearray(reg.read_bytes())
        raw[-5] ^= 0xFF
        reg.write_bytes(bytes(raw))
        snapmod._PRELOADED.clear()
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="pantau"):
            assert "regulationregistry" not in snapmod.preload(snaps.directory)
        assert "regulationregistry.snap not preloaded: damaged" in caplog.text
    finally:
        snapmod._PRELOADED.clear()


def test_a_snapshot_unpickles_with_the_collector_paused_and_restored():
    import gc
    import pickle

    from rag.store import snapshots

    state = {"events": [("tiktok", "2023-10-04", i) for i in range(1000)]}
    seen = []
    real = pickle.loads
    try:
        snapshots.pickle.loads = lambda b, **kw: seen.append(gc.isenabled()) or real(b, **kw)
        for was in (True, False):
            (gc.enable if was else gc.disable)()
            assert snapshots._unpickle(pickle.dumps(state)) == state
            assert gc.isenabled() is was  # as it was before
    finally:
        snapshots.pickle.loads = real
        gc.enable()
    assert seen == [False, False]  # paused while the objects were made


def test_a_stopping_app_lets_a_snapshot_being_written_finish(settings, monkeypatch):
    """A server stopped right after a rebuild (a deploy, the benchmark's cold start) still
    leaves the snapshot the rebuild was saving: the next start loads it."""
    import threading

    from fastapi.testclient import TestClient

    from app import create_app
    from rag.store.snapshots import Snapshots

    service = PantauService.from_settings(settings)
    ingest_paths(service, [FIXTURES])
    _saved(service)
    for path in service.store.snapshots.directory.glob("*.snap"):
        path.unlink()
    release = threading.Event()
    save = Snapshots.save

    def slow_save(self, *args, **kw):
        release.wait(5)  # a big snapshot: still being written when the server stops
        return save(self, *args, **kw)

    monkeypatch.setattr(Snapshots, "save", slow_save)
    with TestClient(create_app(settings, service, with_ui=False)) as client:
        assert client.get("/health").status_code == 200
        assert _sync_all(service)["timelines"] == "rebuild"
        assert service.timelines.follower.saving()
        threading.Timer(0.5, release.set).start()
    # the app has stopped: the save was waited for
    assert not service.timelines.follower.saving()
    assert (service.store.snapshots.directory / "timelineindex.snap").exists()
    monkeypatch.setattr(Snapshots, "save", save)
    assert _sync_all(PantauService.from_settings(settings))["timelines"] == "snapshot"


def test_a_save_removes_what_a_killed_writer_left(settings, tmp_path):
    import os
    import time

    from rag.store.snapshots import STALE_TMP_S, Snapshots

    snaps = Snapshots(tmp_path / "snaps", "store")
    snaps.directory.mkdir()
    stale = snaps.directory / ".timelineindex.abc123.tmp"
    fresh = snaps.directory / ".timelineindex.def456.tmp"  # another process writing now
    other = snaps.directory / ".lexical.ghi789.tmp"
    for p in (stale, fresh, other):
        p.write_bytes(b"x" * 10)
    old = time.time() - STALE_TMP_S - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    snaps.save("timelineindex", "r", {"gen": "g"}, {"state": 1})
    assert not stale.exists() and fresh.exists() and other.exists()
    assert (snaps.directory / "timelineindex.snap").exists()


def test_large_arrays_are_mapped_from_the_file_and_the_rest_is_unpickled(tmp_path):
    """Format 2: a snapshot's large arrays lie after the pickle, at aligned offsets, and come
    back as views of the mapped file (copy-on-write: an index may change them in its own
    process without touching the file); small ones and everything else round-trip in the
    pickle; a flipped byte among the arrays is caught by the digest."""
    import mmap

    import numpy as np

    from rag.store.snapshots import MAPPED_BYTES, Snapshots

    snaps = Snapshots(tmp_path / "snaps", "store")
    big = np.arange(MAPPED_BYTES, dtype=np.int64)  # 8 x MAPPED_BYTES bytes
    odd = np.arange(3 * MAPPED_BYTES + 5, dtype=np.uint8)  # leaves the next one unaligned
    state = {"ids": ["a-1", "b-2"], "small": np.ones(10, np.int32), "big": big,
             "odd": odd, "after": big[::-1].copy()}
    snaps.save("lexical", "r", {"gen": "g"}, state)
    position, got = snaps.load("lexical", "r")
    assert position == {"gen": "g"} and got["ids"] == ["a-1", "b-2"]
    for key in ("small", "big", "odd", "after"):
        assert np.array_equal(got[key], state[key]) and got[key].dtype == state[key].dtype

    def mapped(a):
        base = a.base
        while base is not None and not isinstance(base, mmap.mmap):
            base = getattr(base, "obj", None) or getattr(base, "base", None)
        return base is not None

    assert mapped(got["big"]) and mapped(got["odd"]) and mapped(got["after"])
    assert not mapped(got["small"])
    assert got["after"].ctypes.data % 64 == 0  # aligned for any dtype
    got["big"][0] = -1  # the process's own copy of the page
    assert snaps.load("lexical", "r")[1]["big"][0] == 0  # the file is unchanged
    raw = bytearray(snaps.path("lexical").read_bytes())
    raw[-100] ^= 0xFF  # inside the last array
    snaps.path("lexical").write_bytes(bytes(raw))
    assert snaps.load("lexical", "r") is None
