"""Which sources an extractive answer draws on (hand-made passages, no store, no model): a
single fact its best source, and another only when nearly as strong or saying what the best
leaves unsaid; what stands now, the newest sources that say much of what is asked; and once
the answer is full, one more sentence that says a focus term none of the chosen says."""
from answer_kit import answerer as _answerer
from answer_kit import ask as _ask
from answer_kit import leads as _leads
from answer_kit import passage as _p


def test_status_now_leads_with_the_newest_and_names_older_claims():
    ps = [_p(1, "TikTok Shop ditutup dan berhenti melayani transaksi pada 4 Oktober 2023.",
             published="2023-10-04", score=0.9),
          _p(2, "TikTok Shop kembali dibuka pada 12 Desember 2023 lewat Tokopedia.",
             published="2023-12-12", score=0.88)]
    q = "Bagaimana status TikTok Shop sekarang?"
    ans = _ask(q, ps)
    assert ans.answer.startswith("TikTok Shop kembali dibuka"), ans.answer
    assert "Sebelumnya (4 Oktober 2023): TikTok Shop ditutup" in ans.answer
    (c,) = ans.conflicts
    assert c.published == "2023-10-04" and c.claim.startswith("TikTok Shop ditutup")
    newest = next(x for x in ans.citations if x.published == "2023-12-12")
    assert c.superseded_by == newest.marker and ans.as_of == "2023-12-12"


def test_a_single_fact_is_cited_from_its_best_source_only():
    ps = [_p(1, "TikTok agreed to buy 75.01% of Tokopedia for USD 840 million from GoTo.",
             lang="en", published="2023-12-11"),
          _p(2, "Tokopedia later laid off staff as TikTok integrated the two shopping businesses.",
             lang="en", published="2024-06-14", score=0.85)]
    ans = _answerer().answer("How much did TikTok pay for its Tokopedia stake?", ps)
    assert ans.found and "840" in ans.answer
    assert [c.passage_id for c in ans.citations] == ["a1:0"], ans.answer


def test_what_only_a_lower_source_says_joins_a_full_answer_and_may_lead():
    # The best passage fills the answer with its own sentences on the company; the one
    # sentence that says who holds its shares is in another source.
    best = ("Lapakku akan berhenti menjual barang fisik pada 2025. Perusahaan ini mencatatkan "
            "sahamnya di bursa pada 2021. Lapakku berdiri pada 2010 dan sempat menjadi "
            "perusahaan rintisan besar. Saham Lapakku turun tajam sejak melantai di bursa.")
    other = ("Lapakku will stop selling physical goods this year. Media group Emtara is a "
             "major shareholder.")
    ans = _leads("Siapa pemegang saham besar Lapakku?",
                 [_p(1, best), _p(2, other, lang="en", score=0.88)], "Media group Emtara")
    assert [c.passage_id for c in ans.citations] == ["a2:0", "a1:0"]
    assert ans.answer.count("[1]") == 1 and ans.answer.count("[2]") == 3, ans.answer  # one more
    # Saying nothing the chosen sentences leave unsaid, it does not join.
    other = "Lapakku will stop selling physical goods this year. Its shares fell in 2024."
    ans = _ask("Siapa pemegang saham besar Lapakku?", [_p(1, best), _p(2, other, lang="en")])
    assert [c.passage_id for c in ans.citations] == ["a1:0"], ans.answer


def test_what_stands_now_takes_one_more_sentence_that_says_what_the_rest_leave_unsaid():
    # Newer sentences on another transition fill the answer; the older source is the one
    # that says the period ended.
    q = ("Has the transition period for platforms under the data law ended, or do "
         "platforms still have time?")
    newer = ("The data law and the trade law both apply to platforms. "
             "Under the trade law, platforms still have time to adjust, officials said. "
             "Sellers can keep selling during a transition period while shops move. "
             "Regulators gave platforms a transition period of three months for the move. "
             "The shop now runs inside the marketplace.")
    older = ("The data law's transition period for platforms ended on 17 October 2024. "
             "From that day platforms must comply in full.")
    ans = _ask(q, [_p(1, older, lang="en", published="2024-10-17"),
                   _p(2, newer, lang="en", published="2025-12-15", score=0.88)])
    assert "ended on 17 October 2024. [2]" in ans.answer, ans.answer
    assert ans.answer.count("[1]") == 3, ans.answer


def test_now_questions_lead_with_the_newest_source_and_its_best_sentence():
    new = ("Today TikTok's shopping service in Indonesia runs inside Tokopedia under the name "
           "Shop | Tokopedia. The combined business has since drawn scrutiny from other "
           "regulators, who operate under the trade ministry.")
    ps = [_p(1, new, published="2026-01-20", lang="en"),
          _p(2, "TikTok Shop stopped transactions in Indonesia on 4 October 2023.",
             published="2023-10-04", lang="en", score=0.88)]
    ans = _ask("Under what name does TikTok Shop operate in Indonesia now?", ps)
    assert ans.answer.startswith("Today TikTok's shopping service"), ans.answer


def test_a_newer_roundup_lends_its_date_only_to_what_it_says_about_the_question():
    roundup = ("Kedai Jaya said in January that it would stop selling physical goods this "
               "year. \"Every year there is a new rule, and each one lands on us,\" said a "
               "batik maker from Pekalongan. \"If the fee cap comes, it would be the first "
               "rule that helps us directly.\"")
    older = ("Kedai Jaya will stop selling physical goods on its marketplace and keep its app "
             "running for virtual products such as mobile credit.")
    ps = [_p(1, roundup, published="2026-01-20", lang="en", score=0.83),
          _p(2, older, published="2025-01-08", lang="en", score=0.89)]
    ans = _leads("Can I still sell physical products on Kedai Jaya now?", ps,
                 "Kedai Jaya said in January")
    assert "batik maker" not in ans.answer and "fee cap" not in ans.answer, ans.answer


def test_now_questions_lead_with_the_newest_source_that_says_much_of_what_is_asked():
    # A newer roundup that only says "the regulation" does not lead the sentence on the
    # rule asked about; the lead is what the answer stands on, so it is not labelled as an
    # earlier claim
    roundup = ("Two years on, the ministry is preparing another change to the regulation "
               "that started it all, this time on marketplace fees.")
    relaxed = ("Permendag 9/2024 took effect on 17 May 2024, replacing the import rule that "
               "had left containers piling up at the ports, and relaxing its approvals.")
    ps = [_p(1, relaxed, published="2024-05-17", lang="en", score=0.9),
          _p(2, roundup, published="2026-01-20", lang="en", score=0.88)]
    ans = _leads("Is the import rule that made containers pile up at the ports still in force "
                 "as it was?", ps, "Permendag 9/2024 took effect")
    assert "Earlier" not in ans.answer.split("[")[0], ans.answer
