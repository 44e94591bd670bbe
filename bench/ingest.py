"""`pantau bench ingest`: pipeline throughput against the raw encoder on the same passages.

Prints articles/s and passages/s of the whole pipeline (read, parse, chunk, dedup, embed,
store), the raw encoder's passages/s on exactly the texts the pipeline embedded, their
ratio, and peak memory (RSS of this process).
"""
from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from ingest.pipeline import ingest_paths
from rag.config import Settings
from rag.service import PantauService, embedding_text

from .corpus import write_corpus


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(settings: Settings, articles: int, sample_dir: Path) -> dict:
    """Run the benchmark in a temporary store; return the figures."""
    with tempfile.TemporaryDirectory(prefix="pantau-bench-") as tmp:
        tmp = Path(tmp)
        write_corpus(tmp / "corpus", articles, sample_dir)
        (tmp / "data").mkdir()
        models = settings.models_dir.resolve()
        models.mkdir(parents=True, exist_ok=True)
        (tmp / "data" / "models").symlink_to(models, target_is_directory=True)
        service = PantauService.from_settings(
            settings.model_copy(update={"data_dir": tmp / "data"}))
        service.embedder.embed_documents(["pemanasan model / warm-up"])  # load outside timing
        rss_before = peak_rss_mb()

        t0 = time.perf_counter()
        report = ingest_paths(service, [tmp / "corpus"], use_records=False)
        pipeline_s = time.perf_counter() - t0
        n_passages = service.store.counts()[1]

        # The raw encoder on exactly what the pipeline embedded, in the same batch sizes.
        texts = []
        for info in service.articles():
            art = service.article(info.id)
            got = service.store.passages.get(where={"article_id": info.id},
                                             include=["documents", "metadatas"])
            order = sorted(range(len(got["ids"])), key=lambda i: got["metadatas"][i]["index"])
            from rag.types import Passage
            for i in order:
                m = got["metadatas"][i]
                texts.append(embedding_text(art, Passage(
                    id=got["ids"][i], article_id=info.id, index=m["index"],
                    text=got["documents"][i], start=m["start"], end=m["end"])))
        t0 = time.perf_counter()
        step = 128
        for s in range(0, len(texts), step):
            service.embedder.embed_documents(texts[s:s + step])
        raw_s = time.perf_counter() - t0
    return {
        "articles": report.added, "passages": n_passages, "failed": len(report.failed),
        "duplicates": report.duplicates,
        "pipeline_seconds": pipeline_s, "articles_per_s": report.added / pipeline_s,
        "passages_per_s": n_passages / pipeline_s,
        "raw_encoder_passages_per_s": len(texts) / raw_s,
        "ratio": (n_passages / pipeline_s) / (len(texts) / raw_s),
        "peak_rss_mb": peak_rss_mb(), "rss_after_model_load_mb": rss_before,
        "embedding_model": getattr(service.embedder, "name", "?"),
    }
