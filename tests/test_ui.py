"""The web UI's callbacks over a fake-embedder service (no browser): streaming answers with
cards, follow-ups, filters, uploads, delete, the API key, the tracker views, the API page."""
import re

import gradio as gr
import pytest

from conftest import FIXTURES, make_settings
from ingest.pipeline import ingest
from rag.service import PantauService
from rag.types import Answer, Filters
from ui import build_ui
from ui.chat import answer_stream, ask_api, parse_filters
from ui.i18n import TEXT, t
from ui.sources import article_table, ask_delete, delete_article, ingest_files, ingest_links
from ui.tracker import choices, regulation_detail, regulation_table, timeline_view, updates_view

STATUS_Q = "What is TikTok Shop's status now?"
FOUND_Q = "Kapan TikTok Shop berhenti melayani transaksi?"


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    # The fake embedder's cosine scores are low: no relevance floor, grounding still decides.
    service = PantauService.from_settings(make_settings(tmp_path_factory.mktemp("ui"),
                                                        min_relevance=0.0))
    ingest(service, paths=[FIXTURES])
    return service


class Spy:
    """The service with its ask_stream calls recorded."""

    def __init__(self, service):
        self.service, self.calls = service, []

    def __getattr__(self, name):
        return getattr(self.service, name)

    def ask_stream(self, question, top_k=None, filters=None, history=None):
        self.calls.append({"question": question, "filters": filters, "history": history})
        return self.service.ask_stream(question, top_k, filters, history)


def test_labels_exist_in_both_languages():
    assert set(TEXT["id"]) == set(TEXT["en"])
    assert t("en", "tab_sources") == "Sources" and t("id", "tab_sources") == "Sumber"
    assert t("English", "ask") == "Ask" and t(None, "ask") == "Tanya"


def test_stream_shows_question_then_text_then_cards(svc):
    steps = list(answer_stream(svc, FOUND_Q, [], "en"))
    first_html, _, box = steps[0]
    assert FOUND_Q in first_html and "pantau-pending" in first_html
    assert box == ""  # the question box is cleared at once
    assert any("pantau-answer streaming" in h for h, _, _ in steps[1:-1])
    html, turns, _ = steps[-1]
    assert isinstance(turns[-1]["answer"], Answer) and turns[-1]["answer"].found
    n = len(turns[-1]["answer"].citations)
    assert n >= 1 and html.count('class="pantau-card"') == n
    assert 'href="#pantau-c1-1"' in html and 'id="pantau-c1-1"' in html
    assert "As of " in html


def test_follow_up_sends_history_and_keeps_turn_ids(svc):
    spy = Spy(svc)
    *_, (_, turns, _) = answer_stream(spy, FOUND_Q, [], "id")
    *_, (html, turns, _) = answer_stream(spy, "Dan Tokopedia?", turns, "id")
    assert spy.calls[1]["history"] == [
        {"role": "user", "content": FOUND_Q},
        {"role": "assistant", "content": turns[0]["answer"].answer}]
    assert len(turns) == 2 and 'id="pantau-turn-2"' in html and 'id="pantau-c1-1"' in html
    assert "Sebelumnya dalam percakapan ini" in html


def test_not_found_state_lists_closest_passages(svc):
    *_, (html, turns, _) = answer_stream(svc, "Berapa harga cabai di Cibubur tahun 1990?", [], "en")
    assert not turns[-1]["answer"].found
    assert "Not found in the sources" in html and "Closest passages" in html
    assert 'id="pantau-c1-close-1"' in html


def test_filters_reach_the_service_and_bad_dates_do_not(svc):
    spy = Spy(svc)
    *_, (html, _, _) = answer_stream(spy, STATUS_Q, [], "en", "2023-10-01", "31 Desember 2023",
                                     ["Harbour Business Daily"], ["permendag-31-2023"], "en")
    f = spy.calls[0]["filters"]
    assert isinstance(f, Filters) and str(f.since) == "2023-10-01" and str(f.until) == "2023-12-31"
    assert f.outlets == ["Harbour Business Daily"] and f.language == "en"
    assert f.regulations == ["permendag-31-2023"]
    assert "Filters: 2023-10-01 – 2023-12-31" in html
    *_, (html, turns, _) = answer_stream(spy, STATUS_Q, [], "en", "bukan tanggal")
    assert len(spy.calls) == 1 and "Date not recognised" in html and turns[-1]["error"]
    with pytest.raises(ValueError, match="after"):
        parse_filters("en", "2024-01-02", "2024-01-01", [], [], "")
    assert parse_filters("en", "", "", [], [], "") == (None, "")


def test_empty_question_and_service_errors_are_readable(svc):
    (html, turns, _), = answer_stream(svc, "   ", [], "en")
    assert "Type a question first" in html and turns == []

    class Broken(Spy):
        def ask_stream(self, *a, **kw):
            raise RuntimeError("store is down")
            yield  # pragma: no cover

    *_, (html, turns, _) = answer_stream(Broken(svc), "Apa saja?", [], "en")
    assert "Something went wrong: store is down" in html and 'pantau-note error' in html


def test_upload_ingests_into_the_upload_folder_and_lists_it(tmp_path):
    service = PantauService.from_settings(make_settings(tmp_path))
    src = tmp_path / "in"
    src.mkdir()
    good = src / "pasar-malam.txt"
    good.write_text("Pasar malam <b>Cibubur</b>\nEkonomi\nSenin, 4 Maret 2024 10:00 WIB\n"
                    "Pasar malam Cibubur dibuka pada 3 Maret 2024 dengan 40 lapak kuliner.\n")
    bad = src / "notes.exe"
    bad.write_bytes(b"MZ\x00")
    steps = []
    html, report = ingest_files(service, [str(good), str(bad)], "", "en",
                                lambda *a, **kw: steps.append(a))
    assert report["added"] == 1 and "<b>1</b> added" in html
    assert "notes.exe" in html and "unsupported file type" in html  # the reason is shown
    assert (service.settings.data_dir / "uploads" / "pasar-malam.txt").exists()
    assert steps and steps[-1][0] == (1, 1)  # progress reached the end
    table, count = article_table(service, "cibubur", "newest", "en")
    assert len(table["data"]) == 1 and table["data"][0][1] == "Pasar malam <b>Cibubur</b>"
    assert table["headers"][1] == "title" and "1 of 1 articles" in count
    html, report = ingest_files(service, None, "", "en")
    assert report is None and "Choose files" in html
    html, report = ingest_links(service, "", "  ", "", "en")
    assert report is None and "Choose files" in html


def test_delete_asks_then_deletes(tmp_path):
    service = PantauService.from_settings(make_settings(tmp_path))
    ingest(service, paths=[FIXTURES / "001_tiktok-shop-berhenti.txt"])
    aid = service.articles()[0].id
    shown, question, msg = ask_delete(service, aid, "", "en")
    assert shown["visible"] is True and "Delete “" in question and aid in question and msg == ""
    shown, _, msg = ask_delete(service, "nope", "", "en")
    assert shown["visible"] is False and "No article with id nope" in msg
    assert "Deleted" in delete_article(service, aid, "", "en")
    assert service.articles() == []
    assert "No article with id" in delete_article(service, aid, "", "en")


def test_writes_need_the_api_key_when_one_is_set(tmp_path):
    service = PantauService.from_settings(make_settings(tmp_path, api_key="s3cret"))
    f = FIXTURES / "001_tiktok-shop-berhenti.txt"
    html, report = ingest_files(service, [str(f)], "wrong", "en")
    assert report is None and "wrong API key" in html and service.articles() == []
    assert "wrong API key" in ingest_links(service, "https://x.example/", "", "", "en")[0]
    html, report = ingest_files(service, [str(f)], "s3cret", "en")
    assert report["added"] == 1
    aid = service.articles()[0].id
    assert "wrong API key" in ask_delete(service, aid, "", "en")[2]
    assert "wrong API key" in delete_article(service, aid, None, "en")
    assert len(service.articles()) == 1


def test_tracker_views(svc):
    table, empty = regulation_table(svc, "en")
    assert table["headers"] == ["id", "type", "year", "mentions", "last seen", "relations"]
    assert any(r[0] == "permendag-31-2023" for r in table["data"]) and empty == ""
    html = regulation_detail(svc, "permendag-31-2023", "en")
    assert "Last seen" in html and "Passages citing it" in html
    assert "Pick a regulation" in regulation_detail(svc, None, "en")
    html = timeline_view(svc, "tiktok-shop", "", "en")
    events = svc.timeline("tiktok-shop").events
    assert html.count('class="pantau-mark"') == len(events) >= 2
    assert html.count('class="pantau-event"') == len(events)
    before = timeline_view(svc, "tiktok-shop", "2023-11-01", "en")
    assert before.count('class="pantau-mark"') < len(events)
    assert "Date not recognised" in timeline_view(svc, "tiktok-shop", "kapan-kapan", "en")
    html = updates_view(svc, "2023-12-01", "", "en")
    assert "new articles since 1 December 2023" in html
    assert "Enter a date" in updates_view(svc, "", "", "en")
    regs, subjects, upd = choices(svc, "id")
    assert ("TikTok Shop (tiktok-shop)", "tiktok-shop") in subjects and upd[0] == ("(semua)", "")


def test_ask_endpoint_returns_the_answer_as_json(svc):
    ask = ask_api(svc)
    out = ask(STATUS_Q)
    assert out["found"] and out["citations"] and out["as_of"]
    assert set(out) >= {"answer", "found", "as_of", "language", "mode", "citations", "closest"}
    assert re.search(r"\[1\]", out["answer"])
    with pytest.raises(gr.Error):
        ask("  ")
    with pytest.raises(gr.Error):
        ask(STATUS_Q, since="nonsense")


def test_ask_endpoint_follows_the_read_key_rule(tmp_path):
    from types import SimpleNamespace

    service = PantauService.from_settings(make_settings(tmp_path, api_key="k", api_key_reads=True))
    ask = ask_api(service)
    with pytest.raises(gr.Error, match="API key"):
        ask("Apa kabar?", request=SimpleNamespace(headers={}))
    with pytest.raises(gr.Error, match="API key"):
        ask("Apa kabar?", request=SimpleNamespace(headers={"authorization": "Bearer x"}))
    for headers in ({"authorization": "Bearer k"}, {"x-api-key": "k"}):
        assert ask("Apa kabar?", request=SimpleNamespace(headers=headers))["found"] is False
    # Without PANTAU_API_KEY_READS the key guards only writes, as in the HTTP API.
    open_service = PantauService.from_settings(make_settings(tmp_path / "o", api_key="k"))
    assert ask_api(open_service)("Apa kabar?", request=SimpleNamespace(headers={}))


def test_page_builds_and_the_api_page_lists_only_ask(svc):
    ui = build_ui(svc)
    deps = ui.get_config_file()["dependencies"]
    public = [d["api_name"] for d in deps if d.get("api_visibility") == "public"]
    assert public == ["ask"]


def test_app_serves_the_page_and_ask_info(tmp_path):
    from fastapi.testclient import TestClient

    from app import create_app

    s = make_settings(tmp_path)
    with TestClient(create_app(s, PantauService.from_settings(s))) as client:
        assert client.get("/").status_code == 200
        info = client.get("/gradio_api/info").json()
        assert list(info["named_endpoints"]) == ["/ask"]
        params = [p["parameter_name"] for p in info["named_endpoints"]["/ask"]["parameters"]]
        assert params[0] == "question" and "request" not in params

