"""HTML for answers and citation cards. Every string that came from an article is escaped.

Pure functions (no Gradio), so they are tested directly, XSS payloads included.
"""
from __future__ import annotations

import re
from html import escape

from rag.answer import format_date
from rag.types import Answer, Citation, RetrievedPassage

CSS = """
.pantau-answer {font-size: 1.05rem; line-height: 1.6}
.pantau-answer p {margin: 0 0 .6em}
.pantau-badge {display:inline-block; padding:.1em .6em; border-radius:1em; font-size:.8rem;
  background:#e8f1ff; color:#1a4d8f; margin-bottom:.6em}
.pantau-badge.none {background:#fff3e0; color:#8a4b00}
.pantau-marker {font-size:.75em; vertical-align:super; text-decoration:none; font-weight:600}
.pantau-card {border:1px solid #d7dce3; border-radius:8px; padding:.7em .9em; margin:.6em 0}
.pantau-card:target {border-color:#1a4d8f; box-shadow:0 0 0 2px #c9dcf5}
.pantau-card .meta {font-size:.85rem; color:#555}
.pantau-card blockquote {margin:.5em 0 0; padding-left:.7em; border-left:3px solid #c9d3df;
  white-space:pre-wrap; font-size:.92rem}
.pantau-card mark {background:#fff1a8}
"""

LABELS = {
    "id": {"as_of": "Per", "sources": "Sumber", "closest": "Bagian terdekat (tidak menjawab)",
           "no_date": "tanpa tanggal", "none": "Tidak ditemukan di sumber", "open": "buka"},
    "en": {"as_of": "As of", "sources": "Sources", "closest": "Closest passages (not an answer)",
           "no_date": "undated", "none": "Not found in the sources", "open": "open"},
}


def _safe_url(url: str) -> str:
    return url if re.match(r"^https?://", url or "", re.I) else ""


def _quote_html(c: Citation) -> str:
    """The passage with the sentences the answer used highlighted."""
    text, base, parts, pos = c.quote, c.start, [], 0
    for s, e in sorted(c.highlights):
        s, e = max(s - base, pos), min(e - base, len(text))
        if s >= e:
            continue
        parts.append(escape(text[pos:s]))
        parts.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    parts.append(escape(text[pos:]))
    return "".join(parts)


def _card(c: Citation | RetrievedPassage, lang: str, anchor: str, label: str) -> str:
    lab = LABELS[lang]
    date = format_date(c.published, lang) if c.published else lab["no_date"]
    url = _safe_url(c.url)
    link = (f' · <a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
            f'{lab["open"]}</a>') if url else ""
    quote = _quote_html(c) if isinstance(c, Citation) else escape(c.text)
    outlet = f"{escape(c.outlet)} · " if c.outlet else ""
    return (f'<div class="pantau-card" id="{anchor}"><div><strong>{label}'
            f'{escape(c.title or "")}</strong></div>'
            f'<div class="meta">{outlet}{escape(date)}{link}</div>'
            f"<blockquote>{quote}</blockquote></div>")


def render_answer(answer: Answer) -> str:
    """The answer with linked markers, an as-of badge and one card per citation."""
    lang = answer.language if answer.language in LABELS else "en"
    lab = LABELS[lang]
    body = escape(answer.answer)
    body = re.sub(r"\[(\d+)\]",
                  r'<a class="pantau-marker" href="#pantau-cite-\1">[\1]</a>', body)
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n") if p.strip())
    if answer.found and answer.as_of:
        badge = f'<span class="pantau-badge">{lab["as_of"]} {escape(format_date(answer.as_of, lang))}</span>'
    elif answer.found:
        badge = ""
    else:
        badge = f'<span class="pantau-badge none">{lab["none"]}</span>'
    html = [f'<div class="pantau-answer">{badge}{paragraphs}</div>']
    if answer.citations:
        html.append(f"<h4>{lab['sources']}</h4>")
        html += [_card(c, lang, f"pantau-cite-{c.marker}", f"[{c.marker}] ")
                 for c in answer.citations]
    elif answer.closest:
        html.append(f"<h4>{lab['closest']}</h4>")
        html += [_card(p, lang, f"pantau-close-{i}", "") for i, p in enumerate(answer.closest)]
    return "\n".join(html)
