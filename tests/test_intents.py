"""What a question wants: its intent (rag.retrieval.intents), both languages."""
import pytest

from rag.retrieval.glossary import load_glossary
from rag.retrieval.intents import ASKS_MEMBERS, WHO_ROLE, asks_only_rules, intent_of
from rag.retrieval.query import plan


@pytest.mark.parametrize("question, intent", [
    ("Who is affected by this rule, Permendag 12/2025?", "impact"),
    # a count of amendments is the registry's, not a figure in a sentence
    ("Permendag 12/2025 sudah direvisi berapa kali?", "relations"),
    ("How many times has PP 5/2021 been amended?", "relations"),
    ("Berapa kali TikTok Shop tutup?", "fact"),
    ("Siapa saja yang terdampak PP 5/2021?", "impact"),
    ("Dampaknya bagi UMKM apa?", "impact"),
    ("What did Permendag 9/2024 change for importers?", "impact"),
    ("What does PMK 9/2024 mean for small sellers?", "impact"),
    ("How did the stricter regime under Permendag 9/2024 hit importers?", "impact"),
    ("Aturan itu artinya apa bagi pedagang kecil?", "impact"),
    ("What does Permendag 12/2025 require of platforms?", "obligations"),
    ("Apa saja yang diatur PMK 9/2024?", "obligations"),
    ("Once a marketplace withholds the levy under PMK 9/2024, what else does it have to do?",
     "obligations"),
    ("Apa yang perlu dilakukan importir setelah Permendag 9/2024 berlaku?", "obligations"),
    ("Apakah marketplace boleh menjual produk buatannya sendiri?", "obligations"),
    ("Under PMK 9/2024, can a platform keep the levy?", "obligations"),
    ("What happens to platforms that break the rule?", "sanctions"),
    ("Sanksinya apa kalau melanggar?", "sanctions"),
    ("Which regulation replaced Permendag 50/2020?", "relations"),
    ("Apakah PP 5/2021 masih berlaku?", "relations"),
    ("Apa bedanya aturan lama dengan yang baru?", "relations"),
    ("Kronologi kasus Shopee gimana?", "chronology"),
    ("Give me the timeline of the Zalora exit.", "chronology"),
    ("What happened to Lazada between 2020 and 2024?", "chronology"),
    ("Apa yang baru sejak Januari 2025?", "whats_new"),
    ("What has changed for sellers since mid-2025?", "whats_new"),
    ("What has happened to Zalora since the beginning of 2025?", "whats_new"),
    ("Apa itu social commerce?", "definition"),
    ("What exactly is 'Shop | Lazada'?", "definition"),
    ("Menkominfo yang mengancam platform pelanggar aturan itu siapa?", "fact"),
    ("Saya jualan di Shopee, harus bagaimana sekarang?", "stakeholder"),
    ("I sell batik online. Which rules apply to me?", "stakeholder"),
    ("Bagaimana status Zalora sekarang?", "status"),
    ("What are the rules under PMK 9/2024?", "obligations"),
    ("What's the latest on the rules for admin fees?", "whats_new"),
    ("Ada perkembangan terbaru soal aturan ongkir?", "whats_new"),
    # a date, a figure or a name asked for is a fact, whatever else the question says
    ("Kapan aturan itu mulai berlaku?", "fact"),
    ("Berapa denda yang dijatuhkan kepada platform itu?", "fact"),
    ("Who chairs the competition commission?", "fact"),
    ("What did the company say in its statement?", "fact"),
    # about a person: the tracker's lists name no one, whatever the question is about
    ("Siapa menteri yang siap menindak platform pelanggar PP 5/2021?", "fact"),
    ("What did Budi Santoso say the ministry would do to platforms that break the rule?",
     "fact"),
    ("Menurut pengamat, apa dampak aturan itu?", "fact"),
    # a cause asked for, whatever rule the question speaks of
    ("Kenapa sih pemerintah tiba-tiba mau ngatur biaya admin marketplace?", "fact"),
    ("Why must platforms stop acting as producers under Permendag 12/2025?", "fact"),
    ("Which platforms are affected by PMK 9/2024?", "impact"),
    # a figure asked for: "what range", "what rate" (not "what range of goods")
    ("What turnover range does the PMK 9/2024 levy apply to?", "fact"),
    ("What range of goods does PMK 9/2024 ban?", "obligations"),
    # Indonesian enclitics: "statusnya", "kondisinya"
    ("Zalora sekarang statusnya gimana, masih buka?", "status"),
    ("Kondisinya Lazada sekarang gimana?", "status"),
    # a story asked in other words
    ("How did the country's data rules evolve between 2015 and 2022?", "chronology"),
    ("Walk me through the changes to the tax on online sellers.", "chronology"),
    ("Progres merger Grab-Gojek dari awal gimana?", "chronology"),
    # "yang mereka maksud": a clause, not "what is meant by"
    ("Aturan yang mereka maksud itu masih PP 5/2021 atau sudah diganti?", "relations"),
    ("Ongkir di situ maksudnya apa ya?", "definition"),
    # the asker's own situation, in other words
    ("Most of my sales were on Zalora. What am I supposed to do now?", "stakeholder"),
    ("Saya importir kain, barang saya tertahan. Ada jalan keluar dari pemerintah?",
     "stakeholder"),
    ("Omzet saya 300 juta setahun, saya bakal dipotong pajak juga nggak?", "stakeholder"),
    # the asker's own framing does not hide what is asked: which rule replaced which
    ("Is PP 5/2021 still the rule we should follow for our marketplace, or was it replaced?",
     "relations"),
])
def test_intents(question, intent):
    assert intent_of(question) == intent


def test_the_plan_carries_the_intent_and_yes_no_status_questions_are_status():
    g = load_glossary()
    assert plan("Apakah Zalora masih tutup?", g).intent == "status"
    assert plan("Who is affected by Permendag 12/2025?", g).intent == "impact"


def test_what_about_x_asks_the_earlier_kind_of_question_about_x():
    g = load_glossary()
    history = [{"role": "user", "content": "What are the rules under PMK 9/2024?"},
               {"role": "assistant", "content": "Platforms must withhold the levy."}]
    qp = plan("And what about goods sold from abroad?", g, history=history)
    assert qp.intent == "obligations" and "PMK 9/2024" in qp.question
    # a follow-up that asks a question of its own keeps its own intent
    assert plan("What about Zalora, when did it close?", g, history=history).intent == "fact"
    assert plan("And what about goods sold from abroad?", g).intent == "fact"  # no history


@pytest.mark.parametrize("question, date, clock", [
    ("When did TikTok Shop close?", True, False),
    ("Kapan TikTok Shop tutup?", True, False),
    # "when" after another question word joins a clause: a name or a change is asked
    ("Who was directly affected when TikTok Shop stopped transactions?", False, False),
    ("What happened to sellers when the rule came in?", False, False),
    # joined on, it asks too
    ("Why did it close, and when?", True, False),
    ("Why, and when, did it close?", True, False),
    ("What was the local time in Makassar when the checkout was switched off?", True, True),
    ("What is the date of the ban?", True, False),
    ("On what exact date did the transition period end?", True, False),
])
def test_when_asks_for_a_date_only_as_a_question_word(question, date, clock):
    from rag.retrieval.intents import ASKS_CLOCK, asks_date
    assert asks_date(question) is date
    assert bool(ASKS_CLOCK.search(question)) is clock


@pytest.mark.parametrize("question, head", [
    ("Through which system do merchants apply for a licence?", "system"),
    ("Which income tax article do marketplaces collect?", "article"),
    ("Which regulation replaced Permendag 50/2020?", "regulation"),
    ("What four areas did the rule cover?", "areas"),
    ("Which three local e-commerce players was TikTok in talks with?", "players"),
    ("Bukalapak akan fokus pada produk apa?", "produk"),
    ("Di pelabuhan mana kontainer menumpuk?", "pelabuhan"),
    # Indonesian: the noun first, the question word last
    ("Regulasi yang jadi acuan saat ini apa, masih PP 5/2021?", "regulasi"),
    ("Produk yang masih dijual di sana apa saja?", "produk"),
    # no noun asked for
    ("What does Permendag 31/2023 require?", None),
    ("Apa itu Shop | Tokopedia?", None),
    ("What happened to TikTok Shop?", None),
    ("Migrasinya udah sampai mana?", None),  # "how far", no noun
])
def test_the_noun_a_which_or_what_question_asks_for(question, head):
    from rag.retrieval.intents import ASKS_NAME, asked_head
    assert asked_head(question) == head
    if head == "players":  # three words before the noun: still a name is asked
        assert ASKS_NAME.search(question)


@pytest.mark.parametrize("question, number", [
    ("How far along was the migration as of February 2024?", True),
    ("Migrasinya sudah sejauh mana?", True),
    ("Migrasinya sekarang udah sampai mana?", True),
    ("How many employees were laid off?", True),
    ("How did the migration go?", False),
    ("Is the migration far from done?", False),
])
def test_how_far_along_asks_for_a_figure(question, number):
    from rag.retrieval.intents import ASKS_NUMBER
    assert bool(ASKS_NUMBER.search(question)) is number


@pytest.mark.parametrize("question, acronym", [
    ("What is PMSE?", "PMSE"), ("OSS itu apa?", "OSS"), ("Apa itu KPPU?", "KPPU"),
    ("What is TikTok Shop?", ""), ("What does PP 80/2019 say?", ""),
    ("Apa bedanya KPPU dan OJK?", ""),  # asks no definition
])
def test_a_what_is_question_about_an_abbreviation_asks_for_its_long_form(question, acronym):
    from rag.answering.cues import spells_out
    from rag.retrieval.intents import acronym_asked
    assert acronym_asked(question) == acronym
    assert spells_out("PMSE", "PP 80/2019 tentang Perdagangan Melalui Sistem Elektronik (PMSE)")
    assert spells_out("KPPU", "KPPU (Komisi Pengawas Persaingan Usaha) menilai ...")
    assert not spells_out("KPPU", "kata KPPU (29/9)")  # a date in brackets spells nothing


@pytest.mark.parametrize("question, role", [
    ("Siapa Menteri Perdagangan saat ini?", "Menteri"),
    ("Who is Indonesia's trade minister now?", "minister"),
    ("Who was the consultant quoted on the deal?", "consultant"),
    ("Siapa yang khawatir soal pelonggaran impor?", None),
    ("Who processes the payment?", None),
    # a minister by the Indonesian short title; the role may open and "siapa" close
    ("Siapa Mendag yang menandatangani aturan itu?", "Mendag"),
    ("Menkeu yang menerbitkan aturan pajak itu siapa?", "Menkeu"),
    ("Mendag bilang apa soal aturan itu?", None),
])
def test_a_who_question_names_the_role_it_asks_for(question, role):
    m = WHO_ROLE.search(question)
    assert (m.group(1) or m.group(2) if m else None) == role


@pytest.mark.parametrize("question, members", [
    ("Which specific product categories are on the positive list for cross-border sales?", True),
    ("Barang apa aja yang masuk daftar positif impor?", True),
    ("Which goods are included in the ban?", True),
    ("Which companies are in talks with TikTok?", False),
    ("What is in the new rule?", False),
    ("Apa saja yang diatur PMK 9/2024?", False),
])
def test_a_question_about_the_members_of_a_set(question, members):
    assert bool(ASKS_MEMBERS.search(question)) == members


@pytest.mark.parametrize("question, only", [
    ("Ada aturan baru apa buat seller sejak 2025?", True),
    ("Which new regulations came in since mid-2025?", True),
    ("Sejak awal 2025 ada perkembangan apa aja di pasar dan aturan lokapasar?", False),
    ("What changed in the rules and the market since 2024?", False),
    ("Apa yang baru sejak Januari 2025?", False),
])
def test_a_question_about_rules_alone(question, only):
    assert asks_only_rules(question) == only
