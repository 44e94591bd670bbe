"""`pantau watch`: feeds polled from the local test server, digests written."""
import json
import os
import subprocess
import sys

import pytest

from ingest.watch import parse_every, read_feed_list

from conftest import REPO
from test_web import no_proxy, web_server  # noqa: F401  (fixtures by name)


def test_parse_every():
    assert parse_every("30m") == 1800 and parse_every("1h") == 3600
    assert parse_every("2h30m") == 9000 and parse_every("90s") == 90
    for bad in ("soon", "30", "m30", "1d"):
        with pytest.raises(ValueError, match="cannot read interval"):
            parse_every(bad)


def test_watch_once_writes_a_digest(web_server, tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"# feeds we follow\n{web_server.base}/rss-full.xml\n\n{web_server.base}/atom.xml\n")
    assert read_feed_list(feeds) == [f"{web_server.base}/rss-full.xml", f"{web_server.base}/atom.xml"]
    data = tmp_path / "data"
    env = {**os.environ, "PANTAU_DATA_DIR": str(data), "PANTAU_EMBEDDING_MODEL": "fake",
           "PANTAU_FETCH_ALLOW_PRIVATE": "true"}
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env.pop(k, None)

    def pantau(*args):
        return subprocess.run([sys.executable, "-m", "cli", "watch", *args], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=120)

    r = pantau("--watchlist", "tiktok-shop,Tokopedia")
    assert r.returncode == 0 and "tiktok-shop, tokopedia" in r.stdout
    r = pantau("--feeds", str(feeds), "--once")
    assert r.returncode == 0, r.stderr
    state = json.loads((data / "watch.json").read_text())
    assert state["watchlist"] == ["tiktok-shop", "tokopedia"] and state["last_round"]
    (md,) = sorted((data / "digests").glob("*.md"))
    digest = json.loads(md.with_suffix(".json").read_text())
    assert digest["ingest"]["added"] >= 2 and not digest["ingest"]["failed"]
    assert {g["key"] for g in digest["groups"]} <= {"tiktok-shop", "tokopedia"}
    assert digest["groups"] and "## " in md.read_text()
    assert pantau("--feeds", str(feeds), "--every", "soon").returncode == 2
