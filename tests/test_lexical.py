"""The lexical index follows the store through add, update and delete, also when another
store object (another process's view) made the change."""
from ingest.pipeline import ingest_records
from rag.retrieval.lexical import LexicalIndex, query_tokens, tokens
from rag.service import PantauService
from rag.types import Filters


def _ids(index, *words, filters=None):
    return [pid for pid, _ in index.search(query_tokens(words), 10, filters)]


def test_tokens_keep_numbers_and_regulations():
    t = tokens("Peraturan Menteri Perdagangan Nomor 31 Tahun 2023 melarang transaksi; saham 75,01 persen.", "id")
    assert "permendag-31-2023" in t and "75,01" in t and "larang" in t
    assert "yang" not in tokens("yang dan di", "id")


def test_a_questions_spoken_or_possessive_words_meet_the_articles_forms():
    # the affix rules stem "sanksinya" and "sanksi", "ngelanggar" and "melanggar" apart;
    # a question's word also carries its dictionary root's stem
    index = tokens("Platform yang melanggar aturan dikenai sanksi administratif.", "id")
    for word in ("sanksinya", "ngelanggar", "pelanggarannya"):
        (group,) = query_tokens([word])
        assert set(group) & set(index), (word, group, index)
    # a word without a root in the dictionary keeps its own stems only
    assert query_tokens(["tokopedia"]) == [["tokopedia"]]


def test_add_update_delete_stay_consistent(settings):
    writer = PantauService.from_settings(settings)
    reader = PantauService.from_settings(settings)  # a second view of the same store
    index = LexicalIndex(reader.store)
    rec = {"title": "Harga buah", "url": "https://x.example/r", "published": "2024-01-05",
           "text": "Harga rambutan di Pasar Minggu naik tajam menjelang akhir pekan."}
    ingest_records(writer, [rec])
    (hit,) = _ids(index, "rambutan")
    assert hit.endswith(":0")
    assert _ids(index, "rambutan", filters=Filters(until="2023-12-31")) == []
    ingest_records(writer, [{**rec, "text": "Harga durian di Pasar Minggu turun drastis menjelang akhir pekan."}])
    assert _ids(index, "rambutan") == [] and len(_ids(index, "durian")) == 1
    writer.delete(writer.articles()[0].id)
    assert _ids(index, "durian") == []


def test_coverage_measures_what_the_corpus_can_match(service):
    ingest_records(service, [{"text": "Pedagang UMKM di Tanah Abang mengeluhkan sepinya pembeli.",
                              "url": "https://x.example/u"}])
    index = LexicalIndex(service.store)
    assert index.coverage(query_tokens(["umkm", "pedagang"])) == 1.0
    assert index.coverage(query_tokens(["football", "score"])) == 0.0


def test_scores_summed_densely_or_by_sorting_are_the_same():
    import numpy as np

    from rag.retrieval.postings import accumulate, accumulate_terms
    rng = np.random.default_rng(3)
    for n, m in ((50, 400), (10_000, 300), (1000, 5000)):
        per_term = [np.sort(rng.choice(n, min(n, m // 4), replace=False)).astype(np.int32)
                    for _ in range(4)]  # a term's postings: distinct rows
        term_scores = [rng.random(len(r)).astype(np.float32) for r in per_term]
        rows, scores = np.concatenate(per_term), np.concatenate(term_scores)
        sparse_rows, sparse_sum = accumulate(rows, scores, n, dense=False)
        dense_rows, dense_sum = accumulate(rows, scores, n, dense=True)
        assert np.array_equal(sparse_rows, dense_rows)
        assert np.array_equal(sparse_sum, dense_sum)
        for dense in (True, False, None):  # term by term: the same rows and sums
            t_rows, t_sum = accumulate_terms(per_term, term_scores, n, dense=dense)
            assert np.array_equal(t_rows, dense_rows) and np.array_equal(t_sum, dense_sum)
        assert np.array_equal(sparse_rows, np.unique(rows))
        by_row = {int(r): 0.0 for r in rows}
        for r, sc in zip(rows, scores):
            by_row[int(r)] += float(sc)
        assert np.allclose(dense_sum, [by_row[int(r)] for r in dense_rows])


def test_length_norm_is_made_once_per_state_and_scores_as_bm25(settings):
    """The per-row length normalisation is computed once per published state, and the
    scores with it (rows dead or not) are BM25's, summed by hand."""
    import math

    import numpy as np

    from rag.retrieval.lexical_state import B, K1

    writer = PantauService.from_settings(settings)
    index = LexicalIndex(writer.store)
    texts = ["Harga rambutan naik di pasar.", "Rambutan dan durian, rambutan lagi, dijual murah.",
             "Durian Medan laris di pasar malam kota."]
    ingest_records(writer, [{"title": f"Buah {i}", "url": f"https://x.example/{i}",
                             "published": "2024-01-05", "text": t} for i, t in enumerate(texts)])
    for dead in (False, True):
        if dead:  # an edit: the old row stays, dead
            ingest_records(writer, [{"title": "Buah 2", "url": "https://x.example/2",
                                     "published": "2024-01-05",
                                     "text": "Durian Medan laris manis di pasar pagi kota."}])
        groups = query_tokens(["rambutan", "durian"])
        terms = list(dict.fromkeys(t for g in groups for t in g))
        hits = index.search(groups, 5)
        st = index.view()._st
        assert st.norm is st.norm and (st.n_alive < st.n) == dead
        assert np.allclose(st.norm, K1 * (1 - B + B * st.dl / st.avgdl))
        want = {}
        for row in np.flatnonzero(st.alive):
            score = 0.0
            for term in terms:
                if term not in index.view()._vocab:
                    continue
                rows, tf = index.view()._postings(st, index.view()._vocab[term])
                live = st.alive[rows]
                df = int(live.sum())
                idf = math.log(1 + (st.n_alive - df + 0.5) / (df + 0.5))
                got = tf[rows == row]
                if len(got):
                    score += idf * got[0] / (got[0] + st.norm[row])
            if score > 0:
                want[st.ids[row]] = score
        assert want and {pid for pid, _ in hits} == set(want)
        assert all(math.isclose(s, want[pid], rel_tol=1e-5) for pid, s in hits)


def test_row_ids_keep_every_id_through_appends_merges_and_a_snapshot(tmp_path):
    """The row -> passage id table (rag.retrieval.rowids): appended chunk by chunk, taken in
    a merge's order, ids of any length and script; saved large, it comes back mapped."""
    import mmap

    import numpy as np

    from rag.retrieval.rowids import RowIds
    from rag.store.snapshots import Snapshots

    first = [f"a{i:016x}:{i % 7}" for i in range(5000)]
    second = ["pendek:0", "artikel-ü-ñ:12", "x" * 80 + ":3"]
    ids = RowIds().extended(first).extended([]).extended(second)
    every = first + second
    assert len(ids) == len(every) and [ids[r] for r in range(len(every))] == every
    keep = np.array([5002, 0, 4999, 5000, 17])
    assert [ids.take(keep)[r] for r in range(len(keep))] == [every[k] for k in keep]
    assert len(RowIds().take(keep)) == 0
    snaps = Snapshots(tmp_path, "store")
    snaps.save("lexical", "r", {}, ids)
    back = snaps.load("lexical", "r")[1]
    assert [back[r] for r in range(len(every))] == every
    base = back.chunks[0].base
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "obj", None) or getattr(base, "base", None)
    assert base is not None  # a view of the mapped file, not a copy


def test_a_name_nearly_every_article_of_a_language_carries_is_the_setting(service):
    # English news about Indonesia names the country (or calls things "Indonesian") in
    # nearly every article; the Indonesian articles on the same stories seldom do
    things = ["rambutan", "durian", "salak", "mangosteen", "batik", "rattan", "coffee",
              "cocoa", "pepper", "nutmeg", "cloves", "vanilla"]
    places = ["Bandung", "Medan", "Makassar", "Padang", "Malang", "Solo", "Bogor", "Depok",
              "Bekasi", "Cirebon", "Kupang", "Ambon"]
    en = [{"title": f"{things[i].title()} prices in {places[i]}", "language": "en",
           "url": f"https://en.example/{i}",
           "text": (f"Indonesian growers near {places[i]} sold {things[i]} to {things[i - 1]} "
                    f"buyers from {places[i - 2]}. " if i % 2 else
                    f"Growers in Indonesia near {places[i]} moved {things[i]} to "
                    f"{places[i - 3]} and {places[i - 5]}. ")
           + ("Shopee said sales rose." if i < 3 else f"Prices of {things[i - 4]} held.")}
          for i in range(12)]
    id_ = [{"title": f"Harga {things[i]} di {places[i]}", "language": "id",
            "url": f"https://id.example/{i}",
            "text": f"Pedagang {things[i]} di {places[i]} mengirim barang ke {places[i - 1]} "
                    f"dan {places[i - 4]}, sementara {things[i - 2]} tertahan di Bandung."
            + (" Indonesia mengimpor sebagian buah." if i < 3 else "")}
           for i in range(12)]
    report = ingest_records(service, en + id_)
    assert report.added == 24, report
    view = LexicalIndex(service.store).view()
    assert view.setting(["indonesia", "shopee", "bandung", "rambutan"]) == {"indonesia", "bandung"}
    # a question's plan carries the setting it names, for the answerer's anchors
    assert service.retriever.plan("Who sells Indonesia's durian on Shopee?").setting == {"indonesia"}
    # read again once the store has changed by more than a tenth: English news from
    # elsewhere makes the country a name like any other
    index = LexicalIndex(service.store)
    assert index.view().setting(["indonesia"]) == {"indonesia"}
    ingest_records(service, [{"title": f"{t.title()} harvest in {p}", "language": "en",
                              "url": f"https://en.example/x{i}",
                              "text": f"Farmers near {p} in Malaysia picked {t} early, and "
                                      f"{things[i - 3]} prices in {places[i - 6]} fell."}
                             for i, (t, p) in enumerate(zip(things, places))])
    assert index.view().setting(["indonesia"]) == frozenset()


def test_too_few_articles_tell_no_setting(service):
    ingest_records(service, [{"title": "Pasar", "url": f"https://x.example/{i}",
                              "text": "Pedagang Indonesia menjual rambutan di pasar."}
                             for i in range(5)])
    assert LexicalIndex(service.store).view().setting(["indonesia"]) == frozenset()


def test_a_snapshot_of_a_state_holds_its_fields_not_what_questions_cached_on_it(service):
    # a snapshot pickles the published state in a background thread while questions fill
    # in its caches: only the fields are pickled, so the instance's dict changing under
    # the pickler cannot break it, and the caches are derived again after a load
    import pickle
    ingest_records(service, [{"title": "Pasar", "url": f"https://x.example/p{i}",
                              "text": f"Pedagang menjual {i} peti rambutan di pasar."}
                             for i in range(3)])
    index = LexicalIndex(service.store)
    st = index.view()._st
    st.norm, st.openings  # noqa: B018 - fill the caches
    loaded = pickle.loads(pickle.dumps(st, protocol=5))
    assert "norm" not in vars(loaded) and "openings" not in vars(loaded)
    assert loaded.n == st.n and list(loaded.openings) == list(st.openings)
