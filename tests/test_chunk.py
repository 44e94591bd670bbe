from ingest.chunk import split_passages
from rag.text import sentence_spans

TEXT = "\n\n".join(
    f"Kalimat nomor {i} membahas Permendag No. 31 Tahun 2023 dan dampaknya bagi UMKM. "
    f"Pedagang ke-{i} menjual barang senilai Rp1,5 juta."
    for i in range(40)
)


def test_offsets_are_exact_and_sentences_whole():
    passages = split_passages("a1", TEXT, size=400, overlap=120)
    assert len(passages) > 5
    starts = {s for s, _ in sentence_spans(TEXT)}
    ends = {e for _, e in sentence_spans(TEXT)}
    for i, p in enumerate(passages):
        assert TEXT[p.start:p.end] == p.text
        assert p.id == f"a1:{i}" and p.index == i
        assert p.start in starts and p.end in ends, "a passage cut a sentence"
        assert len(p.text) <= 400


def test_windows_overlap_and_cover_everything():
    passages = split_passages("a1", TEXT, size=400, overlap=120)
    for a, b in zip(passages, passages[1:]):
        assert b.start < a.end, "consecutive passages should overlap"
        assert b.start > a.start
    assert passages[0].start == 0 and passages[-1].end == len(TEXT)


def test_a_single_overlong_sentence_is_split_at_spaces():
    text = "kata " * 500 + "akhir."
    passages = split_passages("a2", text.strip(), size=300, overlap=50)
    assert len(passages) > 3
    for p in passages:
        assert text.strip()[p.start:p.end] == p.text and len(p.text) <= 300
        assert not p.text.startswith(" ") and not p.text.endswith(" ")


def test_short_text_is_one_passage():
    p = split_passages("a3", "Satu kalimat saja.", size=900, overlap=200)
    assert [(x.start, x.end) for x in p] == [(0, 18)]


def test_token_budget_is_never_exceeded():
    # One "token" per character for digits: dense numeric text must still fit.
    def count(texts):
        return [sum(ch.isdigit() for ch in t) + len(t.split()) for t in texts]

    text = "Data: " + " ".join(f"{i:06d}/{i:04d}" for i in range(400)) + ". Penutup singkat."
    passages = split_passages("a4", text, size=900, overlap=100, count_tokens=count, max_tokens=120)
    assert len(passages) > 10
    for p in passages:
        assert text[p.start:p.end] == p.text
        assert count([p.text])[0] <= 120, (len(p.text), count([p.text]))


def test_budget_does_not_change_ordinary_text():
    plain = split_passages("a1", TEXT, size=400, overlap=120)
    budgeted = split_passages("a1", TEXT, 400, 120, lambda ts: [len(t.split()) for t in ts], 512)
    assert [(p.start, p.end) for p in plain] == [(p.start, p.end) for p in budgeted]
