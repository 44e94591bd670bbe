"""The API key: ``PANTAU_API_KEY`` guards the write endpoints, and the read endpoints too
when ``PANTAU_API_KEY_READS`` is true. ``/health`` is never guarded; the web UI has its own sign-in (``app.ui_sign_in``).

The key travels as ``Authorization: Bearer <key>`` (what the ``openai`` client sends as its
``api_key``) or ``X-API-Key: <key>``. Both schemes appear in the OpenAPI document, so the
"Authorize" button of /docs works.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable

from fastapi import Depends, HTTPException
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from rag.config import Settings

_bearer = HTTPBearer(auto_error=False, description="PANTAU_API_KEY as a bearer token")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="PANTAU_API_KEY")


def key_required(settings: Settings, *, reads: bool) -> bool:
    """Whether a write (``reads=False``) or read endpoint needs the key under ``settings``."""
    return bool(settings.api_key) and (not reads or settings.api_key_reads)


def require_key(settings: Settings, *, reads: bool = False) -> Callable[..., None]:
    """A dependency that rejects (401) a request without the configured key, if the key is
    required for this kind of endpoint (see ``key_required``)."""

    def check(bearer: HTTPAuthorizationCredentials | None = Depends(_bearer),
              header: str | None = Depends(_header)) -> None:
        if not key_required(settings, reads=reads):
            return
        given = bearer.credentials if bearer else header
        if not given:
            raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"},
                                detail="no API key: send 'Authorization: Bearer <key>' or "
                                       "'X-API-Key: <key>'")
        if not secrets.compare_digest(given.encode(), settings.api_key.encode()):
            raise HTTPException(status_code=401, detail="wrong API key",
                                headers={"WWW-Authenticate": "Bearer"})

    return check
