"""URLs and feeds through the real entry points: `pantau ingest` and POST /api/ingest,
against the local test server (loopback allowed explicitly)."""
import json
import os
import subprocess
import sys

from fastapi.testclient import TestClient

from app import create_app
from conftest import REPO, make_settings
from test_web import no_proxy, web_server  # noqa: F401  (fixtures by name)


def test_cli_mixes_urls_feeds_and_files(web_server, tmp_path, news_dir):
    env = {**os.environ, "PANTAU_DATA_DIR": str(tmp_path / "d"), "PANTAU_EMBEDDING_MODEL": "fake",
           "PANTAU_FETCH_ALLOW_PRIVATE": "true"}
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env.pop(k, None)
    cmd = [sys.executable, "-m", "cli", "ingest", "--json", f"{web_server.base}/kppu-denda.html",
           "--feed", f"{web_server.base}/atom.xml", str(news_dir / "001_tiktok-shop-berhenti.txt"),
           f"{web_server.base}/does-not-exist.html"]
    r = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    report = json.loads(r.stdout)
    assert r.returncode == 1  # the 404 failed; everything else went in
    assert [f["source"] for f in report["failed"]] == [f"{web_server.base}/does-not-exist.html"]
    assert "404" in report["failed"][0]["error"]
    sources = {a["source"] for a in report["articles"]}
    assert f"{web_server.base}/kppu-denda.html" in sources
    assert f"{web_server.base}/atom.xml" in sources
    assert report["added"] >= 3


def test_loopback_urls_are_refused_by_default(web_server, tmp_path):
    c = TestClient(create_app(make_settings(tmp_path), with_ui=False))
    rep = c.post("/api/ingest", json={"urls": [f"{web_server.base}/kppu-denda.html"],
                                      "feeds": [f"{web_server.base}/atom.xml"]}).json()
    assert rep["added"] == 0 and len(rep["failed"]) == 2
    assert all("loopback" in f["error"] for f in rep["failed"])


def test_api_urls_and_feeds_when_allowed(web_server, tmp_path):
    c = TestClient(create_app(make_settings(tmp_path, fetch_allow_private=True), with_ui=False))
    body = {"urls": [f"{web_server.base}/tiktok-kembali.html"],
            "feeds": [f"{web_server.base}/rss-full.xml"]}
    first = c.post("/api/ingest", json=body).json()
    assert first["added"] >= 2 and not first["failed"]
    again = c.post("/api/ingest", json=body).json()
    assert again["added"] == 0 and again["unchanged"] == first["added"] + first["duplicates"]
