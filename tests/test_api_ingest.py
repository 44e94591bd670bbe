"""Ingest endpoints: mixed JSON bodies and multipart uploads (in-process, fake embedder)."""
from fastapi.testclient import TestClient

from app import create_app
from conftest import FIXTURES, make_settings


def _client(tmp_path, **kw):
    s = make_settings(tmp_path, **kw)
    return TestClient(create_app(s, with_ui=False)), s


def test_upload_files_then_again(tmp_path):
    c, s = _client(tmp_path)
    files = [("files", (p.name, p.read_bytes())) for p in sorted(FIXTURES.iterdir())
             if p.suffix in (".txt", ".html")]
    r = c.post("/api/ingest/files", files=files)
    assert r.status_code == 200 and r.json()["added"] == 3
    assert sorted(p.name for p in (s.data_dir / "uploads").iterdir()) == sorted(n for _, (n, _) in files)
    again = c.post("/api/ingest/files", files=files).json()
    assert (again["added"], again["unchanged"]) == (0, 3)


def test_upload_names_cannot_escape_the_upload_folder(tmp_path):
    c, s = _client(tmp_path)
    body = (FIXTURES / "002_tiktok-kembali.txt").read_bytes()
    for evil in ["../../escape.txt", "..\\..\\escape.txt", "/etc/escape.txt", "....//escape.txt"]:
        r = c.post("/api/ingest/files", files=[("files", (evil, body))])
        assert r.status_code == 200, r.text
    assert not (tmp_path / "escape.txt").exists() and not (s.data_dir / "escape.txt").exists()
    assert [p.name for p in (s.data_dir / "uploads").iterdir() if not p.name.startswith(".")] == ["escape.txt"]
    assert c.post("/api/ingest/files", files=[("files", ("..", body))]).status_code == 422
    assert c.post("/api/ingest/files", files=[("files", ("x.exe", body))]).status_code == 422


def test_upload_too_large_is_413(tmp_path):
    c, s = _client(tmp_path, max_file_bytes=100)
    r = c.post("/api/ingest/files", files=[("files", ("big.txt", b"x" * 500))])
    assert r.status_code == 413 and "limit" in r.json()["detail"]
    assert [p for p in (s.data_dir / "uploads").iterdir()] == []


def test_ingest_body_needs_something(tmp_path):
    c, _ = _client(tmp_path)
    r = c.post("/api/ingest", json={})
    assert r.status_code == 422 and "articles" in r.text
    r = c.post("/api/ingest", json={"urls": ["ftp://example.org/x"], "articles": [{"text": "Satu kalimat tentang pasar daring di Jakarta."}]})
    rep = r.json()
    assert rep["added"] == 1 and rep["failed"][0]["source"] == "ftp://example.org/x"
