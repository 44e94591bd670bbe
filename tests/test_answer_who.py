"""Who and which questions: the lead is the sentence that names who or what is asked,
in the role asked for, and says what is asked about them (no store, no model)."""
from answer_kit import ask as _ask
from answer_kit import asked as _asked
from answer_kit import leads as _leads
from answer_kit import passage as _p
from answer_kit import sentence as _sentence


def test_who_questions_prefer_a_sentence_naming_someone_the_question_does_not():
    text = ("JAKARTA - Kementerian yang dipimpin Menteri Komunikasi dan Informatika siap menindak "
            "platform sesuai Permendag 31/2023. Menteri Komunikasi dan Informatika Budi "
            "Arie Setiadi mengatakan kementeriannya siap menindak platform itu.")
    q = "Siapa Menteri Komunikasi dan Informatika yang siap menindak platform pelanggar Permendag 31/2023?"
    _leads(q, [_p(1, text)], "Menteri Komunikasi dan Informatika Budi Arie")


def test_which_official_prefers_a_new_name_in_that_role():
    text = ("Barang impor dengan harga di bawah 100 dolar AS tidak lagi bisa dijual bebas "
            "lewat e-commerce. Menteri Koperasi Teten Masduki menjadi pejabat yang paling "
            "vokal mendorong larangan itu.")
    _leads("Pejabat mana yang paling getol mendorong larangan barang impor di bawah 100 "
           "dolar lewat e-commerce?", [_p(1, text)], "Menteri Koperasi Teten Masduki")


def test_which_ports_leads_with_the_sentence_naming_them_from_any_source():
    # The best passage says "ports" and names a minister; the ports themselves are named
    # in another source, after the role word.
    best = ("A revised import regulation took effect in Indonesia on Friday, 17 May 2024. "
            "Economic Affairs Minister Airlangga Hartarto said the amendment allows "
            "containers held at the ports to be released.")
    other = ("Aturan impor direvisi pada Mei 2024 di Indonesia. Penumpukan kontainer terjadi di "
             "sejumlah pelabuhan utama, seperti Tanjung Priok di Jakarta.")
    _leads("Which ports had containers piling up before Indonesia relaxed its import "
           "rules in May 2024?", [_p(1, best, lang="en", published="2024-05-17"),
                                 _p(2, other, published="2024-05-17")], "Penumpukan kontainer")


def test_a_name_before_the_role_fills_it_only_close_by():
    asked = _asked("Which company is Tokopedia's parent?")

    def names(text):
        return asked.names_role(_sentence(text))
    assert names("Its parent is GoTo, the company that owns Gojek.")
    assert names("The parent company GoTo Gojek Tokopedia agreed.")
    assert not names("Minister Teten Masduki said, urging the companies to finish the job.")
    assert not names("TikTok took control of the Indonesian e-commerce company.")
    # "which company" is said only by a sentence naming one
    assert not asked.says_head(_sentence("The two companies said the deal helps merchants."))
    assert asked.says_head(_sentence("Its parent is GoTo, the company that owns Gojek."))
    # a copula links a name to the role after it
    pejabat = _asked("Pejabat mana yang paling getol mendorong larangan itu?", "id")
    assert pejabat.names_role(_sentence(
        "Menteri Koperasi Teten Masduki menjadi salah satu pejabat yang paling vokal.", "id"))
    # a weekday or a quote's first word names nobody
    assert not asked.new_name("It was announced on Friday by the company.")
    assert not asked.new_name('"Bertarung di barang fisik butuh ongkos besar," katanya.')


def test_who_is_the_minister_now_leads_with_the_newest_source_naming_one():
    # "Siapa <role> ...": the role is read from the who question; among the newest
    # source's sentences, the one naming a minister leads (not "Kementerian ...").
    old = "Pada Rabu (27/9/2023), Menteri Perdagangan Zulkifli Hasan memaparkan aturan itu kepada media."
    new = ("Kementerian Perdagangan (Kemendag) tengah menyusun revisi Peraturan Menteri "
           "Perdagangan Nomor 31 Tahun 2023 soal biaya admin lokapasar. Menteri Perdagangan "
           "Budi Santoso mengatakan biaya yang dikenakan platform harus wajar.")
    _leads("Siapa Menteri Perdagangan saat ini?",
           [_p(1, new, published="2026-01-14"), _p(2, old, published="2023-09-27")],
           "Menteri Perdagangan Budi Santoso")


def test_who_leads_with_a_name_only_in_a_sentence_that_says_what_is_asked():
    # The minister's quote names someone new but says nothing of the worry asked about;
    # the group that worries is no capitalised name.
    text = ("\"Barang yang tertahan di pelabuhan bisa segera keluar,\" kata Menteri Perdagangan "
            "Zulkifli Hasan. Di sisi lain, sebagian pelaku industri tekstil khawatir "
            "pelonggaran ini membuka keran barang impor jadi.")
    _leads("Siapa yang khawatir dengan pelonggaran impor di Permendag 8/2024?",
           [_p(1, "Permendag 8/2024 berlaku. " + text, published="2024-05-17")],
           "Di sisi lain, sebagian pelaku")


def test_a_figure_is_no_name():
    # "Rp500" is capitalised but names nobody: the sentence saying who collects leads.
    text = ("PMK 37/2025 covers online sales. The levy applies to merchants with turnover "
            "between Rp500 million and Rp4.8 billion. Online marketplaces will be required to "
            "collect income tax from the merchants who sell on them.")
    _leads("Who collects the income tax from online merchants under PMK 37/2025?",
           [_p(1, text, lang="en", published="2025-07-16")], "Online marketplaces will")


def test_who_is_the_minister_leads_with_the_one_named_in_the_role_in_other_words():
    # The minister's sentence says "bertindak", not the question's "menindak"; the
    # ministry's sentence says it all but names no minister.
    text = ("Kementerian Komunikasi dan Informatika (Kominfo) menyatakan siap menindak platform "
            "pelanggar PP 5/2021. Menteri Komunikasi dan Informatika Budi Arie Setiadi "
            "mengatakan Kominfo akan bertindak atas rekomendasi Kementerian Perdagangan.")
    _leads("Siapa Menteri Komunikasi dan Informatika yang siap menindak platform "
           "pelanggar PP 5/2021?", [_p(1, text)], "Menteri Komunikasi dan Informatika Budi")


def test_which_rule_now_leads_with_the_newest_source_naming_another_rule():
    # "Regulasi ... saat ini apa": within the newest source, the sentence naming a rule the
    # question does not name leads, not the sentences on what the rule says.
    text = ("PP 5/2021 diganti. Aturan baru soal perdagangan daring sudah terbit. Poin "
            "utamanya, acuan perdagangan daring lewat media sosial kini hanya promosi. Kemendag "
            "menerbitkan Permendag 12/2025 tentang perdagangan yang menggantikan PP 5/2021.")
    _leads("Regulasi perdagangan daring yang jadi acuan saat ini apa, masih PP 5/2021?",
           [_p(1, text, published="2025-09-26")], "Kemendag menerbitkan Permendag 12/2025")


def test_which_rule_is_answered_by_a_sentence_naming_another_rule_from_any_source():
    # The best passage says much of the question but names no other rule; a later source
    # names the one the rate comes from.
    best = ("Melalui PMK 9/2024, marketplace akan memungut pajak sebesar 0,5 persen dari "
            "peredaran bruto pedagang. Pemerintah menunjuk lokapasar untuk memungut pajak "
            "penghasilan dari pedagang.")
    other = ("Marketplaces now collect the 0.5% levy under PMK 9/2024. It dates from "
             "PP 23/2018, the regulation that set a final income tax for small businesses.")
    ans = _ask("Tarif 0,5 persen yang dipungut marketplace lewat PMK 9/2024 itu berasal dari "
               "aturan apa?", [_p(1, best, published="2025-07-15"),
                               _p(2, other, lang="en", published="2025-07-16", score=0.85)])
    assert ans.found and "PP 23/2018" in ans.answer.split("[")[0], ans.answer
