"""Impact of a regulation: stakeholders and obligations, each a cited sentence."""
from fastapi.testclient import TestClient

from app import create_app
from ingest.pipeline import ingest_paths
from rag.tracking.impact import statement_kind
from rag.service import PantauService

from conftest import REPO


def test_statement_kinds():
    assert statement_kind("Media sosial dilarang memfasilitasi transaksi.") == "prohibition"
    assert statement_kind("Each item must be worth at least USD 100 FOB.") == "threshold"
    assert statement_kind("Pedagang wajib memiliki izin usaha.") == "obligation"
    assert statement_kind("Sanksi mulai dari peringatan tertulis.") == "sanction"
    assert statement_kind("Harga cabai naik.") is None
    # what a rule still allows is a rule too; "tidak boleh" and "hanya boleh" are not that
    assert statement_kind("Barang itu masih boleh dijual langsung ke konsumen.") == "permission"
    assert statement_kind("A positive list says which goods may still be sold.") == "permission"
    assert statement_kind("Media sosial tidak boleh memproses pembayaran.") == "prohibition"
    assert statement_kind("Media sosial hanya boleh dipakai untuk promosi.") == "obligation"


def test_permendag_31_impact_on_the_sample(settings):
    service = PantauService.from_settings(settings)
    ingest_paths(service, [REPO / "data" / "sample"])
    imp = service.impact("permendag-31-2023")
    groups = {g.group for g in imp.stakeholders}
    assert {"platforms", "sellers", "importers"} <= groups
    texts = " ".join(o.text for o in imp.obligations)
    assert "100" in texts and ("transaksi" in texts or "payments" in texts)  # floor and ban
    kinds = {o.kind for o in imp.obligations}
    assert {"prohibition", "threshold"} <= kinds and "effect" not in kinds
    for o in imp.obligations:
        s, e = o.citation.highlights[0]
        assert o.citation.quote[s - o.citation.start:e - o.citation.start] == o.text
    c = TestClient(create_app(settings, with_ui=False, service=service))
    body = c.get("/api/impact", params={"regulation": "permendag-31-2023"}).json()
    assert body["regulation"] == "permendag-31-2023" and body["obligations"]
    assert c.get("/api/impact", params={"regulation": "uu-1-1900"}).status_code == 404


def _passage(text, pid="a:0"):
    from rag.types import RetrievedPassage
    return RetrievedPassage(passage_id=pid, article_id=pid.split(":")[0], text=text, title="T",
                            outlet="O", url="https://o.example", published="2024-01-01",
                            start=0, end=len(text), score=1.0, language="id")


def test_domestic_industry_and_workers_are_stakeholders_of_their_own():
    from rag.tracking.impact import impact_of
    text = ("Permendag 12/2024 mewajibkan persetujuan impor untuk bahan baku. "
            "Akibat aturan itu, pabrik yang menunggu bahan baku terpaksa mengatur ulang "
            "jadwal produksi. Importir wajib melampirkan dokumen tambahan. "
            "Under Permendag 12/2024, thousands of factory employees were affected by "
            "the delays.")
    imp = impact_of("permendag-12-2024", [_passage(text)])
    by = {g.group: [s.text for s in g.statements] for g in imp.stakeholders}
    assert any("pabrik" in t for t in by["industry"]), by
    assert any("employees" in t for t in by["workers"]), by
    assert not any("pabrik" in t for t in by.get("importers", [])), by


def test_a_regulation_s_rules_are_its_own_not_another_s_or_someone_s_claim():
    from rag.tracking.impact import impact_of
    text = ("Kemendag menerbitkan Permendag 12/2024 yang menggantikan Permendag 5/2020. "
            "Poin utamanya, platform dilarang menjual produk buatannya sendiri. "
            "Menurut dia, penjual di pasar harus membayar sewa kios. "
            "\"Kami wajib bersiap,\" kata seorang pedagang. "
            "Pemerintah juga menyinggung Permendag 3/2021 yang mewajibkan label halal. "
            "Platform tetap harus tunduk pada Permendag 12/2024.")
    rules = [s.text for s in impact_of("permendag-12-2024", [_passage(text)]).obligations]
    assert rules == ["Poin utamanya, platform dilarang menjual produk buatannya sendiri."]
    # "the revision of X" speaks of what replaced X, when that is known
    old = _passage("Pemerintah merampungkan revisi Permendag 5/2020. "
                   "Nantinya media sosial dilarang memproses pembayaran.", "b:0")
    got = impact_of("permendag-12-2024", [old], {"permendag-5-2020": "permendag-12-2024"})
    assert [s.kind for s in got.obligations] == ["prohibition"]
    assert not impact_of("permendag-5-2020", [old]).obligations


def test_sentences_before_a_passage_names_a_rule_are_its_own_only_in_that_paragraph():
    from rag.tracking.impact import impact_of
    # a roundup: its third point is a fine, its fifth a tax rule
    text = ("Ketiga, soal sanksi. Komisi mendenda perusahaan itu Rp15 miliar. Denda itu "
            "menyangkut kewajiban notifikasi merger, bukan izin berjualan.\n\n"
            "Kelima, soal pajak. Platform wajib memungut pajak 0,5 persen dari pedagang "
            "berdasarkan PMK 40/2025.")
    rules = [s.text for s in impact_of("pmk-40-2025", [_passage(text)]).obligations]
    assert rules == ["Platform wajib memungut pajak 0,5 persen dari pedagang berdasarkan "
                     "PMK 40/2025."]
    # a news lede tells the rule a paragraph before it names it
    text = ("Platform dilarang menjual produk buatannya sendiri.\n\n"
            "Larangan itu diatur dalam Permendag 12/2024 yang terbit pekan lalu.")
    rules = [s.text for s in impact_of("permendag-12-2024", [_passage(text)]).obligations]
    assert "Platform dilarang menjual produk buatannya sendiri." in rules


def test_a_rule_named_only_as_what_is_revised_or_replaced_provides_nothing_there():
    from rag.tracking.impact import impact_of
    text = ("Kemendag tengah menyusun revisi Permendag 12/2024 untuk mengatur biaya admin "
            "yang dipungut platform. Aturan baru itu menggantikan Permendag 5/2020 dan "
            "melarang platform menjadi produsen barang yang dijualnya sendiri.")
    # what the revision will regulate, and what replaced it bans, are neither rule's own
    assert not impact_of("permendag-12-2024", [_passage(text)]).obligations
    assert not impact_of("permendag-5-2020", [_passage(text)]).obligations


def test_a_question_giving_the_rules_year_is_about_that_years_rule(service):
    from ingest.pipeline import ingest_records
    # the older rule's words are more of the question's; the year says which rule it is
    older = ("Permendag 5/2020 mewajibkan marketplace yang menjual produk merek sendiri "
             "mencantumkan identitas penjual. Permendag 5/2020 juga mewajibkan pedagang "
             "daring memiliki izin usaha.")
    newer = ("Permendag 12/2023 melarang marketplace menjadi produsen barang yang dijualnya "
             "sendiri. Permendag 12/2023 juga mewajibkan marketplace memisahkan promosi dari "
             "transaksi.")
    ingest_records(service, [
        {"title": "Izin pedagang daring", "url": "https://x.example/a", "text": older,
         "published": "2020-06-10"},
        {"title": "Larangan produk sendiri", "url": "https://x.example/b", "text": newer,
         "published": "2023-09-27"}])
    ans = service.ask("Marketplace boleh jual produk merek sendiri nggak menurut aturan 2023?")
    assert ans.intent == "obligations" and "Permendag 12/2023" in ans.answer.split("\n")[0], (
        ans.answer)


def test_who_a_regulation_affects_is_not_read_from_sentences_about_another():
    from rag.tracking.impact import impact_of
    text = ("Lewat PMK 9/2025, platform wajib memungut pajak 0,5 persen dari pedagang. "
            "Pedagang beromzet kecil cukup menyampaikan surat pernyataan kepada platform. "
            "Kemendag juga menyusun revisi Permendag 12/2024 untuk mengatur biaya admin "
            "yang dipungut platform dari penjual.")
    said = [s.text for g in impact_of("pmk-9-2025", [_passage(text)]).stakeholders
            for s in g.statements]
    assert said and not any("Permendag 12/2024" in t for t in said)
    # the other regulation's own list has it
    other = impact_of("permendag-12-2024", [_passage(text)]).stakeholders
    assert any("Permendag 12/2024" in s.text for g in other for s in g.statements)


def test_a_statement_runs_on_into_the_sentence_that_goes_on_with_it():
    from rag.tracking.impact import impact_of
    text = ("PMK 9/2025 mewajibkan lokapasar memungut pajak dari pedagang. "
            "Pedagang dengan omzet di bawah Rp500 juta tidak dikenai pungutan tersebut. "
            "Mereka cukup menyampaikan pernyataan kepada platform.\n"
            "Sanksi bagi platform berjenjang, mulai dari peringatan tertulis.\n"
            "\"Kami beri waktu satu minggu. Setelah itu bisa sampai ditutup,\" ujarnya.\n"
            "Pemerintah juga menyusun daftar barang yang masih boleh dijual.")
    got = impact_of("pmk-9-2025", [_passage(text)])
    said = {s.text: s for s in got.obligations}
    assert ("Pedagang dengan omzet di bawah Rp500 juta tidak dikenai pungutan tersebut. "
            "Mereka cukup menyampaikan pernyataan kepada platform.") in said, list(said)
    quoted = next(t for t in said if t.startswith("Sanksi bagi platform"))
    assert quoted.endswith("bisa sampai ditutup,\" ujarnya."), quoted  # the quote, whole
    # the highlight covers both sentences; a sentence that is a statement itself stands alone
    s = said[quoted]
    a, b = s.citation.highlights[0]
    assert text[a:b].startswith("Sanksi") and text[a:b].endswith("ujarnya.")
    assert "PMK 9/2025 mewajibkan lokapasar memungut pajak dari pedagang." in said


def test_what_a_group_was_told_to_do_by_the_player_the_asker_deals_with():
    from rag.tracking.impact import instructions_in
    about = _passage("Lapakku menutup layanan barang fisik. Para penjual diminta menuntaskan "
                     "pesanan sebelum Maret. \"Kami diminta sabar,\" kata seorang pedagang. "
                     "Konsumen diimbau memakai aplikasi terbaru.")
    other = _passage("Tokoku merapikan katalog. Para penjual diminta memperbarui foto.", "b:0")
    told = instructions_in([about, other], ["sellers"], ["Lapakku"])
    # the group's instruction, in a passage naming the player; no quote, no other group
    assert [s.text for s in told] == ["Para penjual diminta menuntaskan pesanan sebelum Maret."]
    assert told[0].stakeholders == ["sellers"] and told[0].citation.passage_id == "a:0"
    assert not instructions_in([about], ["sellers"], ["Tokoku"])


def test_what_a_text_speaks_of_and_the_clause_of_a_statement():
    from rag.tracking.impact import cue_clause, subject_of
    assert subject_of("Permendag 12/2024 yang menggantikan Permendag 5/2020 terbit.") == \
        "permendag-12-2024"
    assert subject_of("Apa yang hendak diatur dalam revisi Permendag 31/2023?") is None
    assert subject_of("Revisi Permendag 5/2020 rampung.", {"permendag-5-2020": "x"}) == "x"
    assert cue_clause("Namun setelah masa transisi selesai, platform dilarang menjual barang, "
                      "kata dia.").split() == ["platform", "menjual", "barang"]
    # after a relative pronoun the clause is the rule's, not what led up to the rule
    assert cue_clause("Langkah itu diambil untuk mematuhi PP 5/2021 yang melarang media sosial "
                      "memfasilitasi transaksi.").split() == ["media", "sosial", "memfasilitasi",
                                                               "transaksi."]


def test_one_ban_told_twice_in_other_words_has_one_gist():
    from rag.answering.gist import gist, same_gist
    from rag.retrieval.glossary import load_glossary
    g = load_glossary()
    a = gist("Langkah itu diambil TikTok untuk mematuhi PP 5/2021 yang melarang media sosial "
             "memfasilitasi transaksi.", g)
    b = gist("Layanan itu ditutup karena tidak sesuai dengan PP 5/2021, yang melarang media "
             "sosial menjadi tempat bertransaksi.", g)  # "bertransaksi": the glossary's word
    assert same_gist(a, b), (a, b)


def test_a_regulation_s_impact_is_kept_until_a_write_changes_it(settings, tmp_path):
    service = PantauService.from_settings(settings)
    first = tmp_path / "a.txt"
    first.write_text("Aturan baru\n\nPermendag 12/2024 melarang platform menjual produk "
                     "buatannya sendiri.\n", encoding="utf-8")
    ingest_paths(service, [first])
    kept = service.impact("permendag-12-2024")
    assert service.impact("permendag-12-2024") is kept and len(kept.obligations) == 1
    second = tmp_path / "b.txt"
    second.write_text("Aturan kedua\n\nPermendag 12/2024 mewajibkan platform memiliki izin "
                      "usaha.\n", encoding="utf-8")
    ingest_paths(service, [second])
    fresh = service.impact("permendag-12-2024")
    assert fresh is not kept and len(fresh.obligations) == 2


def test_an_impact_read_from_the_oldest_passages_stays_when_only_a_later_one_cites_the_rule(
        settings, monkeypatch):
    import rag.tracking.impact
    from ingest.pipeline import ingest_records

    monkeypatch.setattr(rag.tracking.impact, "IMPACT_PASSAGES", 1)  # the oldest passage only
    service = PantauService.from_settings(settings)

    def write(url, day, rule):
        ingest_records(service, [{"text": f"Aturan {url[-1]}\n\nPermendag 12/2024 {rule}.",
                                  "url": url, "published": day}])

    write("https://a.example/1", "2024-01-02", "melarang platform menjual produk buatannya")
    kept = service.impact("permendag-12-2024")
    write("https://a.example/2", "2024-05-01", "mewajibkan platform memiliki izin usaha")
    assert service.impact("permendag-12-2024") is kept  # not among the passages it is read from
    write("https://a.example/1", "2024-01-02", "mewajibkan penjual mencantumkan harga")
    edited = service.impact("permendag-12-2024")
    assert edited is not kept and "mencantumkan harga" in edited.obligations[0].text


def test_a_question_in_an_article_states_no_rule():
    from rag.tracking.impact import statement_kind
    assert statement_kind("Apa kewajiban marketplace?") is None  # an explainer's subheading
    assert statement_kind('What must platforms do now?" ') is None
    assert statement_kind("Platform wajib memungut pajak tersebut.") == "obligation"


def test_a_warm_process_reads_the_most_cited_rules_impacts_ahead(settings, monkeypatch):
    """After ``warm`` the most-cited regulations' impacts are read in the background, so a
    first analyst question about one does not wait for them; later ones are not read."""
    import rag.tracking.impact as impact_mod

    service = PantauService.from_settings(settings)
    ingest_paths(service, [REPO / "data" / "sample"])
    view = service.registry.view()
    by_citations = sorted(view, key=lambda rid: -len(view[rid].passages))
    threads = []
    prefetch = impact_mod.Impacts.prefetch
    monkeypatch.setattr(impact_mod.Impacts, "prefetch",
                        lambda self, most=2: threads.append(prefetch(self, most)) or threads[-1])
    fresh = PantauService.from_settings(settings)
    fresh.warm()
    (thread,) = threads
    thread.join(60)
    assert not thread.is_alive()
    second = len(view[by_citations[1]].passages)  # (ties at the second place: either)
    assert len(fresh.impacts._kept) == 2 and by_citations[0] in fresh.impacts._kept
    assert all(len(view[rid].passages) >= second for rid in fresh.impacts._kept)
    kept = fresh.impacts._kept[by_citations[0]][2]
    assert fresh.impact(by_citations[0]) is kept  # the one read ahead, not read again
