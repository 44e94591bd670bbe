"""Extractive answers over hand-made retrieved passages (no store, no model)."""
import pytest

from answer_kit import answerer as _answerer
from answer_kit import ask as _ask
from answer_kit import leads as _leads
from answer_kit import passage as _p
from rag.answering.compose import NOT_FOUND, UNKNOWN
from rag.dates import format_date
from rag.retrieval.glossary import load_glossary
from rag.retrieval.query import plan

ART = ("TikTok Shop berhenti melayani transaksi mulai Rabu (4/10/2023) pukul 17.00 WIB. "
       "Keputusan itu menyusul Permendag 31/2023. Pedagang mengeluh sepi pembeli.")


def test_answer_has_markers_citations_and_as_of():
    ps = [_p(1, ART, start=10),
          _p(2, "TikTok Shop kembali dibuka pada 12 Desember 2023 lewat Tokopedia bersama kampanye Beli Lokal.",
             published="2023-12-12", score=0.85)]
    ans = _answerer().answer("Kapan TikTok Shop berhenti melayani transaksi?", ps)
    assert ans.found and ans.mode == "extractive" and ans.language == "id"
    first = ans.answer.split(" [1]")[0]
    assert "4/10/2023" in first, ans.answer  # the sentence with the date leads
    c1 = ans.citations[0]
    assert c1.marker == 1 and c1.passage_id == "a1:0" and c1.quote == ART
    assert (c1.start, c1.end) == (10, 10 + len(ART))
    s, e = c1.highlights[0]
    assert ART[s - 10:e - 10].startswith("TikTok Shop berhenti")
    markers = {int(m) for m in __import__("re").findall(r"\[(\d+)\]", ans.answer)}
    assert markers == {c.marker for c in ans.citations}
    assert ans.as_of == max(c.published for c in ans.citations)[:10]
    assert format_date(ans.as_of, "id") in ans.answer


def test_weak_evidence_is_not_an_answer_in_the_question_language():
    ps = [_p(1, ART, score=0.5)]
    en = _answerer(min_relevance=0.8).answer("Who won the 2022 World Cup final?", ps)
    assert not en.found and en.answer == NOT_FOUND["en"] and en.citations == []
    assert [c.passage_id for c in en.closest] == ["a1:0"]
    idq = _answerer(min_relevance=0.8).answer("Siapa juara Piala Dunia 2022?", ps)
    assert not idq.found and idq.answer == NOT_FOUND["id"]


def test_no_passages_is_not_found():
    ans = _answerer().answer("What is TikTok Shop's status now?", [])
    assert not ans.found and ans.as_of is None and ans.language == "en"


def test_repeated_facts_are_dropped():
    same = "TikTok Shop berhenti melayani transaksi mulai 4 Oktober 2023 pukul 17.00 WIB."
    ps = [_p(1, same), _p(2, same + " Ini salinan.", score=0.88), _p(3, ART, score=0.87)]
    ans = _answerer().answer("Kapan TikTok Shop berhenti?", ps)
    assert ans.answer.count("berhenti melayani transaksi mulai") == 1


def test_english_question_framed_in_english():
    ps = [_p(1, "TikTok agreed to buy 75.01% of Tokopedia for USD 840 million on 11 December 2023.",
             lang="en", published="2023-12-11")]
    ans = _answerer().answer("How much did TikTok pay for Tokopedia?", ps)
    assert ans.language == "en" and "As of 11 December 2023" in ans.answer
    assert "USD 840 million" in ans.answer


def test_what_happened_is_told_in_order():
    ps = [_p(1, "TikTok Shop kembali dibuka pada 12 Desember 2023 lewat Tokopedia.", published="2023-12-12"),
          _p(2, "TikTok Shop berhenti melayani transaksi pada 4 Oktober 2023.", published="2023-10-04", score=0.88)]
    q = "Apa yang terjadi pada TikTok Shop?"
    ans = _ask(q, ps)
    assert ans.answer.index("4 Oktober") < ans.answer.index("12 Desember")
    assert ans.conflicts == []


def test_answer_sentence_must_be_about_what_the_question_names():
    ps = [_p(1, "KPPU menjatuhkan denda Rp15 miliar kepada TikTok pada September 2025 karena "
                "terlambat melaporkan akuisisi. Bukalapak sendiri berhenti menjual barang fisik.",
             published="2025-09-26")]
    # both names are in the passage, but the fine sentence comes before Bukalapak is named
    assert not _answerer().answer("Berapa denda KPPU untuk Bukalapak?", ps).found
    assert _answerer().answer("Berapa denda KPPU untuk TikTok?", ps).found


def test_the_corpus_setting_is_no_name_an_answer_must_repeat():
    from dataclasses import replace

    from rag.retrieval.glossary import load_glossary
    from rag.retrieval.query import plan
    # an Indonesian source on the data protection law has no need to name the country
    ps = [_p(1, "Masa penyesuaian UU Pelindungan Data Pribadi berakhir pada 17 Oktober 2024.",
             published="2024-10-17")]
    q = "When did the transition period of Indonesia's personal data protection law end?"
    qp = plan(q, load_glossary())
    assert not _answerer().answer(q, ps, plan=qp).found
    # where the corpus takes Indonesia as its setting (rag.retrieval.lexical), it answers
    a = _answerer().answer(q, ps, plan=replace(qp, setting=frozenset({"indonesia"})))
    assert a.found and "17 Oktober 2024" in a.answer
    # another country is still a name the answer must carry
    q = "When did the transition period of Malaysia's personal data protection law end?"
    qp = replace(plan(q, load_glossary()), setting=frozenset({"indonesia"}))
    assert not _answerer().answer(q, ps, plan=qp).found


def test_whether_a_named_subject_did_something_needs_a_sentence_saying_the_act():
    en = [_p(1, "The competition commission fined TikTok 15 billion rupiah for notifying its "
                "Tokopedia deal late. The panel read out the decision on Monday.", lang="en",
             published="2025-09-30")]
    a = _answerer()
    # sentences on the fine say nothing of an appeal
    assert not a.answer("Has TikTok appealed that fine?", en).found
    assert not a.answer("Did TikTok appeal the KPPU fine?", en).found
    assert a.answer("Did the commission fine TikTok?", en).found
    id_ = [_p(2, "KPPU menjatuhkan denda Rp15 miliar kepada TikTok karena terlambat "
                 "memberitahukan akuisisi Tokopedia.", published="2025-09-30")]
    assert not a.answer("Apakah TikTok mengajukan banding atas denda KPPU?", id_).found
    assert a.answer("Apakah TikTok didenda KPPU?", id_).found
    # asked "yet", where it stands answers it without saying the act
    draft = [_p(3, "The trade ministry is still drafting the revision of the rule on admin "
                   "fees, officials said.", lang="en", published="2026-01-14")]
    assert a.answer("Has the trade ministry issued the admin fee revision yet?", draft).found


def test_an_anchored_sentence_that_says_nothing_asked_is_not_an_answer():
    # Names Tokopedia and 2025, but says nothing of appointing a chief executive.
    ps = [_p(1, "In September 2025 the competition commission fined Tokopedia's owner "
                "Rp15 billion for notifying the acquisition late.", lang="en",
             published="2025-09-24")]
    a = _answerer()
    assert not a.answer("Who was appointed chief executive of Tokopedia in 2025?", ps).found
    assert a.answer("Why was Tokopedia's owner fined in 2025?", ps).found


def test_a_sentence_in_the_period_asked_leads():
    ps = [_p(1, "On Dec. 11, 2023, Zalora agreed to move its shop onto Pasarku for $840 million "
                "and to invest $1.5 billion over time. The move was about 75% complete in "
                "February and finished around March. The integration came with cuts: roughly "
                "450 Pasarku employees were laid off around June.", lang="en",
             published="2024-12-15")]
    ans = _answerer().answer("How far along was Zalora's move onto Pasarku as of February 2024?",
                             ps, plan=plan("How far along was Zalora's move onto Pasarku as of "
                                           "February 2024?", load_glossary()))
    assert ans.found and ans.answer.startswith("The move was about 75% complete"), ans.answer


def test_the_dateline_year_anchors_a_question_about_that_year():
    ps = [_p(1, "Tokopedia has laid off roughly 450 employees, the first major round of job "
                "cuts since TikTok took control.", lang="en", published="2024-06-14")]
    ans = _answerer().answer("How many employees did Tokopedia lay off in 2024?", ps)
    assert ans.found and "450" in ans.answer
    assert not _answerer().answer("How many employees did Tokopedia lay off in 2022?", ps).found


def test_sentences_are_told_apart_by_what_is_asked_not_by_the_anchors_they_repeat():
    text = ("Kementerian Perdagangan menerbitkan Peraturan Menteri Perdagangan Nomor 31 Tahun "
            "2023 yang menggantikan Permendag 50/2020 tentang perizinan pelaku usaha. "
            "Menteri Perdagangan menjelaskan isi Permendag 31/2023 kepada wartawan di Jakarta. "
            "Platform media sosial tidak diperbolehkan memfasilitasi transaksi pembayaran di "
            "dalam sistemnya.")
    q = "Apa larangan bagi media sosial dalam Permendag 31/2023?"
    _leads(q, [_p(1, text)], "Platform media sosial tidak diperbolehkan")


@pytest.mark.parametrize("question, text, lang, lead", [
    # the noun asked for ("which system")
    ("Through which system do online merchants apply for their business licence under "
     "PP 80/2019?",
     "PP 80/2019 sets the licensing duty. Online merchants and the platforms that host them "
     "must all hold a business licence. The application runs through the Online Single "
     "Submission system.", "en", "Online Single Submission"),
    # "which regulation": a regulation the question does not name
    ("Peraturan apa saja yang merevisi Permendag 36/2023 sebelum Permendag 8/2024?",
     "Permendag 8/2024 berlaku. Beleid ini merupakan perubahan ketiga atas Permendag 36/2023 "
     "tentang Kebijakan dan Pengaturan Impor. Sebelumnya, aturan tersebut sudah direvisi "
     "melalui Permendag 3/2024 dan Permendag 7/2024.", "id", "Permendag 3/2024"),
])
def test_which_x_questions_lead_with_the_sentence_that_says_x(question, text, lang, lead):
    ans = _ask(question, [_p(1, text, lang=lang)])
    assert ans.found and lead in ans.answer.split("[1]")[0], ans.answer


def test_a_role_asked_by_its_short_title_is_found_in_its_long_form():
    # "Menkominfo" is "Menteri Komunikasi dan Informatika" (the glossary): the name right
    # after that form fills the role; the ministry's own sentence names no one in it.
    text = ("Kementerian Komunikasi dan Informatika (Kominfo) menyatakan siap menindak "
            "platform yang masih melayani transaksi. Menteri Komunikasi dan Informatika "
            "Budi Arie Setiadi mengatakan Kominfo akan bertindak atas rekomendasi Kemendag.")
    _leads("Siapa Menkominfo yang mengancam menindak platform?", [_p(1, text)],
           "Menteri Komunikasi dan Informatika Budi Arie")


def test_when_did_x_announce_leads_with_the_sentence_that_reports_the_announcement():
    text = ("Bukalapak, one of the first e-commerce companies, said it will stop selling "
            "physical goods on its marketplace in 2025 and focus on virtual products. "
            "The company announced the change in January 2025.")
    q = "When did Bukalapak announce it would stop selling physical goods?"
    _leads(q, [_p(1, text, lang="en")], "The company [Bukalapak] announced")
    # asked in spoken Indonesian ("ngumumin"), the report of the announcing still leads
    text = ("Bukalapak akan menghentikan penjualan barang fisik di lokapasar "
            "miliknya pada 2025. Perusahaan mengumumkan rencana itu pada Selasa (7/1/2025).")
    _leads("Kapan Bukalapak ngumumin stop jualan barang fisik?", [_p(1, text)],
           "Perusahaan mengumumkan")
    # ... over another source's stronger sentence dating what was announced
    stop = ("Zalora stopped selling physical goods on Wednesday, 8 January 2025, ending a "
            "decade of trade. The shutdown follows a long review.")
    told = "Zalora announced on 3 January 2025 that it would stop selling physical goods."
    _leads("When did Zalora announce that it would stop selling physical goods?",
           [_p(1, stop, lang="en"), _p(2, told, lang="en")], "Zalora announced on 3 January")


def test_how_does_x_relate_to_y_is_answered_by_what_ties_them():
    text = ("PMK 1/2025 makes marketplaces collect the levy from merchants. The levy dates "
            "from PP 2/2018, the regulation that set a final income tax for small businesses.")
    ans = _ask("How does PMK 1/2025 relate to PP 2/2018?", [_p(1, text, lang="en")])
    assert ans.found and "PP 2/2018" in ans.answer, ans.answer


def test_a_figure_about_nothing_the_question_asks_is_no_answer():
    text = ("The KPPU fined Zalora for notifying its acquisition of Lapak late. Zalora then "
            "merged its shop into Lapak, ending a two-month suspension of the shop.")
    q = "How many days after closing does a company have to notify the KPPU of an acquisition?"
    assert not _ask(q, [_p(1, text, lang="en")]).found
    # one focus term may be a verb the answer puts otherwise
    deal = "Under the agreement, Zalora will take 75% of Lapak for USD 840 million."
    ans = _ask("How much did Zalora pay for Lapak?", [_p(1, deal, lang="en")])
    assert ans.found and "USD 840 million" in ans.answer, ans.answer


def test_why_did_it_close_is_answered_by_the_stop():
    ps = [_p(1, "TikTok Shop stopped facilitating transactions in Indonesia on 4 October 2023 "
                "to comply with Permendag 31/2023, which bars social media from processing "
                "payments.", lang="en")]
    q = "Why did TikTok Shop close in October 2023?"
    ans = _ask(q, ps)
    assert ans.found and "Permendag 31/2023" in ans.answer, ans.answer


def test_why_questions_prefer_the_sentence_that_gives_a_cause():
    text = ("TikTok Shop closed in Indonesia in October 2023 and sellers moved their catalogues "
            "to other apps. TikTok Shop closed because the new trade rule bars social media "
            "apps from handling payments.")
    ps = [_p(1, text, lang="en")]
    _leads("Why did TikTok Shop close in October 2023?", ps, "TikTok Shop closed because")
    # Without a "why" the story's first sentence leads.
    ans = _ask("What happened to TikTok Shop in October 2023?", ps)
    assert ans.answer.startswith("TikTok Shop closed in Indonesia"), ans.answer


def test_a_stated_purpose_answers_why_in_both_languages():
    # "bertujuan", "aims to": a purpose is a reason, not only "karena"/"because"
    text = ("Aturan ini mewajibkan izin impor untuk banyak jenis barang. Importir diminta "
            "segera mengurus dokumen agar barang tidak tertahan. Pemerintah menyatakan "
            "aturan ini bertujuan melindungi industri dalam negeri.")
    _leads("Apa alasan pemerintah menerbitkan aturan impor itu?", [_p(1, text)],
           "Pemerintah menyatakan aturan ini bertujuan")
    text = ("The rule requires import permits for many goods. Importers were told to file "
            "their papers early so that cargo would not be held. Officials said the rule "
            "aims to protect domestic manufacturers.")
    _leads("Why did the government issue the import rule?", [_p(1, text, lang="en")],
           "Officials said the rule aims to")


def test_a_source_saying_it_is_not_known_yet_is_cited_instead_of_another_date():
    said = "Kemendag belum memastikan kapan revisi Permendag 31/2023 akan diterbitkan."
    ps = [_p(1, "Pembahasan draf revisi Permendag 31/2023 masih berlangsung pada Januari 2026.",
             published="2026-01-14"),
          _p(2, said, published="2026-01-14", score=0.85)]
    ans = _answerer().answer("Kapan revisi Permendag 31/2023 resmi diterbitkan?", ps)
    assert not ans.found and ans.answer.startswith(NOT_FOUND["id"])
    assert UNKNOWN["id"] + said + " [1]" in ans.answer
    assert [c.passage_id for c in ans.citations] == ["a2:0"] and ans.citations[0].quote == said
    # Once a source gives the date, that is the answer; the older "not known" is not.
    ps.insert(0, _p(3, "Revisi Permendag 31/2023 akhirnya diterbitkan pada 3 Maret 2026.",
                    published="2026-03-03", score=0.95))
    ans = _answerer().answer("Kapan revisi Permendag 31/2023 resmi diterbitkan?", ps)
    assert ans.found and "3 Maret 2026" in ans.answer, ans.answer


def test_what_is_x_prefers_the_sentence_that_says_what_x_is():
    text = ("Pemerintah berencana mengatur biaya admin yang dikenakan platform lokapasar "
            "kepada penjual melalui revisi aturan. Biaya admin adalah potongan berupa "
            "persentase dari nilai transaksi yang ditarik platform setiap kali barang terjual.")
    _leads("Biaya admin lokapasar itu sebenarnya apa sih?", [_p(1, text)],
           "Biaya admin adalah potongan")
    # "What exactly is 'X'?": a what-is question too; "exactly" says how, not about what
    text = ("Indonesian shoppers still talk about TikTok Shop, but the service inside the app "
            "has for two years been part of Tokopedia. Here is a short guide to it. "
            "Shop | Tokopedia is the merged shopping service that TikTok and Tokopedia run.")
    _leads("What exactly is 'Shop | Tokopedia'?", [_p(1, text, lang="en")],
           "Shop | Tokopedia is the merged")


def test_a_definition_names_what_it_defines_before_its_cue():
    # "Salah satu hal ... adalah biaya admin" puts the thing asked about after "adalah":
    # it says what a new provision is, not what the fees are; "mencakup" lists them.
    text = ("Salah satu hal baru yang hendak diatur adalah biaya admin yang dikenakan "
            "lokapasar kepada penjual. Penjual mengeluhkan potongan yang terus naik. "
            "Potongan tersebut mencakup biaya administrasi, biaya layanan, dan biaya program "
            "promosi.")
    _leads("Biaya admin lokapasar itu maksudnya potongan apa aja?", [_p(1, text)],
           "Potongan tersebut mencakup")


def test_a_quote_that_names_its_speaker_after_it_answers_about_the_speaker():
    # The figure is in the quote's first sentence; the speaker (the question's anchor)
    # only in the attribution that closes the quote. Forty is a number, too.
    text = ("Sellers scrambled after the shutdown. \"I used to run forty live sessions a "
            "month. After October it went to zero,\" said Wulan, who sells batik scarves "
            "from Pekalongan.")
    ans = _ask("How many live sessions a month did the Pekalongan batik seller run?",
               [_p(1, text, lang="en")])
    assert ans.found and "forty live sessions" in ans.answer.split("[1]")[0], ans.answer


def test_particles_are_not_what_a_when_question_asks_about():
    # "over" in "the fine over Tokopedia" is no focus term: "over time" does not make the
    # deal's date the date of the fine.
    text = ("KPPU read out its decision on Monday (Sept 29, 2025). TikTok agreed to the "
            "Tokopedia deal on Dec. 11, 2023, pledging to invest more over time.")
    _leads("When did KPPU hand down the fine on TikTok over Tokopedia?",
           [_p(1, text, lang="en", title="KPPU fines TikTok over Tokopedia filing")],
           "KPPU read out")


def test_the_verb_asked_about_marks_the_lead():
    # "Apa yang dikeluhkan": the sentence saying the complaint, not the one restating the
    # protest with more of the question's other words
    text = ("Ratusan pedagang pasar menggelar aksi protes pada Kamis di depan kantor wali kota. "
            "Mereka mengeluhkan kios yang makin sepi pembeli.")
    _leads("Apa yang dikeluhkan pedagang pasar dalam aksi protes?",
           [_p(1, text, published="2023-09-21")], "Mereka mengeluhkan")


def test_a_regulation_s_name_is_not_what_a_sentence_says():
    # "Peraturan Pemerintah" shares its root with "diatur" but names the rule
    text = ("Kementerian tengah menyusun revisi Peraturan Pemerintah Nomor 5 Tahun 2021. Salah "
            "satu hal baru yang hendak diatur adalah biaya admin lokapasar.")
    _leads("Apa yang hendak diatur dalam revisi PP 5/2021?",
           [_p(1, text, published="2026-01-14")], "Salah satu hal baru")


def test_a_statement_dated_by_the_sentence_that_says_when_it_was_made():
    # "Kepastian itu disampaikan ..., Selasa (26/3/2024)" dates the statement two sentences
    # before it: a "when" question takes them whole, led by that date, over another
    # source's dated sentence on the plan.
    said = ("Pemerintah menyatakan proses migrasi Zalora ke sistem Lazada telah selesai. "
            "Layanan gabungan itu dinilai sudah memenuhi ketentuan Permendag 31/2023. "
            "Kepastian itu disampaikan di Jakarta, Selasa (26/3/2024), dua pekan sebelum "
            "Lebaran.")
    plan_ = ("Pemerintah menargetkan migrasi Zalora ke Lazada rampung sebelum Lebaran, sejak "
             "layanan itu kembali beroperasi pada 12 Desember 2023.")
    ans = _leads("Tanggal berapa pemerintah menyatakan migrasi Zalora ke Lazada sudah selesai?",
                 [_p(1, said, published="2024-03-26"), _p(2, plan_, published="2024-02-20")],
                 "26 Maret 2024: Pemerintah menyatakan")
    assert "Kepastian itu disampaikan" in ans.answer.split("[1]")[0]
    # a sentence pointing back that says no telling ("Akuisisi tersebut berlaku ...") dates
    # nothing before it
    from rag.answering.sentences import dated_on, passage_sentences
    from rag.figures import HAS_DATE
    ps = [_p(1, "KPPU menjatuhkan denda. Akuisisi tersebut berlaku efektif pada 31 Januari "
                "2024.")]
    assert dated_on(passage_sentences(ps), ps, lambda t: bool(HAS_DATE.search(t))) == []


def test_which_members_of_a_set_is_answered_only_by_naming_some():
    says_what_it_is = ("Pemerintah juga menyusun daftar positif, yakni daftar barang asal luar "
                       "negeri yang boleh dijual langsung lintas negara. Proses transaksi, "
                       "termasuk pembayaran, tidak boleh dilakukan di media sosial.")
    q = "Barang apa saja yang masuk daftar positif impor lintas negara?"
    ans = _ask(q, [_p(1, says_what_it_is)])
    assert not ans.found and ans.answer.startswith(NOT_FOUND["id"]), ans.answer
    names_them = says_what_it_is + " Barang yang masuk daftar positif antara lain buku, film, " \
                                   "dan perangkat lunak."
    _leads(q, [_p(1, names_them)], "Barang yang masuk daftar positif antara lain buku")
    en = ("Only goods named on a positive list may be sold across the border. The positive "
          "list includes books, films and software.")
    _leads("Which products are on the positive list for cross-border sales?",
           [_p(1, en, lang="en")], "The positive list includes books")
    assert not _ask("Which products are on the positive list for cross-border sales?",
                    [_p(1, en.split(" The")[0], lang="en")]).found
