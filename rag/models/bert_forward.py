"""The query side of the default embedding model, without sentence-transformers.

A serving process embeds a few short questions a second; importing sentence-transformers
(and with it transformers and scikit-learn) and building its model cost a process about 12 of
its first 14.5 s on these machines (docs/PERFORMANCE.md, issue 19), and each worker kept
its own copy of the 470 MB of weights. ``BertForward`` reads the same sentence-transformers
folder (``config.json``, ``model.safetensors``, ``tokenizer.json``) and runs the same forward
pass (BERT encoder, mean pooling over the tokens, L2 normalisation) with plain torch
operations on weights memory-mapped read-only from the safetensors file: it is ready in
about the time ``import torch`` takes, only the rows of the tokens seen are read from the
250k-row embedding matrix, and every process on the machine shares the same pages.
Passages, batched by the thousand at ingest, still go through sentence-transformers;
tests/test_bert_forward.py checks that both give the same vectors.

Only what the default model is is supported (``BertModel``, absolute positions, GELU, mean
pooling, normalised); ``BertForward.supports`` says whether a folder is such a model.
"""
from __future__ import annotations

import json
import struct
import warnings
from pathlib import Path

import numpy as np

_DTYPES = {"F32": np.float32}


def _safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file as read-only memory maps (no copy is made)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {meta['dtype']}")
        start, end = meta["data_offsets"]
        dtype = _DTYPES[meta["dtype"]]
        count = (end - start) // np.dtype(dtype).itemsize
        mapped = np.memmap(path, dtype=dtype, mode="r", offset=8 + n + start, shape=(count,))
        out[name] = mapped.view(np.ndarray).reshape(meta["shape"])
    return out


class BertForward:
    """A sentence-transformers BERT folder (mean pooling, normalised), run with torch
    operations on memory-mapped weights."""

    def __init__(self, folder: str | Path, threads: int = 0) -> None:
        import torch
        from tokenizers import Tokenizer

        folder = Path(folder)
        if not self.supports(folder):
            raise ValueError(f"{folder}: not a BERT model with mean pooling")
        cfg = json.loads((folder / "config.json").read_text())
        st = folder / "sentence_bert_config.json"
        self.max_tokens = int(json.loads(st.read_text()).get("max_seq_length", 512)
                              if st.exists() else cfg["max_position_embeddings"])
        self.heads = int(cfg["num_attention_heads"])
        self.layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        if threads:
            torch.set_num_threads(threads)
        with warnings.catch_warnings():  # read-only on purpose: the pages stay shared
            warnings.simplefilter("ignore", UserWarning)
            self.w = {k: torch.from_numpy(v)
                      for k, v in _safetensors(folder / "model.safetensors").items()}
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.pad_id = int(cfg.get("pad_token_id") or 0)
        stored = folder / "config_sentence_transformers.json"
        #: the prompts stored with the model ("query", "passage"), as sentence-transformers
        #: reads them
        self.prompts: dict[str, str] = (json.loads(stored.read_text()).get("prompts") or {}
                                        if stored.exists() else {})

    @staticmethod
    def supports(folder: str | Path) -> bool:
        """Whether ``folder`` holds a model this encoder runs exactly as
        sentence-transformers does."""
        folder = Path(folder)
        try:
            cfg = json.loads((folder / "config.json").read_text())
            pool = json.loads((folder / "1_Pooling" / "config.json").read_text())
            modules = json.loads((folder / "modules.json").read_text())
            st = folder / "sentence_bert_config.json"
            st_cfg = json.loads(st.read_text()) if st.exists() else {}
        except (OSError, ValueError):
            return False
        kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
        return (cfg.get("model_type") == "bert"
                and cfg.get("hidden_act") == "gelu"
                and cfg.get("position_embedding_type", "absolute") == "absolute"
                and (folder / "model.safetensors").exists()
                and (folder / "tokenizer.json").exists()
                and pool.get("pooling_mode_mean_tokens") is True
                and pool.get("include_prompt", True) is True  # the prompt's tokens are pooled
                and not st_cfg.get("do_lower_case", False)
                and not any(v for k, v in pool.items()
                            if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens")
                and kinds == ["Transformer", "Pooling", "Normalize"])

    def ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids with the special tokens, cut to the model's length as
        sentence-transformers cuts them (the closing token kept)."""
        out = []
        for enc in self.tokenizer.encode_batch(list(texts)):
            ids = list(enc.ids)
            if len(ids) > self.max_tokens:
                ids = ids[:self.max_tokens - 1] + ids[-1:]
            out.append(ids)
        return out

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens of each text without the special tokens."""
        return [len(e.ids) for e in
                self.tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of ``texts`` (prompts already applied), one row each."""
        import torch
        import torch.nn.functional as F

        w = self.w
        dim = w["embeddings.word_embeddings.weight"].shape[1]
        if not texts:
            return np.zeros((0, dim), np.float32)
        ids = self.ids(texts)
        n = max(len(i) for i in ids)
        tok = torch.full((len(ids), n), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(ids), n), dtype=torch.bool)
        for r, row in enumerate(ids):
            tok[r, :len(row)] = torch.tensor(row)
            mask[r, :len(row)] = True
        b, hd = len(ids), dim // self.heads

        def norm(x, name: str):
            return F.layer_norm(x, (dim,), w[name + ".weight"], w[name + ".bias"], self.eps)

        with torch.inference_mode():
            x = (w["embeddings.word_embeddings.weight"][tok]
                 + w["embeddings.position_embeddings.weight"][:n]
                 + w["embeddings.token_type_embeddings.weight"][0])
            x = norm(x, "embeddings.LayerNorm")
            attend = mask[:, None, None, :]  # no token attends to padding
            for i in range(self.layers):
                p = f"encoder.layer.{i}."

                def lin(v, name: str):
                    return F.linear(v, w[p + name + ".weight"], w[p + name + ".bias"])

                def heads(v):
                    return v.view(b, n, self.heads, hd).transpose(1, 2)

                ctx = F.scaled_dot_product_attention(
                    heads(lin(x, "attention.self.query")), heads(lin(x, "attention.self.key")),
                    heads(lin(x, "attention.self.value")), attn_mask=attend)
                ctx = ctx.transpose(1, 2).reshape(b, n, dim)
                x = norm(lin(ctx, "attention.output.dense") + x, p + "attention.output.LayerNorm")
                h = F.gelu(lin(x, "intermediate.dense"))
                x = norm(lin(h, "output.dense") + x, p + "output.LayerNorm")
            keep = mask[:, :, None].to(x.dtype)
            pooled = (x * keep).sum(1) / keep.sum(1)
            return F.normalize(pooled, dim=-1).numpy().astype(np.float32)
