"""The query encoder without sentence-transformers (rag.models.bert_forward) gives the
vectors sentence-transformers gives, and the default embedder answers questions with it."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from rag.models.bert_forward import BertForward

from conftest import REPO

TEXTS = ["query: Kapan TikTok Shop menghentikan layanannya?",
         "query: What does Permendag 31/2023 require of social commerce?",
         "passage: Pungutan 0,5 persen berlaku bagi pedagang dengan omzet Rp500 juta-Rp4,8 miliar.",
         "query: x",
         # longer than the model's 512 tokens: cut as sentence-transformers cuts it
         "passage: " + "Kementerian Perdagangan melarang media sosial memproses pembayaran. " * 90]


def _folder(tmp_path, pooling: dict, modules=("Transformer", "Pooling", "Normalize")):
    (tmp_path / "1_Pooling").mkdir(parents=True)
    (tmp_path / "config.json").write_text(json.dumps(
        {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}))
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    (tmp_path / "modules.json").write_text(json.dumps(
        [{"type": f"sentence_transformers.models.{m}"} for m in modules]))
    (tmp_path / "model.safetensors").write_bytes(b"")
    (tmp_path / "tokenizer.json").write_text("{}")
    return tmp_path


def test_supports_only_what_it_runs_exactly(tmp_path):
    mean = {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}
    assert BertForward.supports(_folder(tmp_path / "a", mean))
    assert not BertForward.supports(_folder(tmp_path / "b", {"pooling_mode_cls_token": True,
                                                             "pooling_mode_mean_tokens": False}))
    assert not BertForward.supports(_folder(tmp_path / "c", mean, ("Transformer", "Pooling")))
    assert not BertForward.supports(_folder(tmp_path / "d", {**mean, "include_prompt": False}))
    lowered = _folder(tmp_path / "e", mean)
    (lowered / "sentence_bert_config.json").write_text(json.dumps({"do_lower_case": True}))
    assert not BertForward.supports(lowered)
    assert not BertForward.supports(tmp_path / "missing")


@pytest.mark.integration
def test_same_vectors_and_token_counts_as_sentence_transformers(real_model_dir):
    from sentence_transformers import SentenceTransformer

    light = BertForward(real_model_dir)
    st = SentenceTransformer(str(real_model_dir), device="cpu")
    ours = light.encode(TEXTS)  # one batch, padded
    theirs = st.encode(TEXTS, normalize_embeddings=True)
    assert np.abs(ours - theirs).max() < 1e-5
    alone = np.stack([light.encode([t])[0] for t in TEXTS])
    assert np.abs(alone - theirs).max() < 1e-5
    assert light.count_tokens(TEXTS) == [len(st.tokenizer(t, add_special_tokens=False)["input_ids"])
                                         for t in TEXTS]
    assert light.max_tokens == st.max_seq_length
    assert {k: light.prompts[k] for k in ('query', 'passage')} == {
        k: st.prompts[k] for k in ('query', 'passage')}


@pytest.mark.integration
def test_questions_are_embedded_without_sentence_transformers(tmp_path, real_model_dir):
    """A serving process that only answers never imports sentence-transformers (about 12 s
    of its start), and its query vectors are the ones passages are searched with."""
    code = (
        "import sys\n"
        "from conftest import real_settings\n"
        "from rag.models.embeddings import make_embeddings\n"
        "from pathlib import Path\n"
        f"e = make_embeddings(real_settings(Path({str(tmp_path)!r})))\n"
        "v = e.embed_query('Kapan TikTok Shop tutup?')\n"
        "n = e.count_tokens(['Kapan TikTok Shop tutup?'])\n"
        "print(len(v), n[0], e.max_tokens, 'sentence_transformers' in sys.modules)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "tests")]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=REPO, timeout=300)
    assert out.returncode == 0, out.stderr
    dim, tokens, window, imported = out.stdout.split()
    assert (dim, window, imported) == ("384", "512", "False")
    assert int(tokens) > 3
