"""The API's error contract, in-process with the fake embedder: one JSON shape for /api
(`error`, `detail`, and `field` + `errors` on 422), OpenAI's shape on /v1, 401 for reads
when PANTAU_API_KEY_READS is on, 413 over PANTAU_MAX_REQUEST_BYTES, configurable CORS."""
import pytest
from fastapi.testclient import TestClient

from app import create_app
from conftest import make_settings

KEY = "s3cret"
DOC = {"articles": [{"text": "TikTok Shop tutup pada 4 Oktober 2023.", "url": "https://x.example/a"}]}


def _client(tmp_path, **kw):
    return TestClient(create_app(make_settings(tmp_path, **kw), with_ui=False))


@pytest.fixture
def client(tmp_path):
    return _client(tmp_path)


@pytest.mark.parametrize("body, field, words", [
    ({"question": ""}, "question", "at least 1 character"),
    ({"question": "x", "top_k": 0}, "top_k", "greater than or equal to 1"),
    ({"question": "x", "top_k": "lima"}, "top_k", "valid integer"),
    ({"question": "x", "filters": {"since": "kemarin"}}, "filters.since", "valid date"),
    ({"question": "x", "filters": {"outlets": "Kompas"}}, "filters.outlets", "valid list"),
    ({"question": "x", "history": [{"role": "bot", "content": "hi"}]}, "history.0.role",
     "pattern"),
    ({}, "question", "Field required"),
])
def test_422_names_the_field(client, body, field, words):
    r = client.post("/api/ask", json=body)
    assert r.status_code == 422
    e = r.json()
    assert e["error"] == "invalid_request" and e["field"] == field, e
    assert isinstance(e["detail"], str) and e["detail"].startswith(f"{field}: ") and words in e["detail"]
    assert e["errors"][0]["field"] == field and words in e["errors"][0]["message"]


def test_422_lists_every_invalid_field_once(client):
    r = client.post("/api/retrieve", json={"question": "", "top_k": 99,
                                           "filters": {"since": "kemarin", "until": "besok"}})
    e = r.json()
    assert r.status_code == 422
    assert [x["field"] for x in e["errors"]] == ["question", "top_k", "filters.since",
                                                 "filters.until"]
    assert e["field"] == "question"


def test_422_for_broken_json_and_query_parameters(client):
    r = client.post("/api/ask", content=b'{"question": ', headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "body" and "invalid JSON" in r.json()["detail"]
    r = client.get("/api/updates", params={"since": "last week"})
    assert r.status_code == 422 and r.json()["field"] == "since"
    r = client.get("/api/timeline", params={"entity": "tiktok-shop", "regulation": "pp-80-2019"})
    assert r.status_code == 422 and r.json()["field"] == "entity" and "exactly one" in r.json()["detail"]
    r = client.post("/api/ingest", json={})
    assert r.status_code == 422 and r.json()["field"] == "body" and "'articles'" in r.json()["detail"]
    r = client.post("/api/ingest/files", files=[("files", ("x.exe", b"MZ"))])
    assert r.status_code == 422 and r.json()["field"] == "files"


def test_404_shape(client):
    for path in ("/api/articles/nope", "/api/regulations/uu-99-2099", "/api/no-such-route"):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["error"] == "not_found", path
        assert "field" not in r.json() and isinstance(r.json()["detail"], str)
    assert "'nope'" in client.get("/api/articles/nope").json()["detail"]


def test_reads_open_by_default_even_with_a_key(tmp_path):
    c = _client(tmp_path, api_key=KEY)
    assert c.post("/api/ask", json={"question": "Kapan TikTok Shop tutup?"}).status_code == 200
    assert c.get("/api/articles").status_code == 200
    assert c.get("/v1/models").status_code == 200
    r = c.post("/api/ingest", json=DOC)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer" and "X-API-Key" in r.json()["detail"]


def test_reads_need_the_key_when_protected(tmp_path):
    c = _client(tmp_path, api_key=KEY, api_key_reads=True)
    reads = [("POST", "/api/ask", {"question": "x"}), ("POST", "/api/ask/stream", {"question": "x"}),
             ("POST", "/api/retrieve", {"question": "x"}), ("GET", "/api/articles", None),
             ("GET", "/api/regulations", None), ("GET", "/api/timeline?entity=tiktok-shop", None),
             ("GET", "/api/updates?since=2023-01-01", None),
             ("GET", "/api/impact?regulation=permendag-31-2023", None)]
    for method, path, body in reads:
        r = c.request(method, path, json=body)
        assert r.status_code == 401 and r.json() == {
            "error": "unauthorized",
            "detail": "no API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"}, path
        wrong = c.request(method, path, json=body, headers={"X-API-Key": "nope"})
        assert wrong.status_code == 401 and wrong.json()["detail"] == "wrong API key", path
        ok = c.request(method, path, json=body, headers={"Authorization": f"Bearer {KEY}"})
        assert ok.status_code in (200, 404), (path, ok.text)  # 404: nothing ingested yet
    assert c.get("/health").status_code == 200
    r = c.get("/v1/models")
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
    assert c.get("/v1/models", headers={"Authorization": f"Bearer {KEY}"}).json()["data"][0]["id"] == "pantau"


def test_reads_flag_without_a_key_changes_nothing(tmp_path):
    c = _client(tmp_path, api_key_reads=True)
    assert c.get("/api/articles").status_code == 200
    assert c.post("/api/ingest", json=DOC).status_code == 200


def test_oversized_json_body_is_413(tmp_path):
    c = _client(tmp_path, max_request_bytes=1000)
    small = c.post("/api/ask", json={"question": "Kapan TikTok Shop tutup?"})
    assert small.status_code == 200
    r = c.post("/api/ingest", json={"articles": [{"text": "kata " * 500}]})
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    assert "1000 bytes" in r.json()["detail"]
    assert c.get("/api/articles").json()["total"] == 0  # nothing was ingested
    # No Content-Length (chunked): the bytes are counted as they arrive.
    chunked = c.post("/api/ask", content=iter([b'{"question": "', b"x" * 2000, b'"}']),
                     headers={"content-type": "application/json"})
    assert "content-length" not in chunked.request.headers
    assert chunked.status_code == 413 and chunked.json()["error"] == "too_large"
    r = c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "x" * 2000}]})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


def test_uploads_keep_their_per_file_limit(tmp_path):
    # A multipart upload is not held to the JSON body limit, only to the per-file one.
    c = _client(tmp_path, max_request_bytes=1000, max_file_bytes=100_000)
    text = "TikTok Shop menghentikan layanan transaksi pada 4 Oktober 2023. " * 40
    r = c.post("/api/ingest/files", files=[("files", ("a.txt", text.encode()))])
    assert r.status_code == 200 and r.json()["added"] == 1


def test_cors_off_by_default(client):
    r = client.options("/api/ask", headers={"Origin": "https://app.example",
                                            "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers
    r = client.get("/api/articles", headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in r.headers


def test_cors_allows_configured_origins_only(tmp_path):
    c = _client(tmp_path, cors_origins="https://app.example, http://localhost:3000",
                api_key=KEY, api_key_reads=True)
    pre = c.options("/v1/chat/completions", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-api-key"})
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "https://app.example"
    allowed = {h.strip().lower() for h in pre.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "x-api-key"} <= allowed
    r = c.get("/api/articles", headers={"Origin": "http://localhost:3000", "X-API-Key": KEY})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://localhost:3000"
    # Errors carry the header too, so a browser client can read why it failed.
    r = c.get("/api/articles", headers={"Origin": "https://app.example"})
    assert r.status_code == 401 and r.headers["access-control-allow-origin"] == "https://app.example"
    bad = c.options("/api/ask", headers={"Origin": "https://evil.example",
                                         "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in bad.headers
    r = c.get("/api/articles", headers={"Origin": "https://evil.example", "X-API-Key": KEY})
    assert "access-control-allow-origin" not in r.headers


def test_store_down_is_503_with_the_shape(tmp_path):
    from rag.store.store import StoreUnavailable

    app = create_app(make_settings(tmp_path), with_ui=False)

    def down(*_a, **_k):
        raise StoreUnavailable("Chroma at http://127.0.0.1:9 is not reachable")

    app.state.service.articles = down
    app.state.service.ask_stream = down
    c = TestClient(app)
    r = c.get("/api/articles")
    assert r.status_code == 503 and r.json() == {
        "error": "store_unavailable", "detail": "Chroma at http://127.0.0.1:9 is not reachable"}
    # Failing before the first event, the stream fails as an ordinary request.
    r = c.post("/api/ask/stream", json={"question": "x"})
    assert r.status_code == 503 and r.json()["error"] == "store_unavailable"


def test_stream_failing_midway_ends_with_an_error_event(tmp_path):
    app = create_app(make_settings(tmp_path), with_ui=False)

    def half(*_a, **_k):
        yield "TikTok Shop tutup [1] "
        raise RuntimeError("boom")

    app.state.service.ask_stream = half
    r = TestClient(app).post("/api/ask/stream", json={"question": "x"})
    assert r.status_code == 200
    assert r.text.splitlines()[:2] == ["event: delta", 'data: {"text": "TikTok Shop tutup [1] "}']
    assert 'event: error\ndata: {"error": "internal_error", "detail": "internal error (RuntimeError)"}' in r.text
    assert "event: done" not in r.text
