"""HTML for answers, citation cards and ingest reports (the tracker's pages: render_tracker).

Pure functions (no Gradio), tested directly. Every string that came from an article (or
from a user) goes through ``html.escape``; links are emitted only for http(s) URLs. The
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape
from urllib.parse import urlsplit

from rag.dates import format_date
from rag.types import Answer, ArticleInfo, Citation, Copy, RetrievedPassage

from .i18n import lang_code, t

CSS = """
.pantau-out {min-height: 7rem}
.pantau-turn {border-bottom: 1px solid var(--border-color-primary, #d7dce3); padding: .4em 0 .9em;
  margin-bottom: .6em}
.pantau-q {font-weight: 600; margin: 0 0 .4em; overflow-wrap: anywhere}
.pantau-q .who {font-weight: 400; opacity: .7; margin-right: .4em}
.pantau-filters-note {font-size: .8rem; opacity: .75; margin: -.2em 0 .4em}
.pantau-answer {font-size: 1.05rem; line-height: 1.6; overflow-wrap: anywhere}
.pantau-answer p {margin: 0 0 .6em}
.pantau-answer ul.pantau-list {margin: 0 0 .6em 1.2em; padding: 0}
.pantau-answer ul.pantau-list li {margin: 0 0 .3em}
.pantau-answer table.pantau-relations {border-collapse: collapse; margin: .2em 0 .6em;
  font-size: .92em}
.pantau-answer table.pantau-relations th, .pantau-answer table.pantau-relations td {
  border: 1px solid #d0d7de; padding: .2em .5em; text-align: left}
.pantau-pending {min-height: 1.6em; opacity: .7; font-style: italic}
.pantau-pending::after {content: ""; display: inline-block; width: .6em; height: .6em;
  margin-left: .4em; border-radius: 50%; background: currentColor;
  animation: pantau-pulse 1s ease-in-out infinite}
@keyframes pantau-pulse {0%,100% {opacity: .2} 50% {opacity: 1}}
.pantau-badge {display: inline-block; padding: .1em .6em; border-radius: 1em; font-size: .8rem;
  background: #e8f1ff; color: #1a4d8f; margin: 0 .4em .6em 0}
.pantau-badge.none {background: #fff3e0; color: #8a4b00}
.pantau-badge.mode {background: #eef0f3; color: #444}
.pantau-marker {font-size: .75em; vertical-align: super; text-decoration: none; font-weight: 600}
.pantau-cards h4, .pantau-section h4 {margin: .8em 0 .3em}
.pantau-card {border: 1px solid var(--border-color-primary, #d7dce3); border-radius: 8px;
  padding: .7em .9em; margin: .6em 0; scroll-margin-top: 4rem; overflow-wrap: anywhere}
.pantau-card:target, .pantau-event:target {border-color: #1a4d8f; box-shadow: 0 0 0 3px #9cc0ef;
  background: var(--background-fill-secondary, #f6f9fd)}
.pantau-card .meta, .pantau-event .meta {font-size: .85rem; opacity: .8}
.pantau-card blockquote, .pantau-event blockquote {margin: .5em 0 0; padding-left: .7em;
  border-left: 3px solid #c9d3df; white-space: pre-wrap; font-size: .92rem}
.pantau-card mark, .pantau-event mark {background: #fff1a8; color: #222}
.pantau-also {font-size: .82rem; margin-top: .4em; opacity: .85}
.pantau-note {padding: .6em .8em; border-radius: 8px; background: var(--background-fill-secondary, #f4f6f9)}
.pantau-note.error {background: #fdecea; color: #8a1c12}
.pantau-note.ok {background: #e9f7ef; color: #1d5e36}
.pantau-report ul {margin: .3em 0 .3em 1.2em}
.pantau-counts span {display: inline-block; margin: 0 .8em .3em 0}
.pantau-counts b {font-size: 1.15rem}
.pantau-chart-wrap {overflow-x: auto; margin: .4em 0}
.pantau-chart {width: 100%; min-width: 540px; height: auto; display: block}
.pantau-chart text {font-family: inherit}
.pantau-chart .lane {font-size: 11px; fill: currentColor}
.pantau-chart .tick {font-size: 10px; fill: currentColor; opacity: .7}
.pantau-chart .grid {stroke: currentColor; opacity: .15}
.pantau-chart .num {font-size: 8px; fill: #fff; pointer-events: none; font-weight: 700}
.pantau-events {list-style: none; padding: 0; margin: 0}
.pantau-event {border: 1px solid var(--border-color-primary, #d7dce3); border-radius: 8px;
  padding: .5em .8em; margin: .5em 0; scroll-margin-top: 4rem; overflow-wrap: anywhere}
.pantau-chip {display: inline-block; padding: 0 .5em; border-radius: 1em; color: #fff;
  font-size: .78rem; margin-right: .4em}
.pantau-event summary {cursor: pointer; font-size: .85rem}
.pantau-dl {display: grid; grid-template-columns: max-content 1fr; gap: .2em .8em; margin: .4em 0}
.pantau-dl dt {opacity: .7}
.pantau-dl dd {margin: 0; overflow-wrap: anywhere}
#pantau-chat-out {min-height: 8rem}
.pantau-group, .pantau-citing {margin: .4em 0}
.pantau-group summary, .pantau-citing summary {cursor: pointer}
.pantau-section h3 {margin: .2em 0 .3em}
@media (max-width: 640px) {
  .pantau-answer {font-size: 1rem}
  .pantau-card, .pantau-event {padding: .5em .6em}
}
"""

_MARKER = re.compile(r"\[(\d+)\]")


def safe_url(url: str | None) -> str:
    """``url`` when it is http(s), else "" (no javascript:, data: or relative links)."""
    return url if url and re.match(r"^https?://[^\s\"'<>]+$", url, re.I) else ""


def note(text: str, kind: str = "") -> str:
    """A short message box (kind: "", "ok" or "error"); ``text`` is escaped."""
    return f'<div class="pantau-note {kind}">{escape(text)}</div>'


def date_label(iso: str | None, lang: str) -> str:
    return format_date(iso, lang) if iso else t(lang, "no_date")


def html_link(url: str | None, label: str) -> str:
    u = safe_url(url)
    return (f'<a href="{escape(u, quote=True)}" target="_blank" rel="noopener noreferrer">'
            f"{escape(label)}</a>") if u else ""


def highlight_spans(text: str, base: int, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` (starting at article offset ``base``) escaped, with ``spans`` marked."""
    parts, pos = [], 0
    for s, e in sorted(spans):
        s, e = max(s - base, pos), min(e - base, len(text))
        if s >= e:
            continue
        parts.append(escape(text[pos:s]))
        parts.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    parts.append(escape(text[pos:]))
    return "".join(parts)


def _also(copies: Sequence[Copy], lang: str) -> str:
    if not copies:
        return ""
    items = []
    for c in copies:
        # Without an outlet name, the source file's name (never a full local path).
        name = c.outlet or urlsplit(safe_url(c.url)).netloc or re.split(r"[\\/]", c.source or "")[-1] or c.id
        text = escape(name)
        if safe_url(c.url):
            text = html_link(c.url, name)
        if c.published:
            text += f" ({escape(date_label(c.published, lang))})"
        items.append(text)
    return f'<div class="pantau-also">{t(lang, "also")}: {", ".join(items)}</div>'


def card(item: Citation | RetrievedPassage, lang: str, anchor: str, label: str = "",
         copies: Sequence[Copy] = ()) -> str:
    """A citation card: title, outlet, date, link, the quote (the answering sentences
    highlighted) and the other outlets that published the story."""
    lang = lang_code(lang)
    link = html_link(item.url, t(lang, "open"))
    meta = " · ".join(x for x in (escape(item.outlet or ""), escape(date_label(item.published, lang)),
                                  link) if x)
    if isinstance(item, Citation):
        quote = highlight_spans(item.quote, item.start, item.highlights)
    else:
        quote = escape(item.text)
    return (f'<div class="pantau-card" id="{escape(anchor, quote=True)}">'
            f"<div><strong>{escape(label)}{escape(item.title or '')}</strong></div>"
            f'<div class="meta">{meta}</div><blockquote>{quote}</blockquote>'
            f"{_also(copies, lang)}</div>")


def _paragraphs(body: str) -> str:
    """Escaped ``body`` as paragraphs; lines opening with "- " (the bullets of a routed
    answer: by stakeholder, by date, by rule) as a list."""
    out = []
    for para in body.split("\n\n"):
        if not para.strip():
            continue
        lines, items = [], []
        for line in para.split("\n"):
            (items if line.startswith("- ") else lines).append(line)
        if lines:
            out.append(f"<p>{' '.join(lines)}</p>")
        if items:
            out.append('<ul class="pantau-list">'
                       + "".join(f"<li>{i[2:]}</li>" for i in items) + "</ul>")
    return "".join(out)


def _relations_table(answer: Answer, lang: str, link) -> str:
    """A relations answer's relations as a small table: regulation, relation, regulation,
    since when, and the citation stating it (``link`` links a marker to its card)."""
    rows = []
    for r in answer.relations:
        relation = t(lang, f"rel_{r.relation}") if r.relation in RELATIONS else r.relation
        cite = link(_MARKER.match(f"[{r.marker}]")) if r.marker else ""
        rows.append(f"<tr><td>{escape(r.source)}</td><td>{escape(relation)}</td>"
                    f"<td>{escape(r.target)}</td>"
                    f"<td>{escape(date_label(r.since, lang)) if r.since else '—'}</td>"
                    f"<td>{cite}</td></tr>")
    head = "".join(f"<th>{t(lang, k)}</th>" for k in
                   ("col_regulation", "col_relation", "col_regulation", "col_since", "col_source"))
    return (f'<table class="pantau-relations"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


#: The relation types the registry records (rag.tracking.registry), each with a UI label.
RELATIONS = ("amends", "replaces", "revokes", "implements")


def render_partial(text: str, lang: str) -> str:
    """An answer still streaming: the text so far, escaped (markers not linked yet)."""
    body = _MARKER.sub(r'<span class="pantau-marker">[\1]</span>', escape(text))
    return f'<div class="pantau-answer streaming">{_paragraphs(body)}</div>'


def render_answer(answer: Answer, lang: str | None = None, prefix: str = "pantau-c1",
                  copies: dict[str, list[Copy]] | None = None) -> str:
    """The answer with each marker [n] linked to its card ``{prefix}-{n}``, an "as of"
    badge, one card per citation, or (not found) the closest passages."""
    lang = lang_code(lang or answer.language)
    copies = copies or {}
    markers = {c.marker for c in answer.citations}

    def link(m: re.Match) -> str:
        n = int(m[1])
        if n not in markers:
            return m[0]
        return f'<a class="pantau-marker" href="#{prefix}-{n}">[{n}]</a>'

    body = _MARKER.sub(link, escape(answer.answer))
    if answer.found and answer.as_of:
        badge = (f'<span class="pantau-badge">{t(lang, "as_of")} '
                 f'{escape(date_label(answer.as_of, lang))}</span>')
    elif answer.found:
        badge = ""
    else:
        badge = f'<span class="pantau-badge none">{t(lang, "none")}</span>'
    if answer.mode != "extractive":
        badge += f'<span class="pantau-badge mode">{t(lang, "mode")}: {escape(answer.mode)}</span>'
    intent = f' data-intent="{escape(answer.intent, quote=True)}"' if answer.intent else ""
    text = _paragraphs(body)
    if answer.relations:  # the table right under the lead, before the sentences stating it
        cut = text.find("</p>") + 4 if text.startswith("<p>") else 0
        text = text[:cut] + _relations_table(answer, lang, link) + text[cut:]
    html = [f'<div class="pantau-answer"{intent}>{badge}{text}</div>']
    if answer.conflicts:
        items = "".join(
            f"<li>{escape(t(lang, 'superseded', date=date_label(c.published, lang), claim=c.claim, new=c.superseded_by))}"
            f' <a class="pantau-marker" href="#{prefix}-{c.marker}">[{c.marker}]</a></li>'
            for c in answer.conflicts)
        html.append(f'<details class="pantau-section"><summary>{t(lang, "conflicts")} '
                    f"({len(answer.conflicts)})</summary><ul>{items}</ul></details>")
    if answer.unsupported:
        items = "".join(f"<li>{escape(s)}</li>" for s in answer.unsupported)
        html.append(f'<details class="pantau-section"><summary>{t(lang, "unsupported")}'
                    f"</summary><ul>{items}</ul></details>")
    if answer.citations:
        cards = [card(c, lang, f"{prefix}-{c.marker}", f"[{c.marker}] ",
                      copies.get(c.article_id, ())) for c in answer.citations]
        html.append(f'<div class="pantau-cards"><h4>{t(lang, "sources")}</h4>{"".join(cards)}</div>')
    elif answer.closest:
        cards = [card(p, lang, f"{prefix}-close-{i + 1}") for i, p in enumerate(answer.closest)]
        html.append(f'<div class="pantau-cards"><h4>{t(lang, "closest")}</h4>{"".join(cards)}</div>')
    return "\n".join(html)


def render_turn(turn: dict, lang: str, number: int) -> str:
    """One question and its answer (streaming, final or failed). ``turn`` holds
    "question", optional "filters" (a note), "partial", "answer", "copies", "error"."""
    lang = lang_code(lang)
    head = (f'<div class="pantau-q"><span class="who">{t(lang, "you")}:</span>'
            f'{escape(turn["question"])}</div>')
    if turn.get("filters"):
        head += f'<div class="pantau-filters-note">{escape(t(lang, "filters_on", filters=turn["filters"]))}</div>'
    if turn.get("error"):
        body = note(turn["error"], "error")
    elif turn.get("answer") is not None:
        body = render_answer(turn["answer"], lang, f"pantau-c{number}", turn.get("copies"))
    elif turn.get("partial"):
        body = render_partial(turn["partial"], lang)
    else:
        body = f'<div class="pantau-pending">{t(lang, "searching")}</div>'
    return f'<div class="pantau-turn" id="pantau-turn-{number}">{head}{body}</div>'


def render_conversation(turns: Sequence[dict], lang: str) -> str:
    """The conversation, newest turn first (right under the question box, so nothing the
    reader looks at moves while an answer streams in)."""
    lang = lang_code(lang)
    if not turns:
        return f'<div class="pantau-out pantau-empty">{note(t(lang, "chat_empty"))}</div>'
    parts = [render_turn(turns[-1], lang, len(turns))]
    if len(turns) > 1:
        parts.append(f'<h4 class="pantau-earlier">{t(lang, "earlier")}</h4>')
        parts += [render_turn(turns[i], lang, i + 1) for i in range(len(turns) - 2, -1, -1)]
    return f'<div class="pantau-out">{"".join(parts)}</div>'


# -- sources ----------------------------------------------------------------------------
def render_report(report: dict, lang: str) -> str:
    """An ingest report (IngestReport.to_dict()): counts, failures with reasons, notices
    and the articles touched."""
    lang = lang_code(lang)
    counts = "".join(f"<span><b>{int(report.get(k, 0))}</b> {t(lang, k)}</span>"
                     for k in ("added", "updated", "unchanged", "duplicates"))
    counts += f"<span><b>{len(report.get('failed', []))}</b> {t(lang, 'failed')}</span>"
    html = [f'<div class="pantau-report"><div class="pantau-counts">{counts}</div>']
    if report.get("failed"):
        items = "".join(f"<li><code>{escape(str(f.get('source', '')))}</code>: "
                        f"{escape(str(f.get('error', '')))}</li>" for f in report["failed"])
        html.append(f'<div class="pantau-note error">{t(lang, "failures")}<ul>{items}</ul></div>')
    if report.get("notices"):
        items = "".join(f"<li><code>{escape(str(n.get('source', '')))}</code>: "
                        f"{escape(str(n.get('message', '')))}</li>"
                        for n in report["notices"])
        html.append(f"<div>{t(lang, 'notices')}<ul>{items}</ul></div>")
    arts = [a for a in report.get("articles", []) if a.get("outcome") != "unchanged"]
    if arts:
        items = "".join(f"<li>{escape(t(lang, a['outcome'] if a['outcome'] != 'duplicate' else 'duplicates'))}: "
                        f"{escape(a.get('title') or a.get('source') or '')} "
                        f"<code>{escape(a.get('stored_as') or a.get('id') or '')}</code></li>"
                        for a in arts[:50])
        more = f"<li>… {len(arts) - 50}</li>" if len(arts) > 50 else ""
        html.append(f"<ul>{items}{more}</ul>")
    html.append("</div>")
    return "".join(html)


SORTS = ("newest", "oldest", "outlet", "language", "passages")


def article_rows(articles: Sequence[ArticleInfo], query: str = "", sort: str = "newest",
                 lang: str = "id") -> list[list]:
    """Table rows (id, title, outlet, date, language, passages, copies) of the articles
    matching ``query`` (title, outlet, id, URL; case-insensitive), sorted by ``sort``.
    Cells are plain text: the table component shows them as text, never as HTML."""
    q = (query or "").strip().lower()
    found = [a for a in articles
             if not q or any(q in (x or "").lower() for x in (a.title, a.outlet, a.id, a.url))]
    keys = {
        "newest": (lambda a: a.published or "", True),
        "oldest": (lambda a: a.published or "9999", False),
        "outlet": (lambda a: ((a.outlet or "").lower(), a.published or ""), False),
        "language": (lambda a: (a.language or "~", a.published or ""), False),
        "passages": (lambda a: a.passages, True),
    }
    key, reverse = keys.get(sort, keys["newest"])
    found.sort(key=key, reverse=reverse)
    return [[a.id, a.title, a.outlet, (a.published or "")[:10], a.language, a.passages,
             len(a.also_published)] for a in found]
