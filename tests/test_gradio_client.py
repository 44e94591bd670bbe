"""The web UI's Gradio API through gradio_client: `/ask` against `pantau serve` (real model,
real Chroma, the fixture articles ingested by the server's bootstrap)."""
import pytest

from conftest import start_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory, real_model_dir):
    srv = start_server(tmp_path_factory.mktemp("gradio-client"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server.url + "/", verbose=False)


def test_api_lists_only_ask(client):
    info = client.view_api(print_info=False, return_format="dict")
    assert list(info["named_endpoints"]) == ["/ask"]
    assert not info.get("unnamed_endpoints")


def test_ask_returns_the_cited_answer(client):
    ans = client.predict("Kapan TikTok Shop menghentikan layanannya?", api_name="/ask")
    assert ans["found"] and ans["mode"] == "extractive" and ans["language"] == "id"
    assert ans["citations"] and "[1]" in ans["answer"]
    c = ans["citations"][0]
    assert {"marker", "passage_id", "article_id", "title", "outlet", "url", "published",
            "quote", "start", "end", "highlights"} <= set(c)
    assert ans["as_of"] and ans["as_of"] >= c["published"][:10]


def test_ask_with_filters_and_not_found(client):
    ans = client.predict("When did TikTok Shop stop serving transactions?", 0, "2025-01-01",
                         api_name="/ask")
    assert all((c["published"] or "")[:10] >= "2025-01-01" for c in ans["citations"])
    ans = client.predict("Siapa juara Piala Dunia 1998?", api_name="/ask")
    assert ans["found"] is False and ans["citations"] == [] and ans["closest"]


def test_ask_rejects_an_empty_question(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="question is empty"):
        client.predict("   ", api_name="/ask")
