"""`pantau bench load`: statistics, error counting, loopback-only, against fake and tiny real
servers (no model)."""
import math

import httpx
import pytest

from bench.load import LoadResult, NotLoopback, check_loopback, load_questions, percentile, run_load


def test_percentile():
    assert math.isnan(percentile([], 50))
    assert percentile([5], 99) == 5
    xs = list(range(1, 101))  # 1..100
    assert percentile(xs, 50) == pytest.approx(50.5)
    assert percentile(xs, 95) == pytest.approx(95.05)
    assert percentile(xs, 100) == 100 and percentile(xs, 0) == 1
    assert percentile([3, 1, 2], 50) == 2  # unsorted input


@pytest.mark.parametrize("url", ["http://127.0.0.1:7860", "http://localhost:1/",
                                 "http://[::1]:8000", "https://127.9.9.9"])
def test_loopback_accepted(url):
    assert check_loopback(url) == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://10.0.0.5:7860", "http://example.com", "ftp://127.0.0.1",
                                 "http://192.168.1.2", "http://localhost.example.com", "127.0.0.1"])
def test_non_loopback_refused(url):
    with pytest.raises(NotLoopback):
        check_loopback(url)


def test_run_load_refuses_before_sending_anything():
    sent = []
    transport = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200))
    with pytest.raises(NotLoopback, match="loopback"):
        run_load("http://203.0.113.9:80", ["q"], clients=2, seconds=0.2, transport=transport)
    assert not sent


def test_errors_counted_by_kind_with_a_fake_transport():
    n = {"i": 0}
    asked = []

    def handler(request):
        n["i"] += 1
        asked.append(request.read())
        if n["i"] % 5 == 0:
            raise httpx.ConnectError("refused", request=request)
        if n["i"] % 5 == 1:
            return httpx.Response(503, json={"error": "busy"})
        return httpx.Response(200, json={"answer": "x"})

    res = run_load("http://127.0.0.1:9", ["a", "b", "c"], clients=4, seconds=0.3,
                   transport=httpx.MockTransport(handler))
    s = res.summary()
    assert s["requests"] == n["i"] == len(res.latencies) + s["errors"]
    assert set(s["errors_by_kind"]) <= {"HTTP 503", "ConnectError"}
    assert s["errors_by_kind"]["HTTP 503"] >= 1
    assert s["ok"] == len(res.latencies) > 0
    assert s["requests_per_s"] > 0 and s["p50_ms"] <= s["p95_ms"] <= s["p99_ms"] <= s["max_ms"]
    assert {b'{"question":"a"}', b'{"question":"b"}'} <= set(asked)  # questions cycled


def test_think_time_paces_each_client():
    """With --think, a client asks at most once per pause (plus the first question); with
    none, it asks as fast as the server answers."""
    seen = []

    def handler(request):
        seen.append(request.read())
        return httpx.Response(200, json={"answer": "x"})

    paced = run_load("http://127.0.0.1:9", ["a"], clients=2, seconds=0.5, think=0.3,
                     transport=httpx.MockTransport(handler)).summary()
    assert 2 <= paced["requests"] <= 2 * (0.5 / 0.3 + 1)
    eager = run_load("http://127.0.0.1:9", ["a"], clients=2, seconds=0.5,
                     transport=httpx.MockTransport(handler)).summary()
    assert eager["requests"] > 10 * paced["requests"]
    with pytest.raises(ValueError, match="think"):
        run_load("http://127.0.0.1:9", ["a"], clients=1, seconds=0.1, think=-1)


def test_summary_of_a_known_result():
    r = LoadResult(clients=2, seconds=2.0, latencies=[0.1] * 9 + [1.0])
    r.errors["HTTP 500"] += 2
    s = r.summary()
    assert s["requests"] == 12 and s["requests_per_s"] == 6.0 and s["errors"] == 2
    assert s["p50_ms"] == 100.0 and s["max_ms"] == 1000.0


def test_against_a_tiny_real_server():
    from fastapi import FastAPI, HTTPException
    from pydantic import BaseModel

    from bench.scale import _Server

    class Q(BaseModel):
        question: str

    app = FastAPI()

    @app.post("/api/ask")
    def ask(q: Q) -> dict:
        if q.question == "bad":
            raise HTTPException(500)
        return {"answer": q.question}

    with _Server(app) as srv:
        res = run_load(srv.url, ["ok", "ok", "bad"], clients=3, seconds=0.5)
    s = res.summary()
    assert s["ok"] > 0 and s["errors_by_kind"].keys() == {"HTTP 500"}
    assert s["requests"] == s["ok"] + s["errors"]


def test_load_questions(tmp_path):
    f = tmp_path / "q.jsonl"
    f.write_text('{"question": "satu"}\n\n{"id": 2, "question": "dua"}\n')
    assert load_questions(f) == ["satu", "dua"]
    f.write_text("plain one\nplain two\n")
    assert load_questions(f) == ["plain one", "plain two"]
    f.write_text("\n")
    with pytest.raises(ValueError):
        load_questions(f)


def test_cli_refuses_non_loopback(capsys):
    from cli import main

    assert main(["bench", "load", "--url", "http://10.1.2.3:7860", "--seconds", "1"]) == 2
    assert "loopback" in capsys.readouterr().err


def test_cli_refuses_workers_without_a_chroma_server(tmp_path, monkeypatch, capsys):
    from cli import main

    monkeypatch.setenv("PANTAU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PANTAU_CHROMA_URL", "")
    assert main(["bench", "load", "--workers", "2", "--seconds", "1"]) == 2
    assert "needs a Chroma server (PANTAU_CHROMA_URL)" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()  # refused before starting anything


def test_cli_says_when_nothing_answers(capsys):
    from conftest import free_port

    from cli import main

    url = f"http://127.0.0.1:{free_port()}"
    assert main(["bench", "load", "--url", url, "--seconds", "1"]) == 2
    assert f"no server answers at {url}" in capsys.readouterr().err


@pytest.mark.integration
def test_own_server_with_workers_on_a_chroma_server(tmp_path, chroma_url):
    """`pantau bench load --workers 2` with PANTAU_CHROMA_URL: it starts its own two-worker
    server on collections of its own, loads it, and drops those collections at the end."""
    import chromadb

    from bench.load import run
    from conftest import REPO, make_settings

    def names() -> set[str]:
        host, port = chroma_url.rsplit("//", 1)[1].rsplit(":", 1)
        return {c.name for c in chromadb.HttpClient(host=host, port=int(port)).list_collections()}

    before = names()
    r = run(make_settings(tmp_path, chroma_url=chroma_url), clients=4, seconds=2,
            questions_file=REPO / "data" / "eval" / "qa.jsonl", workers=2)
    print(f"\n{r}")
    assert r["ok"] > 0 and r["errors"] == 0, r
    assert r["server"]["workers"] == 2 and r["server"]["processes"] >= 3  # parent + 2 workers
    assert names() == before  # nothing left behind on the shared server
