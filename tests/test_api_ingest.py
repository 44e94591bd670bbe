"""Ingest endpoints: mixed JSON bodies and multipart uploads (in-process, fake embedder)."""
import shutil

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


def test_an_upload_over_the_request_limit_stops_while_it_arrives(tmp_path):
    c, s = _client(tmp_path, max_upload_bytes=10_000)
    files = [("files", (f"{i}.txt", b"x" * 4_000)) for i in range(4)]
    r = c.post("/api/ingest/files", files=files)
    assert r.status_code == 413 and "10000" in r.json()["detail"].replace(",", "")
    assert not (s.data_dir / "uploads").exists() or not list((s.data_dir / "uploads").iterdir())
    # Under the limit the same request goes through.
    c2, _ = _client(tmp_path / "b", max_upload_bytes=100_000)
    assert c2.post("/api/ingest/files", files=files).status_code == 200


def test_an_upload_folder_that_cannot_be_written_is_503_naming_it(tmp_path):
    c, s = _client(tmp_path)
    body = (FIXTURES / "002_tiktok-kembali.txt").read_bytes()
    assert c.post("/api/ingest/files", files=[("files", ("a.txt", body))]).json()["added"] == 1
    before = c.get("/api/articles").json()
    shutil.rmtree(s.data_dir / "uploads")
    (s.data_dir / "uploads").write_text("not a folder")  # fails for root too, unlike chmod
    r = c.post("/api/ingest/files", files=[("files", ("b.txt", body + b" more"))])
    assert r.status_code == 503 and r.json()["error"] == "unavailable", r.text
    assert str(s.data_dir / "uploads") in r.json()["detail"] and "b.txt" in r.json()["detail"]
    assert c.get("/api/articles").json() == before


def test_ingest_body_needs_something(tmp_path):
    c, _ = _client(tmp_path)
    r = c.post("/api/ingest", json={})
    assert r.status_code == 422 and "articles" in r.text
    r = c.post("/api/ingest", json={"urls": ["ftp://example.org/x"], "articles": [{"text": "Satu kalimat tentang pasar daring di Jakarta."}]})
    rep = r.json()
    assert rep["added"] == 1 and rep["failed"][0]["source"] == "ftp://example.org/x"
