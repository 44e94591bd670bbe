"""Pantau's composition root: ``create_app(settings)`` builds the service, the HTTP API and
the web UI in one FastAPI app. ``python app.py`` serves it.

Routes are thin: parse the request, make one service call, return its result.
"""
from __future__ import annotations

import json
import logging
import os
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, UploadFile
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, model_validator

from api.errors import BodyLimit, FieldError, install_error_handlers
from api.openai_compat import openai_router
from api.ratelimit import RateLimit
from api.security import require_key
from api.sse import primed, sse_events
from api.workers import serve_forked
from rag.config import Settings, prepare_process
from rag.service import PantauService
from rag.store.store import StoreUnavailable
from rag.tracking.impact import Impact
from rag.tracking.timeline import Timeline, TimelineEvent
from rag.tracking.updates import Updates
from rag.tracking.registry import RegulationRecord
from rag.types import Answer, Article, ArticleInfo, Filters, RetrievedPassage

log = logging.getLogger("pantau.app")


class Turn(BaseModel):
    role: str = Field(pattern="^(user|assistant|system)$")
    content: str = Field(max_length=20_000)


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    top_k: int | None = Field(None, ge=1, le=50)
    filters: Filters | None = None
    history: list[Turn] = Field(default_factory=list, max_length=50,
                                description="Earlier turns, for follow-up questions.")


class RetrieveResponse(BaseModel):
    passages: list[RetrievedPassage]


class IngestRequest(BaseModel):
    """Any mix of exported articles, web page URLs and RSS/Atom feed URLs."""

    articles: list[Any] = Field(default_factory=list, max_length=10_000)
    urls: list[str] = Field(default_factory=list, max_length=1_000)
    feeds: list[str] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _not_empty(self) -> "IngestRequest":
        if not (self.articles or self.urls or self.feeds):
            raise ValueError("give at least one of 'articles', 'urls' or 'feeds'")
        return self


class RegulationsResponse(BaseModel):
    regulations: list[RegulationRecord]


class RegulationDetail(RegulationRecord):
    passages: list[RetrievedPassage]
    timeline: list[TimelineEvent]


class ArticlesResponse(BaseModel):
    articles: list[ArticleInfo]
    total: int


def bootstrap(service: PantauService) -> dict | None:
    """First start: build the embedding model if missing, ingest the sample corpus into an
    empty store. Returns the ingest report (as a dict) when the sample was ingested."""
    from ingest.pipeline import ingest_paths

    ensure = getattr(service.embedder, "ensure_built", None)
    if ensure:
        ensure()
    s = service.settings
    articles, _ = service.store.counts()
    if articles or not s.ingest_sample_on_start or not Path(s.sample_dir).is_dir():
        return None
    log.info("empty store: ingesting the sample corpus from %s", s.sample_dir)
    return ingest_paths(service, [s.sample_dir]).to_dict()


def create_app(settings: Settings | None = None, service: PantauService | None = None,
               with_ui: bool = True) -> FastAPI:
    """The FastAPI app (API at /api, OpenAI-compatible API at /v1, OpenAPI at /docs,
    health at /health, UI at /)."""
    prepare_process()
    settings = settings or (service.settings if service else Settings())
    service = service or PantauService.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield  # serving; then, stopping: the snapshots being written finish
        _finish_saves(service)

    app = FastAPI(title="Pantau", version="0.1.0", lifespan=lifespan,
                  description="Cited, dated answers about regulation from the news you follow.")
    app.state.service = service
    writes = [Depends(require_key(settings))]
    reads = [Depends(require_key(settings, reads=True))]
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes,
                       max_upload_bytes=settings.max_upload_bytes)
    if settings.rate_limit_rule:  # outside the body limit, inside CORS (a 429 carries CORS)
        app.add_middleware(RateLimit, rule=settings.rate_limit_rule, label=settings.rate_limit,
                           trust_proxy=settings.trust_proxy)
    if settings.cors_origins:  # added last: outermost, so error responses carry it too
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
                           allow_headers=["Authorization", "X-API-Key", "Content-Type"])
    app.include_router(openai_router(service, settings))

    @app.get("/health")
    def health() -> dict:
        return service.health()

    @app.post("/api/ask", response_model=Answer, dependencies=reads)
    def ask(req: AskRequest) -> Answer:
        return service.ask(req.question, req.top_k, req.filters,
                           [t.model_dump() for t in req.history])

    @app.post("/api/ask/stream", dependencies=reads)
    def ask_stream(req: AskRequest) -> StreamingResponse:
        """Server-sent events: `delta` events with text, then one `answer` event with the
        full Answer (citations included), then `done` (`error` instead if it fails midway)."""
        items = service.ask_stream(req.question, req.top_k, req.filters,
                                   [t.model_dump() for t in req.history])
        return StreamingResponse(sse_events(primed(items)), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    @app.post("/api/retrieve", response_model=RetrieveResponse, dependencies=reads)
    def retrieve(req: AskRequest) -> RetrieveResponse:
        return RetrieveResponse(passages=service.retrieve(
            req.question, req.top_k, req.filters, [t.model_dump() for t in req.history]))

    @app.post("/api/ingest", dependencies=writes)
    def ingest(req: IngestRequest) -> dict:
        from ingest.pipeline import ingest

        return ingest(service, urls=req.urls, feeds=req.feeds, records=req.articles).to_dict()

    @app.post("/api/ingest/files", dependencies=writes)
    def ingest_files(files: list[UploadFile]) -> dict:
        from ingest.pipeline import ingest
        from ingest.uploads import UploadNotSaved, UploadTooLarge, save_upload

        saved = []
        try:
            for f in files:
                saved.append(save_upload(f.file, f.filename or "", settings.data_dir / "uploads",
                                         settings.max_file_bytes))
        except UploadTooLarge as exc:
            raise HTTPException(status_code=413, detail=str(exc)) from exc
        except UploadNotSaved as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from exc
        except ValueError as exc:
            raise FieldError("files", str(exc)) from exc
        return ingest(service, paths=saved).to_dict()

    @app.get("/api/regulations", response_model=RegulationsResponse, dependencies=reads)
    def regulations() -> RegulationsResponse:
        return RegulationsResponse(regulations=service.regulations())

    @app.get("/api/regulations/{reg_id}", response_model=RegulationDetail, dependencies=reads)
    def regulation(reg_id: str) -> RegulationDetail:
        found = service.regulation(reg_id)
        if found is None:
            raise HTTPException(status_code=404, detail=f"no regulation {reg_id!r} is cited")
        rec, passages = found
        tl = service.timeline(rec.id)
        return RegulationDetail(**rec.model_dump(), passages=passages,
                                timeline=tl.events if tl else [])

    @app.get("/api/impact", response_model=Impact, dependencies=reads)
    def impact(regulation: str) -> Impact:
        found = service.impact(regulation)
        if found is None:
            raise HTTPException(status_code=404, detail=f"no regulation {regulation!r} is cited")
        return found

    @app.get("/api/updates", response_model=Updates, dependencies=reads)
    def updates(since: date, entity: str | None = None,
                regulation: str | None = None) -> Updates:
        if entity and regulation:
            raise FieldError("regulation", "give at most one of 'entity' or 'regulation'")
        return service.updates(since.isoformat(), entity or regulation)

    @app.get("/api/timeline", response_model=Timeline, dependencies=reads)
    def timeline(entity: str | None = None, regulation: str | None = None,
                 until: date | None = None) -> Timeline:
        subject = entity or regulation
        if not subject or (entity and regulation):
            raise FieldError("entity", "give exactly one of 'entity' or 'regulation'")
        found = service.timeline(subject, until.isoformat() if until else None)
        if found is None:
            raise HTTPException(status_code=404, detail=f"{subject!r} is neither a tracked "
                                                        "entity nor a cited regulation")
        return found

    @app.get("/api/articles", response_model=ArticlesResponse, dependencies=reads)
    def articles() -> ArticlesResponse:
        items = service.articles()
        return ArticlesResponse(articles=items, total=len(items))

    @app.get("/api/articles/{article_id}", response_model=Article, dependencies=reads)
    def get_article(article_id: str) -> Article:
        article = service.article(article_id)
        if article is None:
            raise HTTPException(status_code=404, detail=f"no article with id {article_id!r}")
        return article

    @app.delete("/api/articles/{article_id}", dependencies=writes)
    def delete_article(article_id: str) -> dict:
        if not service.delete(article_id):
            raise HTTPException(status_code=404, detail=f"no article with id {article_id!r}")
        return {"deleted": article_id}

    if with_ui:
        import gradio as gr

        from ui import build_ui, theme
        from ui.render import CSS

        # With reads protected the page is too: Gradio's sign-in, the API key as password.
        guarded = bool(settings.api_key and settings.api_key_reads)
        app = gr.mount_gradio_app(
            app, build_ui(service), path="/", css=CSS, theme=theme(), ssr_mode=False,
            footer_links=["api"],
            max_file_size=settings.max_file_bytes,
            auth=ui_sign_in(settings.api_key) if guarded else None,
            auth_message="Pantau: any user name, the API key as password." if guarded else None)
    return app


def ui_sign_in(key: str):
    """Gradio's sign-in check: any user name, the API key as password."""
    import secrets

    return lambda _user, password: secrets.compare_digest(
        (password or "").encode(), key.encode())


def settings_env(settings: Settings) -> dict[str, str]:
    """``settings`` as PANTAU_* environment variables, so processes started from this one
    (uvicorn workers) build the same Settings; None fields are left out."""
    out = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, dict)):
            value = json.dumps(value)
        out[f"PANTAU_{name.upper()}"] = str(value)
    return out


def check_workers(workers: int, settings: Settings) -> None:
    """ValueError unless ``workers`` processes may serve this configuration."""
    if workers < 1:
        raise ValueError(f"--workers must be at least 1, got {workers}")
    if workers > 1 and not settings.chroma_url:
        raise ValueError(
            f"--workers {workers} needs a Chroma server (PANTAU_CHROMA_URL): the embedded "
            f"store under {settings.chroma_dir} is single-process (each process would keep "
            "its own copy of the vector index and writes from one would not reach, or could "
            "corrupt, the others). Start one with `chroma run --path DIR --host 127.0.0.1 "
            "--port 8000` and set PANTAU_CHROMA_URL=http://127.0.0.1:8000, or serve with "
            "one worker.")


def app_factory() -> FastAPI:
    """The app of one worker of ``pantau serve --workers N`` (or ``uvicorn --factory
    app:app_factory``): Settings from the environment, API only (the Gradio UI keeps its
    queue in one process, so it needs a single worker), embedding model loaded before the
    worker takes requests. Does not bootstrap: the parent did, once."""
    settings = Settings()
    app = create_app(settings, with_ui=False)
    _warm(app.state.service)
    return app


def _warm(service: PantauService) -> None:
    """Load the model and build the derived indexes before taking requests; a store that
    cannot be read now is not fatal (requests answer 503 until it can)."""
    try:
        log.info("warm: %s (seconds)", service.warm())
    except StoreUnavailable as exc:
        log.warning("warm-up skipped: %s", exc)


#: How long a stopping server waits for snapshots still being written (a million passages'
#: timelines take about 10 s to write; without the wait the next start rebuilds them).
SAVE_WAIT_S = 120.0


def _finish_saves(service: PantauService) -> None:
    """At shutdown: let the derived indexes' snapshots being written finish."""
    for name, follower in service.followers.items():
        follower.wait_saved(SAVE_WAIT_S)
        if follower.saving():
            log.warning("snapshot of %s still being written after %.0f s: left", name,
                        SAVE_WAIT_S)


def _log_bootstrap(report: dict | None) -> None:
    if report:
        log.info("sample corpus: %s added, %s duplicates, %s failed",
                 report["added"], report["duplicates"], len(report["failed"]))


def _bootstrap_process(settings: Settings) -> None:
    """``bootstrap`` in a process of its own (``serve`` with several workers)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("pantau").setLevel(logging.INFO)
    prepare_process()
    service = PantauService.from_settings(settings)
    _log_bootstrap(bootstrap(service))
    try:  # built once here (snapshots saved), then read once by the parent for every worker
        for follower in service.followers.values():
            follower.sync()
            follower.wait_saved()
    except StoreUnavailable as exc:
        log.warning("derived indexes not built before the workers start: %s", exc)


def _preload(settings: Settings) -> None:
    """Read the derived indexes' snapshots once, in the parent, for the forked workers to
    share (``rag.store.snapshots.preload``)."""
    from rag.memory import rss_mb
    from rag.store.snapshots import Snapshots, preload

    snaps = Snapshots.of(settings)
    if snaps is not None:
        before = rss_mb()
        names = preload(snaps.directory)
        log.info("snapshots read once for every worker: %s (+%.0f MB)",
                 ", ".join(names) or "none", rss_mb() - before)


def serve(settings: Settings | None = None, workers: int = 1) -> None:
    """Bootstrap and serve on settings.host:settings.port.

    With ``workers`` > 1 (which needs a Chroma server, see ``check_workers``) the bootstrap
    runs once, in a child process, and builds the derived indexes' snapshots; this process
    reads them once and forks that many worker processes of ``app_factory`` sharing the
    port and that memory (``api.workers``). They serve the API only."""
    import uvicorn

    prepare_process()
    settings = settings or Settings()
    check_workers(workers, settings)
    if workers > 1:
        # Bootstrap once, in a child process: the model it may load to ingest the sample
        # leaves with it instead of staying in the supervisor for good (about 1.3 GB).
        import multiprocessing

        child = multiprocessing.get_context("spawn").Process(target=_bootstrap_process,
                                                             args=(settings,))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"bootstrap failed (exit code {child.exitcode})")
        os.environ.update(settings_env(settings))
        print(f"Pantau serving the API on http://{settings.host}:{settings.port} with "
              f"{workers} workers (no web UI with several workers)", flush=True)
        code = serve_forked(app_factory, workers, settings.host, settings.port,
                            prepare=lambda: _preload(settings))
        if code:
            raise SystemExit(code)
        return
    service = PantauService.from_settings(settings)
    _log_bootstrap(bootstrap(service))
    _warm(service)
    app = create_app(settings, service)
    print(f"Pantau serving on http://{settings.host}:{settings.port}", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    serve()
