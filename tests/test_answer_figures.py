"""Answers that hold the kind of figure asked for: a date for "when" (as precise as asked),
a number for "how much / how many" (a count of what is asked, not a year, an age or a
duration), an amount of money for "how much did it pay" (no store, no model)."""
from answer_kit import answerer as _answerer
from answer_kit import ask as _ask
from answer_kit import asked as _asked
from answer_kit import leads as _leads
from answer_kit import passage as _p
from answer_kit import sentence as _sentence


def test_how_much_needs_a_number_and_when_needs_a_date():
    ps = [_p(1, "Kementerian Perdagangan menyusun revisi Permendag Nomor 31 Tahun 2023 tentang "
                "biaya admin marketplace yang dinilai memberatkan pedagang.", published="2026-01-14")]
    a = _answerer()
    # the only digits are the regulation's own number and year: no amount, no answer
    assert not a.answer("Berapa batas maksimal biaya admin dalam revisi Permendag 31/2023?", ps).found
    assert not a.answer("Kapan revisi Permendag 31/2023 resmi diterbitkan?", ps).found
    ps2 = ps + [_p(2, "Revisi Permendag 31/2023 itu membatasi biaya admin marketplace paling "
                      "tinggi 10 persen dan berlaku mulai 1 Juli 2026.", published="2026-01-20",
                   score=0.85)]
    ans = a.answer("Berapa batas maksimal biaya admin dalam revisi Permendag 31/2023?", ps2)
    assert ans.found and ans.answer.startswith("Revisi Permendag 31/2023 itu membatasi"), ans.answer


def test_how_many_x_needs_a_number_that_comes_with_x():
    ps = [_p(1, "Bukalapak said it would stop selling physical goods; about 6 million sellers "
                "had used its marketplace.", lang="en", published="2025-01-08")]
    a = _answerer()
    assert not a.answer("How many employees did Bukalapak lay off?", ps).found
    ans = a.answer("How many sellers had used Bukalapak's marketplace?", ps)
    assert ans.found and "6 million" in ans.answer
    # "berapa lama" asks for a duration, whatever the sentence calls it.
    ps = [_p(2, "Pemerintah memberi platform waktu sekitar satu minggu untuk menyesuaikan diri "
                "dengan Permendag 31/2023.")]
    assert a.answer("Berapa lama tenggat bagi platform menurut Permendag 31/2023?", ps).found

    # The count must stand with what it counts, not anywhere in the sentence.
    ps = [_p(3, "Pengamat menilai pengurangan karyawan Tokopedia usai merger lazim, terutama ketika dua "
                "perusahaan memiliki fungsi pendukung yang sama."),
          _p(4, "Tokopedia melakukan PHK terhadap sekitar 450 karyawan pekan ini.", score=0.85)]
    ans = a.answer("Berapa banyak karyawan Tokopedia yang di-PHK?", ps)
    assert ans.found and ans.answer.startswith("Tokopedia melakukan PHK"), ans.answer


def test_when_question_takes_the_date_of_the_event_asked_about():
    # The reopening ranks first; the question asks when the service stopped.
    ps = [_p(1, "TikTok Shop kembali dibuka pada Selasa (12/12/2023) lewat kerja sama dengan "
                "Tokopedia.", published="2023-12-12"),
          _p(2, "Layanan TikTok Shop berhenti memproses transaksi mulai Rabu (4/10/2023) "
                "pukul 17.00 WIB.", score=0.85)]
    ans = _answerer().answer("Kapan TikTok Shop menghentikan layanannya?", ps)
    assert ans.found and "4/10/2023" in ans.answer and "12/12/2023" not in ans.answer, ans.answer
    assert [c.passage_id for c in ans.citations] == ["a2:0"]


def test_dates_and_clock_times_are_not_the_number_asked_for():
    ps = [_p(1, "GoTo dan TikTok mengumumkan kesepakatan soal saham Tokopedia pada Senin "
                "(11/12/2023) pukul 10.00 WIB.", published="2023-12-11"),
          _p(2, "TikTok Shop stopped selling shares of its sellers' goods on October 4, 2023 "
                "in Indonesia.", lang="en", score=0.85)]
    a = _answerer()
    assert not a.answer("Berapa harga saham GoTo setelah kesepakatan dengan TikTok?", ps).found
    assert not a.answer("How many shares did TikTok Shop sell in Indonesia?", ps).found


def test_seperti_is_no_number():
    ps = [_p(1, "Penumpukan kontainer terjadi di pelabuhan utama, seperti Tanjung Priok di "
                "Jakarta dan Tanjung Perak di Surabaya.")]
    assert not _answerer().answer("Berapa kontainer yang tertahan di Tanjung Priok?", ps).found
    ps = [_p(1, "Sepertiga kontainer tertahan di Tanjung Priok pada awal 2024.")]
    assert _answerer().answer("Berapa kontainer yang tertahan di Tanjung Priok?", ps).found


def test_price_floors_rates_and_shares_ask_for_a_quantity():
    a = _answerer()
    said = _p(1, "The rule sets a price floor for imported goods that foreign sellers ship "
                 "directly to buyers.", lang="en")
    q = "What's the price floor per item for goods that foreign sellers ship directly?"
    assert not a.answer(q, [said]).found  # names the floor, does not give it
    ans = a.answer(q, [said, _p(2, "Each item shipped directly by a foreign seller must cost "
                                   "at least USD 100.", lang="en", score=0.8)])
    assert ans.found and "USD 100" in ans.answer and ans.citations[0].passage_id == "a2:0"
    # A share of a price is a proportion, not money, and a fraction word gives it.
    ps = [_p(3, "Kalau ditotal, potongan platform bisa lebih dari sepersepuluh harga barang.")]
    ans = a.answer("How large a share of the item price do platform deductions add up to?", ps)
    assert ans.found and "sepersepuluh" in ans.answer, ans.answer


def test_one_of_and_durations_are_not_the_count_asked_for():
    a = _answerer()
    ps = [_p(1, "Layanan belanja TikTok Shop adalah salah satu kanal penjual daring yang "
                "tumbuh paling cepat di Indonesia.")]
    assert not a.answer("Berapa jumlah penjual aktif di TikTok Shop?", ps).found
    ps = [_p(1, "Pedagang mengeluhkan biaya admin lokapasar yang terus naik dalam dua tahun "
                "terakhir.")]
    assert not a.answer("Berapa batas biaya admin lokapasar yang baru?", ps).found
    ps = [_p(1, "Pedagang mengeluhkan biaya admin lokapasar yang kini mencapai 12 persen "
                "dari harga jual.")]
    assert a.answer("Berapa biaya admin lokapasar sekarang?", ps).found
    # A question that counts time is answered by a duration.
    ps = [_p(1, "Platform mendapat masa transisi selama dua bulan untuk memindahkan "
                "transaksi.")]
    assert a.answer("Berapa bulan masa transisi bagi platform?", ps).found


def test_how_much_did_it_pay_needs_an_amount_of_money():
    ps = [_p(1, "Bukalapak will stop selling physical goods, and TikTok now runs its shop "
                "through Tokopedia; marketplaces collect a 0.5% tax from merchants.",
             lang="en", published="2025-07-14")]
    a = _answerer()
    assert not a.answer("How much did TikTok pay to acquire Bukalapak?", ps).found
    ps = [_p(2, "TikTok paid USD 840 million for its majority stake in Tokopedia, and "
                "Bukalapak stayed independent.", lang="en", published="2023-12-11")]
    ans = a.answer("How much did TikTok pay for Tokopedia?", ps)
    assert ans.found and "USD 840 million" in ans.answer


def test_what_year_what_date_and_what_time_ask_for_that_precision():
    a = _answerer()
    ps = [_p(1, "Bukalapak listed on the Indonesia Stock Exchange in 2021 in the country's "
                "largest share offering at the time.", lang="en", published="2025-01-09")]
    ans = a.answer("Tahun berapa Bukalapak melantai di Bursa Efek Indonesia?", ps)
    assert ans.found and "2021" in ans.answer, ans.answer
    ans = a.answer("In what year did Bukalapak list on the Indonesia Stock Exchange?", ps)
    assert ans.found and "2021" in ans.answer
    # "Tanggal berapa" wants a day: a year or "mid-2025" does not give it.
    ps = [_p(2, "Marketplace wajib memotong pajak pedagang berdasarkan aturan yang terbit pada "
                "pertengahan 2025.", published="2025-07-14")]
    assert not a.answer("Tanggal berapa marketplace mulai memotong pajak pedagang?", ps).found
    assert not a.answer("On what exact date did marketplaces start withholding the tax?",
                        ps).found
    assert a.answer("Kapan marketplace mulai memotong pajak pedagang?", ps).found
    # "Jam berapa" wants a clock time, which is no number.
    ps = [_p(3, "TikTok Shop berhenti melayani transaksi mulai Rabu (4/10/2023) pukul 17.00 "
                "WIB.")]
    ans = a.answer("Jam berapa TikTok Shop berhenti melayani transaksi?", ps)
    assert ans.found and "17.00" in ans.answer
    ps = [_p(4, "TikTok Shop berhenti melayani transaksi mulai Rabu (4/10/2023).")]
    assert not a.answer("Jam berapa TikTok Shop berhenti melayani transaksi?", ps).found


def test_how_long_asks_for_a_duration_not_any_number():
    text = ("Akuisisi berlaku efektif akhir Januari 2024, sehingga notifikasi wajib masuk "
            "dalam 30 hari kerja. Putusan KPPU dibacakan lebih dari setahun setelah tenggat "
            "pelaporan terlewati. Denda itu sebesar Rp15 miliar.")
    _leads("Putusan KPPU keluar berapa lama setelah tenggat lapor lewat?", [_p(1, text)],
           "Putusan KPPU dibacakan lebih dari setahun")
    # A figure that is no duration does not answer "how long".
    ps = [_p(1, "KPPU fined TikTok Rp15 billion over its late filing.", lang="en")]
    assert not _ask("How long did KPPU take to fine TikTok?", ps).found
    ps = [_p(1, "KPPU fined TikTok more than a year after its filing deadline passed.",
             lang="en")]
    assert _ask("How long did KPPU take to fine TikTok?", ps).found


def test_a_fine_given_as_a_share_of_revenue_answers_how_much():
    text = ("Pelanggaran UU PDP dapat berujung sanksi administratif hingga denda administratif "
            "paling tinggi 2 persen dari pendapatan tahunan.")
    assert _ask("What is the maximum administrative fine under the PDP law?",
                [_p(1, text)]).found
    # a share that is not of a base is still no amount of money
    assert not _ask("What is the maximum administrative fine under the PDP law?",
                    [_p(1, "Pelanggaran UU PDP dapat berujung denda; kepatuhan naik 2 persen.")]).found


def test_time_gone_by_is_no_figure():
    text = ("12 months on, the TikTok Shop migration of February is far along. The "
            "migration of TikTok Shop was about 75% complete in February.")
    _leads("How far along was the TikTok Shop migration in February?",
           [_p(1, text, lang="en")], "The migration")


def test_a_possessive_before_a_figure_is_no_currency():
    # "the country's 67 million" is no amount of money ("S$5" is).
    ps = [_p(1, "Temu is kept out of Indonesia, where the country's 67 million small "
                "businesses sell online.", lang="en")]
    assert not _ask("How much was Temu fined in Indonesia?", ps).found
    ps = [_p(1, "Temu was fined S$5 million in Indonesia.", lang="en")]
    assert _ask("How much was Temu fined in Indonesia?", ps).found


def test_a_when_answer_gives_the_full_date_of_a_day_its_sentence_names_without_the_year():
    ps = [_p(1, "Traders at Tanah Abang took to the streets on Thursday (Sept 21) to "
                     "demand that the government shut down TikTok Shop.", lang="en",
                  published="2023-09-22")]
    ans = _ask("What day did the Tanah Abang traders protest against TikTok Shop?", ps)
    assert ans.answer.startswith("21 September 2023: Traders at Tanah Abang"), ans.answer
    # a sentence that writes its year needs no date before it
    ps = [_p(1, "Traders at Tanah Abang took to the streets on 21 September 2023 to "
                     "demand that the government shut down TikTok Shop.", lang="en",
                  published="2023-09-22")]
    ans = _ask("What day did the Tanah Abang traders protest against TikTok Shop?", ps)
    assert ans.answer.startswith("Traders at Tanah Abang"), ans.answer


def test_a_year_is_not_the_count_a_how_many_question_asks_for():
    # "how many ... and when": the year in the dated sentence does not make it the count
    text = ("Tokopedia cut jobs after the merger. The layoffs took place in June 2024 and "
            "affected several teams. Tokopedia has laid off roughly 450 employees, its first "
            "major round of cuts.")
    _leads("How many Tokopedia employees were laid off, and when?",
           [_p(1, text, lang="en", published="2024-06-14")], "Tokopedia has laid off roughly 450")


def test_a_person_s_age_is_not_the_figure_asked_for():
    text = ('"People buy from live streams now. Why would they come here?" said Sutrisno, 47, '
            "who sells children's clothing at the market. He said his weekly revenue had fallen "
            "by about 60 percent.")
    _leads("By how much did Sutrisno's weekly revenue fall?",
           [_p(1, text, lang="en", published="2023-09-22")], "He said his weekly revenue")
    from rag.figures import NOT_QUANTITY
    assert NOT_QUANTITY.sub("", "kata Sutrisno (47) di Jakarta").split() == ["kata", "di",
                                                                             "Jakarta"]


def test_a_month_without_its_year_answers_when_after_a_complete_date():
    # "sejak Juli lalu" is a date: the question is answered, not refused
    text = ("Aturan impor barang murah belum juga terbit. Rencana pembatasan barang impor murah "
            "itu sudah disampaikan pemerintah sejak Juli lalu.")
    _leads("Sejak kapan pemerintah menyampaikan rencana pembatasan barang impor murah?",
           [_p(1, text, published="2023-09-20")], "Rencana pembatasan")
    # the sentence with the year leads, though the other says more of what is asked
    text = ("PP 5/2021 on trading through electronic systems, signed by the president in "
            "November, spells out who counts as an e-commerce business. Permendag 9/2022 "
            "implements PP 5/2021, which was signed in November 2021.")
    _leads("When was PP 5/2021 on e-commerce signed?",
           [_p(1, text, lang="en", published="2022-03-10")], "Permendag 9/2022 implements")


def test_a_question_asking_when_and_how_big_is_answered_by_either_and_ranks_both_first():
    # the size is given in words only: the date still answers
    text = ("Bukalapak listed on the stock exchange in 2021 in what was then the largest "
            "initial public offering (IPO) in the country's history.")
    _leads("When did Bukalapak go public, and how big was its IPO?",
           [_p(1, text, lang="en", published="2025-01-08")], "Bukalapak listed")
    # a sentence holding both kinds ranks above one holding either
    asked = _asked("How big was the fine, and when was the decision?")
    dated = _sentence("The commission read its decision in September 2025.")
    both = _sentence("In September 2025 the commission fined TikTok Rp15 billion.")
    assert asked.holds_kind([dated]) and not asked.holds_kind([dated], every=True)
    assert asked.holds_kind([both], every=True)


def test_an_exact_question_is_not_answered_by_a_rough_figure_or_some_of_the_items():
    a = _answerer()
    ps = [_p(1, "Puluhan ribu kontainer barang impor tertahan di Tanjung Priok pada Mei 2024.")]
    assert a.answer("Berapa kontainer yang tertahan di Tanjung Priok?", ps).found
    # "jumlah pasti", "exactly how many": tens of thousands, roughly 450 give no count
    assert not a.answer("Berapa jumlah pasti kontainer yang tertahan di Tanjung Priok?",
                        ps).found
    en = [_p(2, "Tokopedia laid off roughly 450 employees in June 2024.", lang="en")]
    assert a.answer("How many employees did Tokopedia lay off?", en).found
    assert not a.answer("Exactly how many employees did Tokopedia lay off?", en).found
    exact = [_p(3, "Tokopedia laid off 450 employees in June 2024.", lang="en")]
    assert a.answer("Exactly how many employees did Tokopedia lay off?", exact).found
    # "komoditas apa persisnya": a sentence on "sejumlah komoditas" names none of them
    some = [_p(4, "Permendag 8/2024 menghapus kewajiban pertek untuk sejumlah komoditas.")]
    assert not a.answer("Komoditas apa saja persisnya yang bebas pertek lewat Permendag 8/2024?",
                        some).found
    named = [_p(5, "Permendag 8/2024 menghapus kewajiban pertek untuk komoditas elektronik, "
                   "alas kaki, dan tas.")]
    assert a.answer("Komoditas apa saja persisnya yang bebas pertek lewat Permendag 8/2024?",
                    named).found
    # and "what exactly did it loosen?" asks for no noun
    assert _asked("What exactly did the May 2024 change loosen?").head == frozenset()


def test_a_deadline_answers_when_something_must_be_done():
    a = _answerer()
    ps = [_p(1, "KPPU menjatuhkan denda Rp15 miliar kepada TikTok pada Senin (29/9/2025)."),
          _p(2, "Putusan KPPU atas TikTok dibacakan di Jakarta. Denda harus disetor ke kas negara "
                "dalam 30 hari setelah putusan berkekuatan hukum tetap.", score=0.85)]
    ans = a.answer("Denda KPPU ke TikTok itu harus dibayar kapan?", ps)
    assert ans.answer.startswith("Denda harus disetor ke kas negara dalam 30 hari"), ans.answer
    # "when did it happen" is still answered by the day it happened
    ans = a.answer("Kapan KPPU menjatuhkan denda ke TikTok?", ps)
    assert ans.answer.startswith("KPPU menjatuhkan denda Rp15 miliar"), ans.answer
    # how long a deadline runs, or how long after it, asks for a duration, not a deadline
    assert not _asked("Berapa lama tenggat yang diberikan kepada platform?", "id").deadline
    assert not _asked("Putusan keluar berapa lama setelah tenggat lewat?", "id").deadline
    assert _asked("By when must a marketplace report a breach?").deadline
    # a deadline alone answers "by when", not "when did"
    only = ps[1:]
    assert a.answer("Denda KPPU ke TikTok harus dibayar kapan?", only).found
    assert not a.answer("Kapan KPPU menjatuhkan denda ke TikTok?", only).found



def test_not_decided_yet_answers_a_yes_or_no_part_and_leads():
    a = _answerer()
    ps = [_p(1, "Kementerian Perdagangan tengah menyusun revisi Permendag 31/2023 untuk mengatur "
                "biaya admin lokapasar. Namun, besaran batas atas biaya admin belum diputuskan "
                "dan masih akan dibahas bersama pelaku usaha.", published="2026-01-14")]
    # "how much is the cap?" alone: the sources do not say, and one says it is not known
    alone = a.answer("Berapa batas biaya admin di revisi Permendag 31/2023?", ps)
    assert not alone.found and "belum diputuskan" in alone.answer
    # asked with "has it been issued yet?": "not decided yet" is the answer, then the draft
    both = a.answer("Revisi Permendag 31/2023 soal biaya admin itu udah terbit belum? "
                    "Batasnya berapa?", ps)
    assert both.found and both.answer.startswith("Namun, besaran batas atas biaya admin belum")
    assert "tengah menyusun revisi" in both.answer
