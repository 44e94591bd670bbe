"""Impact of a regulation: stakeholders and obligations, each a cited sentence."""
from fastapi.testclient import TestClient

from app import create_app
from ingest.pipeline import ingest_paths
from rag.tracking.impact import statement_kind
from rag.service import PantauService

from conftest import REPO


def test_statement_kinds():
    assert statement_kind("Media sosial dilarang memfasilitasi transaksi.") == "prohibition"
    assert statement_kind("Each item must be worth at least USD 100 FOB.") == "threshold"
    assert statement_kind("Pedagang wajib memiliki izin usaha.") == "obligation"
    assert statement_kind("Sanksi mulai dari peringatan tertulis.") == "sanction"
    assert statement_kind("Harga cabai naik.") is None


def test_permendag_31_impact_on_the_sample(settings):
    service = PantauService.from_settings(settings)
    ingest_paths(service, [REPO / "data" / "sample"])
    imp = service.impact("permendag-31-2023")
    groups = {g.group for g in imp.stakeholders}
    assert {"platforms", "sellers", "importers"} <= groups
    texts = " ".join(o.text for o in imp.obligations)
    assert "100" in texts and ("transaksi" in texts or "payments" in texts)  # floor and ban
    kinds = {o.kind for o in imp.obligations}
    assert {"prohibition", "threshold"} <= kinds and "effect" not in kinds
    for o in imp.obligations:
        s, e = o.citation.highlights[0]
        assert o.citation.quote[s - o.citation.start:e - o.citation.start] == o.text
    c = TestClient(create_app(settings, with_ui=False, service=service))
    body = c.get("/api/impact", params={"regulation": "permendag-31-2023"}).json()
    assert body["regulation"] == "permendag-31-2023" and body["obligations"]
    assert c.get("/api/impact", params={"regulation": "uu-1-1900"}).status_code == 404
