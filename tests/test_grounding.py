"""The not-found decision: every specific thing a question names must be in one passage."""
from rag.answering.grounding import anchors, focus_groups, measured, missing_anchors, names_in
from rag.retrieval.glossary import Glossary, load_glossary
from rag.types import RetrievedPassage

G = load_glossary()


def _p(text, title=""):
    return RetrievedPassage(passage_id="a:0", article_id="a", title=title, outlet="", url="",
                            published=None, language="id", text=text, start=0,
                            end=len(text), score=0.9)


def test_anchors_are_names_numbers_and_regulations():
    got = anchors("Berapa denda yang dijatuhkan KPPU kepada Shopee pada 2025?", G)
    flat = [sorted(a) for a in got]
    assert any("kppu" in a and "competition commission" in a for a in flat)
    assert ["shopee"] in flat and ["#2025"] in flat
    assert anchors("Apa isi Permendag No. 12 Tahun 2025?", G) == [frozenset({"reg:permendag-12-2025"})]
    assert anchors("Kapan TikTok Shop ditutup pada Oktober 2023?", G) == [
        frozenset({"tiktok"}), frozenset({"shop"}), frozenset({"#2023"})]


def test_a_capital_that_only_opens_the_question_is_no_name():
    ps = [_p("Komisi menjatuhkan denda kepada TikTok Nusantara (SG) Pte. Ltd. dan "
             "Bukalapak tidak terlibat, kata KPPU.")]
    # "Entitas", "Besides", "Up" are capitalised because they open the question ...
    assert missing_anchors("Entitas TikTok mana yang kena denda KPPU?", ps, G) == []
    assert missing_anchors("Besides TikTok, who did KPPU fine?", ps, G) == []
    # ... "Bukalapak" is a name: the sources write it capitalised inside a sentence ...
    assert anchors("Bukalapak kena denda?", G, {"bukalapak"}) == [frozenset({"bukalapak"})]
    # ... and a name the sources lack still leaves the question unanswered there.
    assert [sorted(a)[0] for a in missing_anchors("Shopee kena denda KPPU?", ps, G)] == []
    assert [sorted(a)[0] for a in missing_anchors("Berapa denda KPPU untuk Shopee?", ps, G)] \
        == ["shopee"]
    # Acronyms and mixed case are names wherever they stand.
    assert [sorted(a)[0] for a in anchors("KPPU fined whom?", G)][0] == "antitrust agency"
    assert anchors("TikTok fined?", G, set()) == [frozenset({"tiktok"})]


def test_names_joined_by_a_hyphen_are_each_named():
    # "merger TikTok-Tokopedia": a source names them apart, or joined; both must be there
    ps = [_p("KPPU tidak menyatakan penggabungan TikTok dan Tokopedia melanggar aturan.")]
    assert missing_anchors("Apakah merger TikTok-Tokopedia melanggar aturan?", ps, G) == []
    assert [sorted(a)[0] for a in missing_anchors(
        "Is the Grab-Tokopedia deal legal?", ps, G)] == ["grab"]
    # a hyphenated name is still one thing, found where it is written whole
    assert missing_anchors("Did Coca-Cola sell on TikTok?",
                           [_p("Coca-Cola membuka toko resmi di TikTok.")], G) == []


def test_amounts_with_a_currency_sign_name_their_currency():
    ps = [_p("KPPU fined TikTok 15 billion rupiah, or roughly $900,000.")]
    assert missing_anchors("Berapa denda KPPU untuk TikTok dalam dolar AS?", ps, G) == []
    assert missing_anchors("What was the fine in EUR?", ps, G) != []


def test_missing_anchor_means_not_grounded():
    ps = [_p("KPPU menjatuhkan denda Rp15 miliar kepada TikTok pada 2025."),
          _p("Shopee memperluas gudangnya di Jawa Barat.")]
    assert [sorted(a)[0] for a in missing_anchors("What fine did KPPU impose on Shopee?", ps, G)] \
        == ["shopee"]
    assert missing_anchors("What fine did KPPU impose on TikTok?", ps, G) == []


def test_equivalents_across_languages_and_forms():
    ps = [_p("Sebanyak 22 juta UMKM sudah masuk platform digital, kata Teten Masduki.")]
    assert missing_anchors("How many MSMEs were on digital platforms?", ps, G) == []
    reg = [_p("Trade Minister Regulation No. 31 of 2023 bans payments on social media.")]
    assert missing_anchors("Apa isi Permendag 31/2023?", reg, G) == []
    assert missing_anchors("Apa isi Permendag 12/2025?", reg, G)
    dec = [_p("TikTok membeli 75,01 persen saham Tokopedia.")]
    assert missing_anchors("Who bought 75.01% of Tokopedia?", dec, G) == []
    assert missing_anchors("Did Indonesian traders protest?", [_p("Pedagang Indonesia protes.")], G) == []
    assert missing_anchors("What about Shopee?", [_p("Toko shop daring tutup.")], G)


def test_user_glossary_extends_the_builtin(tmp_path):
    extra = tmp_path / "g.txt"
    extra.write_text("# comment\nbea cukai = customs = DJBC\n")
    g = load_glossary(str(extra))
    assert "customs" in g.equivalents("Bea Cukai") and "djbc" in g.equivalents("customs")
    assert isinstance(Glossary.load(extra), Glossary)


def test_focus_terms_are_what_is_asked_about_the_anchors():
    g = Glossary([frozenset({"pemegang saham", "shareholder"}),
                  frozenset({"saham", "shares", "stake"}), frozenset({"denda", "fine"})])
    groups = focus_groups("Siapa pemegang saham mayoritas Tokopedia saat ini?", g)
    assert frozenset({"pemegang saham", "shareholder"}) in groups
    # the phrase's own glossary word is said by "75,01 persen saham" / "a 75.01% stake" too
    assert frozenset({"saham", "shares", "stake"}) in groups
    assert frozenset({"mayoritas"}) in groups
    assert not any("tokopedia" in grp for grp in groups)  # an anchor, not a focus term
    # a borrowed word with its enclitic written apart is the word: "live-nya" is "live"
    groups = focus_groups("Penjualan lewat live-nya di Zalora sekarang gimana?", g)
    assert frozenset({"live"}) in groups and not any("live-nya" in grp for grp in groups)


def test_measured_is_what_a_how_many_question_counts():
    g = Glossary([frozenset({"karyawan", "employees"})])
    assert measured("Berapa karyawan Tokopedia yang terkena PHK?", g) == [frozenset({"karyawan", "employees"})]
    assert measured("Berapa nilai investasi yang dijanjikan?", g) == [frozenset({"investasi"})]
    assert measured("Berapa lama tenggatnya?", g) == []
    assert measured("How much did it pay?", g) == []
    # Indonesian also names it before "berapa"
    assert measured("Perusahaan itu kasih pesangon berapa?", g) == [frozenset({"pesangon"})]
    assert measured("Dendanya berapa?", g) == [frozenset({"denda"})]
    assert measured("Pendapatannya turun berapa?", g) == []  # a change, any number
    # names are anchors, not the thing counted
    assert measured("How many Indonesian small businesses sell online?", g)[:2] == \
        [frozenset({"small"}), frozenset({"businesses"})]


def test_imperative_openers_and_answer_kind_words_are_neither_anchors_nor_focus():
    g = load_glossary()
    assert anchors("Tell me about PMK 37/2025", g) == [frozenset({"reg:pmk-37-2025"})]
    assert anchors("Jelaskan Permendag 8/2024", g) == [frozenset({"reg:permendag-8-2024"})]
    # "impact", "isi", "alasan" say what kind of answer is wanted, not what it says
    for q in ("What is the impact of Permendag 31/2023 on sellers?", "Apa isi PMK 37/2025?",
              "Apa alasan KPPU mendenda TikTok?", "Isinya PMK 37/2025 apa aja?",
              "Zalora sekarang statusnya gimana?"):
        forms = {f for grp in focus_groups(q, g) for f in grp}
        assert not forms & {"impact", "isi", "alasan", "isinya", "statusnya"}, (q, forms)


def test_overlapping_glossary_terms_the_longer_wins_wherever_it_starts():
    g = Glossary([frozenset({"melantai di bursa", "listing"}),
                  frozenset({"bursa efek indonesia", "indonesia stock exchange"})])
    q = "Tahun berapa Bukalapak melantai di Bursa Efek Indonesia?"
    assert [m.group(0) for m in g.find(q)] == ["Bursa Efek Indonesia"]
    # The stock exchange is one anchor, not "Efek" and "Indonesia" left over.
    assert frozenset({"bursa efek indonesia", "indonesia stock exchange"}) in anchors(q, g)
    assert frozenset({"efek"}) not in anchors(q, g)


def test_time_words_and_as_of_openers_are_not_anchors():
    g = load_glossary()
    assert anchors("Jam berapa TikTok Shop berhenti?", g) == anchors("TikTok Shop berhenti?", g)
    q = "Per Februari 2024, migrasi TikTok Shop sudah berapa persen?"
    assert frozenset({"per"}) not in anchors(q, g)


def test_conversational_openers_and_pronouns_are_neither_anchors_nor_focus():
    g = load_glossary()
    q = "Kalau omzet saya di bawah itu, saya harus ngapain? (PMK 37/2025)"
    assert anchors(q, g) == [frozenset({"reg:pmk-37-2025"})]
    forms = {f for grp in focus_groups(q, g) for f in grp}
    assert "omzet" in forms and not forms & {"kalau", "saya", "ngapain"}, forms
    # so a passage on the rule that says what the question asks is not refused for
    # never saying "Kalau"
    text = ("PMK 37/2025 menunjuk marketplace sebagai pemungut pajak. Pedagang dengan omzet di "
            "bawah Rp500 juta per tahun tidak dikenai pungutan tersebut.")
    assert not missing_anchors(q, [_p(text)], g)
    assert anchors("Lalu ada pengecualian untuk produk impor tertentu nggak?", g) == []


def test_spoken_function_words_are_no_focus():
    # "importir sama pabrik" is "importers and factories"; "gara-gara" is "because of"
    q = "Penumpukan kontainer gara-gara Permendag 36/2023 dampaknya ke importir sama pabrik apa aja?"
    forms = {f for grp in focus_groups(q, G) for f in grp}
    assert {"importir", "pabrik", "kontainer"} <= forms
    assert not forms & {"sama", "gara-gara"}, forms
    # "soal" is "about": "aturan soal impor" asks about imports, not about the word
    forms = {f for grp in focus_groups("Apa alasan pemerintah menerbitkan Permendag 36/2023 "
                                       "soal impor?", G) for f in grp}
    assert "impor" in forms and "soal" not in forms, forms
    forms = {f for grp in focus_groups("What did the ministry say regarding the fee cap, and "
                                       "apa kata asosiasi mengenai seputar pajak?", G)
             for f in grp}
    assert not forms & {"regarding", "mengenai", "seputar"}, forms
    # nor what "bikin" (make) does to something
    assert "bikin" not in {f for grp in focus_groups("Denda itu bikin TikTok kehilangan "
                                                     "izin?", G) for f in grp}


def test_a_glossary_term_that_only_opens_the_question_is_what_it_asks_about():
    # "Biaya admin" opens the question: no name the passages must carry, but what the
    # answer must say (a focus term) ...
    q = "Biaya admin lokapasar itu sebenarnya apa sih?"
    assert not any("admin fee" in a for a in anchors(q, G, set()))
    focus = [sorted(g) for g in focus_groups(q, G, set())]
    assert any("admin fee" in g for g in focus) and any("lokapasar" in g for g in focus)
    # ... and filler words ("sebenarnya", "sih") are neither.
    assert not any("sebenarnya" in g for g in focus)
    # Where the sources write it (or an equivalent) as a name, it stays an anchor.
    assert any("coordinating minister" in a
               for a in anchors("Menko siapa yang menjelaskan aturan itu?", G, {"minister"}))


def test_a_title_case_headline_does_not_make_its_words_names():
    p = _p("Pemerintah berencana mengatur biaya admin yang ditarik platform.",
           title="Biaya Admin Lokapasar Akan Diatur Lewat Revisi")
    assert "admin" not in names_in([p]) and "lokapasar" not in names_in([p])
    # A headline in sentence case still does.
    p = _p("Komisi menjatuhkan denda.", title="KPPU jatuhkan denda kepada TikTok atas akuisisi")
    assert "tiktok" in names_in([p])


def test_what_the_asker_says_of_themselves_is_no_anchor():
    ps = [_p("Pedagang dengan omzet di bawah Rp500 juta setahun tidak dipungut pajak.")]
    # their own turnover says which range is theirs; the sources need not name it
    assert missing_anchors("Omzet saya sekitar 300 juta setahun. Saya kena pajak nggak?",
                           ps, G) == []
    assert missing_anchors("We turn over Rp2 miliar a year; do we pay it?", ps, G) == []
    # an amount asked about (not the asker's) still is one
    assert missing_anchors("Berapa pajak untuk omzet Rp300 juta?", ps, G) != []
    # "I'm" and "We're" open with a capital and name nobody
    assert anchors("I'm a seller on Zalora. What applies to me?", G) == [frozenset({"zalora"})]


def test_a_share_measures_what_it_is_a_share_of_not_its_unit():
    # "berapa persen saham": an answer's figure must come with "saham", not just "persen"
    # ("PPh sebesar 0,5 persen" is no share of Tokopedia)
    got = measured("Berapa persen saham Tokopedia yang dipegang GoTo?", G)
    assert got and all("persen" not in g and "percent" not in g for g in got)
    assert any("saham" in g for g in got)
    assert measured("Berapa persen?", G) == []


def test_a_name_written_as_its_web_address_says_the_name():
    ps = [_p("PT Bukalapak.com Tbk akan menghentikan penjualan barang fisik pada 2025.")]
    assert missing_anchors("Kapan Bukalapak berhenti jual barang fisik?", ps, G) == []
    # (a name the passage does not write stays missing)
    assert missing_anchors("Kapan Tokopedia berhenti jual barang fisik?", ps, G) != []
