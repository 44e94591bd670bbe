"""Per-client rate limiting (issue 7.5, point 5): off by default, configured with
PANTAU_RATE_LIMIT, 429 with Retry-After over the limit, one bucket per client (per /64 for
IPv6, the forwarded address only behind a trusted proxy), web-UI API calls counted but not
its pages, CORS headers on the 429."""
from __future__ import annotations

import re

import openai
import pytest
from fastapi.testclient import TestClient

from api.ratelimit import client_id, counted
from app import create_app
from conftest import api_client, make_settings
from rag.config import Settings


def test_rate_limit_is_off_by_default(tmp_path):
    assert Settings(_env_file=None).rate_limit == ""
    c = api_client(tmp_path)
    assert all(c.get("/api/articles").status_code == 200 for _ in range(30))


def test_rate_limit_setting(monkeypatch):
    monkeypatch.setenv("PANTAU_RATE_LIMIT", "120/Minute")
    s = Settings(_env_file=None)
    assert (s.rate_limit, s.rate_limit_rule) == ("120/minute", (120, 60.0))
    for raw, rule in [("30", (30, 60.0)), ("5/s", (5, 1.0)), ("1000/hour", (1000, 3600.0)),
                      ("off", None), ("0", None)]:
        assert Settings(_env_file=None, rate_limit=raw).rate_limit_rule == rule, raw
    for bad in ("fast", "-5", "10/fortnight", "2.5/s"):
        with pytest.raises(ValueError, match=f"rate limit '{re.escape(bad)}'"):
            Settings(_env_file=None, rate_limit=bad)


def test_over_the_limit_is_429_with_retry_after(tmp_path):
    c = api_client(tmp_path, rate_limit="3/minute")
    assert [c.get("/api/articles").status_code for _ in range(3)] == [200] * 3
    r = c.post("/api/ask", json={"question": "Kapan TikTok Shop tutup?"})
    assert r.status_code == 429 and r.headers["retry-after"] == "20"  # one token per 20 s
    assert r.json() == {"error": "rate_limited", "detail": "too many requests from this "
                        "client: the limit is 3/minute (PANTAU_RATE_LIMIT); retry in 20 s"}
    v1 = c.get("/v1/models")
    assert v1.status_code == 429 and v1.headers["retry-after"] == "20"
    assert v1.json()["error"]["code"] == "rate_limit_exceeded"
    assert "retry in 20 s" in v1.json()["error"]["message"]
    oai = openai.OpenAI(base_url="http://testserver/v1", api_key="x", http_client=c,
                        max_retries=0)
    with pytest.raises(openai.RateLimitError):
        oai.models.list()
    assert all(c.get("/health").status_code == 200 for _ in range(5))  # never limited
    assert c.get("/docs").status_code == 200


def test_tokens_come_back_over_time(tmp_path, monkeypatch):
    import api.ratelimit

    clock = [1000.0]
    monkeypatch.setattr(api.ratelimit, "_now", lambda: clock[0])
    c = api_client(tmp_path, rate_limit="4/second")
    assert [c.get("/api/articles").status_code for _ in range(5)] == [200] * 4 + [429]
    clock[0] += 0.25  # one token every 0.25 s
    assert [c.get("/api/articles").status_code for _ in range(2)] == [200, 429]
    clock[0] += 10  # a full bucket, no more: a burst of 4 again
    assert [c.get("/api/articles").status_code for _ in range(5)] == [200] * 4 + [429]


def test_each_client_has_its_own_bucket(tmp_path):
    app = create_app(make_settings(tmp_path, rate_limit="2/minute"), with_ui=False)
    a = TestClient(app, client=("203.0.113.7", 40000))
    b = TestClient(app, client=("203.0.113.8", 40000))
    assert [a.get("/api/articles").status_code for _ in range(3)] == [200, 200, 429]
    assert b.get("/api/articles").status_code == 200  # not a's bucket
    # Without PANTAU_TRUST_PROXY a client cannot pick its identity with X-Forwarded-For.
    spoof = b.get("/api/articles", headers={"X-Forwarded-For": "198.51.100.1"})
    assert b.get("/api/articles").status_code == 429 and spoof.status_code == 200


def test_behind_a_proxy_the_forwarded_address_identifies_the_client(tmp_path):
    app = create_app(make_settings(tmp_path, rate_limit="2/minute", trust_proxy=True),
                     with_ui=False)
    proxy = TestClient(app, client=("10.0.0.2", 40000))  # every request comes via the proxy

    def get(chain):
        return proxy.get("/api/articles", headers={"X-Forwarded-For": chain}).status_code
    # The proxy appends the address it saw; what the client wrote before that is ignored.
    assert [get("1.1.1.1, 203.0.113.7"), get("2.2.2.2, 203.0.113.7"),
            get("203.0.113.7")] == [200, 200, 429]
    assert get("203.0.113.8") == 200


def test_the_web_ui_calls_count_but_its_pages_do_not(tmp_path):
    """The UI runs the same service: its event calls take tokens (else the limit would
    have a side door), its pages and assets never do."""
    c = TestClient(create_app(make_settings(tmp_path, rate_limit="2/minute")))
    assert all(c.get("/").status_code == 200 for _ in range(5))
    calls = [c.post("/gradio_api/queue/join", json={}) for _ in range(3)]
    assert [r.status_code for r in calls][2] == 429, [r.text for r in calls]
    assert calls[2].json()["error"] == "rate_limited"
    assert c.get("/").status_code == 200 and c.get("/config").status_code == 200


def test_what_is_counted_and_who_is_who():
    assert counted("POST", "/api/ask") and counted("GET", "/api/articles")
    assert counted("POST", "/v1/chat/completions") and counted("GET", "/v1/models")
    assert counted("POST", "/gradio_api/queue/join") and counted("POST", "/gradio_api/upload")
    assert counted("POST", "/gradio_api/call/ask")
    for method, path in [("GET", "/health"), ("GET", "/"), ("GET", "/gradio_api/queue/data"),
                         ("GET", "/assets/index.js"), ("OPTIONS", "/api/ask"),
                         ("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/apix")]:
        assert not counted(method, path), (method, path)
    peer = {"client": ("2001:db8:1:2:aaaa::1", 5), "headers": []}
    assert client_id(peer) == "2001:db8:1:2::/64"  # one subscriber's block
    assert client_id({"client": ("::ffff:203.0.113.9", 5)}) == "203.0.113.9"
    fwd = {"client": ("10.0.0.2", 5), "headers": [(b"x-forwarded-for", b"6.6.6.6, 203.0.113.7"),
                                                   (b"x-forwarded-for", b"198.51.100.4")]}
    assert client_id(fwd) == "10.0.0.2" and client_id(fwd, trust_proxy=True) == "198.51.100.4"


def test_429_carries_cors_headers(tmp_path):
    c = api_client(tmp_path, rate_limit="1/minute", cors_origins="https://app.example")
    origin = {"Origin": "https://app.example"}
    assert c.get("/api/articles", headers=origin).status_code == 200
    r = c.get("/api/articles", headers=origin)
    assert r.status_code == 429
    assert r.headers["access-control-allow-origin"] == "https://app.example"
