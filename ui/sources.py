"""The sources tab: the article table (search, sort), file upload, web pages and feeds,
delete with confirmation, progress and the ingest report.

Writes (ingest, delete) follow the HTTP API's rule: when ``PANTAU_API_KEY`` is set, the
tab shows a key field and refuses writes without the right key; reading stays open.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from ingest.sources import SUPPORTED
from rag.service import PantauService

from .i18n import t
from .render import SORTS, article_rows, note, render_report

log = logging.getLogger("pantau.ui")

Progress = Callable[..., object]


def authorised(service: PantauService, key: str | None) -> bool:
    """True when no API key is configured or ``key`` is it."""
    expected = service.settings.api_key
    return not expected or secrets.compare_digest((key or "").encode(), expected.encode())


def _lines(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").splitlines() if x.strip()]


def _run_ingest(service: PantauService, lang: str, progress: Progress | None, total: int,
                **sources) -> tuple[str, dict | None]:
    from ingest.pipeline import ingest

    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress((min(done, total), total), desc=t(lang, "reading", n=total))

    if progress is not None:
        progress((0, total), desc=t(lang, "reading", n=total))
    try:
        report = ingest(service, progress=step, **sources).to_dict()
    except Exception as exc:
        log.exception("ingest from the UI failed")
        return note(t(lang, "error", error=str(exc) or type(exc).__name__), "error"), None
    return render_report(report, lang), report


def ingest_files(service: PantauService, files: Sequence[str] | None, key: str | None,
                 lang: str, progress: Progress | None = None) -> tuple[str, dict | None]:
    """Copy uploaded files into ``<data_dir>/uploads`` (safe names, size limit) and ingest
    them; the report as HTML (and as a dict, None when nothing ran)."""
    from ingest.uploads import save_upload

    if not authorised(service, key):
        return note(t(lang, "wrong_key"), "error"), None
    if not files:
        return note(t(lang, "nothing_to_add")), None
    s = service.settings
    saved, failed = [], []
    for f in files:
        path = Path(f if isinstance(f, str) else getattr(f, "name", str(f)))
        try:
            with open(path, "rb") as stream:
                saved.append(save_upload(stream, path.name, s.data_dir / "uploads",
                                         s.max_file_bytes))
        except (ValueError, OSError) as exc:  # UploadTooLarge is a ValueError
            failed.append({"source": path.name, "error": str(exc)})
    if saved:
        html, report = _run_ingest(service, lang, progress, len(saved), paths=saved)
        if report is None:
            return html, None
    else:
        report = {"added": 0, "updated": 0, "unchanged": 0, "duplicates": 0, "failed": [],
                  "notices": [], "articles": []}
    report["failed"] = failed + list(report["failed"])
    return render_report(report, lang), report


def ingest_links(service: PantauService, urls: str | None, feeds: str | None, key: str | None,
                 lang: str, progress: Progress | None = None) -> tuple[str, dict | None]:
    """Fetch and ingest web pages and RSS/Atom feeds (one per line)."""
    if not authorised(service, key):
        return note(t(lang, "wrong_key"), "error"), None
    u, f = _lines(urls), _lines(feeds)
    if not (u or f):
        return note(t(lang, "nothing_to_add")), None
    return _run_ingest(service, lang, progress, len(u) + len(f), urls=u, feeds=f)


def article_table(service: PantauService, query: str | None, sort: str | None,
                  lang: str) -> tuple[dict, str]:
    """The article table's value (headers in ``lang``) and a count line."""
    articles = service.articles()
    rows = article_rows(articles, query or "", sort or "newest", lang)
    headers = [t(lang, k) for k in ("col_id", "col_title", "col_outlet", "col_date",
                                    "col_language", "col_passages", "col_copies")]
    if not articles:
        count = note(t(lang, "no_articles"))
    else:
        count = f"<p>{t(lang, 'article_count', shown=len(rows), total=len(articles))}</p>"
    return {"headers": headers, "data": rows}, count


def ask_delete(service: PantauService, article_id: str | None, key: str | None,
               lang: str) -> tuple[dict, str, str]:
    """First step of a delete: (confirmation box update, its question, a message) — the
    box opens with the article's title, or stays shut and the message says why."""
    article_id = (article_id or "").strip()
    if not authorised(service, key):
        return gr.update(visible=False), "", note(t(lang, "wrong_key"), "error")
    info = next((a for a in service.articles() if a.id == article_id), None) if article_id else None
    if info is None:
        return (gr.update(visible=False), "",
                note(t(lang, "no_such_article", id=article_id or "—"), "error"))
    return (gr.update(visible=True),
            note(t(lang, "delete_ask", title=info.title or info.id, id=info.id)), "")


def delete_article(service: PantauService, article_id: str | None, key: str | None,
                   lang: str) -> str:
    """Delete an article and its passages; a message as HTML."""
    article_id = (article_id or "").strip()
    if not authorised(service, key):
        return note(t(lang, "wrong_key"), "error")
    if not article_id or not service.delete(article_id):
        return note(t(lang, "no_such_article", id=article_id or "—"), "error")
    return note(t(lang, "deleted", id=article_id), "ok")


def _sort_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(lang, f"sort_{s}"), s) for s in SORTS]


@dataclass
class SourcesTab:
    """What the page hooks into: ``changed`` (a counter) changes after every write;
    ``load`` is (fn, inputs, outputs) to run when the page opens."""

    changed: gr.State
    load: tuple[Callable, list, list]


def build_sources(service: PantauService, lang_box: gr.Radio, lang: str) -> SourcesTab:
    """The sources tab's components and events (call inside a ``gr.Tab``)."""
    needs_key = bool(service.settings.api_key)
    changed = gr.State(0)
    last_report = gr.State(None)
    key = gr.Textbox(label=t(lang, "api_key"), type="password", visible=needs_key,
                     info=t(lang, "key_needed"), elem_id="pantau-key")
    with gr.Row(equal_height=False):
        with gr.Column(min_width=260):
            files = gr.File(label=t(lang, "upload"), file_count="multiple", type="filepath",
                            file_types=sorted(SUPPORTED), height=140, elem_id="pantau-upload")
            add_files = gr.Button(t(lang, "add_files"), variant="primary",
                                  elem_id="pantau-add-files")
        with gr.Column(min_width=260):
            urls = gr.Textbox(label=t(lang, "urls"), lines=2, placeholder="https://…",
                              elem_id="pantau-urls")
            feeds = gr.Textbox(label=t(lang, "feeds"), lines=1, placeholder="https://…/rss",
                               elem_id="pantau-feeds")
            add_links = gr.Button(t(lang, "add_links"), elem_id="pantau-add-links")
    report = gr.HTML("", elem_id="pantau-report", js_on_load=None)
    with gr.Row():
        search = gr.Textbox(label=t(lang, "search"), scale=3, min_width=200,
                            elem_id="pantau-search")
        sort = gr.Dropdown(_sort_choices(lang), value="newest", label=t(lang, "sort"), scale=1,
                           min_width=140, elem_id="pantau-sort")
    count = gr.HTML("", js_on_load=None, elem_id="pantau-count")
    table = gr.Dataframe(value={"headers": [""] * 7, "data": []}, interactive=False, wrap=True,
                         max_height=420, column_widths=["14%", "34%", "16%", "11%", "8%", "8%", "9%"],
                         elem_id="pantau-articles")
    with gr.Row(equal_height=True):
        delete_id = gr.Textbox(label=t(lang, "delete_id"), scale=3, min_width=200,
                               elem_id="pantau-delete-id")
        delete = gr.Button(t(lang, "delete"), variant="stop", scale=1, min_width=120,
                           elem_id="pantau-delete")
    with gr.Group(visible=False, elem_id="pantau-confirm") as confirm:
        confirm_msg = gr.HTML("", js_on_load=None)
        with gr.Row():
            yes = gr.Button(t(lang, "confirm_delete"), variant="stop", elem_id="pantau-confirm-yes")
            no = gr.Button(t(lang, "cancel"), elem_id="pantau-confirm-no")
    message = gr.HTML("", js_on_load=None, elem_id="pantau-delete-msg")

    private = dict(api_visibility="private")

    def refresh(q, s, ui_lang):
        return article_table(service, q, s, ui_lang)

    table_outputs = [table, count]

    def on_files(paths, k, ui_lang, n, progress=gr.Progress()):
        html, rep = ingest_files(service, paths, k, ui_lang, progress)
        return html, rep, n + (rep is not None), None

    def on_links(u, f, k, ui_lang, n, progress=gr.Progress()):
        html, rep = ingest_links(service, u, f, k, ui_lang, progress)
        return html, rep, n + (rep is not None), ("" if rep else u), ("" if rep else f)

    add_files.click(on_files, [files, key, lang_box, changed], [report, last_report, changed, files],
                    concurrency_id="write", concurrency_limit=1, **private)
    add_links.click(on_links, [urls, feeds, key, lang_box, changed],
                    [report, last_report, changed, urls, feeds], concurrency_id="write",
                    concurrency_limit=1, **private)
    changed.change(refresh, [search, sort, lang_box], table_outputs, show_progress="hidden", **private)
    search.change(refresh, [search, sort, lang_box], table_outputs, show_progress="hidden", **private)
    sort.change(refresh, [search, sort, lang_box], table_outputs, show_progress="hidden", **private)

    def on_select(evt: gr.SelectData):
        row = evt.row_value or []
        return row[0] if row else gr.skip()

    table.select(on_select, None, delete_id, **private)
    delete.click(lambda i, k, ui_lang: ask_delete(service, i, k, ui_lang),
                 [delete_id, key, lang_box], [confirm, confirm_msg, message], **private)
    no.click(lambda: (gr.update(visible=False), ""), None, [confirm, message], **private)

    def on_yes(i, k, ui_lang, n):
        msg = delete_article(service, i, k, ui_lang)
        ok = "pantau-note ok" in msg
        return gr.update(visible=False), msg, n + ok, ("" if ok else gr.skip())

    yes.click(on_yes, [delete_id, key, lang_box, changed], [confirm, message, changed, delete_id],
              concurrency_id="write", concurrency_limit=1, **private)

    def relabel(ui_lang, q, s, rep):
        table_value, count_html = article_table(service, q, s, ui_lang)
        return (gr.update(label=t(ui_lang, "api_key"), info=t(ui_lang, "key_needed")),
                gr.update(label=t(ui_lang, "upload")), gr.update(value=t(ui_lang, "add_files")),
                gr.update(label=t(ui_lang, "urls")), gr.update(label=t(ui_lang, "feeds")),
                gr.update(value=t(ui_lang, "add_links")),
                render_report(rep, ui_lang) if rep else gr.skip(),
                gr.update(label=t(ui_lang, "search")),
                gr.update(label=t(ui_lang, "sort"), choices=_sort_choices(ui_lang), value=s),
                table_value, count_html,
                gr.update(label=t(ui_lang, "delete_id")), gr.update(value=t(ui_lang, "delete")),
                gr.update(value=t(ui_lang, "confirm_delete")), gr.update(value=t(ui_lang, "cancel")))

    lang_box.change(relabel, [lang_box, search, sort, last_report],
                    [key, files, add_files, urls, feeds, add_links, report, search, sort, table,
                     count, delete_id, delete, yes, no], show_progress="hidden", **private)
    return SourcesTab(changed=changed, load=(refresh, [search, sort, lang_box], table_outputs))
