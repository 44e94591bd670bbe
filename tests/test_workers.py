"""`pantau serve --workers N`: validation, settings handed to the workers, the worker app,
and (integration) several workers over a Chroma server."""
import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from app import app_factory, check_workers, settings_env
from conftest import REPO, make_settings, start_server, unique_prefix
from rag.config import Settings


def test_check_workers(tmp_path):
    embedded = make_settings(tmp_path)
    check_workers(1, embedded)
    with pytest.raises(ValueError, match="at least 1"):
        check_workers(0, embedded)
    with pytest.raises(ValueError, match="PANTAU_CHROMA_URL") as err:
        check_workers(2, embedded)
    assert "single-process" in str(err.value) and "chroma run" in str(err.value)
    check_workers(4, make_settings(tmp_path, chroma_url="http://127.0.0.1:8000"))


def test_cli_refuses_workers_on_the_embedded_store(tmp_path):
    env = {**os.environ, "PANTAU_DATA_DIR": str(tmp_path / "data"), "PANTAU_CHROMA_URL": "",
           "PANTAU_EMBEDDING_MODEL": "fake"}
    r = subprocess.run([sys.executable, "-m", "cli", "serve", "--workers", "2"], cwd=REPO,
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "--workers 2 needs a Chroma server (PANTAU_CHROMA_URL)" in r.stderr
    assert not (tmp_path / "data" / "chroma").exists()  # refused before opening anything
    r = subprocess.run([sys.executable, "-m", "cli", "serve", "--workers", "0"], cwd=REPO,
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "at least 1" in r.stderr


def test_settings_round_trip_through_the_environment(tmp_path, monkeypatch):
    original = make_settings(tmp_path, cors_origins=["https://a.example", "https://b.example"],
                             api_key_reads=True, top_k=7, min_relevance=0.5,
                             chroma_url="http://127.0.0.1:9", passage_prompt="passage: ")
    for k in list(os.environ):
        if k.startswith("PANTAU_"):
            monkeypatch.delenv(k)
    env = settings_env(original)
    assert "PANTAU_QUERY_PROMPT" not in env  # None: left to the model's stored prompt
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert Settings(_env_file=None) == original


def test_app_factory_serves_the_api_without_ui(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    for k, v in settings_env(make_settings(tmp_path)).items():
        monkeypatch.setenv(k, v)
    app = app_factory()
    with TestClient(app) as client:
        assert client.get("/health").json()["embedding_model"] == "fake"
        assert client.post("/api/ask", json={"question": "apa kabar?"}).status_code == 200
        assert client.get("/").status_code == 404  # no Gradio UI in a worker


@pytest.mark.integration
def test_two_workers_over_a_chroma_server(tmp_path, chroma_url):
    srv = start_server(tmp_path, args=("--workers", "2"), PANTAU_EMBEDDING_MODEL="fake",
                       PANTAU_CHROMA_URL=chroma_url, PANTAU_COLLECTION=unique_prefix("w"),
                       PANTAU_MIN_RELEVANCE="0")
    try:
        health = httpx.get(srv.url + "/health").json()
        assert health["articles"] == 7  # the parent bootstrapped the sample corpus once
        assert httpx.get(srv.url + "/").status_code == 404  # no web UI with several workers
        for _ in range(10):  # a new connection each: the kernel spreads them over the workers
            r = httpx.post(srv.url + "/api/ask",
                           json={"question": "TikTok Shop Permendag 31/2023"}, timeout=60)
            assert r.status_code == 200 and r.json()["citations"]
        text = srv.log.read_text()
        assert text.count("Started server process") == 2, text[-3000:]
        assert text.count("empty store: ingesting") == 1, text[-3000:]  # once, in the parent
        # The derived indexes: built once (the bootstrap), read once by the parent, and
        # each worker starts from the parent's copy (api.workers: forked, memory shared).
        assert text.count("LexicalIndex rebuilt from") == 1, text[-3000:]
        assert "snapshots read once for every worker: lexical, nearduplicates, " \
               "regulationregistry, timelineindex" in text, text[-3000:]
        assert text.count("lexical loaded from its snapshot") == 2, text[-3000:]
        # A worker that dies is replaced; the API keeps answering.
        pids = [int(p) for p in re.findall(r"Started server process \[(\d+)\]", text)]
        os.kill(pids[0], signal.SIGKILL)
        deadline = time.time() + 60
        while srv.log.read_text().count("Started server process") < 3:
            assert time.time() < deadline, srv.log.read_text()[-3000:]
            time.sleep(0.2)
        assert f"worker {pids[0]} ended (exit code -9): starting another" in srv.log.read_text()
        for _ in range(4):
            r = httpx.post(srv.url + "/api/ask", json={"question": "TikTok Shop"}, timeout=60)
            assert r.status_code == 200
        pids = [int(p) for p in re.findall(r"Started server process \[(\d+)\]",
                                           srv.log.read_text())]
    finally:
        srv.stop()
    # Stopping the parent stops every worker.
    assert srv.proc.returncode == 0
    for pid in pids[1:]:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
