"""The evaluation's own metrics, and the shipped QA sets' labels against the sample corpus."""
from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths
from rag.evaluate import evaluate, load_qa, says_key
from rag.text import normalize
from rag.types import Answer, Citation, RetrievedPassage

REPO = Path(__file__).resolve().parents[1]
GENERIC_KEYS = set("""no yes ya tidak bukan sudah belum true false january february march april
    may june july august september october november december januari februari maret mei juni
    juli agustus oktober desember monday tuesday wednesday thursday friday saturday sunday senin
    selasa rabu kamis jumat sabtu minggu""".split())
KINDS = {"fact", "date", "number", "entity", "latest-status", "cross-lingual", "follow-up",
         "unanswerable"}


def _p(i, text, score=0.9):
    return RetrievedPassage(passage_id=f"a{i}:0", article_id=f"a{i}", title="T", outlet="O",
                            url="https://o.example/x", published="2023-10-04", language="en",
                            text=text, start=0, end=len(text), score=score)


def _answer(text, cited=(), found=True):
    return Answer(answer=text, found=found, as_of=None, language="en", mode="extractive",
                  citations=[Citation.of(p, n + 1, [(0, len(p.text))])
                             for n, p in enumerate(cited)])


def test_metrics_over_a_scripted_runner():
    hit, miss = _p(1, "TikTok Shop stopped on 4 October 2023."), _p(2, "Unrelated text here.")
    items = [
        {"id": "a", "question": "q1", "answer": "4 October 2023", "evidence": ["stopped on 4 October"]},
        {"id": "b", "question": "q2", "answer": "4 October 2023", "evidence": ["stopped on 4 October"]},
        {"id": "c", "question": "q3", "answer": "450", "evidence": ["not anywhere"]},
        {"id": "u", "question": "q4", "answer": "", "evidence": []},
    ]
    script = {
        "q1": ([hit, miss], _answer("It stopped on 4 October 2023 [1].", [hit])),
        "q2": ([miss, hit], _answer("Unrelated text here [1] [2].", [miss, hit])),
        "q3": ([miss], _answer("Some 4500 staff [1].", [miss])),
        "q4": ([miss], _answer("Not found.", found=False)),
    }
    report = evaluate(lambda q, h, k: script[q], items)
    s = report.summary()
    assert s["evidence@1"] == pytest.approx(1 / 3) and s["evidence@5"] == pytest.approx(2 / 3)
    assert s["mrr"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert s["citation_precision"] == pytest.approx(2 / 4)  # a: 1/1, b: 1/2, c: 0/1
    assert s["answer_correct"] == pytest.approx(1 / 3)  # "450" is not in "4500"
    assert s["false_refusals"] == 0 and s["refusal_accuracy"] == 1.0
    # What counts against the system, and why; the cited passages' retrieval ranks.
    assert [(r.id, r.miss()) for r in report.misses()] == [
        ("b", "wrong citation"), ("c", "wrong citation")]
    assert [r.cited_ranks for r in report.items] == [[1], [1, 2], [1], []]
    assert report.items[0].answer.startswith("It stopped") and report.items[0].question == "q1"
    script["q4"] = ([miss], _answer("Unrelated text here [1].", [miss]))
    script["q1"] = ([hit, miss], _answer("Not found.", found=False))
    script["q2"] = ([hit], _answer("It stopped some day [1].", [hit]))
    assert [(r.id, r.miss()) for r in evaluate(lambda q, h, k: script[q], items).misses()] == [
        ("a", "refused"), ("b", "wrong answer"), ("c", "wrong citation"), ("u", "answered")]


def test_first_sentence_key_groups_and_cited_evidence():
    hit, miss = _p(1, "TikTok Shop stopped on 4 October 2023."), _p(2, "Unrelated text here.")
    items = [
        {"id": "lead", "question": "q1", "answer": "4 October 2023", "evidence": ["4 October"]},
        {"id": "late", "question": "q2", "answer": "4 October 2023", "evidence": ["4 October"]},
        # persona form: every group must be said; the first one in the first sentence
        {"id": "p", "question": "q3", "intent": "impact", "answerable": True,
         "keys": [["platforms", "platform"], ["sellers", "penjual"]], "evidence": ["4 October"]},
        {"id": "p2", "question": "q4", "intent": "impact", "answerable": True,
         "keys": [["platforms"], ["importers"]], "evidence": ["4 October"]},
    ]
    script = {
        "q1": ([hit], _answer("It stopped on 4 October 2023 [1]. More here.", [hit])),
        "q2": ([hit, miss], _answer("It stopped. That was on 4 October 2023 [1] [2].",
                                    [hit, miss])),
        "q3": ([hit], _answer("Platforms must stop payments [1]. Sellers move [1].", [hit])),
        "q4": ([hit], _answer("Platforms must stop payments [1].", [hit])),
    }
    report = evaluate(lambda q, h, k: script[q], items)
    got = {r.id: (r.correct, r.first_sentence) for r in report.items}
    assert got == {"lead": (True, True), "late": (True, False), "p": (True, True),
                   "p2": (False, True)}
    assert {r.kind for r in report.items} == {"", "impact"}
    s = report.summary()
    assert s["first_sentence"] == pytest.approx(3 / 4)
    assert s["cited_evidence"] == 1.0  # each answer cites at least one passage with evidence
    assert s["citation_precision"] == pytest.approx(4 / 5)
    # The intent Pantau recognised against the item's own: only items that give one count.
    script["q3"] = ([hit], _answer("Platforms must stop payments [1].", [hit]).model_copy(
        update={"intent": "impact"}))
    script["q4"] = ([hit], _answer("Platforms [1].", [hit]).model_copy(update={"intent": "fact"}))
    report = evaluate(lambda q, h, k: script[q], items)
    assert [(r.intent, r.expected_intent) for r in report.items[2:]] == [
        ("impact", "impact"), ("fact", "impact")]
    assert report.summary()["intent_recognised"] == 0.5


def test_answer_keys_match_whole_words():
    assert says_key("Permendag Nomor 31 Tahun 2023 [1]", ["31 Tahun 2023"])
    assert not says_key("Permendag Nomor 31 Tahun 2023 [1]", ["No"])
    assert not says_key("Tokopedia cut 4500 jobs", ["450"])
    assert says_key("a 0.5% tax", ["0.5%"]) and says_key("Shop | Tokopedia.", ["Shop | Tokopedia"])


@pytest.fixture(scope="module")
def sample_articles(tmp_path_factory):
    from conftest import make_settings
    from rag.service import PantauService

    service = PantauService.from_settings(make_settings(tmp_path_factory.mktemp("qa")))
    report = ingest_paths(service, [REPO / "data" / "sample"])
    assert not report.failed and report.added >= 30
    return [normalize(a.text).lower() for a in service.store.scan_articles()]


@pytest.mark.parametrize("name", ["qa.jsonl", "heldout.jsonl"])
def test_shipped_qa_sets_are_well_formed_and_their_evidence_is_verbatim(name, sample_articles):
    items = load_qa(REPO / "data" / "eval" / name)
    assert len({it["id"] for it in items}) == len(items)
    for it in items:
        assert it["kind"] in KINDS and it["language"] in {"id", "en"}, it["id"]
        assert bool(it["evidence"]) == (it["kind"] != "unanswerable"), it["id"]
        for ev in it["evidence"]:
            assert any(normalize(ev).lower() in a for a in sample_articles), (it["id"], ev)
        keys = [it["answer"], *it["answer_alternatives"]]
        # No key so short or generic that any answer holds it ("No", "yes", "November").
        assert not [k for k in keys if k and (len(k) < 3 or k.lower() in GENERIC_KEYS)], (
            it["id"], keys)
    if name == "qa.jsonl":
        assert len(items) >= 80 and {it["kind"] for it in items} == KINDS
