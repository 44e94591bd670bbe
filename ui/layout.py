"""The page: a header with the language switch and three tabs (chat, sources, tracker).

Every UI event is private (``api_visibility="private"``): the API page lists only
``/ask`` (see ``ui.chat.ask_api``), which gradio_client calls.
"""
from __future__ import annotations

import gradio as gr

from rag.service import PantauService

from .chat import build_chat, filter_choices
from .i18n import DEFAULT, LANGUAGES, t
from .sources import build_sources
from .tracker import build_tracker


def theme() -> gr.themes.Base:
    """Gradio's default theme with the system's own fonts: nothing to fetch, so offline the
    page renders in one font family (the bundled web fonts have two weights, and bold
    headings fell back glyph by glyph)."""
    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto",
                                   "Helvetica Neue", "Arial", "sans-serif"],
                             font_mono=["ui-monospace", "SFMono-Regular", "Menlo",
                                        "Consolas", "monospace"])


def _header(lang: str) -> str:
    return (f'<div class="pantau-header"><h2 style="margin:0">Pantau</h2>'
            f'<p style="margin:.1em 0 0;opacity:.8">{t(lang, "subtitle")}</p></div>')


def build_ui(service: PantauService, lang: str = DEFAULT) -> gr.Blocks:
    """A Blocks app over ``service``; mounted at / by ``app.create_app``."""
    private = dict(api_visibility="private")
    with gr.Blocks(title="Pantau", delete_cache=(3600, 3600)) as ui:
        with gr.Row(equal_height=True, elem_id="pantau-header-row"):
            with gr.Column(scale=3, min_width=260):
                header = gr.HTML(_header(lang), js_on_load=None)
            with gr.Column(scale=1, min_width=260):
                lang_box = gr.Radio([(name, code) for code, name in LANGUAGES.items()],
                                    value=lang, label=t(lang, "ui_language"),
                                    elem_id="pantau-ui-lang")
        with gr.Tabs(elem_id="pantau-tabs"):
            with gr.Tab(t(lang, "tab_chat"), id="chat", elem_id="pantau-tab-chat") as tab_chat:
                chat = build_chat(service, lang_box, lang)
            with gr.Tab(t(lang, "tab_sources"), id="sources",
                        elem_id="pantau-tab-sources") as tab_sources:
                sources = build_sources(service, lang_box, lang)
            with gr.Tab(t(lang, "tab_tracker"), id="tracker",
                        elem_id="pantau-tab-tracker") as tab_tracker:
                tracker = build_tracker(service, lang_box, lang)

        lang_box.change(lambda ui_lang: (_header(ui_lang), gr.update(label=t(ui_lang, "ui_language")),
                                         gr.update(label=t(ui_lang, "tab_chat")),
                                         gr.update(label=t(ui_lang, "tab_sources")),
                                         gr.update(label=t(ui_lang, "tab_tracker"))),
                        lang_box, [header, lang_box, tab_chat, tab_sources, tab_tracker],
                        show_progress="hidden", **private)

        # What is stored fills the tables and choices when the page opens and after writes.
        refresh_filters = (lambda: filter_choices(service), None, [chat.outlets, chat.regulations])
        for fn, inputs, outputs in (sources.load, tracker.load, refresh_filters):
            ui.load(fn, inputs, outputs, show_progress="hidden", **private)
            sources.changed.change(fn, inputs, outputs, show_progress="hidden", **private)
    return ui
