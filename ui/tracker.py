"""The tracker tab: the regulations the news cites (table and detail view), the timeline of
an entity or a regulation (chart + cited events), and what's new since a date."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from rag.service import PantauService

from .chat import parse_day
from .i18n import t
from .render import note
from .render_tracker import regulation_rows, render_regulation, render_timeline, render_updates

log = logging.getLogger("pantau.ui")

DEFAULT_SUBJECT = "tiktok-shop"


def regulation_table(service: PantauService, lang: str) -> tuple[dict, str]:
    """The regulation table's value (headers in ``lang``) and an empty-state note."""
    regs = service.regulations()
    headers = [t(lang, k) for k in ("col_id", "col_type", "col_year", "col_mentions",
                                    "col_last_seen", "col_relations")]
    return ({"headers": headers, "data": regulation_rows(regs, lang)},
            "" if regs else note(t(lang, "no_regulations")))


def regulation_detail(service: PantauService, reg_id: str | None, lang: str) -> str:
    """One regulation's detail view as HTML (a prompt when none is picked)."""
    if not reg_id:
        return note(t(lang, "detail_empty"))
    found = service.regulation(reg_id)
    if found is None:
        return note(t(lang, "no_regulations"), "error")
    rec, passages = found
    return render_regulation(rec, passages, service.timeline(rec.id), lang)


def timeline_view(service: PantauService, subject: str | None, until: str | None,
                  lang: str) -> str:
    """A subject's timeline (up to ``until``) as HTML: status, chart, cited events."""
    if not subject:
        return note(t(lang, "timeline_empty"))
    try:
        day = parse_day(until, lang)
    except ValueError as exc:
        return note(str(exc), "error")
    tl = service.timeline(subject, day.isoformat() if day else None)
    if tl is None:
        return note(t(lang, "no_events", label=subject), "error")
    return render_timeline(tl, lang)


def updates_view(service: PantauService, since: str | None, subject: str | None,
                 lang: str) -> str:
    """What's new since a date (for one subject or all) as HTML."""
    try:
        day = parse_day(since, lang)
    except ValueError as exc:
        return note(str(exc), "error")
    if day is None:
        return note(t(lang, "updates_empty"))
    return render_updates(service.updates(day.isoformat(), subject or None), lang)


def choices(service: PantauService, lang: str) -> tuple[list, list, list]:
    """Choices for the regulation picker, the timeline subject and the updates subject."""
    regs = [(f"{r.label} ({r.id})", r.id)
            for r in service.regulations()]
    subjects = [(f"{label} ({sid})" if label != sid else sid, sid)
                for sid, label in service.subjects()]
    return regs, subjects, [(t(lang, "any_subject"), "")] + subjects


@dataclass
class TrackerTab:
    """What the page hooks into: ``load`` (fn, inputs, outputs) refreshes the tab."""

    load: tuple[Callable, list, list]


def build_tracker(service: PantauService, lang_box: gr.Radio, lang: str) -> TrackerTab:
    """The tracker tab's components and events (call inside a ``gr.Tab``)."""
    private = dict(api_visibility="private")
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=320):
            regs_head = gr.HTML(f"<h3>{t(lang, 'regulations')}</h3>", js_on_load=None)
            reg_table = gr.Dataframe(value={"headers": [""] * 6, "data": []}, interactive=False,
                                     wrap=True, max_height=300, elem_id="pantau-regs",
                                     column_widths=["27%", "15%", "10%", "12%", "15%", "21%"])
            reg_empty = gr.HTML("", js_on_load=None)
            reg_pick = gr.Dropdown([], value=None, label=t(lang, "regulation_pick"),
                                   elem_id="pantau-reg-pick")
            detail = gr.HTML(note(t(lang, "detail_empty")), js_on_load=None,
                             elem_id="pantau-reg-detail")
        with gr.Column(scale=1, min_width=320):
            tl_head = gr.HTML(f"<h3>{t(lang, 'timeline')}</h3>", js_on_load=None)
            with gr.Row(equal_height=True):
                subject = gr.Dropdown([], value=None, label=t(lang, "subject"), scale=3,
                                      min_width=180, elem_id="pantau-subject")
                until = gr.Textbox(label=t(lang, "until"), placeholder=t(lang, "date_placeholder"),
                                   scale=2, min_width=150, elem_id="pantau-tl-until")
            show = gr.Button(t(lang, "show_timeline"), size="sm", elem_id="pantau-show-timeline")
            timeline = gr.HTML(note(t(lang, "timeline_empty")), js_on_load=None,
                               elem_id="pantau-timeline")
    new_head = gr.HTML(f"<h3>{t(lang, 'whats_new')}</h3>", js_on_load=None)
    with gr.Row(equal_height=True):
        since = gr.Textbox(label=t(lang, "since_date"), placeholder=t(lang, "date_placeholder"),
                           scale=2, min_width=160, elem_id="pantau-upd-since")
        upd_subject = gr.Dropdown([(t(lang, "any_subject"), "")], value="",
                                  label=t(lang, "updates_subject"), scale=3, min_width=200,
                                  elem_id="pantau-upd-subject")
        show_new = gr.Button(t(lang, "show_updates"), scale=1, min_width=120,
                             elem_id="pantau-show-updates")
    updates = gr.HTML(note(t(lang, "updates_empty")), js_on_load=None, elem_id="pantau-updates")

    def on_select(evt: gr.SelectData):
        row = evt.row_value or []
        return row[0] if row else gr.skip()

    reg_table.select(on_select, None, reg_pick, **private)
    reg_pick.change(lambda r, ui_lang: regulation_detail(service, r, ui_lang),
                    [reg_pick, lang_box], detail, **private)
    for trigger in (subject.change, show.click, until.submit):
        trigger(lambda s, u, ui_lang: timeline_view(service, s, u, ui_lang),
                [subject, until, lang_box], timeline, **private)
    for trigger in (show_new.click, since.submit, upd_subject.change):
        trigger(lambda d, s, ui_lang: updates_view(service, d, s, ui_lang),
                [since, upd_subject, lang_box], updates, **private)

    def load(ui_lang, current_reg, current_subject, current_upd):
        table, empty = regulation_table(service, ui_lang)
        regs, subjects, upd = choices(service, ui_lang)
        ids = [v for _, v in subjects]
        pick = current_subject or (DEFAULT_SUBJECT if DEFAULT_SUBJECT in ids else (ids[0] if ids else None))
        return (table, empty,
                gr.update(choices=regs, value=current_reg, label=t(ui_lang, "regulation_pick")),
                gr.update(choices=subjects, value=pick, label=t(ui_lang, "subject")),
                gr.update(choices=upd, value=current_upd or "",
                          label=t(ui_lang, "updates_subject")))

    load_outputs = [reg_table, reg_empty, reg_pick, subject, upd_subject]
    load_inputs = [lang_box, reg_pick, subject, upd_subject]

    def relabel(ui_lang, r, s, u, d, us):
        return (f"<h3>{t(ui_lang, 'regulations')}</h3>",
                regulation_detail(service, r, ui_lang),
                f"<h3>{t(ui_lang, 'timeline')}</h3>",
                gr.update(label=t(ui_lang, "until"), placeholder=t(ui_lang, "date_placeholder")),
                gr.update(value=t(ui_lang, "show_timeline")),
                timeline_view(service, s, u, ui_lang),
                f"<h3>{t(ui_lang, 'whats_new')}</h3>",
                gr.update(label=t(ui_lang, "since_date"), placeholder=t(ui_lang, "date_placeholder")),
                gr.update(value=t(ui_lang, "show_updates")),
                updates_view(service, d, us, ui_lang)) + load(ui_lang, r, s, us)

    lang_box.change(relabel, [lang_box, reg_pick, subject, until, since, upd_subject],
                    [regs_head, detail, tl_head, until, show, timeline, new_head, since,
                     show_new, updates] + load_outputs,
                    show_progress="hidden", **private)
    return TrackerTab(load=(load, load_inputs, load_outputs))
