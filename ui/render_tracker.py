"""HTML for the tracker: regulation details, timelines (an inline SVG chart: no script, no
network) and "what is new" updates.

Pure functions (no Gradio), tested directly; every string from an article goes through
``html.escape`` and links only for http(s) URLs, as in ``render``.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from rag.tracking.events import EVENT_CUES
from rag.tracking.timeline import Timeline, TimelineEvent
from rag.tracking.registry import RegulationRecord
from rag.types import RetrievedPassage
from rag.tracking.updates import Updates

from .i18n import event_label, lang_code, t
from .render import RELATIONS, card, date_label, highlight_spans, html_link, note, safe_url

#: Colour per event type (chart marks, lane labels and chips); types in EVENT_CUES order.
TYPE_COLOURS = {
    "fined": "#b3261e", "acquired": "#7b3fa0", "merged": "#5b5fc7", "resumed": "#1e8a4c",
    "stopped": "#d9480f", "layoffs": "#a61e4d", "revised": "#b08900", "in_force": "#1864ab", "enacted": "#0b7285",
    "planned": "#6c757d", "announced": "#868e96",
}


def _relations(rec: RegulationRecord, lang: str) -> str:
    """"amends permendag-50-2020, ..." in the UI language."""
    return ", ".join(f"{t(lang, 'rel_' + r.type) if r.type in RELATIONS else r.type} {r.target}"
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
    name = rec.label
    rows = [(t(lang, "aliases"), ", ".join(rec.aliases) or rec.id)]
    if rec.issuer:
        rows.append((t(lang, "issuer"), rec.issuer))
    rows += [(t(lang, "first_seen"), date_label(rec.first_seen, lang)),
             (t(lang, "last_seen"), date_label(rec.last_seen, lang)),
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
        tip = f"{date_label(e.date, lang)} · {event_label(lang, e.type)}: {e.summary}"
        parts.append(f'<a href="#{prefix}-{n}"><circle class="pantau-mark" data-type="{escape(e.type, quote=True)}" '
                     f'cx="{cx:.1f}" cy="{cy:.1f}" r="8" fill="{colour}"><title>{escape(tip)}</title>'
                     f'</circle><text class="num" x="{cx:.1f}" y="{cy + 3:.1f}" '
                     f'text-anchor="middle">{n}</text></a>')
    parts.append("</svg>")
    # On a phone the chart keeps a readable size and scrolls sideways inside its box.
    return f'<div class="pantau-chart-wrap">{"".join(parts)}</div>'


def _event_date(e: TimelineEvent, lang: str) -> str:
    text = date_label(e.date, lang)
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
                                     escape(date_label(c.published, lang)), html_link(c.url, t(lang, "open"))) if x)
        items.append(
            f'<li class="pantau-event" id="{prefix}-{n}"><div><b>{n}.</b> '
            f"<strong>{escape(_event_date(e, lang))}</strong> "
            f'<span class="pantau-chip" style="background:{colour}">{escape(event_label(lang, e.type))}</span></div>'
            f"<div>{escape(e.summary)}</div><div class=\"meta\">{src}</div>"
            f"<details><summary>{t(lang, 'sources')}</summary>"
            f"<blockquote>{highlight_spans(c.quote, c.start, c.highlights)}</blockquote></details></li>")
    return f'<ol class="pantau-events">{"".join(items)}</ol>'


def render_timeline(tl: Timeline, lang: str, prefix: str = "pantau-ev") -> str:
    """A subject's status line, its chart and its cited events listed under it."""
    lang = lang_code(lang)
    if not tl.events:
        return note(t(lang, "no_events", label=tl.label))
    head = t(lang, "status", label=tl.label, date=date_label(tl.as_of, lang),
             status=event_label(lang, tl.status or ""))
    return (f'<div class="pantau-section pantau-timeline"><p><span class="pantau-badge">'
            f"{escape(head)}</span></p>{timeline_svg(tl.events, lang, prefix)}"
            f"<h4>{t(lang, 'events')} ({len(tl.events)})</h4>"
            f"{render_events(tl.events, lang, prefix)}</div>")


def render_updates(up: Updates, lang: str) -> str:
    """What's new since a date: per regulation or entity, the new articles and events."""
    lang = lang_code(lang)
    since = date_label(up.since, lang)
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
                            f"{' · ' + html_link(e.citation.url, t(lang, 'open')) if safe_url(e.citation.url) else ''})</span></li>")
            html.append("</ul>")
        if g.articles:
            html.append(f"<div>{t(lang, 'new_articles')}:</div><ul>")
            for a in g.articles:
                title = html_link(a.url, a.title or a.id) or escape(a.title or a.id)
                when = date_label(a.published, lang)
                html.append(f"<li>{title} · {escape(a.outlet or '')} · {escape(when)}</li>")
            html.append("</ul>")
        html.append("</details>")
    html.append("</div>")
    return "".join(html)
