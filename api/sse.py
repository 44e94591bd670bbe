"""Server-sent events for ``POST /api/ask/stream``.

Events, in order: ``delta`` (``{"text": ...}``, tokens from an LLM or sentences of an
extractive answer) any number of times, one ``answer`` (the full Answer: text, citations,
as_of, found, conflicts), then ``done``. If answering fails after the stream has begun, an
``error`` event (``{"error", "detail"}``) ends it instead of ``answer`` and ``done``.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from itertools import chain
from typing import TypeVar

from rag.store.store import StoreUnavailable
from rag.types import Answer

log = logging.getLogger("pantau.api")
T = TypeVar("T")


def primed(items: Iterator[T]) -> Iterator[T]:
    """Run ``items`` up to its first item now, so that what fails before any output (the
    store, retrieval) fails the request with an ordinary HTTP error, not a broken stream."""
    try:
        first = next(items)
    except StopIteration:
        return iter(())
    return chain([first], items)


def event(name: str, data: object) -> str:
    """One server-sent event whose data is ``data`` as JSON on one line."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def sse_events(items: Iterator[str | Answer]) -> Iterator[str]:
    """Server-sent events for a stream of text deltas ending with an Answer."""
    try:
        for item in items:
            if isinstance(item, Answer):
                yield f"event: answer\ndata: {item.model_dump_json()}\n\n"
            else:
                yield event("delta", {"text": item})
    except StoreUnavailable as exc:
        yield event("error", {"error": "store_unavailable", "detail": str(exc)})
        return
    except Exception as exc:  # the status line is long gone: say so in the stream
        log.exception("answer stream failed")
        yield event("error", {"error": "internal_error",
                              "detail": f"internal error ({type(exc).__name__})"})
        return
    yield "event: done\ndata: {}\n\n"
