"""The server-sent event streams over raw HTTP, as curl and hand-written clients see them:
`POST /api/ask/stream` (delta..., answer, done) and `POST /v1/chat/completions` with
`"stream": true` (data: chunks..., data: [DONE]), from `pantau serve` with the real model."""
import http.client
import json
import re
import shutil
import subprocess

import pytest

from conftest import start_server

pytestmark = pytest.mark.integration

QUESTION = "Kapan TikTok Shop menghentikan layanannya?"


@pytest.fixture(scope="module")
def server(tmp_path_factory, real_model_dir):
    srv = start_server(tmp_path_factory.mktemp("sse"))
    yield srv
    srv.stop()


def _post(server, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    conn.request("POST", path, body=json.dumps(body).encode(),
                 headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
    return conn, conn.getresponse()


def _events(lines):
    """SSE lines -> [(event name or None, data)], checking the framing on the way."""
    events, name, data = [], None, None
    for line in lines:
        if line == "":
            assert data is not None, "an event without data"
            events.append((name, data))
            name, data = None, None
        elif line.startswith("event: "):
            assert name is None and data is None
            name = line[7:]
        elif line.startswith("data: "):
            assert data is None, "one data line per event"
            data = line[6:]
        else:
            raise AssertionError(f"not an SSE line: {line!r}")
    assert name is None and data is None, "the stream ended mid-event"
    return events


def _check_ask_stream(events):
    kinds = [k for k, _ in events]
    assert kinds[-2:] == ["answer", "done"] and set(kinds[:-2]) == {"delta"}, kinds
    assert len(kinds) >= 4  # several deltas: the answer arrives sentence by sentence
    answer = json.loads(events[-2][1])
    assert "".join(json.loads(d)["text"] for k, d in events if k == "delta") == answer["answer"]
    assert answer["found"] and answer["citations"]
    assert {c["marker"] for c in answer["citations"]} == {
        int(m) for m in re.findall(r"\[(\d+)\]", answer["answer"])}
    assert json.loads(events[-1][1]) == {}
    return answer


def test_ask_stream_over_http_client(server):
    conn, resp = _post(server, "/api/ask/stream", {"question": QUESTION})
    try:
        assert resp.status == 200
        assert resp.getheader("Content-Type").startswith("text/event-stream")
        assert resp.getheader("Cache-Control") == "no-cache"
        assert resp.getheader("Content-Length") is None  # streamed, not buffered
        assert resp.getheader("Transfer-Encoding") == "chunked"
        lines = []
        while raw := resp.readline():  # line by line, as the bytes arrive
            assert raw.endswith(b"\n")
            lines.append(raw.decode("utf-8").rstrip("\n"))
    finally:
        conn.close()
    answer = _check_ask_stream(_events(lines))
    assert any(c["published"].startswith("2023-10-04") for c in answer["citations"])


def test_openai_stream_over_http_client(server):
    conn, resp = _post(server, "/v1/chat/completions", {
        "model": "pantau", "stream": True, "messages": [{"role": "user", "content": QUESTION}]})
    try:
        assert resp.status == 200 and resp.getheader("Content-Type").startswith("text/event-stream")
        lines = [raw.decode("utf-8").rstrip("\n") for raw in iter(resp.readline, b"")]
    finally:
        conn.close()
    events = _events(lines)
    assert all(name is None for name, _ in events)  # OpenAI streams carry no event names
    assert events[-1][1] == "[DONE]"
    chunks = [json.loads(d) for _, d in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "\n\nSumber:\n[1] " in text


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_ask_stream_with_curl(server):
    r = subprocess.run(["curl", "-sS", "-N", "-D", "-", "-X", "POST", server.url + "/api/ask/stream",
                        "-H", "Content-Type: application/json", "-d", json.dumps({"question": QUESTION})],
                       capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    head, _, body = r.stdout.decode("utf-8").partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 200") and "content-type: text/event-stream" in head.lower()
    _check_ask_stream(_events(body.split("\n")[:-1]))
