"""OpenAI-compatible endpoints: ``GET /v1/models`` and ``POST /v1/chat/completions``
(plain and ``stream: true``), so that OpenAI clients (the ``openai`` package, LangChain's
ChatOpenAI, chat front-ends) talk to Pantau unchanged.

What a client gets:

- ``choices[0].message.content``: the answer with its markers ``[n]``, then a blank line
  and the sources list (``Sources:`` / ``Sumber:`` and one ``[n] Title — Outlet,
  YYYY-MM-DD, URL`` line per citation). A question the sources do not answer gets the
  plain "the sources do not answer" sentence and no list.
- ``citations`` (top level; ``completion.citations`` in the ``openai`` client): every
  citation as ``POST /api/ask`` returns it (marker, passage_id, article_id, title, outlet,
  url, published, quote, start, end, score, highlights).
- ``pantau``: ``found``, ``as_of``, ``language``, ``mode``, ``conflicts``, ``unsupported``,
  ``closest`` (when not found) and ``ignored_roles``.
- ``usage`` is null: Pantau does not count tokens (extractive answers have none).

What Pantau takes from a request: the last message, which must be the user's, is the
question; earlier user and assistant messages are the conversation (for follow-ups; the
sources list Pantau appended to its own earlier answers is dropped). System, developer and
tool messages are ignored, and so are ``temperature``, ``max_tokens``, ``tools`` and other
generation parameters: answers come from the stored articles, with citations, whatever a
client's prompt asks (the article text is data, never instructions). Any ``model`` name is
accepted and answered by Pantau. ``n`` must be 1. Pantau's own options go in an optional
``pantau`` object: ``{"top_k": 5, "filters": {"since": ..., "language": ...}}`` (the
``openai`` client sends it with ``extra_body``).

Streaming sends one chunk with the role, the answer text in sentence-sized chunks, then a
last chunk with the sources list, ``finish_reason: "stop"``, ``citations`` and ``pantau``,
then ``data: [DONE]``. The chunks are sent once the answer is complete and validated: with
an LLM backend, validation can renumber markers and tag unsourced sentences, and a client
that concatenates deltas must end up with markers that match ``citations``. (Raw tokens as
they are generated: ``POST /api/ask/stream``.)
"""
from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from rag.config import Settings
from rag.service import PantauService
from rag.types import Answer, Filters

from .errors import FieldError
from .security import require_key

MODEL_ID = "pantau"
#: A fixed creation time for the one listed model (2023-10-04, TikTok Shop's closure).
MODEL_CREATED = 1696377600
MAX_QUESTION = 2000
MAX_TURN = 20_000
MAX_HISTORY = 50
SOURCES_LABEL = {"id": "Sumber", "en": "Sources"}
_SOURCES_BLOCK = re.compile(r"\n\n(?:Sources|Sumber):\n\[\d+\] .*\Z", re.S)
# A piece of an answer: up to and including a marker (and the space after it), or the rest.
_PIECES = re.compile(r".*?\](?:\s+|$)|.+$", re.S)


class ContentPart(BaseModel):
    """One part of a message's content list; only ``text`` parts are read."""

    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class PantauOptions(BaseModel):
    """Pantau's own request options (``extra_body={"pantau": {...}}`` in the openai client)."""

    top_k: int | None = Field(None, ge=1, le=50)
    filters: Filters | None = None


class ChatCompletionRequest(BaseModel):
    """OpenAI's request body; generation parameters are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1, max_length=500)
    stream: bool = False
    n: int = Field(1, ge=1, le=1, description="Pantau gives one answer per question.")
    pantau: PantauOptions | None = None


def _text(msg: ChatMessage, i: int) -> str:
    if msg.content is None:
        return ""
    if isinstance(msg.content, str):
        return msg.content
    other = [p.type for p in msg.content if p.type != "text"]
    if other and msg.role == "user":
        raise FieldError(f"messages.{i}.content",
                         f"only text content is supported, not {', '.join(sorted(set(other)))}")
    return "".join(p.text or "" for p in msg.content if p.type == "text")


def conversation(messages: list[ChatMessage]) -> tuple[str, list[dict], list[str]]:
    """The question (the last message, the user's), the earlier user/assistant turns as
    Pantau's history, and the roles of the messages that were ignored."""
    last = len(messages) - 1
    if messages[last].role != "user":
        raise FieldError(f"messages.{last}.role", "the last message must be the user's "
                         f"question, not a {messages[last].role!r} message")
    question = _text(messages[last], last).strip()
    if not question:
        raise FieldError(f"messages.{last}.content", "the question is empty")
    if len(question) > MAX_QUESTION:
        raise FieldError(f"messages.{last}.content", f"the question is {len(question)} "
                         f"characters long; the limit is {MAX_QUESTION}")
    history, ignored = [], set()
    for i, msg in enumerate(messages[:last]):
        if msg.role not in ("user", "assistant"):
            ignored.add(msg.role)
            continue
        text = _text(msg, i)
        if msg.role == "assistant":
            text = _SOURCES_BLOCK.sub("", text)
        if text.strip():
            history.append({"role": msg.role, "content": text.strip()[:MAX_TURN]})
    return question, history[-MAX_HISTORY:], sorted(ignored)


def sources_block(answer: Answer) -> str:
    """``\\n\\nSources:\\n[1] Title — Outlet, 2023-10-04, URL`` (empty without citations)."""
    if not answer.citations:
        return ""
    lines = []
    for c in sorted(answer.citations, key=lambda c: c.marker):
        where = ", ".join(x for x in (c.outlet, (c.published or "")[:10], c.url) if x)
        title = " ".join(c.title.split()) or c.article_id
        lines.append(f"[{c.marker}] {title}" + (f" — {where}" if where else ""))
    label = SOURCES_LABEL.get(answer.language, SOURCES_LABEL["en"])
    return f"\n\n{label}:\n" + "\n".join(lines)


def extras(answer: Answer, ignored: list[str]) -> dict:
    """The top-level ``citations`` and ``pantau`` fields of a completion (or its last chunk)."""
    info = answer.model_dump(include={"found", "as_of", "language", "mode", "conflicts",
                                      "unsupported", "closest", "intent", "relations"})
    info["ignored_roles"] = ignored
    return {"citations": [c.model_dump() for c in answer.citations], "pantau": info}


def completion(answer: Answer, ignored: list[str]) -> dict:
    """A ``chat.completion`` object for ``answer``."""
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion",
        "created": int(time.time()), "model": MODEL_ID, "system_fingerprint": None,
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant", "refusal": None,
                                 "content": answer.answer + sources_block(answer)}}],
        "usage": None, **extras(answer, ignored),
    }


def pieces(items: Iterator[str | Answer]) -> tuple[list[str], Answer]:
    """Run the service's stream to its end: the text pieces to send and the final Answer.
    The pieces are the streamed deltas when they add up to the final text (extractive
    answers: one per sentence), else the final text cut at its markers."""
    deltas: list[str] = []
    for item in items:
        if isinstance(item, Answer):
            if "".join(deltas) != item.answer:
                deltas = _PIECES.findall(item.answer)
            return [d for d in deltas if d], item
        deltas.append(item)
    raise RuntimeError("the answer stream ended without an answer")


def chunks(parts: list[str], answer: Answer, ignored: list[str]) -> Iterator[str]:
    """``chat.completion.chunk`` server-sent events, then ``data: [DONE]``."""
    head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": MODEL_ID, "system_fingerprint": None}

    def chunk(delta: dict, finish: str | None = None, **more) -> str:
        body = {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                                     "logprobs": None}], **more}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for part in parts:
        yield chunk({"content": part})
    tail = sources_block(answer)
    yield chunk({"content": tail} if tail else {}, "stop", **extras(answer, ignored))
    yield "data: [DONE]\n\n"


def model_card() -> dict:
    return {"id": MODEL_ID, "object": "model", "created": MODEL_CREATED, "owned_by": "pantau"}


def openai_router(service: PantauService, settings: Settings) -> APIRouter:
    """The ``/v1`` routes over ``service``; the key is needed when reads are protected."""
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"],
                       dependencies=[Depends(require_key(settings, reads=True))])

    @router.get("/models")
    def models() -> dict:
        """The one model Pantau serves (any model name is accepted by chat completions)."""
        return {"object": "list", "data": [model_card()]}

    @router.get("/models/{model_id}")
    def model(model_id: str) -> dict:
        if model_id != MODEL_ID:
            raise HTTPException(status_code=404, detail=f"no model {model_id!r}; Pantau "
                                f"serves {MODEL_ID!r}")
        return model_card()

    @router.post("/chat/completions", response_model=None)
    def chat_completions(req: ChatCompletionRequest) -> dict | StreamingResponse:
        """The last user message answered from the stored news, cited (see module doc)."""
        question, history, ignored = conversation(req.messages)
        opts = req.pantau or PantauOptions()
        if not req.stream:
            return completion(service.ask(question, opts.top_k, opts.filters, history),
                              ignored)
        parts, answer = pieces(service.ask_stream(question, opts.top_k, opts.filters,
                                                  history))
        return StreamingResponse(chunks(parts, answer, ignored),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    return router
