"""The regulation registry over the sample corpus (real Chroma, fake embedder)."""
from fastapi.testclient import TestClient

from app import create_app
from ingest.pipeline import ingest_paths
from rag.service import PantauService
from rag.tracking.registry import passage_relations, relations_in

from conftest import REPO


def test_relations_in_sentences():
    assert relations_in("Permendag 31/2023 menggantikan Permendag 50/2020 mulai September.") == [
        ("permendag-31-2023", "replaces", "permendag-50-2020")]
    assert relations_in("Permendag 36/2023 kembali direvisi lewat Permendag 8/2024.") == [
        ("permendag-8-2024", "amends", "permendag-36-2023")]
    assert relations_in("Trade Minister Regulation No. 50 of 2020 was replaced by "
                        "Trade Minister Regulation No. 31 of 2023.") == [
        ("permendag-31-2023", "replaces", "permendag-50-2020")]
    assert relations_in("PMK 37/2025 mencabut PMK 12/2020.") == [("pmk-37-2025", "revokes", "pmk-12-2020")]
    assert relations_in("Permendag 31/2023 dan PP 80/2019 sama-sama mengatur PMSE.") == []
    # A list takes its first item's part; a rule of another kind after "dan" is no list item.
    assert relations_in("Permendag 36/2023 direvisi lewat Permendag 3/2024, Permendag 7/2024 "
                        "dan Permendag 8/2024.") == [
        ("permendag-3-2024", "amends", "permendag-36-2023"),
        ("permendag-7-2024", "amends", "permendag-36-2023"),
        ("permendag-8-2024", "amends", "permendag-36-2023")]
    assert relations_in("Permendag 31/2023 menggantikan Permendag 50/2020 dan PP 80/2019 tetap "
                        "berlaku.") == [("permendag-31-2023", "replaces", "permendag-50-2020")]


def test_a_sentence_that_refers_back_to_a_regulation_states_its_relations():
    text = ("Permendag 36/2023 berlaku sejak Maret. Sebelumnya, aturan tersebut sudah direvisi "
            "melalui Permendag 3/2024 dan Permendag 7/2024. The government revised that "
            "regulation again through Permendag 8/2024.")
    rels = [rel for _, _, rel in passage_relations(text)]
    # The first "aturan tersebut" is the regulation named before it; the later "that
    # regulation" is the one the last relation acted on (not 7/2024, named last).
    assert rels == [("permendag-3-2024", "amends", "permendag-36-2023"),
                    ("permendag-7-2024", "amends", "permendag-36-2023"),
                    ("permendag-8-2024", "amends", "permendag-36-2023")]
    assert relations_in("Aturan tersebut diubah lewat Permendag 8/2024.", "permendag-8-2024") == []
    # implementing rules point back by themselves
    text = ("PP 80/2019 sets the framework. The trade ministry then issued detailed "
            "implementing rules in 2020 through Permendag 50/2020.")
    assert [rel for _, _, rel in passage_relations(text)] == [
        ("permendag-50-2020", "implements", "pp-80-2019")]
    assert relations_in("Kemendag menerbitkan aturan pelaksananya lewat Permendag 50/2020.",
                        "pp-80-2019") == [("permendag-50-2020", "implements", "pp-80-2019")]
    assert relations_in("Permendag 50/2020 mulai berlaku.", "pp-80-2019") == []


def test_registry_over_the_sample(settings):
    service = PantauService.from_settings(settings)
    ingest_paths(service, [REPO / "data" / "sample"])
    regs = {r.id: r for r in service.regulations()}
    assert {"permendag-31-2023", "permendag-50-2020", "pp-80-2019", "permendag-36-2023",
            "permendag-8-2024", "pmk-37-2025"} <= set(regs)
    p31 = regs["permendag-31-2023"]
    assert p31.mentions == max(r.mentions for r in regs.values())
    assert {"Permendag 31/2023", "Trade Minister Regulation No. 31 of 2023",
            "Peraturan Menteri Perdagangan Nomor 31 Tahun 2023"} <= set(p31.aliases)
    assert p31.first_seen == "2023-09-27" and p31.last_seen >= "2026-01-14"
    assert ("replaces", "permendag-50-2020") in {(x.type, x.target) for x in p31.relations}
    assert ("amends", "permendag-36-2023") in {(x.type, x.target) for x in regs["permendag-8-2024"].relations}
    assert regs["pp-80-2019"].title == "Perdagangan Melalui Sistem Elektronik"
    # how many times a rule was amended is counted from the registry, each amendment cited
    counted = service.ask("Permendag 36/2023 sudah direvisi berapa kali?")
    assert counted.intent == "relations" and counted.answer.startswith(
        "Menurut sumber, Permendag 36/2023 sudah diubah 3 kali: oleh Permendag 3/2024, "
        "Permendag 7/2024 dan Permendag 8/2024."), counted.answer
    assert counted.citations
    assert regs["permendag-31-2023"].issuer.startswith("Ministry of Trade")


def test_registry_api_and_updates(settings):
    c = TestClient(create_app(settings, with_ui=False))
    assert c.get("/api/regulations").json() == {"regulations": []}
    c.post("/api/ingest", json={"articles": [
        {"url": "https://x.example/1", "published": "2024-05-17",
         "text": "Permendag 36/2023 kembali direvisi lewat Permendag 8/2024 setelah kontainer menumpuk."}]})
    regs = c.get("/api/regulations").json()["regulations"]
    assert [r["id"] for r in regs] == ["permendag-36-2023", "permendag-8-2024"]
    assert set(regs[0]) >= {"id", "type", "number", "year", "title", "aliases", "mentions",
                            "first_seen", "last_seen", "relations"}
    one = c.get("/api/regulations/permendag-8-2024").json()
    assert one["relations"] == [{"type": "amends", "target": "permendag-36-2023"}]
    assert one["passages"][0]["text"].startswith("Permendag 36/2023 kembali direvisi")
    assert one["timeline"] == []  # the sentence is about 36/2023, which was revised
    amended = c.get("/api/regulations/permendag-36-2023").json()
    assert [(e["type"], e["date"]) for e in amended["timeline"]] == [("revised", "2024-05-17")]
    assert c.get("/api/regulations/uu-1-1900").status_code == 404
    art = c.get("/api/articles").json()["articles"][0]["id"]
    c.delete(f"/api/articles/{art}")
    assert c.get("/api/regulations").json() == {"regulations": []}
