"""The shipped real-news-shaped set (data/realnews) and the persona battery are what they say:
every labelled piece of furniture is in its page, every evidence string survives cleaning
and ingestion verbatim, every key is specific."""
from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup

from conftest import REPO, make_settings
from ingest.pipeline import ingest_paths
from rag.evaluate import key_groups, load_qa
from rag.service import PantauService
from rag.text import normalize
from test_evaluate import GENERIC_KEYS, KINDS

REAL = REPO / "data" / "realnews"
FURNITURE_KINDS = {"nav", "flash", "caption", "credit", "read_also", "byline", "editor",
                   "share", "tags", "headline_repeat", "markdown", "dateline", "cutoff", "other"}


def _page_text(source: str) -> str:
    if "#" in source:
        name, url = source.split("#", 1)
        for line in (REAL / "corpus" / name).read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if rec.get("url") == url:
                return rec.get("title", "") + "\n" + rec["text"]
        raise AssertionError(f"no record {source}")
    raw = (REAL / "corpus" / source).read_text(encoding="utf-8")
    if source.endswith(".html"):
        return raw + "\n" + BeautifulSoup(raw, "html.parser").get_text(" ")
    return raw


def test_labels_point_at_what_is_in_the_pages():
    labels = [json.loads(ln) for ln in (REAL / "labels.jsonl").read_text().splitlines()]
    assert len(labels) >= 80 and len({lab["source"] for lab in labels}) == len(labels)
    squeeze = lambda s: re.sub(r"\s+", "", normalize(s))  # noqa: E731 - HTML splits text
    for lab in labels:
        page = squeeze(_page_text(lab["source"]))
        assert lab["language"] in {"id", "en"} and len(lab["true_date"]) == 10, lab["source"]
        assert set(lab["date_in"]) <= {"metadata", "url", "text"}, lab["source"]
        for f in lab["furniture"]:
            assert f["kind"] in FURNITURE_KINDS, (lab["source"], f)
            assert squeeze(f["text"]) in page, (lab["source"], f["text"])


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """Each corpus as Pantau stores it (cleaned), with the fake embedder."""
    out = {}
    for name, corpus in (("realnews", REAL / "corpus"), ("sample", REPO / "data" / "sample")):
        service = PantauService.from_settings(make_settings(tmp_path_factory.mktemp(name)))
        report = ingest_paths(service, [corpus])
        assert not report.failed
        out[name] = [normalize(a.text).lower() for a in service.store.scan_articles()]
    return out


INTENTS = {"status", "impact", "obligations", "sanctions", "relations", "chronology", "whats_new",
           "definition", "stakeholder", "fact", "unanswerable"}


@pytest.mark.parametrize("qa, corpus, kinds", [
    (REAL / "qa.jsonl", "realnews", KINDS | {"phrase", "yes-no-status"}),
    (REPO / "data" / "eval" / "persona.jsonl", "sample", INTENTS),
    (REAL / "persona.jsonl", "realnews", INTENTS),
])
def test_question_sets_are_well_formed_and_their_evidence_survives_cleaning(qa, corpus, kinds,
                                                                         stored):
    items = load_qa(qa)
    assert len(items) >= 100 and len({it["id"] for it in items}) == len(items)
    assert {it.get("kind") or it.get("intent") for it in items} == kinds
    for it in items:
        answerable = it.get("answerable", bool(it["evidence"]))
        assert answerable == bool(it["evidence"]) == bool(key_groups(it)), it["id"]
        for ev in it["evidence"]:
            assert any(normalize(ev).lower() in a for a in stored[corpus]), (it["id"], ev)
        for group in key_groups(it):
            assert not [k for k in group if len(k) < 3 or k.lower() in GENERIC_KEYS], (
                it["id"], group)
