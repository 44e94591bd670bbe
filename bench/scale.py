"""`pantau bench scale`: how ingest, index size, memory and latency grow with the corpus.

One temporary store grows through the steps (e.g. 1,000 -> 10,000 -> 100,000 passages) of
synthetic news (``bench.synthetic``) ingested through the real pipeline
(``ingest_records``: parse, chunk with the token budget, dedup lookups, Chroma upserts).
After each step it measures:

- ingest throughput of the step (passages/s);
- index size on disk (the Chroma directory; the snapshots of the lexical, registry and
  timeline indexes, ``rag.store.snapshots``);
- the build of the derived indexes (BM25, regulation registry, timelines): seconds and RSS
  growth -- what a process pays once, at start-up; and of the near-duplicate index
  (``rag.store.neardup``, built on a process's first ingest): seconds and bytes per article;
- the refresh after a write: what the first request after a one-article write pays to bring
  those indexes up to date (median and max of ``REFRESH_WRITES`` writes);
- retrieval p50/p95 (``service.retrieve`` over the QA questions, indexes warm; two passes,
  since the first may still fault in Chroma's index files) and the query-embedding share
  of it, with the 1-minute load average of the machine at that moment;
- ``POST /api/ask`` p50/p95 through a real uvicorn server on loopback (a thread of this
  process, sequential requests, extractive answers);
- cold start: process start to the first ``/api/ask`` 200 of a new ``pantau serve`` on the
  store as it is, from the snapshots (and, up to ``COLD_REBUILD_UP_TO`` passages, without);
- peak RSS of the process so far (ru_maxrss).

Embeddings: ``--embedder default`` embeds *questions* with the real model and gives
*passages* synthetic 384-d vectors (``SyntheticEmbeddings``), so vector search runs at its
real dimension and cost without hours of passage encoding; the real model's passage rate is
measured separately on ``real_passages`` of the passages and the ingest rate with the real
model is projected from both. ``--embedder fake`` hashes questions too (no torch at all).
"""
from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rag.config import Settings
from rag.memory import rss_mb

from .load import free_port, load_questions, percentile

#: Single-article writes whose refresh is timed at each step (median and max reported).
REFRESH_WRITES = 5


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20


def _stats(ms: Sequence[float]) -> dict:
    return {"p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1),
            "max_ms": round(max(ms), 1)}


def _timed(fn: Callable, items: Sequence) -> list[float]:
    out = []
    for it in items:
        t0 = time.perf_counter()
        fn(it)
        out.append((time.perf_counter() - t0) * 1000)
    return out


class _Server:
    """A real uvicorn server for ``app`` on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "_Server":
        self.thread.start()
        deadline = time.time() + 60
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("in-process server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(30)


#: Cold starts without snapshots are timed up to this many passages (at 1M one would take
#: over 20 minutes: the rebuild it measures is reported by the step anyway).
COLD_REBUILD_UP_TO = 100_000


def cold_start(data: Path, snapshots: bool = True, timeout: float = 3600,
               chroma_url: str = "", collection: str = "pantau") -> dict:
    """Process start -> first ``POST /api/ask`` 200 of ``pantau serve`` (one worker) on the
    data dir ``data`` as it is (and the store on ``chroma_url`` when given): seconds, and
    the server's RSS then (from /proc)."""
    import httpx

    port = free_port()
    env = {**os.environ, "PANTAU_DATA_DIR": str(data), "PANTAU_CHROMA_URL": chroma_url,
           "PANTAU_COLLECTION": collection,
           "PANTAU_INGEST_SAMPLE_ON_START": "false", "PANTAU_LLM_BACKEND": "none",
           "PANTAU_API_KEY": "", "PANTAU_SNAPSHOTS": "true" if snapshots else "false"}
    pantau = Path(sys.executable).with_name("pantau")
    cmd = [str(pantau), "serve", "--host", "127.0.0.1", "--port", str(port)]
    # Its log goes to a file, not a pipe nobody reads while it starts (a full pipe would
    # stall the server); what it says of its snapshots is reported.
    log = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)

    def said() -> str:
        log.seek(0)
        return log.read().decode("utf-8", "replace")

    try:
        while time.perf_counter() - t0 < timeout:
            if proc.poll() is not None:
                raise RuntimeError(f"pantau serve exited: {said()[-2000:]!r}")
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/api/ask", timeout=60,
                               json={"question": "Kapan TikTok Shop berhenti beroperasi?"})
                if r.status_code == 200:
                    seconds = time.perf_counter() - t0
                    rebuilt = [ln.split(" not used")[0].rsplit("/", 1)[-1]
                               for ln in said().splitlines() if "not used" in ln]
                    return {"seconds": round(seconds, 1), "rss_mb": round(_proc_rss_mb(proc.pid)),
                            "snapshots_rebuilt": rebuilt}
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"no answer from pantau serve within {timeout:.0f} s")
    finally:
        proc.terminate()
        try:  # it lets the snapshots a rebuild is writing finish (app.SAVE_WAIT_S)
            proc.wait(180)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _proc_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(settings: Settings, steps: Sequence[int], embedder: str = "default",
        questions_file: Path = Path("data/eval/qa.jsonl"), sample_dir: Path = Path("data/sample"),
        seed: int = 7, real_passages: int = 256, batch_articles: int = 500,
        report: Callable[[dict], None] | None = None, keep: Path | None = None,
        chroma_url: str = "", chroma_path: Path | None = None) -> dict:
    """Run the steps (passage counts, increasing); return the figures. ``report`` gets each
    step's figures as soon as they exist (long runs print as they go).

    ``keep``: a directory for the store that outlives the run; a later run with the same
    directory and seed goes on from what it holds (steps it already passed are measured
    without ingesting again), so a 100k store is built once.

    ``chroma_url``: the store on a Chroma server (`chroma run`) instead of embedded: the
    RSS figures are then the app's alone; ``chroma_path``, the server's ``--path``, gives
    the disk it uses. A kept directory remembers which server holds its store."""
    import httpx

    from app import create_app
    from ingest.pipeline import ingest_records
    from rag.answering.answer import ExtractiveAnswerer
    from rag.models.embeddings import make_embeddings
    from rag.retrieval.retrieve import Retriever
    from rag.service import PantauService
    from rag.store.neardup import NearDuplicates
    from rag.store.store import PantauStore

    from .synthetic import Generator, SyntheticEmbeddings

    steps = sorted(set(int(s) for s in steps))
    questions = load_questions(questions_file)
    out: dict = {"embedder": embedder, "seed": seed, "questions": len(questions),
                 "chroma": chroma_url or "embedded",
                 "ingest_batch_articles": settings.ingest_batch_articles, "steps": []}
    with contextlib.ExitStack() as stack:
        if keep is None:
            data = Path(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="pantau-scale-"))) / "data"
        else:
            data = Path(keep).resolve()
        data.mkdir(parents=True, exist_ok=True)
        models = settings.models_dir.resolve()
        models.mkdir(parents=True, exist_ok=True)
        if not (data / "models").exists():
            (data / "models").symlink_to(models, target_is_directory=True)
        progress = data / "bench-scale.json"  # where a kept store's generator stopped
        state = json.loads(progress.read_text()) if progress.exists() else {}
        if state and state.get("seed") != seed:
            raise ValueError(f"{data} holds a store generated with seed {state['seed']}, "
                             f"not {seed}")
        if state and state.get("chroma_url", "") != chroma_url:
            raise ValueError(f"{data} was built on {state.get('chroma_url') or 'embedded Chroma'}"
                             f", not {chroma_url or 'embedded Chroma'}")
        s = settings.model_copy(update={"data_dir": data, "chroma_url": chroma_url,
                                        "ingest_sample_on_start": False, "llm_backend": "none",
                                        "reranker": "", "api_key": ""})
        real = None
        if embedder == "default":
            real = make_embeddings(s.model_copy(update={"embedding_model": "default"}))
            real.embed_query("pemanasan / warm-up")
        emb = SyntheticEmbeddings(384, query_model=real)
        store = PantauStore(s, emb)
        service = PantauService(s, store, emb, Retriever(store, emb, s), ExtractiveAnswerer(s))
        out["rss_start_mb"] = round(rss_mb())
        gen = Generator(sample_dir, seed)
        next_article, passages = int(state.get("next_article", 0)), store.counts()[1]
        total_ingest_s = 0.0
        for target in steps:
            t0 = time.perf_counter()
            step_start = passages
            per_article = 3.0
            while passages < target:
                n = max(1, min(batch_articles, int((target - passages) / per_article) + 1))
                rep = ingest_records(service, gen.articles(next_article, next_article + n))
                if rep.failed:
                    raise RuntimeError(f"synthetic articles failed: {rep.failed[:3]}")
                next_article += n
                passages = store.counts()[1]
                progress.write_text(json.dumps({"seed": seed, "next_article": next_article,
                                                "chroma_url": chroma_url}))
                per_article = max(1.0, passages / max(1, next_article))
            ingest_s = time.perf_counter() - t0
            total_ingest_s += ingest_s
            articles = store.counts()[0]
            row = {"passages": passages, "articles": articles,
                   "ingest_s": round(ingest_s, 1),
                   "ingest_passages_per_s": (round((passages - step_start) / ingest_s, 1)
                                             if passages > step_start else None),
                   "chroma_dir_mb": (round(dir_mb(chroma_path or s.chroma_dir), 1)
                                     if chroma_path or not chroma_url else None)}
            # The derived indexes: built from every passage once per process (start-up or
            # first use), then refreshed by article after each write (rag.store.changes).
            # Without snapshots (removed first): the full build, which then saves new ones.
            shutil.rmtree(data / "snapshots", ignore_errors=True)
            rss0 = rss_mb()
            fresh = PantauService(s, store, emb, Retriever(store, emb, s), ExtractiveAnswerer(s))
            for name, sync in (("bm25", fresh.retriever.lexical.follower.sync),
                               ("registry", fresh.registry.view),
                               ("timelines", fresh.timelines.view)):
                t = time.perf_counter()
                sync()
                row[f"rebuild_{name}_s"] = round(time.perf_counter() - t, 2)
            row["derived_indexes_rss_mb"] = round(rss_mb() - rss0)
            # The near-duplicate index a new process builds from the article records (the
            # ingesting store keeps its own, refreshed by every batch): seconds and bytes.
            near = NearDuplicates(store)
            t = time.perf_counter()
            near.follower.sync()
            row["rebuild_neardup_s"] = round(time.perf_counter() - t, 2)
            row["neardup_mb"] = round(near.size_bytes() / 2**20, 1)
            row["neardup_bytes_per_article"] = round(near.size_bytes() / max(1, len(near)))
            service = fresh
            # A new process on this store, as a restart or a deploy starts one: from the
            # snapshots the rebuild above saved, and (up to COLD_REBUILD_UP_TO) without them.
            for f in (fresh.retriever.lexical.follower, fresh.registry.follower,
                      fresh.timelines.follower, near.follower):
                f.wait_saved()
            row["snapshots_mb"] = round(dir_mb(data / "snapshots"), 1)
            row["cold_start"] = cold_start(data, chroma_url=chroma_url, collection=s.collection)
            if passages <= COLD_REBUILD_UP_TO:
                row["cold_start_without_snapshots"] = cold_start(
                    data, snapshots=False, chroma_url=chroma_url, collection=s.collection)
            # What the first request after a write pays: one new article, then each index
            # refreshes just that article. What it costs depends on the article (how busy
            # the subjects it mentions are), so several writes, one at a time.
            took = []
            for _ in range(REFRESH_WRITES):
                ingest_records(service, gen.articles(next_article, next_article + 1))
                next_article += 1
                progress.write_text(json.dumps({"seed": seed, "next_article": next_article,
                                                "chroma_url": chroma_url}))
                t = time.perf_counter()
                service.retriever.lexical.follower.sync()
                service.registry.view()
                service.timelines.view()
                took.append(time.perf_counter() - t)
            row["refresh_after_write_s"] = round(percentile(took, 50), 3)
            row["refresh_after_write_max_s"] = round(max(took), 3)
            row["refresh_writes"] = len(took)
            # Retrieval, indexes warm.
            service.retrieve(questions[0])
            row["load_average_1m"] = round(os.getloadavg()[0], 2)  # others on the machine
            row["retrieve"] = _stats(_timed(service.retrieve, questions))
            row["retrieve_second_pass"] = _stats(_timed(service.retrieve, questions))
            if real is not None:
                row["query_embedding"] = _stats(_timed(real.embed_query, questions))
            # /api/ask through a real server on loopback, sequential.
            app = create_app(s, service, with_ui=False)
            with _Server(app) as srv, httpx.Client(base_url=srv.url, timeout=120) as client:
                client.post("/api/ask", json={"question": questions[0]}).raise_for_status()
                codes = []

                def ask(q: str) -> None:
                    codes.append(client.post("/api/ask", json={"question": q}).status_code)

                row["api_ask"] = _stats(_timed(ask, questions))
                row["api_ask"]["errors"] = sum(c != 200 for c in codes)
            row["rss_mb"] = round(rss_mb())
            row["peak_rss_mb"] = round(peak_rss_mb())
            out["steps"].append(row)
            if report:
                report(row)
        if real is not None and real_passages > 0 and total_ingest_s > 0:
            got = store.passages.get(limit=real_passages, include=["documents"])
            texts = got["documents"]
            t = time.perf_counter()
            real.embed_documents(texts)
            raw = len(texts) / (time.perf_counter() - t)
            last = out["steps"][-1]
            synth_rate = last["passages"] / total_ingest_s
            out["real_model"] = {
                "name": getattr(real, "name", "?"), "passages_embedded": len(texts),
                "raw_encoder_passages_per_s": round(raw, 2),
                "projected_pipeline_passages_per_s": round(1 / (1 / synth_rate + 1 / raw), 2),
                "projected_hours_for_last_step": round(last["passages"] / (
                    1 / (1 / synth_rate + 1 / raw)) / 3600, 2),
            }
        out["peak_rss_mb"] = round(peak_rss_mb())
    return out
