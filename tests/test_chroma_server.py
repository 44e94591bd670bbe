"""Pantau on a real Chroma server (`chroma run`), the way PANTAU_CHROMA_URL deploys it.

- The store-level tests of test_pipeline.py and test_lexical.py run again here with the
  store on the server (fake embedder, fast).
- The HTTP API tests of test_api.py run again here against `pantau serve` whose store is on
  the server (real model; marker `integration`).
- Two app processes on one server: an article ingested through one is found lexically
  (BM25) through the other, and a deleted one disappears from both.

The server is PANTAU_TEST_CHROMA_URL when it is set (a server of your own); otherwise the
session starts `chroma run` on a free loopback port and stops it after (conftest's
``chroma_url``), so `make test` runs this module on a fresh machine too. Every test uses
collections of its own (a unique prefix), so one server serves them all.
"""
import inspect

import httpx
import pytest

import test_api as _api
import test_lexical as _lexical
import test_pipeline as _pipeline
from conftest import FIXTURES, make_settings, start_server, unique_prefix


# -- the store-level tests, on the server ---------------------------------------------------
STORE_FIXTURES = {"settings", "service", "client", "server"}


@pytest.fixture
def settings(tmp_path, chroma_url):
    """Overrides conftest's: the same settings, with the store on the Chroma server."""
    return make_settings(tmp_path, chroma_url=chroma_url, collection=unique_prefix())


def _reuse(module, *marks):
    """Collect ``module``'s tests that use the store here too (they then get this module's
    fixtures); the others would only run again unchanged."""
    for name in dir(module):
        fn = getattr(module, name)
        if name.startswith("test_") and callable(fn) and STORE_FIXTURES & set(
                inspect.signature(fn).parameters):
            for mark in marks:
                fn = mark(fn)
            globals()[name] = fn


_reuse(_pipeline)
_reuse(_lexical)


def test_store_is_really_on_the_server(service, chroma_url, tmp_path):
    import chromadb

    from ingest.pipeline import ingest_paths

    ingest_paths(service, [FIXTURES])
    assert service.store.location == chroma_url
    assert not (tmp_path / "data" / "chroma").exists(), "the embedded store was opened"
    host, port = chroma_url.rsplit("//", 1)[1].rsplit(":", 1)
    names = {c.name for c in chromadb.HttpClient(host=host, port=int(port)).list_collections()}
    prefix = service.settings.collection
    assert {f"{prefix}_passages", f"{prefix}_articles", f"{prefix}_meta"} <= names
    assert service.health()["articles"] == 7


# -- the HTTP API tests, against a server whose store is on the Chroma server --------------
@pytest.fixture(scope="module")
def server(tmp_path_factory, real_model_dir, chroma_url):
    """Overrides test_api's: `pantau serve` with PANTAU_CHROMA_URL, bootstrapping the
    fixtures into its own collections."""
    srv = start_server(tmp_path_factory.mktemp("api-server"), PANTAU_CHROMA_URL=chroma_url,
                       PANTAU_COLLECTION=unique_prefix("api"))
    yield srv
    srv.stop()


client = _api.client
_reuse(_api, pytest.mark.integration)


# -- two app processes, one Chroma server -----------------------------------------------------
# Dense retrieval alone must NOT find the probe article, or the test could not tell a stale
# BM25 index from a fresh one: the question is stop words (which the fake embedder hashes
# and BM25 ignores) plus one made-up word that only the probe article contains. The
# distractors are full of those stop words, so they fill the dense candidates.
PROBE_WORD = "zorblaxian"
QUESTION = f"yang dan di untuk dengan dari ini itu pada yang dan di {PROBE_WORD}"
TOP_K = 2  # the retriever fetches 3 * top_k = 6 dense candidates, fewer than the distractors


def _distractors(n: int = 12) -> list[dict]:
    stop = "yang dan di untuk dengan dari ini itu pada".split()
    out = []
    for i in range(n):
        # stop words interleaved with words of its own: no two distractors share a shingle
        text = " ".join(f"{stop[j % len(stop)]} topik{i}x{j}" for j in range(24))
        out.append({
            "title": f"Catatan pasar {i}", "url": f"https://contoh.example/catatan-{i}",
            "published": f"2024-01-{i + 1:02d}", "outlet": "Contoh", "language": "id",
            "text": f"{text}.",
        })
    return out


PROBE = {"title": "Koperasi nelayan Maluku", "url": "https://contoh.example/koperasi-nelayan",
         "published": "2024-02-01", "outlet": "Contoh", "language": "id",
         "text": (f"Koperasi nelayan Maluku memakai sandi {PROBE_WORD} sejak Januari. Anggota "
                  "koperasi menjual tangkapan tuna, cakalang, tongkol langsung kepada pembeli "
                  "besar tanpa tengkulak, sehingga harga jual naik dua puluh persen.")}


def _ids(resp: httpx.Response) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [p["article_id"] for p in resp.json()["passages"]]


@pytest.fixture
def two_servers(tmp_path, chroma_url):
    """Two `pantau serve` processes (fake embedder, nothing bootstrapped) on one prefix."""
    prefix = unique_prefix("two")
    servers = []
    try:
        for name in ("a", "b"):
            servers.append(start_server(
                tmp_path / name, PANTAU_EMBEDDING_MODEL="fake",
                PANTAU_INGEST_SAMPLE_ON_START="false", PANTAU_CHROMA_URL=chroma_url,
                PANTAU_COLLECTION=prefix))
        yield servers, prefix
    finally:
        for srv in servers:
            srv.stop()


@pytest.mark.integration
def test_two_processes_share_one_lexical_view(two_servers, chroma_url, tmp_path):
    (a, b), prefix = two_servers
    with httpx.Client(base_url=a.url, timeout=60) as ca, \
            httpx.Client(base_url=b.url, timeout=60) as cb:
        assert ca.post("/api/ingest", json={"articles": _distractors()}).json()["added"] == 12
        ask = {"question": QUESTION, "top_k": TOP_K}
        # B builds its BM25 index now, before the probe article exists.
        assert PROBE_WORD not in str(cb.post("/api/retrieve", json=ask).json())

        added = ca.post("/api/ingest", json={"articles": [PROBE]}).json()
        assert added["added"] == 1
        probe_id = added["articles"][0]["id"]

        # The test can tell: dense retrieval alone does not reach the probe article.
        from rag.retrieval.lexical import query_tokens
        from rag.service import PantauService

        mine = PantauService.from_settings(make_settings(
            tmp_path / "c", chroma_url=chroma_url, collection=prefix))
        vec = mine.embedder.embed_query(QUESTION)
        dense = [p.article_id for p in mine.store.query(vec, 3 * TOP_K)]
        assert probe_id not in dense, "dense retrieval finds the probe: the test proves nothing"

        # B's BM25 (built before the ingest) must have taken the write from the server's log.
        assert probe_id in _ids(cb.post("/api/retrieve", json=ask))
        # ... and so must a third process's own lexical index (this one).
        lex = mine.retriever.lexical.search(query_tokens([PROBE_WORD]), 5)
        assert [pid.split(":")[0] for pid, _ in lex] == [probe_id]

        assert ca.delete(f"/api/articles/{probe_id}").status_code == 200
        assert probe_id not in _ids(cb.post("/api/retrieve", json=ask))
        assert mine.retriever.lexical.search(query_tokens([PROBE_WORD]), 5) == []
        assert cb.get("/api/articles").json()["total"] == 12
        assert cb.delete(f"/api/articles/{probe_id}").status_code == 404


@pytest.mark.integration
def test_bench_scale_runs_with_its_store_on_a_chroma_server(tmp_path, chroma_url, real_model_dir):
    """`pantau bench scale --chroma-url`: the store on the server, the figures (RSS above
    all) the app's alone; a kept directory goes on only with the server it was built on."""
    import json

    from bench.scale import run
    from conftest import real_settings

    s = real_settings(tmp_path, collection=unique_prefix())
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps({"question": q}) for q in (
        "Kapan TikTok Shop berhenti beroperasi?", "What does Permendag 31/2023 ban?")))
    keep = tmp_path / "kept"
    out = run(s, [300], embedder="fake", questions_file=questions, keep=keep,
              chroma_url=chroma_url, real_passages=0)
    row = out["steps"][0]
    assert out["chroma"] == chroma_url and row["passages"] >= 300
    assert row["chroma_dir_mb"] is None  # the server's files are not this process's
    assert not (keep / "chroma").exists() and (keep / "snapshots").is_dir()
    assert row["cold_start"]["seconds"] > 0 and row["cold_start"]["snapshots_rebuilt"] == []
    assert row["api_ask"]["errors"] == 0 and row["retrieve"]["p50_ms"] > 0
    with pytest.raises(ValueError, match="embedded Chroma"):
        run(s, [300], embedder="fake", questions_file=questions, keep=keep, real_passages=0)
