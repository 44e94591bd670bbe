"""One JSON error shape per API family, and the request body limit.

``/api/*`` (and ``/health``) errors::

    {"error": "<code>", "detail": "<what was wrong with which input>",
     "field": "filters.since",            # 422 only: the offending input, dotted
     "errors": [{"field", "message", "type"}, ...]}   # 422 only: every problem found

``detail`` stays a plain string so clients written against FastAPI's default 4xx bodies
keep working. ``/v1/*`` (the OpenAI-compatible endpoints) answer in OpenAI's shape, so the
``openai`` client raises its own exception classes (AuthenticationError for 401,
BadRequestError for 400, NotFoundError for 404, ...)::

    {"error": {"message": "...", "type": "invalid_request_error", "param": "messages",
               "code": "invalid_request"}}

Invalid input is 422 on ``/api`` (FastAPI's convention) and 400 on ``/v1`` (OpenAI's).
"""
from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.store.store import StoreUnavailable


#: Error codes of the /api shape by status.
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
         422: "invalid_request", 429: "rate_limited", 500: "internal_error",
         503: "unavailable"}


class FieldError(HTTPException):
    """422: the input ``field`` (dotted, e.g. ``filters.since``) is invalid because ``detail``."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(status_code=422, detail=detail)
        self.field = field


class BodyTooLarge(HTTPException):
    """413: the request body is over the configured limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body over the limit of {limit} "
                         "bytes (PANTAU_MAX_REQUEST_BYTES)")


def is_openai_path(path: str) -> bool:
    """True for the OpenAI-compatible endpoints, whose errors use OpenAI's shape."""
    return path == "/v1" or path.startswith("/v1/")


def error_response(path: str, status: int, detail: str, *, code: str | None = None,
                   field: str | None = None, errors: list[dict] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """The error body for a request to ``path`` in its API family's shape."""
    code = code or CODES.get(status, "error")
    if is_openai_path(path):
        kind = ("server_error" if status >= 500 else
                "authentication_error" if status == 401 else "invalid_request_error")
        body: dict[str, Any] = {"error": {"message": detail, "type": kind, "param": field,
                                          "code": code}}
    else:
        body = {"error": code, "detail": detail}
        if field is not None:
            body["field"] = field
        if errors is not None:
            body["errors"] = errors
    return JSONResponse(status_code=status, content=body, headers=headers)


# Pydantic appends the member type to the location of each failed member of a union
# (``filters.since.date`` and ``filters.since.datetime`` for ``date | datetime``); the
# client's field is the part before it. No request model has a field named like these.
_TYPE_TAG = re.compile(r"^(date|datetime|time|str|int|float|bool|bytes|none|list|dict|set|"
                       r"tuple|decimal|uuid|url|literal\[.*\]|.*\[.*\]|function-.*|"
                       r"json-or-python.*|lax-or-strict.*)$")
_SOURCES = ("body", "query", "path", "header", "cookie")


def field_of(loc: tuple | list) -> str:
    """``("body", "filters", "since", "date")`` -> ``"filters.since"``; a whole-body error
    (missing body, invalid JSON, a model-level rule) is ``"body"``."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
    else:
        source = "body"
    while len(parts) > 1 and isinstance(parts[-1], str) and _TYPE_TAG.match(parts[-1]):
        parts.pop()
    return ".".join(str(p) for p in parts) or source


def _problems(exc: RequestValidationError) -> list[dict]:
    """One entry per invalid field, in order, first message kept."""
    seen: dict[str, dict] = {}
    for e in exc.errors():
        if e.get("type") == "json_invalid":
            field = "body"
            msg = f"invalid JSON ({(e.get('ctx') or {}).get('error', 'decode error')} at " \
                  f"character {e['loc'][-1]})"
        else:
            field = field_of(e.get("loc", ()))
            msg = str(e.get("msg", "invalid value"))
        seen.setdefault(field, {"field": field, "message": msg, "type": e.get("type", "")})
    return list(seen.values())


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error its family's JSON shape."""

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _problems(exc) or [{"field": "body", "message": "invalid request",
                                       "type": ""}]
        detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        openai = is_openai_path(request.url.path)
        return error_response(request.url.path, 400 if openai else 422, detail,
                              code="invalid_request", field=problems[0]["field"],
                              errors=problems)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status, field, code = exc.status_code, getattr(exc, "field", None), None
        if status == 422:
            field, code = field or "body", "invalid_request"
            if is_openai_path(request.url.path):
                status = 400
        return error_response(request.url.path, status, str(exc.detail), code=code,
                              field=field, headers=getattr(exc, "headers", None))

    @app.exception_handler(StoreUnavailable)
    def _store_down(request: Request, exc: StoreUnavailable) -> JSONResponse:
        return error_response(request.url.path, 503, str(exc), code="store_unavailable")

    @app.exception_handler(Exception)
    def _crash(request: Request, exc: Exception) -> JSONResponse:
        # Starlette logs the traceback and re-raises after sending this.
        return error_response(request.url.path, 500, f"internal error ({type(exc).__name__})")


class BodyLimit:
    """ASGI middleware: 413 for ``/api`` and ``/v1`` request bodies over ``max_bytes``,
    by Content-Length up front, or by counting the bytes of a chunked body as it is read.

    Multipart uploads get the larger ``max_upload_bytes`` (the upload endpoint also limits
    each file, PANTAU_MAX_FILE_BYTES, while streaming it to disk): counted as they arrive,
    so an oversized upload stops before the form parser has spooled it all to the
    temporary folder. The web UI's own routes are not touched."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        headers = Headers(scope=scope) if scope["type"] == "http" else None
        if headers is None or not (path.startswith("/api/") or is_openai_path(path)):
            await self.app(scope, receive, send)
            return
        limit = (self.max_upload_bytes
                 if headers.get("content-type", "").startswith("multipart/form-data")
                 else self.max_bytes)
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            exc = BodyTooLarge(limit)
            await error_response(path, 413, exc.detail, headers={"Connection": "close"})(
                scope, receive, send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as exc:  # read outside FastAPI's handlers (none today)
            if started:
                raise
            await error_response(path, 413, exc.detail)(scope, receive, send)
