"""The real `openai` package against `pantau serve` (real uvicorn, the real rebuilt model,
real Chroma, the fixture corpus bootstrapped) with PANTAU_API_KEY set and reads protected:
what an OpenAI client user meets."""
import re

import httpx
import openai
import pytest

from conftest import start_server

pytestmark = pytest.mark.integration

KEY = "live-s3cret"
Q_ID = "Kapan TikTok Shop menghentikan layanannya?"
Q_EN = "How much did TikTok pay for its Tokopedia stake?"


@pytest.fixture(scope="module")
def server(tmp_path_factory, real_model_dir):
    srv = start_server(tmp_path_factory.mktemp("v1"),
                       PANTAU_API_KEY=KEY, PANTAU_API_KEY_READS="true")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def oai(server):
    with openai.OpenAI(base_url=server.url + "/v1", api_key=KEY, timeout=120,
                       max_retries=0) as client:
        yield client


def _ask(oai, question, **kw):
    return oai.chat.completions.create(model="pantau", messages=[{"role": "user", "content": question}],
                                       **kw)


def _check_cited(server, content, citations, label):
    """Markers and citations match one to one; the sources list names each; every quote is
    the article's own text at its offsets."""
    body, sep, sources = content.partition(f"\n\n{label}:\n")
    assert sep, content
    used = {int(m) for m in re.findall(r"\[(\d+)\]", body)}
    assert used and used == {c["marker"] for c in citations}, (content, citations)
    assert [int(n) for n in re.findall(r"^\[(\d+)\] ", sources, flags=re.M)] == sorted(used)
    for c in citations:
        article = httpx.get(f"{server.url}/api/articles/{c['article_id']}", timeout=30,
                            headers={"Authorization": f"Bearer {KEY}"}).json()
        assert article["text"][c["start"]:c["end"]] == c["quote"]
        assert c["title"] in sources and c["published"][:10] in sources


def test_models_list(oai):
    assert [m.id for m in oai.models.list()] == ["pantau"]


def test_non_stream_answer_is_cited(server, oai):
    c = _ask(oai, Q_ID)
    content = c.choices[0].message.content
    assert re.search(r"4/10/2023|4 Oktober 2023", content), content
    assert c.citations, c.model_extra
    _check_cited(server, content, c.citations, "Sumber")
    assert c.pantau["found"] is True and c.pantau["language"] == "id"
    assert c.pantau["as_of"] == max(x["published"][:10] for x in c.citations)


def test_english_answer_lists_sources(server, oai):
    c = _ask(oai, Q_EN)
    assert "840" in c.choices[0].message.content
    _check_cited(server, c.choices[0].message.content, c.citations, "Sources")


def test_stream_adds_up_to_the_answer(oai):
    plain = _ask(oai, Q_ID)
    chunks = list(_ask(oai, Q_ID, stream=True))
    deltas = [ch.choices[0].delta.content or "" for ch in chunks]
    assert sum(1 for d in deltas if d) >= 2  # the answer arrives in pieces
    assert "".join(deltas) == plain.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["citations"] == plain.citations
    assert last.model_extra["pantau"]["as_of"] == plain.pantau["as_of"]


def test_follow_up_in_the_conversation(oai):
    first = _ask(oai, "Kapan TikTok Shop berhenti melayani transaksi?")
    c = oai.chat.completions.create(model="pantau", messages=[
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Kapan TikTok Shop berhenti melayani transaksi?"},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "Kapan dibuka lagi?"}])
    assert "12 Desember 2023" in c.choices[0].message.content, c.choices[0].message.content
    assert c.citations and c.pantau["ignored_roles"] == ["system"]


def test_wrong_or_missing_key_is_refused(server):
    with openai.OpenAI(base_url=server.url + "/v1", api_key="wrong", max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError) as err:
            _ask(bad, Q_EN)
        assert err.value.status_code == 401 and err.value.body["message"] == "wrong API key"
        with pytest.raises(openai.AuthenticationError):
            bad.models.list()
    r = httpx.post(server.url + "/api/ask", json={"question": Q_EN}, timeout=30)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert httpx.get(server.url + "/health", timeout=30).json()["status"] == "ok"
