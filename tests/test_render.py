"""Everything from articles is escaped before it reaches HTML."""
from rag.types import Answer, Citation, RetrievedPassage
from ui.render import render_answer

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _cite(**kw):
    base = dict(marker=1, passage_id="a:0", article_id="a", title=XSS, outlet=XSS,
                url="javascript:alert(3)", published="2023-10-04", quote="Awal " + XSS + " akhir",
                start=100, end=100 + len("Awal " + XSS + " akhir"), score=0.9,
                highlights=[(105, 105 + len(XSS))])
    base.update(kw)
    return Citation(**base)


def test_payloads_render_as_text():
    ans = Answer(answer=f"{XSS} [1]", found=True, as_of="2023-10-04", language="id",
                 mode="extractive", citations=[_cite()])
    html = render_answer(ans)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'onerror="' not in html and "javascript:" not in html
    assert '<mark>&lt;script&gt;' in html  # the highlighted sentence is escaped too
    assert 'href="#pantau-cite-1"' in html and 'id="pantau-cite-1"' in html
    assert "Per 4 Oktober 2023" in html


def test_not_found_shows_closest_passages_escaped():
    p = RetrievedPassage(passage_id="a:0", article_id="a", title=XSS, outlet="", url="",
                         published=None, language="id", text=XSS, start=0, end=len(XSS), score=0.4)
    html = render_answer(Answer(answer="The available sources do not answer this question.",
                                found=False, as_of=None, language="en", mode="extractive",
                                closest=[p]))
    assert "Closest passages" in html and "Not found in the sources" in html
    assert "<script>" not in html and "undated" in html
