"""Status questions answered from the timelines: the newest event first, yes or no where the
timeline settles it, newer reporting after it (data/sample, or hand-made records)."""
import pytest

from ingest.pipeline import ingest_paths
from rag.service import PantauService


def test_status_questions_are_answered_from_the_tracker(sample):
    _, service = sample
    now = service.ask("Bagaimana status TikTok Shop sekarang?")
    assert now.mode == "tracker" and now.found and now.language == "id"
    assert now.answer.startswith("Per ") and "TikTok Shop" in now.answer.split(":")[0]
    assert now.as_of == service.timeline("tiktok-shop").as_of
    assert now.citations and all(f"[{c.marker}]" in now.answer for c in now.citations)
    then = service.ask("What was the status of TikTok Shop on 1 November 2023?")
    assert then.mode == "tracker" and then.as_of <= "2023-11-01"
    assert "stopped" in then.answer
    reg = service.ask("What is the status of Permendag 31/2023?")
    assert reg.mode == "tracker" and reg.answer.startswith("As of ")
    assert "Permendag 31/2023" in reg.answer.split(":")[0]
    # not a status question, or nothing tracked in it: the ordinary answerer
    assert service.ask("Kapan TikTok Shop berhenti melayani transaksi?").mode == "extractive"
    assert service.ask("What is the status of the Jakarta MRT?").mode != "tracker"
    # the stream (chat UI, /api/ask/stream, /v1 stream) gives the same tracker answer
    *parts, streamed = list(service.ask_stream("Bagaimana status TikTok Shop sekarang?"))
    assert streamed.mode == "tracker" and streamed.answer == now.answer
    assert "".join(parts) == now.answer


def test_status_asked_yes_or_no_gets_a_yes_or_no_from_the_tracker(sample):
    _, service = sample
    closed = service.ask("Apakah TikTok Shop masih tutup?")
    assert closed.mode == "tracker" and closed.answer.startswith("Tidak, per ")
    first = closed.answer.split("[1]")[0]  # the lead and the event that settles it, one sentence
    assert "Tokopedia" in first and closed.citations
    assert service.ask("Is TikTok Shop open again?").answer.startswith("Yes, as of ")
    assert service.ask("Sudah buka lagi TikTok Shop?").answer.startswith("Ya, per ")
    fined = service.ask("Has TikTok ever been fined?")
    assert fined.mode == "tracker" and fined.answer.startswith("Yes, ")
    assert "15" in fined.answer.split("[1]")[0]
    # Whether a rule is still in force is no event a timeline can settle: the registry's
    # relations do (what replaced it, since when), and a question without a tracked player or
    # rule goes to retrieval.
    replaced = service.ask("Is Permendag 50/2020 still in force?")
    assert replaced.intent == "relations" and replaced.answer.startswith(
        "No, Permendag 31/2023 replaced Permendag 50/2020 (in force 26 September 2023)."), \
        replaced.answer
    kept = service.ask("Permendag 31/2023 masih berlaku?")
    # its timeline has it in force: it still applies, as far as the sources go
    assert kept.answer.startswith("Menurut sumber, Permendag 31/2023 masih berlaku: belum ada "
                                  "yang memberitakannya diganti atau dicabut."), kept.answer
    assert service.ask("Is the Jakarta MRT still closed?").mode != "tracker"


def test_status_answer_cites_each_passage_once(sample):
    _, service = sample
    ans = service.ask("What is TikTok Shop's status now?")
    ids = [c.passage_id for c in ans.citations]
    assert len(ids) == len(set(ids)) and [c.marker for c in ans.citations] == list(range(1, len(ids) + 1))
    for c in ans.citations:
        assert f"[{c.marker}]" in ans.answer and c.highlights


@pytest.mark.parametrize("question, asked", [
    ("Has TikTok ever been fined over its Tokopedia takeover?", "fined"),
    ("Permendag 31/2023 masih berlaku nggak? Ada perubahan?", "in_force"),
    ("Apakah TikTok Shop masih tutup?", "stopped"),
    ("TikTok Shop sudah buka lagi?", "resumed"),
    ("Who runs Tokopedia?", None),
    # what something brought about is asked, not the cause
    ("Apakah denda KPPU bikin TikTok kehilangan izin jualannya?", None),
    ("Did the KPPU fine cost TikTok its licence?", None),
    ("Did Permendag 31/2023 force TikTok to shut its shop?", "stopped"),
    # what was done about an event is no event of its type
    ("Did TikTok appeal the KPPU fine over Tokopedia?", None),
    ("Apakah TikTok mengajukan banding atas denda KPPU?", None),
    ("Has TikTok paid the fine yet?", None),
    ("Was TikTok fined, and did it appeal?", "fined"),
])
def test_the_event_a_question_asks_about(question, asked):
    from rag.tracking.events import asked_event_type
    assert asked_event_type(question) == asked


def test_a_status_answer_adds_what_newer_reporting_says(tmp_path):
    """The timeline's newest event dates a status; a newer report on the subject that tells
    no event (where it stands now, in other words) follows it, and dates the answer."""
    from conftest import make_settings
    import json
    records = [
        {"title": "TikTok Shop berhenti", "url": "https://a.example/1",
         "published": "2023-10-04T10:00:00+07:00", "outlet": "A", "language": "id",
         "text": "TikTok Shop berhenti melayani transaksi di Indonesia pada Rabu (4/10/2023) "
                 "pukul 17.00 WIB. Penjual memindahkan toko mereka ke lokapasar lain."},
        {"title": "Rangkuman layanan belanja TikTok", "url": "https://b.example/2",
         "published": "2026-01-21T10:00:00+07:00", "outlet": "B", "language": "id",
         "text": "Layanan belanja TikTok Shop kini dijalankan bersama Tokopedia dan dinilai "
                 "patuh pada aturan perdagangan elektronik. Pembeli masih menyebutnya TikTok "
                 "Shop."},
    ]
    f = tmp_path / "news.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    # (the fake embedder's similarities are low: relevance is not what is tested here)
    service = PantauService.from_settings(make_settings(tmp_path, min_relevance=0.0))
    ingest_paths(service, [f])
    ans = service.ask("Bagaimana status TikTok Shop sekarang?")
    head, _, more = ans.answer.partition("\n\nDari pemberitaan terkait: ")
    assert ans.mode == "tracker" and head.startswith("Per 4 Oktober 2023"), ans.answer
    assert "patuh" in more and ans.as_of == "2026-01-21", ans.answer
    assert [c.marker for c in ans.citations] == [1, 2]
