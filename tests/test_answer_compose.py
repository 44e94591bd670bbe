"""How an extractive answer is composed from its chosen sentences: quotes kept whole, the
lead, list length, other sources joining, supporting sentences (no store, no model)."""
from answer_kit import ask as _ask
from answer_kit import leads as _leads
from answer_kit import passage as _p
from rag.retrieval.glossary import load_glossary
from rag.retrieval.query import plan


def test_a_quote_is_kept_whole_across_sentence_breaks():
    text = ('Zulhas menjelaskan aturan baru untuk media sosial. "Social commerce boleh promosi, '
            'boleh iklan, seperti televisi. Tapi tidak boleh jualan, tidak boleh ada transaksi '
            'langsung di situ," kata Zulhas. Aturan itu berlaku sejak September.')
    ans = _leads("Apa kata Zulhas soal social commerce boleh iklan seperti televisi?",
                 [_p(1, text)],
                 '"Social commerce boleh promosi, boleh iklan, seperti televisi. Tapi tidak boleh '
                 'jualan, tidak boleh ada transaksi langsung di situ," kata Zulhas. [1]')
    (c,) = ans.citations
    s = text.index('"Social')
    assert (s, text.index(" Aturan itu")) in c.highlights


def test_a_sentence_that_only_says_who_presented_it_does_not_lead():
    from rag.answering.cues import attribution_only
    text = ("Menteri Perdagangan Zulkifli Hasan memaparkan isi aturan itu kepada "
            "wartawan di kantornya, Rabu (27/9/2023). Aturan social commerce membatasi media "
            "sosial hanya untuk promosi barang.")
    _leads("Apa isi aturan social commerce yang dipaparkan menteri?", [_p(1, text)],
           "Aturan social commerce membatasi")
    # asked who or when, it is the answer
    ans = _ask("Kapan menteri memaparkan isi aturan social commerce?", [_p(1, text)])
    assert ans.answer.startswith("Menteri Perdagangan Zulkifli Hasan memaparkan"), ans.answer
    assert attribution_only("Trade Minister Zulkifli Hasan told reporters in Jakarta on Tuesday.")
    assert not attribution_only("Zulhas said social media may only be used for promotion.")


def test_a_list_question_gets_a_few_more_sentences_than_a_fact():
    text = ("Penutupan toko daring membuat banyak penjual kecil kehilangan pesanan harian. "
            "Sebagian penjual memindahkan dagangan ke lokapasar lain seperti Shopee. "
            "Penjual lain beralih berjualan lewat WhatsApp dan grup komunitas. "
            "Beberapa penjual terpaksa memangkas stok barang di gudang rumah. "
            "Penjual pakaian menunda produksi sampai situasinya jelas. ")
    impact = _ask("Penutupan toko daring dampaknya apa bagi penjual?",
                  [_p(1, text)])
    fact = _ask("Apa yang dilakukan penjual setelah penutupan toko daring?",
                [_p(1, text)])
    count = lambda a: a.answer.split("\n\n")[0].count("[1]")  # noqa: E731
    assert plan("Penutupan toko daring dampaknya apa bagi penjual kecil?",
                load_glossary()).intent == "impact"
    assert count(fact) == 3 and count(impact) == 5, (fact.answer, impact.answer)


def test_another_source_joins_a_fact_when_it_says_what_no_chosen_sentence_says():
    # The best source says how far the move was; only another says when it was completed.
    part = _p(1, "The migration of TikTok Shop onto Tokopedia was about 75% done in February "
                 "2024, the minister said.", published="2024-02-23", lang="en")
    done = _p(2, "Officials said the move was completed in March 2024, ahead of Lebaran.",
              published="2024-03-27", lang="en", score=0.8,
              title="TikTok Shop migration onto Tokopedia")
    ans = _ask("When was the migration of TikTok Shop onto Tokopedia completed?", [part, done])
    assert "completed in March 2024" in ans.answer, ans.answer
    # The same happening told again in the other language, on the same day, adds nothing.
    en = _p(2, "On 17 May 2024 the new import rule took effect, clearing the ports.",
            published="2024-05-17", score=0.85, lang="en")
    idn = _p(1, "Aturan impor baru berlaku mulai Jumat (17/5/2024) untuk mengurai penumpukan.",
             published="2024-05-17")
    ans = _ask("Kapan aturan impor baru berlaku?", [idn, en])
    assert ans.answer.count("[") == 1 and "(17/5/2024)" in ans.answer, ans.answer


def test_the_lead_is_the_chosen_sentence_that_holds_the_kind_asked_for():
    # The best passage opens with the fine; the cause asked for comes after it. The same
    # sentences are chosen, the cause leads.
    text = ("Komisi Pengawas Persaingan Usaha menjatuhkan denda sebesar Rp10 miliar kepada "
            "Kedai Jaya. Perusahaan itu dinilai terlambat melaporkan pengambilalihan saham "
            "Toko Maju. Putusan dibacakan majelis komisi di Jakarta pada Kamis.")
    ans = _leads("Kenapa Kedai Jaya sampai didenda KPPU?", [_p(1, text)],
                 "Perusahaan itu dinilai terlambat")
    assert "menjatuhkan denda sebesar Rp10 miliar" in ans.answer


def test_a_weak_sentence_of_the_kind_asked_does_not_end_the_support():
    # "When" ranks the dated sentences first: the founding year, far below the best, stands
    # before the strong sentence without a date that says why the fine was given; it is
    # skipped, and the strong one still supports the answer.
    ps = [_p(1, "KPPU menjatuhkan denda Rp10 miliar kepada Kedai Jaya pada 5 Maret 2024. "
                "Denda itu dijatuhkan karena perusahaan terlambat melaporkan pengambilalihan "
                "saham Toko Maju."),
          _p(2, "Saham Toko Maju kini dimiliki Kedai Jaya sepenuhnya.", score=0.8),
          _p(3, "Menurut KPPU, Kedai Jaya berdiri pada 2015.", score=0.7)]
    ans = _ask("Kapan KPPU menjatuhkan denda kepada Kedai Jaya?", ps)
    assert ans.answer.startswith("KPPU menjatuhkan denda Rp10 miliar"), ans.answer
    assert "karena perusahaan terlambat melaporkan" in ans.answer, ans.answer
    assert "berdiri pada 2015" not in ans.answer, ans.answer


def test_a_now_answer_leads_with_what_is_asked_before_a_newer_source_saying_none_of_it():
    # The newer roundup is chosen (a "now" answer gathers from every source) but says
    # nothing of the network asked about; the older source's sentence says it.
    old = ("Selain produk virtual, Bukalapak juga mengelola jaringan Mitra Bukalapak yang "
           "melayani warung di berbagai daerah.")
    new = ("Bukalapak said in January that it would stop selling physical goods, while "
           "Tokopedia runs the merged shop.")
    _leads("Selain produk virtual, Bukalapak masih ngelola jaringan apa?",
           [_p(1, old, published="2025-01-08"),
            _p(2, new, published="2026-01-20", lang="en", score=0.85)], "Selain produk virtual")


def test_a_sentence_announcing_items_runs_on_to_the_one_giving_them():
    from answer_kit import passage
    from rag.answering.sentences import passage_sentences, told_on

    ps = [passage(1, "KPPU menjatuhkan denda Rp15 miliar kepada TikTok. Dalam pertimbangannya, "
                     "majelis mencatat beberapa hal yang meringankan. TikTok mengakui "
                     "keterlambatan dan bersikap kooperatif selama pemeriksaan. Putusan "
                     "dibacakan di Jakarta pada Senin.")]
    fine, announce, given, read_out = passage_sentences(ps)
    got = told_on([fine, announce], ps)
    assert got[0] is fine and got[1].text == announce.text + " " + given.text
    assert (got[1].start, got[1].end) == (announce.start, given.end)
    # the items chosen already, or a sentence that gives its items itself: as they are
    assert told_on([announce, given], ps) == [announce, given]
    assert told_on([read_out], ps) == [read_out]


def test_the_scene_a_question_is_asked_in_does_not_pick_the_lead():
    # "once the store closed at noon on 1 March" is what the asker knows; the answer is
    # what shoppers saw, not the sentence that restates the closing
    text = ("The marketplace closed its store in the country at noon on 1 March, ending "
            "two years of sales there. By the evening the checkout button had vanished for "
            "shoppers using the app. Sellers kept posting videos without a way to sell.")
    _leads("What did shoppers see in the app once the store closed at noon on 1 March?",
           [_p(1, text, lang="en")], "By the evening the checkout button had vanished")


def test_the_scene_setting_clause_of_a_question():
    from rag.retrieval.intents import given_clause

    def clause(q):
        span = given_clause(q)
        return q[span[0]:span[1]].strip() if span else None
    assert clause("What did the seller say he lost when he had to leave the platform?") == (
        "when he had to leave the platform")
    assert clause("Setelah aturan itu terbit, apa yang harus dilakukan platform?") == (
        "Setelah aturan itu terbit")
    assert clause("Penjual yang terpukul waktu Toko X tutup, sekarang gimana?") == (
        "waktu Toko X tutup")
    assert clause("Who chaired the meeting where the rule was agreed?") == (
        "where the rule was agreed")
    assert clause("Where did the seller move her shop?") is None
    # a second question, "now", time as a noun, alternatives: no scene
    assert clause("How big was the fine, and when was the decision?") is None
    assert clause("Siapa Menteri Perdagangan saat ini?") is None
    assert clause("Berapa lama platform diberi waktu untuk menyesuaikan diri?") is None
    assert clause("Does the country approve mergers before or after they close?") is None
    assert clause("How many days after closing does a company have to notify?") is None


def test_a_sentence_that_only_announces_what_follows_is_no_answer():
    from rag.answering.sentences import signpost
    text = ("The trade ministry has issued a rulebook for online sellers. Here is what the "
            "new rule does and who it affects. Sellers must hold a business licence.")
    ans = _ask("What does the new rule for online sellers do?", [_p(1, text, lang="en")])
    assert ans.found and "Here is" not in ans.answer, ans.answer
    assert signpost("Berikut rangkuman status layanan itu hingga Rabu (21/1/2026).")
    assert signpost("Berikut enam poin penting yang perlu diketahui penjual:")
    assert not signpost("Here are the rules: platforms must not process payments.")
    assert not signpost("Berikutnya, pemerintah akan menerbitkan aturan turunan.")


def test_a_quote_cut_at_a_sentence_break_is_judged_whole():
    # what the quote says is in its first sentence, when it was said in its last: judged
    # whole, it answers "when did the minister say ...", before another source's date
    said = _p(1, '"I hear three companies have been approached by the platform. What form it '
                 'takes, we will see," the minister said in Jakarta on Thursday, 23 November '
                 '2023. He did not name them.', lang="en", published="2023-11-23")
    later = _p(2, "The move onto the marketplace was 75% complete on 21 February 2024, the "
                  "minister said, urging the three companies involved to finish the job.",
               lang="en", published="2024-02-21", score=0.85)
    _leads("When did the minister say three companies had been approached by the platform?",
           [said, later], '23 November 2023: "I hear three companies have been approached')


def test_a_sentence_calling_a_regulation_the_rule_is_quoted_with_the_one_it_points_back_to():
    from rag.answering.sentences import named_back
    # the only regulation named before it
    before = "The rule, Trade Minister Regulation No. 31 of 2023, was signed on 25 September. "
    assert named_back("The rule also sets a price floor for imported goods.", "", before) == (
        "The rule [Permendag 31/2023] also sets a price floor for imported goods.")
    # of several, the one named most when it is also the one named last
    assert named_back("Aturan ini menunjuk marketplace sebagai pemungut pajak.",
                      "PMK 37/2025 terbit", "PMK 37/2025 mengubah PMK 48/2020. Peraturan "
                      "Menteri Keuangan Nomor 37 Tahun 2025 berlaku Juli.") == (
        "Aturan ini [PMK 37/2025] menunjuk marketplace sebagai pemungut pajak.")
    # where the one named most and the one named last differ, either may be meant
    for before in ("The rule, Trade Minister Regulation No. 31 of 2023, was signed. It replaces "
                   "Permendag 50/2020. ",
                   "The foundation is Government Regulation 80/2019. The ministry then issued "
                   "rules in 2020 through Permendag 50/2020. "):
        text = "That regulation served as the main rulebook until September."
        assert named_back(text, "", before) == text
    before = "The rule, Trade Minister Regulation No. 31 of 2023, was signed on 25 September. "
    # left as it is: it names the regulation itself, right after "the rule" or as where a
    # provision is set out; "the new rule" (often one not yet named); a speaker's "the
    # rule"; nothing named before
    for text in ("The rule, Trade Minister Regulation No. 31 of 2023, took effect in September.",
                 "Aturan itu tertuang dalam Peraturan Menteri Perdagangan Nomor 50 Tahun 2020.",
                 "Aturan baru itu akan mengatur ulang peran media sosial.",
                 '"The regulation settled who is allowed to run a checkout.',
                 "The rule replaces Permendag 31/2023 from next year."):
        assert named_back(text, "", before) == text
    assert named_back("The rule bans payments.", "Title", "No regulation here. ") == (
        "The rule bans payments.")
    # a tracked player called "the company", "perusahaan itu", "the commission" (with the
    # gazetteer); a platform named after a company (TikTok Shop) is no "company": its owner is
    from rag.tracking.entities import load_gazetteer
    g = load_gazetteer()
    assert named_back("Perusahaan itu dinilai terlambat melapor.", "KPPU Denda TikTok",
                      "KPPU menjatuhkan denda kepada TikTok. ", g) == (
        "Perusahaan itu [TikTok] dinilai terlambat melapor.")
    assert named_back("The commission found the filing late.", "KPPU fines TikTok",
                      "The KPPU panel read out its decision. ", g) == (
        "The commission [KPPU] found the filing late.")
    assert named_back("The company had little choice.", "TikTok Shop shuts",
                      "TikTok switched off checkout for TikTok Shop. ", g) == (
        "The company [TikTok] had little choice.")
    # two companies, the one named most not the last named: either may be meant
    text = "The company did not confirm the number."
    assert named_back(text, "Tokopedia cuts jobs", "Tokopedia laid off staff after TikTok "
                      "took control. ", g) == text
    assert named_back("The ministry's plan is out.", "", "The trade ministry (Kemendag) "
                      "met sellers. ", g) == "The ministry's plan is out."
    # in an answer: the sentence quoted alone names what it is about; the source's own
    # text (its citation) is left as the article has it
    text = ("Kementerian Keuangan menerbitkan Peraturan Menteri Keuangan Nomor 37 Tahun 2025. "
            "Aturan ini menunjuk penyelenggara marketplace sebagai pemungut pajak penghasilan "
            "dari pedagang.")
    ans = _ask("Apakah marketplace ditunjuk sebagai pemungut pajak penghasilan pedagang?",
               [_p(1, text)])
    assert "Aturan ini [PMK 37/2025] menunjuk" in ans.answer, ans.answer
    assert ans.citations[0].quote == text
