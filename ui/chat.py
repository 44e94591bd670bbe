"""The chat tab: ask, watch the answer stream in, open its citation cards; filters, example
questions and follow-ups (earlier turns go to the service as history).

``answer_stream`` is the callback, a generator over ``PantauService.ask_stream``; it is a
plain function of the service so tests call it directly.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import gradio as gr

from rag.dates import parse_date
from rag.service import PantauService
from rag.types import Answer, Copy, Filters

from .i18n import LANGUAGES, lang_code, t
from .render import note, render_conversation

log = logging.getLogger("pantau.ui")

EXAMPLES = [
    "Kapan TikTok Shop menghentikan layanannya?",
    "What does Permendag 31/2023 require of social commerce?",
    "Berapa persen saham Tokopedia yang diambil TikTok?",
    "What is TikTok Shop's status now?",
]


def parse_day(value: str | None, lang: str) -> date | None:
    """A date typed by a person ("2023-10-04", "4 Oktober 2023"); ValueError (with a
    message in ``lang``) when it is not one; None when empty."""
    value = (value or "").strip()
    if not value:
        return None
    iso = parse_date(value)
    if not iso:
        raise ValueError(t(lang, "bad_date", value=value))
    return date.fromisoformat(iso[:10])


def parse_filters(lang: str, since: str | None, until: str | None,
                  outlets: list[str] | None, regulations: list[str] | None,
                  language: str | None) -> tuple[Filters | None, str]:
    """The Filters the inputs describe (None when none is set) and a one-line summary.
    ValueError (message in ``lang``) for a bad date or an empty range."""
    lo, hi = parse_day(since, lang), parse_day(until, lang)
    if lo and hi and lo > hi:
        raise ValueError(t(lang, "bad_range", since=lo.isoformat(), until=hi.isoformat()))
    outlets = [o for o in outlets or [] if o]
    regulations = [r for r in regulations or [] if r]
    language = language or None
    if not (lo or hi or outlets or regulations or language):
        return None, ""
    parts = []
    if lo or hi:
        parts.append(f"{lo.isoformat() if lo else '…'} – {hi.isoformat() if hi else '…'}")
    parts += [", ".join(outlets)] if outlets else []
    parts += [", ".join(regulations)] if regulations else []
    parts += [LANGUAGES.get(language, language)] if language else []
    return (Filters(since=lo, until=hi, outlets=outlets, regulations=regulations,
                    language=language), " · ".join(parts))


def history_of(turns: list[dict]) -> list[dict]:
    """Earlier answered turns as the service's history ({"role", "content"})."""
    out: list[dict] = []
    for turn in turns:
        answer = turn.get("answer")
        if answer is not None:
            out += [{"role": "user", "content": turn["question"]},
                    {"role": "assistant", "content": answer.answer}]
    return out[-20:]


def copies_of(service: PantauService, answer: Answer) -> dict[str, list[Copy]]:
    """For each cited article, the other outlets that published the same story."""
    out: dict[str, list[Copy]] = {}
    for aid in dict.fromkeys(c.article_id for c in answer.citations):
        article = service.article(aid)
        if article is not None and article.also_published:
            out[aid] = article.also_published
    return out


def answer_stream(service: PantauService, question: str, turns: list[dict] | None,
                  lang: str, since: str = "", until: str = "", outlets: list[str] | None = None,
                  regulations: list[str] | None = None, language: str = "",
                  top_k: int | None = None) -> Iterator[tuple[str, list[dict], object]]:
    """Yields (conversation HTML, turns, question box update): the question at once, the
    answer text as it streams, then the final answer with its cards."""
    lang = lang_code(lang)
    turns = list(turns or [])
    question = (question or "").strip()
    if not question:
        yield render_conversation(turns, lang) if turns else _notice(lang), turns, gr.skip()
        return
    history = history_of(turns)
    turn: dict = {"question": question, "partial": "", "answer": None, "error": None}
    turns.append(turn)
    try:
        filters, summary = parse_filters(lang, since, until, outlets, regulations, language)
    except ValueError as exc:
        turn["error"] = str(exc)
        yield render_conversation(turns, lang), turns, gr.skip()
        return
    turn["filters"] = summary
    yield render_conversation(turns, lang), turns, ""
    try:
        for item in service.ask_stream(question, top_k, filters, history):
            if isinstance(item, Answer):
                turn["answer"] = item
                turn["copies"] = copies_of(service, item)
            else:
                turn["partial"] += item
            yield render_conversation(turns, lang), turns, gr.skip()
    except Exception as exc:  # the reader sees why; the log has the traceback
        log.exception("answering %r failed", question)
        turn["error"] = t(lang, "error", error=str(exc) or type(exc).__name__)
        yield render_conversation(turns, lang), turns, gr.skip()


def _notice(lang: str) -> str:
    return f'<div class="pantau-out">{note(t(lang, "empty_question"))}</div>'


def read_allowed(service: PantauService, request: gr.Request | None) -> bool:
    """The /ask endpoint follows the HTTP API's read rule: with PANTAU_API_KEY and
    PANTAU_API_KEY_READS set, the caller signed in (the page's sign-in takes the key as
    password; gradio_client's ``auth=``) or sends the key as a bearer token or X-API-Key."""
    s = service.settings
    if not (s.api_key and getattr(s, "api_key_reads", False)):
        return True
    if getattr(request, "username", None):
        return True
    headers = getattr(request, "headers", None) or {}
    auth = headers.get("authorization", "")
    given = auth[7:] if auth.lower().startswith("bearer ") else headers.get("x-api-key", "")
    return secrets.compare_digest((given or "").encode(), s.api_key.encode())


def ask_api(service: PantauService):
    """The ``/ask`` endpoint for gradio_client: a question (and optional filters) in, the
    Answer as a JSON object out (the same fields as ``POST /api/ask``)."""

    def ask(question: str, top_k: int = 0, since: str = "", until: str = "",
            outlets: list[str] | None = None, language: str = "",
            regulations: list[str] | None = None,
            history: list[dict] | None = None, request: gr.Request = None) -> dict:
        """Answer a question from the stored news: text with markers [n], citations,
        as_of, found, conflicts and, when not found, the closest passages.

        Parameters:
            question: the question, in Indonesian or English
            top_k: passages to retrieve (0: the server's default)
            since: only articles published on or after this date (YYYY-MM-DD)
            until: only articles published on or before this date (YYYY-MM-DD)
            outlets: only these outlets
            language: only articles in this language ("id" or "en")
            regulations: only passages citing these regulation ids (permendag-31-2023)
            history: earlier turns [{"role": "user"|"assistant", "content": ...}]
        """
        if not read_allowed(service, request):
            raise gr.Error("missing or wrong API key: send 'Authorization: Bearer <key>' or "
                           "'X-API-Key: <key>' (PANTAU_API_KEY_READS is on)")
        question = (question or "").strip()
        if not question:
            raise gr.Error("question is empty")
        if len(question) > 2000:
            raise gr.Error("question is longer than 2000 characters")
        try:
            filters, _ = parse_filters("en", since, until, outlets, regulations, language)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        turns = [h for h in history or [] if isinstance(h, dict)
                 and h.get("role") in ("user", "assistant") and isinstance(h.get("content"), str)]
        answer = service.ask(question, top_k if top_k and top_k > 0 else None, filters,
                             turns[-50:])
        return answer.model_dump(mode="json")

    return ask


@dataclass
class ChatTab:
    """The chat tab's components that other parts of the page update."""

    outlets: gr.Dropdown
    regulations: gr.Dropdown


def build_chat(service: PantauService, lang_box: gr.Radio, lang: str) -> ChatTab:
    """The chat tab's components and events (call inside a ``gr.Tab``)."""
    turns = gr.State([])
    with gr.Row(equal_height=True):
        question = gr.Textbox(label=t(lang, "question"), placeholder=t(lang, "placeholder"),
                              scale=5, min_width=220, autofocus=True, lines=1, max_lines=4,
                              max_length=2000, elem_id="pantau-question")
        with gr.Column(scale=1, min_width=120):
            ask = gr.Button(t(lang, "ask"), variant="primary", elem_id="pantau-ask")
            new = gr.Button(t(lang, "new_chat"), size="sm", elem_id="pantau-new")
    with gr.Accordion(t(lang, "filters"), open=False, elem_id="pantau-filters") as filters:
        with gr.Row():
            since = gr.Textbox(label=t(lang, "since"), placeholder=t(lang, "date_placeholder"),
                               min_width=160, elem_id="pantau-since")
            until = gr.Textbox(label=t(lang, "until"), placeholder=t(lang, "date_placeholder"),
                               min_width=160, elem_id="pantau-until")
            language = gr.Radio(_language_choices(lang), value="", label=t(lang, "language"),
                                min_width=220, elem_id="pantau-language")
        with gr.Row():
            outlets = gr.Dropdown([], value=[], multiselect=True, label=t(lang, "outlets"),
                                  min_width=220, elem_id="pantau-outlets")
            regulations = gr.Dropdown([], value=[], multiselect=True,
                                      label=t(lang, "regulations_filter"), min_width=220,
                                      elem_id="pantau-regulations")
    examples = gr.Examples(EXAMPLES, inputs=question, label=t(lang, "examples"),
                           api_visibility="private", elem_id="pantau-examples")
    output = gr.HTML(render_conversation([], lang), elem_id="pantau-chat-out",
                     js_on_load=None, min_height=120)

    def run(q, history, ui_lang, lo, hi, outs, regs, lng):
        yield from answer_stream(service, q, history, ui_lang, lo, hi, outs, regs, lng)

    inputs = [question, turns, lang_box, since, until, outlets, regulations, language]
    for trigger in (question.submit, ask.click):
        trigger(run, inputs, [output, turns, question], api_visibility="private",
                show_progress="hidden", concurrency_limit=4, concurrency_id="ask")
    new.click(lambda ui_lang: (render_conversation([], ui_lang), [], ""), [lang_box],
              [output, turns, question], api_visibility="private", show_progress="hidden")

    def relabel(ui_lang, history, current):
        return (gr.update(label=t(ui_lang, "question"), placeholder=t(ui_lang, "placeholder")),
                gr.update(value=t(ui_lang, "ask")), gr.update(value=t(ui_lang, "new_chat")),
                gr.update(label=t(ui_lang, "filters")),
                gr.update(label=t(ui_lang, "since"), placeholder=t(ui_lang, "date_placeholder")),
                gr.update(label=t(ui_lang, "until"), placeholder=t(ui_lang, "date_placeholder")),
                gr.update(label=t(ui_lang, "language"), choices=_language_choices(ui_lang),
                          value=current or ""),
                gr.update(label=t(ui_lang, "outlets")),
                gr.update(label=t(ui_lang, "regulations_filter")),
                gr.update(label=t(ui_lang, "examples")),
                render_conversation(history, ui_lang))

    lang_box.change(relabel, [lang_box, turns, language],
                    [question, ask, new, filters, since, until, language, outlets, regulations,
                     examples.dataset, output], api_visibility="private", show_progress="hidden")
    gr.api(ask_api(service), api_name="ask", concurrency_limit=4, concurrency_id="ask")
    return ChatTab(outlets=outlets, regulations=regulations)


def _language_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(lang, "any_language"), "")] + [(name, code) for code, name in LANGUAGES.items()]


def filter_choices(service: PantauService) -> tuple[dict, dict]:
    """Updates for the outlet and regulation filter choices from what is stored."""
    outlets = sorted({a.outlet for a in service.articles() if a.outlet}, key=str.lower)
    regs = [(f"{r.label} ({r.id})", r.id)
            for r in service.regulations()]
    return gr.update(choices=outlets), gr.update(choices=regs)
