"""Write endpoints need the API key when one is configured (in-process, fake embedder)."""
from fastapi.testclient import TestClient

from app import create_app
from conftest import make_settings

DOC = {"articles": [{"text": "TikTok Shop tutup pada 4 Oktober 2023.", "url": "https://x.example/a"}]}


def _client(tmp_path, **kw):
    return TestClient(create_app(make_settings(tmp_path, **kw), with_ui=False))


def test_writes_need_the_key_reads_do_not(tmp_path):
    c = _client(tmp_path, api_key="s3cret")
    assert c.post("/api/ingest", json=DOC).status_code == 401
    assert c.post("/api/ingest", json=DOC, headers={"X-API-Key": "wrong"}).status_code == 401
    r = c.post("/api/ingest", json=DOC, headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 200 and r.json()["added"] == 1
    (art,) = c.get("/api/articles").json()["articles"]
    assert c.delete(f"/api/articles/{art['id']}").status_code == 401
    assert c.delete(f"/api/articles/{art['id']}", headers={"X-API-Key": "s3cret"}).status_code == 200
    assert c.post("/api/ask", json={"question": "Kapan TikTok Shop tutup?"}).status_code == 200


def test_no_key_configured_means_open(tmp_path):
    c = _client(tmp_path)
    assert c.post("/api/ingest", json=DOC).status_code == 200


def test_protected_reads_put_the_web_ui_behind_a_sign_in(tmp_path):
    c = TestClient(create_app(make_settings(tmp_path, api_key="s3cret", api_key_reads=True)))
    assert c.get("/config").status_code == 401  # the page's app config needs a sign-in
    assert c.post("/login", data={"username": "anyone", "password": "wrong"}).status_code != 200
    assert c.post("/login", data={"username": "anyone", "password": "s3cret"}).status_code == 200
    assert c.get("/config").status_code == 200
    # without protected reads the page stays open
    open_ = TestClient(create_app(make_settings(tmp_path / "o", api_key="s3cret")))
    assert open_.get("/config").status_code == 200
