"""Entities, events and timelines over the sample corpus (real Chroma, fake embedder)."""
import re

import pytest
from fastapi.testclient import TestClient

from app import create_app
from rag.tracking.entities import Gazetteer, load_gazetteer
from rag.service import PantauService
from rag.tracking.events import event_date, sentence_events


def test_gazetteer_prefers_the_longest_name(tmp_path):
    g = load_gazetteer()
    assert g.ids_in("TikTok Shop kembali lewat Tokopedia, kata TikTok.") == ["tiktok-shop", "tokopedia", "tiktok"]
    assert g.ids_in("Menkop UKM Teten Masduki dan KPPU") == ["kemenkop-ukm", "kppu"]
    # two names joined by a hyphen are two mentions
    assert g.ids_in("merger TikTok-Tokopedia, kasus KPPU-TikTok") == ["tiktok", "tokopedia", "kppu"]
    extra = tmp_path / "g.yaml"
    extra.write_text("- id: zalora\n  kind: platform\n  names: [Zalora]\n"
                     "- id: shopee\n  kind: platform\n  names: [Shopee]\n  aliases: [ShopeePay]\n")
    g2 = load_gazetteer(str(extra))
    assert g2.ids_in("Zalora dan ShopeePay") == ["zalora", "shopee"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: x\n  kind: spaceship\n  names: [X]\n")
    with pytest.raises(ValueError, match="unknown kind 'spaceship'"):
        Gazetteer.load(bad)


def test_a_seller_on_a_company_sells_on_its_one_platform_named_after_it():
    from rag.tracking.entities import Entity
    g = Gazetteer([Entity("acme", "company", ["Acme"]),
                   Entity("acme-mart", "platform", ["Acme Mart"]),
                   Entity("acmeville", "platform", ["Acmeville"]),
                   Entity("duo", "company", ["Duo"]),
                   Entity("duo-shop", "platform", ["Duo Shop"]),
                   Entity("duo-pay", "platform", ["Duo Pay"])])
    assert g.shop_of("acme") == "acme-mart"  # not "Acmeville": a name of its own
    assert g.shop_of("acme-mart") == "acme-mart"
    assert g.shop_of("duo") == "duo"  # two platforms: which one is not said
    assert g.shop_of("unknown") == "unknown"
    assert load_gazetteer().shop_of("tiktok") == "tiktok-shop"


@pytest.mark.parametrize("sentence, day, expected", [
    ("TikTok Shop berhenti melayani transaksi mulai Rabu (4/10/2023) pukul 17.00 WIB.",
     "2023-10-03", [("2023-10-04", "text", "stopped")]),
    ("TikTok Shop stopped on 4 October 2023, then returned on 12 December 2023 via Tokopedia.",
     "2024-01-05", [("2023-10-04", "text", "stopped"), ("2023-12-12", "text", "resumed")]),
    ("TikTok Shop sudah kembali dibuka sejak 12 Desember.", "2024-01-10",
     [("2023-12-12", "text", "resumed")]),
    ("Penutupan TikTok Shop berlaku mulai Rabu (4/10/2023).", "2023-10-04",
     [("2023-10-04", "text", "stopped")]),
    ("KPPU menjatuhkan denda Rp15 miliar kepada TikTok.", "2025-09-26",
     [("2025-09-26", "article", "fined")]),
    ("Migrasi TikTok Shop ke Tokopedia rampung pada Maret 2024.", "2024-04-02",
     [("2024-03-01", "text-month", "merged")]),
    ("Harga cabai naik di pasar.", "2024-01-01", []),
    # a completion verb ends the event named before it; a date put first opens its clause
    ("Migrasi yang berjalan sejak Desember 2023 itu selesai pada Maret 2024.", "2024-06-14",
     [("2023-12-01", "text-month", "merged"), ("2024-03-01", "text-month", "merged")]),
    ("Hingga Februari 2024, migrasi tersebut baru mencapai 75 persen.", "2024-02-22",
     [("2024-02-01", "text-month", "merged")]),
    ("Pada Maret 2024, harga cabai selesai naik.", "2024-04-01", []),
    # an English month and day without the year take the article's (looking back)
    ("The regulation took effect on September 26 and bars payments.", "2023-10-04",
     [("2023-09-26", "text", "in_force")]),
    ("TikTok Shop reopened on Dec. 12, a source said.", "2024-01-10",
     [("2023-12-12", "text", "resumed")]),
    ("Kemendag menyusun revisi Peraturan Menteri Perdagangan Nomor 31 Tahun 2023.", "2026-01-14",
     [("2026-01-14", "article", "revised")]),
    ("The ministry issued implementing rules in 2020 through Permendag 50/2020.", "2023-10-10",
     [("2020-01-01", "text-year", "enacted")]),
    # cuts to a workforce are an event of their own; without a date, the main clause's
    # strong cue names the event, not one in a clause that tells something beside it
    ("Tokopedia has laid off roughly 450 employees, the first job cuts since TikTok took "
     "control of the company and merged its shopping business into it.", "2024-06-14",
     [("2024-06-14", "article", "layoffs")]),
    ("Tokopedia melakukan PHK terhadap sekitar 450 karyawan pada Juni 2024.", "2024-06-20",
     [("2024-06-01", "text-month", "layoffs")]),
    ("TikTok Shop, which merged into Tokopedia, was closed for ten weeks.", "2024-06-14",
     [("2024-06-14", "article", "stopped")]),
])
def test_sentence_events(sentence, day, expected):
    assert [e[:3] for e in sentence_events(sentence, day)] == expected


def test_relative_dates():
    assert event_date("kemarin", "2023-10-05") == ("2023-10-04", "relative")


def test_tiktok_shop_timeline(sample):
    _, service = sample
    tl = service.timeline("tiktok-shop")
    kinds = {(e.date, e.type) for e in tl.events}
    assert ("2023-10-04", "stopped") in kinds and ("2023-12-12", "resumed") in kinds
    assert any(t == "merged" and d >= "2024-03-01" for d, t in kinds)
    assert [e.date for e in tl.events] == sorted(e.date for e in tl.events)
    assert tl.status == tl.events[-1].type == "merged" and tl.as_of == tl.events[-1].date
    for i, e in enumerate(tl.events):  # every event is cited, its sentence highlighted
        c = e.citation
        assert c.marker == i + 1 and e.summary in c.quote
        s, end = c.highlights[0]
        assert c.quote[s - c.start:end - c.start] == e.summary
    then = service.timeline("tiktok-shop", until="2023-11-01")
    assert then.status == "stopped" and then.as_of == "2023-10-04"


def test_regulation_timeline_has_only_regulation_events(sample):
    _, service = sample
    tl = service.timeline("permendag-31-2023")
    assert tl.events and {e.type for e in tl.events} <= {"announced", "enacted", "in_force",
                                                         "revised", "planned"}
    assert any(e.type == "in_force" and e.date == "2023-09-26" for e in tl.events)


def test_timeline_api(sample):
    s, _ = sample
    c = TestClient(create_app(s, with_ui=False))
    body = c.get("/api/timeline", params={"entity": "tiktok-shop"}).json()
    assert set(body) >= {"entity", "status", "as_of", "events"}
    ev = body["events"][0]
    assert set(ev) >= {"date", "date_source", "type", "summary", "citation"}
    assert set(ev["citation"]) >= {"passage_id", "article_id", "title", "quote", "start", "end"}
    assert c.get("/api/timeline", params={"regulation": "permendag-31-2023", "until": "2023-12-31"}).status_code == 200
    assert c.get("/api/timeline").status_code == 422
    assert c.get("/api/timeline", params={"entity": "nobody-inc"}).status_code == 404
    assert c.get("/api/timeline", params={"entity": "lazada"}).json()["events"] == []


def test_updates_since_a_date(sample):
    s, service = sample
    everything = service.updates("2000-01-01")
    keys = {g.key for g in everything.groups}
    assert {"tiktok-shop", "permendag-31-2023", "tokopedia"} <= keys
    assert everything.articles == len(service.articles())
    tts = next(g for g in everything.groups if g.key == "tiktok-shop")
    assert tts.events and tts.articles and tts.kind == "entity"
    assert [e.date for e in tts.events] == sorted((e.date for e in tts.events), reverse=True)
    assert service.updates("2099-01-01").groups == []  # nothing published or ingested later
    # A report dated only by its article, of a kind of event a player had before, is a
    # retelling and no news (the September 2025 fine story retells Tokopedia's acquisition).
    retold = [e for e in service.timelines.derived().events("tokopedia")
              if e.date_source == "article" and e.type == "acquired" and e.date >= "2024-06"]
    assert retold
    later = next(g for g in service.updates("2024-06-01").groups if g.key == "tokopedia")
    assert not any(e.date_source == "article" and e.type == "acquired" for e in later.events)
    only = service.updates("2000-01-01", "permendag-31-2023")
    assert [g.key for g in only.groups] == ["permendag-31-2023"]
    c = TestClient(create_app(s, with_ui=False, service=service))
    body = c.get("/api/updates", params={"since": "2000-01-01", "regulation": "pmk-37-2025"}).json()
    assert [g["key"] for g in body["groups"]] == ["pmk-37-2025"]
    assert c.get("/api/updates").status_code == 422
    assert c.get("/api/updates", params={"since": "kemarin"}).status_code == 422


@pytest.mark.parametrize("text, day, expected", [
    ("Two years ago today, TikTok stopped processing sales", "2025-10-04", ("2023-10-04", "relative")),
    ("Setahun lalu TikTok Shop ditutup", "2024-10-04", ("2023-10-04", "relative")),
    ("agreed in December to take a stake", "2024-03-27", ("2023-12-01", "text-month")),
    ("pada Maret lalu", "2024-05-02", ("2024-03-01", "text-month")),
    # a weekday is of the article's week: back from its day, ahead when the event is to come
    ("The company had announced it a day earlier, on Tuesday, saying it would comply",
     "2023-10-04", ("2023-10-03", "relative")),
    ("TikTok stopped taking orders at 5 p.m. on Wednesday", "2023-10-04", ("2023-10-04", "relative")),
    ("Toko itu tutup pada Rabu sore", "2023-10-05", ("2023-10-04", "relative")),
    ("The ministry will meet the platforms on Friday", "2023-10-04", ("2023-10-06", "relative")),
    ("TikTok said on Tuesday it will stop", "2023-10-04", ("2023-10-03", "relative")),
    ("Rapat digelar pada Jumat depan", "2023-10-05", ("2023-10-06", "relative")),
    ("pada minggu lalu", "2023-10-05", ("2023-10-05", "article")),  # "minggu": a week
])
def test_event_dates_counted_back_from_the_article(text, day, expected):
    assert event_date(text, day) == expected


def test_an_event_belongs_to_the_players_its_clause_names():
    from rag.tracking.entities import load_gazetteer
    from rag.tracking.events import event_subjects
    g = load_gazetteer()
    s = ("TikTok, which acquired 75.01% of Tokopedia in December 2023, runs TikTok Shop, while "
         "Bukalapak said in January 2025 that it would stop selling physical goods.")
    (_, _, t1, _, (a1, b1)), (_, _, t2, _, (a2, b2)) = sentence_events(s, "2025-02-01")
    assert (t1, t2) == ("acquired", "stopped")
    assert event_subjects(s, a1, b1, g.ids_in) == ["tiktok", "tokopedia"]  # relative clause
    assert event_subjects(s, a2, b2, g.ids_in) == ["bukalapak"]


def test_a_question_s_passages_add_the_events_they_date_about_its_subjects():
    from rag.tracking.entities import load_gazetteer
    from rag.tracking.timeline import passage_events
    from rag.types import RetrievedPassage
    text = ("Bukalapak menutup lapak fisiknya pada Februari 2025. Harga saham naik. "
            "Tokopedia menerbitkan laporan pada 3 Maret 2025.")
    p = RetrievedPassage(passage_id="b:0", article_id="b", text=text, title="T", outlet="O",
                         url="https://o.example", published="2025-03-10", start=100,
                         end=100 + len(text), score=0.5, language="id")
    found = passage_events([p], {"bukalapak"}, load_gazetteer().ids_in)
    assert [(e.date, e.type) for e in found] == [("2025-02-01", "stopped")]
    told = found[0].told  # read already: the passage is at hand
    assert told.summary.startswith("Bukalapak menutup") and told.citation.highlights == [
        (100, 100 + text.index(" Harga"))]


def test_analyst_questions_are_answered_from_the_structured_layer(sample):
    _, service = sample
    # Relations from the registry, with the sentence that states them.
    rel = service.ask("Which regulation replaced Permendag 50/2020?")
    assert rel.intent == "relations" and rel.mode == "tracker"
    assert rel.answer.startswith("According to the sources: Permendag 31/2023 replaced "
                                 "Permendag 50/2020 (in force 26 September 2023)."), rel.answer
    # ... with the sentence dating it, and the relation as a row citing its sentence
    assert "took effect on 26 September 2023" in rel.answer
    row = rel.relations[0]
    assert (row.source, row.relation, row.target, row.since) == (
        "Permendag 31/2023", "replaces", "Permendag 50/2020", "2023-09-26")
    stating = next(c for c in rel.citations if c.marker == row.marker)
    assert "menggantikan Permendag 50/2020" in stating.quote
    # the registry finds the passages stating a relation without reading every citing one
    said = service.registry.stating(("permendag-31-2023", "replaces", "permendag-50-2020"))
    assert said and stating.passage_id in {p.passage_id for p in said}
    assert len(said) < len(service.registry.passages("permendag-31-2023"))
    assert [p.published for p in said] == sorted(p.published for p in said)
    assert "- " in rel.answer and all(f"[{c.marker}]" in rel.answer for c in rel.citations)
    # A chronology from the timeline: dated bullets, oldest first.
    story = service.ask("Kronologi TikTok Shop dong")
    assert story.intent == "chronology" and story.answer.startswith("Kronologi TikTok Shop")
    days = [line.split(":")[0][2:] for line in story.answer.splitlines()
            if line.startswith("- ")]
    assert days[0] == "4 Oktober 2023" and "12 Desember 2023" in days and len(days) <= 6
    # Rules and sanctions from the regulation's impact statements.
    rules = service.ask("Apa saja larangan Permendag 31/2023?")
    assert rules.intent == "obligations" and rules.answer.startswith("Yang diatur Permendag 31/2023")
    assert any(w in rules.answer for w in ("dilarang", "tidak boleh", "tidak diperbolehkan"))
    # Naming no regulation, a rule is asked of the one in play whose rules fit it best.
    unnamed = service.ask("Jualan online dari rumah wajib punya izin usaha nggak?")
    assert unnamed.intent == "obligations" and unnamed.answer.startswith(
        "Yang diatur PP 80/2019"), unnamed.answer
    assert any(w in unnamed.answer.splitlines()[1] for w in ("izin usaha", "business licence"))
    sanctions = service.ask("Sanksi apa untuk platform yang melanggar Permendag 31/2023?")
    assert sanctions.intent == "sanctions" and "peringatan" in sanctions.answer
    who = service.ask("Who is affected by Permendag 31/2023?")
    assert who.intent == "impact" and who.answer.startswith("Who Permendag 31/2023 affects")
    # What's new since a date: the events since then, oldest first, none before it.
    new = service.ask("Apa yang baru sejak pertengahan 2025?")
    assert new.intent == "whats_new" and new.answer.startswith("Sejak 1 Juni 2025, menurut sumber:")
    assert new.citations and all(c.published >= "2025-06" for c in new.citations)
    # ... asked for rules: the regulations' news and what regulators did, not a shop closing
    rules = service.ask("Ada aturan baru apa sejak 2025?")
    bullets = [ln for ln in rules.answer.splitlines() if ln.startswith("- ")]
    assert rules.intent == "whats_new" and bullets, rules.answer
    assert "37 Tahun 2025" in bullets[0] and "Bukalapak" not in rules.answer, rules.answer
    # The asker's own situation: the player's newest status, then rules for their group.
    mine = service.ask("Saya jualan di TikTok Shop, harus bagaimana sekarang?")
    assert mine.intent == "stakeholder"
    lines = mine.answer.split("\n\n")[0].splitlines()
    assert lines[0] == "Yang berlaku untuk Penjual / UMKM sekarang, menurut sumber:"
    assert lines[1].startswith("- 20 Januari 2026: ") and len(lines) >= 3
    # ... asked from a date on: the rules with news since then, each after its newest event
    recent = service.ask("I sell batik on two marketplaces. Which new rules from 2025 onward "
                         "affect me?")
    lines = recent.answer.split("\n\n")[0].splitlines()
    assert recent.intent == "stakeholder", recent.answer
    assert lines[0] == "What applies to sellers / MSMEs now, according to the sources:"
    dated = [re.match(r"- (\d{1,2} \w+ (\d{4})): ", ln) for ln in lines[1:]]
    assert dated[0] and all(int(m[2]) >= 2025 for m in dated if m), recent.answer
    # What a regulation is: the sentence naming it with its title, then what it covers.
    what = service.ask("Apa itu PP 80/2019?")
    assert what.intent == "definition" and what.mode == "tracker"
    assert what.answer.startswith("PP 80/2019 tentang Perdagangan Melalui Sistem Elektronik, "
                                  "menurut sumber:\n- Peraturan Pemerintah Nomor 80 Tahun 2019"), \
        what.answer
    assert service.ask("What is the positive list in Permendag 31/2023?").mode != "tracker"
    # Every answer says its intent; nothing tracked about the subject: retrieval answers.
    fact = service.ask("Kapan TikTok Shop berhenti melayani transaksi?")
    assert fact.intent == "fact" and fact.mode == "extractive"
    assert service.ask("Who is affected by Permendag 99/2031?").mode != "tracker"
    # The stream gives the same routed answer.
    *_, streamed = list(service.ask_stream("Which regulation replaced Permendag 50/2020?"))
    assert streamed.answer == rel.answer and streamed.intent == "relations"


def test_llm_mode_gets_the_tracker_facts_as_numbered_cited_context(sample):
    from test_generate import FakeChat

    from rag.answering.answer import ExtractiveAnswerer
    from rag.answering.generate import LLMAnswerer

    s, service = sample
    routed = service.ask("Siapa yang terdampak Permendag 31/2023?")
    first = routed.answer.splitlines()[1][2:]  # "Penjual / UMKM: ... [1]"
    settings = s.model_copy(update={"llm_backend": "openai", "llm_model": "fake-model"})
    fake = FakeChat(replies=[f"{first.split(': ', 1)[1].rsplit(' [', 1)[0]} [1]"], calls=[])
    llm = PantauService(settings, service.store, service.embedder, service.retriever,
                        LLMAnswerer(settings, fake, ExtractiveAnswerer(settings)))
    ans = llm.ask("Siapa yang terdampak Permendag 31/2023?")
    prompt = fake.calls[0][-1].content
    assert "<facts>" in prompt and f"- {first}" in prompt
    # Passage [1] of the prompt is the passage the first fact cites.
    assert f'<passage id="1" title="{routed.citations[0].title}' in prompt
    assert ans.mode == "llm:openai:fake-model" and ans.intent == "impact"
    assert ans.citations[0].passage_id == routed.citations[0].passage_id
    # A reply citing nothing shown: the routed answer stands.
    fake.replies, fake.calls = ["Tidak jelas."], []
    kept = llm.ask("Siapa yang terdampak Permendag 31/2023?")
    assert kept.mode == "tracker" and kept.answer.startswith("Yang terdampak Permendag 31/2023")


def test_a_sentence_pointing_back_tells_about_the_players_named_before_it():
    from rag.tracking.entities import load_gazetteer
    from rag.tracking.timeline import passage_events
    from rag.types import RetrievedPassage
    text = ("Transaksi TikTok Shop dipindahkan ke sistem Tokopedia. Hingga Februari 2024, "
            "migrasi tersebut baru mencapai 75 persen. Pada Maret 2024, migrasi selesai. "
            "Bukalapak tetap beroperasi. Harga itu naik pada April 2024.")
    p = RetrievedPassage(passage_id="m:0", article_id="m", text=text, title="T", outlet="O",
                         url="https://o.example", published="2024-04-10", start=0,
                         end=len(text), score=0.5, language="id")
    found = passage_events([p], {"tiktok-shop", "bukalapak"}, load_gazetteer().ids_in)
    # the second points back ("tersebut"); the third does not; the last one's cue is weak
    assert [(e.subject, e.date, e.type) for e in found] == [
        ("tiktok-shop", "2024-02-01", "merged")]


def test_what_is_new_about_two_joined_players_keeps_to_them(sample):
    _, service = sample
    ans = service.ask("Ada kabar baru apa soal TikTok-Tokopedia sejak Juni 2024?")
    assert ans.intent == "whats_new" and ans.answer.startswith("Sejak 1 Juni 2024"), ans.answer
    assert "Rp15" in ans.answer and "Bukalapak" not in ans.answer, ans.answer


def test_a_sentence_has_a_cue_exactly_when_some_event_type_matches_it():
    from rag.tracking.events import _CUES, EVENT_CUES, has_cue
    # has_cue matches the lower-cased text without re.I: the cues must be lower case
    assert all(v == v.lower() for v in EVENT_CUES.values())
    for text in ("TIKTOK SHOP DITUTUP MULAI BESOK", "Tokopedia PHK 450 karyawan",
                 "Harga cabai naik di pasar.", "The firm Laid Off staff", "Stopwatch sales rose",
                 "KPPU Menjatuhkan Sanksi", "İstanbul trip announced"):
        assert has_cue(text) == any(rx.search(text) for rx in _CUES.values()), text


def test_a_day_and_month_next_to_a_full_date_take_its_year():
    from rag.tracking.entities import load_gazetteer
    from rag.tracking.events import anchor_before
    from rag.tracking.timeline import TimelineIndex, dated_sentences, passage_events
    from rag.types import RetrievedPassage
    # an October 2024 article looking back: "Sept. 26" is 2023's, next to "Oct. 4, 2023"
    text = ("A year ago this week, at 5 p.m. on Oct. 4, 2023, TikTok Shop switched off its "
            "checkout in Indonesia. TikTok Shop had little choice: a regulation that took "
            "effect on Sept. 26 barred social media from processing payments.")
    at = text.index("TikTok Shop had")
    assert event_date("took effect on Sept. 26", "2024-10-05") == ("2024-09-26", "text")
    assert event_date("took effect on Sept. 26", "2024-10-05",
                      anchor_before(text[:at])) == ("2023-09-26", "text")
    # far from the full date before it (a roundup's next item), the article's year holds
    assert event_date("fined on Sept. 29", "2025-10-01",
                      lambda: "2023-12-12") == ("2025-09-29", "text")
    p = RetrievedPassage(passage_id="t:0", article_id="t", text=text, title="T", outlet="O",
                         url="https://o.example", published="2024-10-05", start=0,
                         end=len(text), score=0.5, language="en")
    found = passage_events([p], {"tiktok-shop"}, load_gazetteer().ids_in)
    assert [(e.date, e.type, e.start) for e in found] == [("2023-09-26", "in_force", at)]
    assert [e.date for e in dated_sentences([p])] == ["2023-10-04", "2023-09-26"]
    # the index reads its passages the same way
    index = TimelineIndex.__new__(TimelineIndex)
    index.gazetteer = load_gazetteer()
    from rag.tracking.packing import EventPacker
    from rag.tracking.timeline import Event
    index._packer = EventPacker(Event)
    kept = index.extract("t:0", text, {"published": "2024-10-05", "start": 0})
    assert "2024-09-26" not in [e.date for e in kept] and "2023-09-26" in [e.date for e in kept]
