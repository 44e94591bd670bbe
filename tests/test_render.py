"""Everything from articles is escaped before it reaches HTML; markers link to their cards;
the timeline chart draws one mark per event, coloured by type."""
import re

from rag.tracking.timeline import Timeline, TimelineEvent
from rag.tracking.registry import Relation, RegulationRecord
from rag.types import Answer, ArticleInfo, Citation, Copy, RetrievedPassage
from rag.tracking.updates import NewArticle, UpdateGroup, Updates
from ui.render import (article_rows, card, render_answer, render_conversation, render_partial,
                       render_report, safe_url)
from ui.render_tracker import (TYPE_COLOURS, regulation_rows, render_regulation, render_timeline,
                               render_updates, timeline_svg)

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _cite(**kw):
    base = dict(marker=1, passage_id="a:0", article_id="a", title=XSS, outlet=XSS,
                url="javascript:alert(3)", published="2023-10-04", quote="Awal " + XSS + " akhir",
                start=100, end=100 + len("Awal " + XSS + " akhir"), score=0.9,
                highlights=[(105, 105 + len(XSS))])
    base.update(kw)
    return Citation(**base)


def _passage(**kw):
    base = dict(passage_id="a:0", article_id="a", title=XSS, outlet="", url="",
                published=None, language="id", text=XSS, start=0, end=len(XSS), score=0.4)
    base.update(kw)
    return RetrievedPassage(**base)


def _no_markup(html: str) -> None:
    assert "<script" not in html and "<img" not in html
    assert 'onerror="' not in html and "javascript:" not in html


def test_payloads_render_as_text():
    ans = Answer(answer=f"{XSS} [1]", found=True, as_of="2023-10-04", language="id",
                 mode="extractive", citations=[_cite()])
    html = render_answer(ans)
    _no_markup(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<mark>&lt;script&gt;' in html  # the highlighted sentence is escaped too
    assert 'href="#pantau-c1-1"' in html and 'id="pantau-c1-1"' in html
    assert "Per 4 Oktober 2023" in html


def test_markers_link_to_unique_cards_per_turn():
    cites = [_cite(marker=1, title="A"), _cite(marker=2, title="B", passage_id="b:0",
                                                article_id="b", url="https://b.example/x")]
    ans = Answer(answer="Satu [1]. Dua [2]. Tiga [7].", found=True, as_of="2023-10-04",
                 language="id", mode="extractive", citations=cites)
    html = render_answer(ans, "en", prefix="pantau-c3")
    assert re.findall(r'href="#(pantau-c3-\d)"', html) == ["pantau-c3-1", "pantau-c3-2"]
    assert re.findall(r'id="(pantau-c3-\d)"', html) == ["pantau-c3-1", "pantau-c3-2"]
    assert "[7]" in html and "#pantau-c3-7" not in html  # no card: no dead link
    assert "As of 4 October 2023" in html  # framing follows the UI language
    assert 'href="https://b.example/x"' in html and 'rel="noopener noreferrer"' in html


def test_card_shows_also_published_by_escaped():
    copies = [Copy(id="x", outlet=XSS, url="https://other.example/a", published="2023-10-05"),
              Copy(id="y", outlet="", url="", source="/srv/data/009_copy.txt"),
              Copy(id="z", outlet="", url="javascript:alert(1)", source="")]
    html = card(_cite(url="https://a.example/1"), "en", "pantau-c1-1", "[1] ", copies)
    _no_markup(html)
    assert "Also published by" in html and "&lt;script&gt;" in html
    assert 'href="https://other.example/a"' in html and "5 October 2023" in html
    assert "009_copy.txt" in html and "/srv/data" not in html  # no local paths


def test_not_found_shows_closest_passages_escaped():
    html = render_answer(Answer(answer="The available sources do not answer this question.",
                                found=False, as_of=None, language="en", mode="extractive",
                                closest=[_passage()]))
    assert "Closest passages" in html and "Not found in the sources" in html
    assert 'class="pantau-badge none"' in html and 'id="pantau-c1-close-1"' in html
    _no_markup(html)
    assert "undated" in html


def test_not_found_citing_a_not_known_yet_source_links_its_card():
    from rag.answering.answer import ExtractiveAnswerer
    from rag.config import Settings

    said = _passage(text="Kemendag belum memastikan kapan revisi Permendag 31/2023 diterbitkan. " + XSS,
                    published="2026-01-14", score=0.9)
    ans = ExtractiveAnswerer(Settings(_env_file=None)).answer(
        "Kapan revisi Permendag 31/2023 diterbitkan?", [said])
    assert not ans.found and len(ans.citations) == 1, ans
    html = render_answer(ans)
    assert 'class="pantau-badge none"' in html  # still "not found"
    assert '<a class="pantau-marker" href="#pantau-c1-1">[1]</a>' in html
    assert 'id="pantau-c1-1"' in html and "close-1" not in html  # its card, not "closest"
    _no_markup(html)


def test_streaming_partial_and_conversation_order():
    partial = render_partial(f"{XSS} [1]", "id")
    _no_markup(partial)
    assert '<span class="pantau-marker">[1]</span>' in partial
    done = Answer(answer="Jawaban [1]", found=True, as_of="2023-10-04", language="id",
                  mode="extractive", citations=[_cite()])
    turns = [{"question": "pertama?", "answer": done},
             {"question": XSS, "partial": "", "answer": None}]
    html = render_conversation(turns, "id")
    _no_markup(html)
    # Newest first, under the question box; each turn keeps its own card ids.
    assert html.index('id="pantau-turn-2"') < html.index('id="pantau-turn-1"')
    assert "pantau-pending" in html and 'id="pantau-c1-1"' in html
    assert "Belum ada pertanyaan" in render_conversation([], "id")
    err = render_conversation([{"question": "q", "error": XSS}], "en")
    _no_markup(err)
    assert "pantau-note error" in err


def test_safe_url():
    assert safe_url("https://a.example/x?y=1") == "https://a.example/x?y=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "/relative", 'https://a" onx="1',
                "", None):
        assert safe_url(bad) == ""


def test_report_escapes_failures_and_titles():
    html = render_report({"added": 1, "updated": 0, "unchanged": 2, "duplicates": 1,
                          "failed": [{"source": XSS, "error": XSS}],
                          "notices": [{"source": "n.txt", "message": XSS}],
                          "articles": [{"id": "a1", "stored_as": "a1", "title": XSS,
                                        "source": "x", "outcome": "added"}]}, "en")
    _no_markup(html)
    assert "<b>1</b> added" in html and "<b>1</b> failed" in html and "Failed" in html


def _info(i, **kw):
    base = dict(id=f"a{i}", title=f"T{i}", outlet="O", url="", published=f"2023-10-0{i}",
                language="id", author="", editor="", passages=i)
    base.update(kw)
    return ArticleInfo(**base)


def test_article_rows_search_and_sort():
    arts = [_info(1, outlet="Zeta"), _info(2, language="en", outlet="alpha"), _info(3)]
    assert [r[0] for r in article_rows(arts)] == ["a3", "a2", "a1"]
    assert [r[0] for r in article_rows(arts, sort="oldest")] == ["a1", "a2", "a3"]
    assert [r[0] for r in article_rows(arts, sort="outlet")] == ["a2", "a3", "a1"]
    assert [r[0] for r in article_rows(arts, sort="passages")] == ["a3", "a2", "a1"]
    assert [r[0] for r in article_rows(arts, sort="language")][0] == "a2"
    assert [r[0] for r in article_rows(arts, "zeta")] == ["a1"]
    assert article_rows(arts, "t2")[0][:6] == ["a2", "T2", "alpha", "2023-10-02", "en", 2]


def _event(n, etype, day, summary=None):
    c = _cite(marker=n, passage_id=f"p{n}:0", url="https://news.example/x", quote="Kalimat.",
              start=0, end=8, highlights=[(0, 8)])
    return TimelineEvent(date=day, date_source="text", type=etype, summary=summary or XSS,
                         citation=c)


def test_timeline_chart_one_mark_per_event_coloured_by_type():
    events = [_event(1, "stopped", "2023-10-04"), _event(2, "acquired", "2023-12-11"),
              _event(3, "resumed", "2023-12-12"), _event(4, "resumed", "2023-12-12"),
              _event(5, "merged", "2024-03-27")]
    svg = timeline_svg(events, "en")
    marks = re.findall(r'<circle class="pantau-mark" data-type="(\w+)"[^>]*fill="(#\w+)"', svg)
    assert [m[0] for m in marks] == ["stopped", "acquired", "resumed", "resumed", "merged"]
    assert all(colour == TYPE_COLOURS[etype] for etype, colour in marks)
    assert len({c for _, c in marks}) == 4  # one colour per type
    assert [f"#pantau-ev-{i}" for i in range(1, 6)] == re.findall(r'href="(#pantau-ev-\d)"', svg)
    _no_markup(svg)  # the summaries in the tooltips are escaped
    tl = Timeline(entity="tiktok-shop", label=XSS, status="merged", as_of="2024-03-27",
                  events=events)
    html = render_timeline(tl, "id")
    _no_markup(html)
    assert html.count('class="pantau-event"') == 5 and 'id="pantau-ev-5"' in html
    assert "bergabung / bermigrasi" in html and "27 Maret 2024" in html
    empty = render_timeline(Timeline(entity="x", label=XSS, status=None, as_of=None,
                                     events=[]), "en")
    _no_markup(empty)
    assert "No dated events" in empty


def test_regulation_rows_and_detail():
    rec = RegulationRecord(id="permendag-31-2023", type="permendag", number=31, year=2023,
                           title=XSS, aliases=["Permendag 31/2023", XSS], mentions=3, articles=2,
                           first_seen="2023-09-27", last_seen="2024-01-20",
                           relations=[Relation(type="replaces", target="permendag-50-2020")])
    assert regulation_rows([rec], "en") == [["permendag-31-2023", "permendag", 2023, 3,
                                             "2024-01-20", "replaces permendag-50-2020"]]
    assert regulation_rows([rec], "id")[0][5] == "menggantikan permendag-50-2020"
    tl = Timeline(entity=rec.id, label="Permendag 31/2023", status="in_force",
                  as_of="2023-09-26", events=[_event(1, "in_force", "2023-09-26", "Berlaku.")])
    html = render_regulation(rec, [_passage(published="2023-10-01")], tl, "en")
    _no_markup(html)
    assert "Last seen" in html and "20 January 2024" in html
    assert html.count("pantau-mark") == 1 and 'id="pantau-rp-1"' in html


def test_updates_escaped():
    up = Updates(since="2023-10-01", articles=1, groups=[UpdateGroup(
        key="tiktok-shop", kind="entity", label=XSS,
        articles=[NewArticle(id="a", title=XSS, outlet=XSS, url="javascript:x",
                             published="2023-10-04", ingested_at=None)],
        events=[_event(1, "stopped", "2023-10-04")])])
    html = render_updates(up, "en")
    _no_markup(html)
    assert "1 new articles since 1 October 2023" in html and "stopped / closed" in html
    assert "Nothing new since" in render_updates(Updates(since="2030-01-01", articles=0,
                                                         groups=[]), "en")


def test_routed_answers_render_their_bullets_as_a_list_escaped():
    ans = Answer(answer=f"Yang diatur X menurut sumber:\n- {XSS} [1]\n- Dua. [1]\n\n"
                        "Dari pemberitaan terkait: Tiga. [1]", found=True,
                 as_of="2023-10-04", language="id", mode="tracker", intent="obligations",
                 citations=[_cite()])
    html = render_answer(ans)
    _no_markup(html)
    assert 'data-intent="obligations"' in html
    assert re.search(r'<p>Yang diatur X menurut sumber:</p><ul class="pantau-list"><li>'
                     r'&lt;script&gt;.*</li><li>Dua\. <a class="pantau-marker"', html)
    assert "<p>Dari pemberitaan terkait: Tiga." in html


def test_relations_answers_table_their_relations_escaped_with_their_citations():
    from rag.types import RelationRow
    ans = Answer(answer="According to the sources: A replaced B.\n- A replaced B. [1]",
                 found=True, as_of="2023-10-04", language="en", mode="tracker",
                 intent="relations", citations=[_cite()],
                 relations=[RelationRow(source=XSS, relation="replaces", target="Permendag 50/2020",
                                        since="2023-09-26", marker=1),
                            RelationRow(source="PMK 1/2024", relation="amends", target="PMK 9/2020")])
    html = render_answer(ans, "id")
    _no_markup(html)
    table = html[html.index('<table class="pantau-relations">'):html.index("</table>")]
    assert "<th>Regulasi</th><th>Relasi</th>" in table and "&lt;script&gt;" in table
    assert "<td>menggantikan</td><td>Permendag 50/2020</td><td>26 September 2023</td>" in table
    assert '<a class="pantau-marker" href="#pantau-c1-1">[1]</a>' in table
    assert "<td>mengubah</td><td>PMK 9/2020</td><td>—</td><td></td>" in table
    assert "pantau-relations" not in render_answer(ans.model_copy(update={"relations": []}))
