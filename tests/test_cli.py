"""The `pantau` command as a user runs it (a subprocess), honouring PANTAU_DATA_DIR."""
import json
import os
import subprocess
import sys

from conftest import REPO


def _pantau(*args, data_dir, **env):
    full = {**os.environ, "PANTAU_DATA_DIR": str(data_dir), "PANTAU_EMBEDDING_MODEL": "fake",
            "PANTAU_MIN_RELEVANCE": "0", **env}
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO, env=full,
                          capture_output=True, text=True, timeout=120)


def test_ingest_ask_articles_delete(tmp_path, news_dir):
    data = tmp_path / "store"
    r = _pantau("ingest", str(news_dir), "--json", data_dir=data)
    assert r.returncode == 1, r.stderr  # two bad JSONL lines fail; the rest is ingested
    report = json.loads(r.stdout)
    assert report["added"] == 7 and len(report["failed"]) == 2
    assert (data / "chroma").is_dir()

    r = _pantau("ingest", str(news_dir / "001_tiktok-shop-berhenti.txt"), data_dir=data)
    assert r.returncode == 0 and "Nothing changed" in r.stdout

    r = _pantau("ask", "Kapan TikTok Shop berhenti melayani transaksi?", "--json", data_dir=data)
    assert r.returncode == 0, r.stderr
    ans = json.loads(r.stdout)
    assert ans["found"] and ans["citations"] and ans["mode"] == "extractive"

    r = _pantau("articles", "--json", data_dir=data)
    arts = json.loads(r.stdout)
    assert len(arts) == 7
    r = _pantau("delete", arts[0]["id"], "nope", data_dir=data)
    assert r.returncode == 1 and "no article with id nope" in r.stderr
    assert len(json.loads(_pantau("articles", "--json", data_dir=data).stdout)) == 6


def test_usage_errors_exit_2(tmp_path, news_dir):
    assert _pantau("ingest", data_dir=tmp_path).returncode == 2
    assert _pantau("frobnicate", data_dir=tmp_path).returncode == 2
    r = _pantau("ingest", str(news_dir), "--batch", "0", data_dir=tmp_path)
    assert r.returncode == 2 and "--batch must be at least 1, got 0" in r.stderr


def test_ingest_in_larger_batches(tmp_path, news_dir):
    r = _pantau("-v", "ingest", str(news_dir), "--batch", "4", "--json", data_dir=tmp_path)
    assert json.loads(r.stdout)["added"] == 7
    assert r.stderr.count("indexed a batch of 4 articles") == 1  # 4, then the 3 left


def test_not_found_exits_1(tmp_path, news_dir):
    data = tmp_path / "store"
    _pantau("ingest", str(news_dir), data_dir=data)
    r = _pantau("ask", "Siapa juara Piala Dunia 2022?", data_dir=data, PANTAU_MIN_RELEVANCE="1.1")
    assert r.returncode == 1 and "tidak menjawab" in r.stdout
