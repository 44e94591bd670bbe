import pytest
"""Question analysis: follow-ups, time, expansion."""
from datetime import date

from rag.retrieval.glossary import load_glossary
from rag.retrieval.query import plan, rewrite_followup
from rag.types import Filters

G = load_glossary()


def test_followup_carries_the_subject_over():
    hist = [{"role": "user", "content": "Mengapa TikTok Shop ditutup pada Oktober 2023?"},
            {"role": "assistant", "content": "Karena Permendag 31/2023 ... [1]"}]
    assert rewrite_followup("Kapan dibuka lagi?", hist) == "Kapan dibuka lagi? (TikTok Shop)"
    hist2 = [{"role": "user", "content": "What did TikTok agree to buy from GoTo?"}]
    assert "TikTok" in rewrite_followup("How much did it pay?", hist2)
    assert "GoTo" in rewrite_followup("How much did it pay?", hist2)
    # a question that names its own subject is left alone
    assert rewrite_followup("Kapan Bukalapak berhenti menjual barang fisik?", hist) == \
        "Kapan Bukalapak berhenti menjual barang fisik?"
    assert rewrite_followup("Kapan dibuka lagi?", []) == "Kapan dibuka lagi?"


def test_a_conversational_opener_is_not_a_subject():
    hist = [{"role": "user", "content": "Apa isi Permendag 31/2023 soal barang impor?"}]
    assert rewrite_followup("Lalu ada pengecualian untuk produk tertentu nggak?", hist) == \
        "Lalu ada pengecualian untuk produk tertentu nggak? (Permendag 31/2023)"
    hist = [{"role": "user", "content": "Katanya KPPU pernah menghukum TikTok, benar?"}]
    assert rewrite_followup("Berapa dendanya?", hist) == "Berapa dendanya? (KPPU, TikTok)"
    assert rewrite_followup("And when did it come back?", hist).endswith("(KPPU, TikTok)")


def test_regulation_subjects_carry_over():
    hist = [{"role": "user", "content": "Apa isi Peraturan Menteri Perdagangan Nomor 31 Tahun 2023?"}]
    assert "Peraturan Menteri Perdagangan Nomor 31 Tahun 2023" in rewrite_followup("Kapan mulai berlaku?", hist)


def test_present_and_point_in_time():
    now = plan("Bagaimana status TikTok Shop sekarang?", G)
    assert now.wants_latest and now.filters.until is None and now.language == "id"
    then = plan("What was the status of TikTok Shop on 1 November 2023?", G)
    assert not then.wants_latest and then.filters.until == date(2023, 11, 1)
    month = plan("Bagaimana status TikTok Shop pada November 2023?", G)
    assert month.filters.until == date(2023, 11, 30)
    # a period in a non-status question does not filter
    assert plan("Why did TikTok Shop close in October 2023?", G).filters.until is None
    # an explicit filter is kept
    f = plan("status in 2024?", G, Filters(until=date(2024, 3, 1)))
    assert f.filters.until == date(2024, 3, 1)


def test_chronology_and_expansion():
    p = plan("What happened to TikTok Shop in Indonesia?", G)
    assert p.wants_chronology
    e = plan("How many MSMEs joined digital platforms?", G)
    assert "umkm" in e.terms and "usaha mikro kecil dan menengah" in e.terms
    r = plan("Apa isi Permendag No. 31 Tahun 2023?", G)
    assert "permendag-31-2023" in r.terms


@pytest.mark.parametrize("question, yes_no", [
    ("Is TikTok Shop still closed in Indonesia?", True),
    ("Apakah Permendag 31/2023 direvisi?", True),
    ("TikTok Shop masih tutup?", True),
    ("Temu udah boleh beroperasi di Indonesia belum?", True),
    ("Has TikTok ever been fined?", True),
    ("Kapan TikTok Shop buka lagi?", False),
    ("Siapa yang masih berjualan di TikTok?", False),
    ("Kronologi TikTok Shop dari ditutup sampai balik lagi", False),
    ("What is the status of TikTok Shop?", False),
])
def test_yes_no_questions(question, yes_no):
    from rag.retrieval.query import asks_yes_no
    assert asks_yes_no(question) is yes_no


def test_a_word_with_nya_points_back_to_the_earlier_turn():
    from rag.retrieval.query import rewrite_followup
    history = [{"role": "user", "content": "Kapan TikTok mengumumkan penghentian TikTok Shop?"},
               {"role": "assistant", "content": "Pada 3 Oktober 2023 [1]."}]
    assert rewrite_followup("Pengumumannya sendiri disampaikan kapan?", history).endswith(
        "(TikTok, TikTok Shop)")
    assert rewrite_followup("Dampaknya bagi UMKM apa?", history).endswith("(TikTok, TikTok Shop)")
    # a question that names its own subject keeps it ("what about Bukalapak?")
    assert rewrite_followup("Bukalapak gimana?", history) == "Bukalapak gimana?"


def test_what_about_x_switches_the_subject():
    def h(q):
        return [{"role": "user", "content": q}, {"role": "assistant", "content": "..."}]
    # Asked bare, the earlier question is asked about X, in the place of a name of its kind.
    assert rewrite_followup("What about Shopee?", h("When did KPPU fine TikTok?")) == \
        "When did KPPU fine Shopee?"
    assert rewrite_followup("Bagaimana dengan Shopee?", h("Kapan TikTok Shop ditutup?")) == \
        "Kapan Shopee ditutup?"
    assert rewrite_followup("Kalau Permendag 50/2020?", h("Apa isi Permendag 31/2023?")) == \
        "Apa isi Permendag 50/2020?"
    # With a question of its own, its "it" is X: nothing is carried over.
    q = "What about Bukalapak, what did it end up doing with its marketplace?"
    assert rewrite_followup(q, h("Which companies did TikTok talk to before Tokopedia?")) == q
    # "What about" without a name keeps the earlier subject.
    assert "Permendag 31/2023" in rewrite_followup(
        "And what about goods sold directly from abroad?",
        h("What are the social commerce rules under Permendag 31/2023?"))


def test_a_pointing_noun_takes_the_earlier_subject_of_its_kind():
    kinds = {"KPPU": "regulator", "TikTok": "company", "Tokopedia": "platform"}

    def kind_of(name):
        return "regulation" if "Permendag" in name else kinds.get(name)

    def h(*turns):
        return [{"role": r, "content": c} for r, c in zip(("user", "assistant") * 3, turns)]
    # "perusahaan itu" is the company, not the regulator named before it
    assert rewrite_followup("Terus perusahaan itu banding nggak?",
                            h("Kenapa KPPU denda TikTok?"), kind_of) == \
        "Terus TikTok banding nggak?"
    assert rewrite_followup("Did the commission explain it?", h("Why did KPPU fine TikTok?"),
                            kind_of).startswith("Did KPPU explain it?")
    # an answer can name what its question did not
    hist = h("Aturan yang memisahkan medsos dan e-commerce namanya apa?",
             "Permendag 31/2023, yang berlaku sejak 26 September 2023.")
    assert rewrite_followup("Aturan ini sudah direvisi?", hist, kind_of).startswith(
        "Permendag 31/2023 sudah direvisi?")
    # no earlier name of that kind: left as it is (the subject is carried as before)
    assert rewrite_followup("Aturan itu kapan terbit?", h("Kenapa KPPU denda TikTok?"),
                            kind_of).startswith("Aturan itu kapan terbit?")


def test_a_condition_s_still_supposes_a_case_it_does_not_ask_for_now():
    g = load_glossary()
    assert not plan("Kalau platform masih bandel, Kominfo bakal ngapain?", g).wants_latest
    assert not plan("If a seller still refuses, what happens?", g).wants_latest
    assert plan("Is TikTok Shop still closed?", g).wants_latest


def test_since_then_is_the_day_the_conversation_last_named():
    from rag.dates import find_since
    hist = [{"role": "user", "content": "When did TikTok Shop come back?"},
            {"role": "assistant", "content": "On 12 December 2023, through Tokopedia."}]
    q = rewrite_followup("Anything new on that since then?", hist)
    assert q.startswith("Anything new on that since 12 December 2023?"), q
    assert str(find_since(q)) == "2023-12-12"
    assert plan("Anything new on that since then?", load_glossary(),
                history=hist).intent == "whats_new"
    q = rewrite_followup("Ada kabar baru sejak itu?", hist)
    assert q.startswith("Ada kabar baru sejak 12 Desember 2023?"), q
    # no day named before: left as asked
    assert rewrite_followup("Anything new since then?", hist[:1]).startswith(
        "Anything new since then?")


def test_a_permission_that_remains_under_a_rule_is_no_question_of_now():
    # "may ... still", "masih boleh" asked with a question word: what the rule allows
    assert not plan("What may social commerce platforms still do under Permendag 31/2023?",
                    G).wants_latest
    assert not plan("Barang apa yang masih boleh dijual langsung lintas negara?", G).wants_latest
    # asked yes or no, it is how things stand now
    assert plan("Is Temu still allowed to operate in Indonesia?", G).wants_latest
    assert plan("Temu masih boleh beroperasi?", G).wants_latest
