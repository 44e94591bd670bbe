"""HTML for answers, citation cards, reports, regulation details, timelines and updates.

Pure functions (no Gradio), tested directly. Every string that came from an article (or
from a user) goes through ``html.escape``; links are emitted only for http(s) URLs. The
timeline chart is inline SVG drawn here: no script, no network.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from html import escape
from urllib.parse import urlsplit

from rag.answer import format_date
from rag.timeline import EVENT_CUES, Timeline, TimelineEvent
from rag.track import RegulationRecord
from rag.types import Answer, ArticleInfo, Citation, Copy, RetrievedPassage
from rag.updates import Updates

from .i18n import event_label, lang_code, t

CSS = """
.pantau-out {min-height: 7rem}
.pantau-turn {border-bottom: 1px solid var(--border-color-primary, #d7dce3); padding: .4em 0 .9em;
  margin-bottom: .6em}
.pantau-q {font-weight: 600; margin: 0 0 .4em; overflow-wrap: anywhere}
.pantau-q .who {font-weight: 400; opacity: .7; margin-right: .4em}
.pantau-filters-note {font-size: .8rem; opacity: .75; margin: -.2em 0 .4em}
.pantau-answer {font-size: 1.05rem; line-height: 1.6; overflow-wrap: anywhere}
.pantau-answer p {margin: 0 0 .6em}
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

#: Colour per event type (chart marks, lane labels and chips); types in EVENT_CUES order.
TYPE_COLOURS = {
    "fined": "#b3261e", "acquired": "#7b3fa0", "merged": "#5b5fc7", "resumed": "#1e8a4c",
    "stopped": "#d9480f", "revised": "#b08900", "in_force": "#1864ab", "enacted": "#0b7285",
    "planned": "#6c757d", "announced": "#868e96",
}
_MARKER = re.compile(r"\[(\d+)\]")


def safe_url(url: str | None) -> str:
    """``url`` when it is http(s), else "" (no javascript:, data: or relative links)."""
    return url if url and re.match(r"^https?://[^\s\"'<>]+$", url, re.I) else ""


def note(text: str, kind: str = "") -> str:
    """A short message box (kind: "", "ok" or "error"); ``text`` is escaped."""
    return f'<div class="pantau-note {kind}">{escape(text)}</div>'


def _date(iso: str | None, lang: str) -> str:
    return format_date(iso, lang) if iso else t(lang, "no_date")


def _link(url: str | None, label: str) -> str:
    u = safe_url(url)
    return (f'<a href="{escape(u, quote=True)}" target="_blank" rel="noopener noreferrer">'
            f"{escape(label)}</a>") if u else ""


def _highlighted(text: str, base: int, spans: Iterable[tuple[int, int]]) -> str:
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
            text = _link(c.url, name)
        if c.published:
            text += f" ({escape(_date(c.published, lang))})"
        items.append(text)
    return f'<div class="pantau-also">{t(lang, "also")}: {", ".join(items)}</div>'


def card(item: Citation | RetrievedPassage, lang: str, anchor: str, label: str = "",
         copies: Sequence[Copy] = ()) -> str:
    """A citation card: title, outlet, date, link, the quote (the answering sentences
    highlighted) and the other outlets that published the story."""
    lang = lang_code(lang)
    link = _link(item.url, t(lang, "open"))
    meta = " · ".join(x for x in (escape(item.outlet or ""), escape(_date(item.published, lang)),
                                  link) if x)
    if isinstance(item, Citation):
        quote = _highlighted(item.quote, item.start, item.highlights)
    else:
        quote = escape(item.text)
    return (f'<div class="pantau-card" id="{escape(anchor, quote=True)}">'
            f"<div><strong>{escape(label)}{escape(item.title or '')}</strong></div>"
            f'<div class="meta">{meta}</div><blockquote>{quote}</blockquote>'
            f"{_also(copies, lang)}</div>")


def _paragraphs(body: str) -> str:
    return "".join(f"<p>{p}</p>" for p in body.split("\n\n") if p.strip())


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
                 f'{escape(_date(answer.as_of, lang))}</span>')
    elif answer.found:
        badge = ""
    else:
        badge = f'<span class="pantau-badge none">{t(lang, "none")}</span>'
    if answer.mode != "extractive":
        badge += f'<span class="pantau-badge mode">{t(lang, "mode")}: {escape(answer.mode)}</span>'
    html = [f'<div class="pantau-answer">{badge}{_paragraphs(body)}</div>']
    if answer.conflicts:
        items = "".join(
            f"<li>{escape(t(lang, 'superseded', date=_date(c.published, lang), claim=c.claim, new=c.superseded_by))}"
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


# -- tracker ----------------------------------------------------------------------------
_RELATIONS = ("amends", "replaces", "revokes", "implements")


def _relations(rec: RegulationRecord, lang: str) -> str:
    """"amends permendag-50-2020, ..." in the UI language."""
    return ", ".join(f"{t(lang, 'rel_' + r.type) if r.type in _RELATIONS else r.type} {r.target}"
                     for r in rec.relations)


def regulation_rows(regs: Sequence[RegulationRecord], lang: str = "id") -> list[list]:
    """Table rows (id, type, year, mentions, last seen, relations)."""
    lang = lang_code(lang)
    return [[r.id, r.type, r.year, r.mentions, (r.last_seen or "")[:10], _relations(r, lang)]
            for r in regs]


def render_regulation(rec: RegulationRecord, passages: Sequence[RetrievedPassage],
                      timeline: Timeline | None, lang: str, max_passages: int = 8) -> str:
    """One regulation: what it is, how the news cites it, its relations, its timeline and
    the passages citing it (newest first)."""
    lang = lang_code(lang)
    name = min(rec.aliases, key=len) if rec.aliases else rec.id
    rows = [(t(lang, "aliases"), ", ".join(rec.aliases) or rec.id)]
    if rec.issuer:
        rows.append((t(lang, "issuer"), rec.issuer))
    rows += [(t(lang, "first_seen"), _date(rec.first_seen, lang)),
             (t(lang, "last_seen"), _date(rec.last_seen, lang)),
             (t(lang, "regulation"), t(lang, "mentions", mentions=rec.mentions, articles=rec.articles))]
    if rec.relations:
        rows.append((t(lang, "relations"), _relations(rec, lang)))
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows)
    html = [f'<div class="pantau-section" id="pantau-reg-{escape(rec.id, quote=True)}">'
            f"<h3>{escape(name)}</h3>"]
    if rec.title:
        html.append(f"<p>{escape(rec.title)}</p>")
    html.append(f'<dl class="pantau-dl">{dl}</dl>')
    if timeline is not None and timeline.events:
        html.append(f"<h4>{t(lang, 'timeline')}</h4>{render_timeline(timeline, lang, 'pantau-rt')}")
    newest = sorted(passages, key=lambda p: p.published or "", reverse=True)
    cards = [card(p, lang, f"pantau-rp-{i + 1}") for i, p in enumerate(newest[:max_passages])]
    if len(newest) > max_passages:
        cards.append(f"<p>{escape(t(lang, 'more_passages', n=len(newest) - max_passages))}</p>")
    if cards:  # folded: the detail stays short next to the timeline
        html.append(f'<details class="pantau-citing"><summary>{t(lang, "citing")} '
                    f"({len(newest)})</summary>{''.join(cards)}</details>")
    html.append("</div>")
    return "".join(html)


def _days(iso: str) -> int:
    return date.fromisoformat(iso[:10]).toordinal()


def _ticks(lo: int, hi: int) -> list[tuple[int, str]]:
    """Axis ticks between two day ordinals: years when the span is long, else months."""
    d0, d1 = date.fromordinal(lo), date.fromordinal(hi)
    years = [date(y, 1, 1) for y in range(d0.year, d1.year + 1) if lo <= date(y, 1, 1).toordinal() <= hi]
    if len(years) >= 2:
        step = max(1, -(-len(years) // 8))
        return [(d.toordinal(), str(d.year)) for d in years[::step]]
    months = []
    y, m = d0.year, d0.month
    while (y, m) <= (d1.year, d1.month):
        d = date(y, m, 1)
        if lo <= d.toordinal() <= hi:
            months.append(d)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    step = max(1, -(-len(months) // 6))
    return [(d.toordinal(), f"{d.month:02d}/{d.year}") for d in months[::step]]


def timeline_svg(events: Sequence[TimelineEvent], lang: str, prefix: str = "pantau-ev") -> str:
    """The events over time as inline SVG: one lane per event type, one circle per event
    (coloured by its type, numbered, linking to ``#{prefix}-{n}`` in the list below)."""
    lang = lang_code(lang)
    if not events:
        return ""
    order = [k for k in EVENT_CUES if any(e.type == k for e in events)]
    order += sorted({e.type for e in events} - set(order))
    left, right, top, lane_h, axis_h, width = 150, 20, 14, 30, 30, 760
    height = top + lane_h * len(order) + axis_h
    days = [_days(e.date) for e in events]
    lo, hi = min(days), max(days)
    pad = max(15, (hi - lo) // 20)
    lo, hi = lo - pad, hi + pad
    span = max(1, hi - lo)

    def x(day: int) -> float:
        return left + (width - left - right) * (day - lo) / span

    parts = [f'<svg class="pantau-chart" viewBox="0 0 {width} {height}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(t(lang, "timeline"), quote=True)}">']
    axis_y = top + lane_h * len(order)
    for day, label in _ticks(lo, hi):
        parts.append(f'<line class="grid" x1="{x(day):.1f}" y1="{top - 6}" x2="{x(day):.1f}" '
                     f'y2="{axis_y}"/><text class="tick" x="{x(day):.1f}" y="{axis_y + 16}" '
                     f'text-anchor="middle">{escape(label)}</text>')
    for i, etype in enumerate(order):
        cy = top + lane_h * i + lane_h / 2
        colour = TYPE_COLOURS.get(etype, "#495057")
        parts.append(f'<line class="grid" x1="{left}" y1="{cy}" x2="{width - right}" y2="{cy}"/>'
                     f'<text class="lane" x="{left - 10}" y="{cy + 4}" text-anchor="end" '
                     f'fill="{colour}">{escape(event_label(lang, etype))}</text>')
    seen: dict[tuple[str, int], int] = {}
    for n, (e, day) in enumerate(zip(events, days), start=1):
        lane = order.index(e.type)
        cx = x(day)
        slot = (e.type, round(cx / 8))
        k = seen[slot] = seen.get(slot, -1) + 1  # events on top of each other step sideways
        cx += 9 * k
        cy = top + lane_h * lane + lane_h / 2
        colour = TYPE_COLOURS.get(e.type, "#495057")
        tip = f"{_date(e.date, lang)} · {event_label(lang, e.type)}: {e.summary}"
        parts.append(f'<a href="#{prefix}-{n}"><circle class="pantau-mark" data-type="{escape(e.type, quote=True)}" '
                     f'cx="{cx:.1f}" cy="{cy:.1f}" r="8" fill="{colour}"><title>{escape(tip)}</title>'
                     f'</circle><text class="num" x="{cx:.1f}" y="{cy + 3:.1f}" '
                     f'text-anchor="middle">{n}</text></a>')
    parts.append("</svg>")
    # On a phone the chart keeps a readable size and scrolls sideways inside its box.
    return f'<div class="pantau-chart-wrap">{"".join(parts)}</div>'


def _event_date(e: TimelineEvent, lang: str) -> str:
    text = _date(e.date, lang)
    if e.date_source == "text-month":
        return text.split(" ", 1)[1]
    if e.date_source == "text-year":
        return e.date[:4]
    if e.date_source == "article":
        return f"{text} ({t(lang, 'date_from_article')})"
    return text


def render_events(events: Sequence[TimelineEvent], lang: str, prefix: str = "pantau-ev") -> str:
    """The cited events, numbered as on the chart: date, type, the sentence stating it, its
    source, and the passage with the sentence highlighted (folded)."""
    lang = lang_code(lang)
    items = []
    for n, e in enumerate(events, start=1):
        c = e.citation
        colour = TYPE_COLOURS.get(e.type, "#495057")
        src = " · ".join(x for x in (escape(c.title or ""), escape(c.outlet or ""),
                                     escape(_date(c.published, lang)), _link(c.url, t(lang, "open"))) if x)
        items.append(
            f'<li class="pantau-event" id="{prefix}-{n}"><div><b>{n}.</b> '
            f"<strong>{escape(_event_date(e, lang))}</strong> "
            f'<span class="pantau-chip" style="background:{colour}">{escape(event_label(lang, e.type))}</span></div>'
            f"<div>{escape(e.summary)}</div><div class=\"meta\">{src}</div>"
            f"<details><summary>{t(lang, 'sources')}</summary>"
            f"<blockquote>{_highlighted(c.quote, c.start, c.highlights)}</blockquote></details></li>")
    return f'<ol class="pantau-events">{"".join(items)}</ol>'


def render_timeline(tl: Timeline, lang: str, prefix: str = "pantau-ev") -> str:
    """A subject's status line, its chart and its cited events listed under it."""
    lang = lang_code(lang)
    if not tl.events:
        return note(t(lang, "no_events", label=tl.label))
    head = t(lang, "status", label=tl.label, date=_date(tl.as_of, lang),
             status=event_label(lang, tl.status or ""))
    return (f'<div class="pantau-section pantau-timeline"><p><span class="pantau-badge">'
            f"{escape(head)}</span></p>{timeline_svg(tl.events, lang, prefix)}"
            f"<h4>{t(lang, 'events')} ({len(tl.events)})</h4>"
            f"{render_events(tl.events, lang, prefix)}</div>")


def render_updates(up: Updates, lang: str) -> str:
    """What's new since a date: per regulation or entity, the new articles and events."""
    lang = lang_code(lang)
    since = _date(up.since, lang)
    if not up.groups:
        return note(t(lang, "no_updates", date=since))
    html = [f'<div class="pantau-section"><p><span class="pantau-badge">'
            f"{escape(t(lang, 'updates_head', n=up.articles, date=since))}</span></p>"]
    for i, g in enumerate(up.groups):  # the busiest group open, the others folded
        counts = f"{len(g.articles)} {t(lang, 'new_articles').lower()}, {len(g.events)} {t(lang, 'new_events').lower()}"
        html.append(f'<details class="pantau-group"{" open" if i == 0 else ""}><summary><strong>'
                    f"{escape(g.label)}</strong> <small>({escape(g.key)}) · {escape(counts)}"
                    f"</small></summary>")
        if g.events:
            html.append(f"<div>{t(lang, 'new_events')}:</div><ul>")
            for e in g.events:
                colour = TYPE_COLOURS.get(e.type, "#495057")
                html.append(f"<li><strong>{escape(_event_date(e, lang))}</strong> "
                            f'<span class="pantau-chip" style="background:{colour}">'
                            f"{escape(event_label(lang, e.type))}</span>{escape(e.summary)} "
                            f'<span class="meta">({escape(e.citation.outlet or "")}'
                            f"{' · ' + _link(e.citation.url, t(lang, 'open')) if safe_url(e.citation.url) else ''})</span></li>")
            html.append("</ul>")
        if g.articles:
            html.append(f"<div>{t(lang, 'new_articles')}:</div><ul>")
            for a in g.articles:
                title = _link(a.url, a.title or a.id) or escape(a.title or a.id)
                when = _date(a.published, lang)
                html.append(f"<li>{title} · {escape(a.outlet or '')} · {escape(when)}</li>")
            html.append("</ul>")
        html.append("</details>")
    html.append("</div>")
    return "".join(html)
