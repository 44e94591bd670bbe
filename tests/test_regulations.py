import pytest

from rag.regulations import find_references, initials, nicknames, reference_ids

CASES = [
    ("Permendag No 31 tahun 2023", "permendag-31-2023"),
    ("Permendag 31/2023", "permendag-31-2023"),
    ("Peraturan Menteri Perdagangan (Permendag) Nomor 31 Tahun 2023", "permendag-31-2023"),
    ("Peraturan Menteri Perdagangan Nomor 31 Tahun 2023", "permendag-31-2023"),
    ("Trade Minister Regulation No. 31 of 2023", "permendag-31-2023"),
    ("trade ministry regulation number 50 of 2020", "permendag-50-2020"),
    ("PP 80/2019", "pp-80-2019"),
    ("Peraturan Pemerintah Nomor 80 Tahun 2019", "pp-80-2019"),
    ("Government Regulation 80/2019", "pp-80-2019"),
    ("Government Regulation (PP) No. 80 of 2019", "pp-80-2019"),
    ("PMK 37/2025", "pmk-37-2025"),
    ("PMK Nomor 37/PMK.03/2025", "pmk-37-2025"),
    ("Finance Minister Regulation No. 37 of 2025", "pmk-37-2025"),
    ("UU No. 11 Tahun 2008", "uu-11-2008"),
    ("Undang-Undang Nomor 11 Tahun 2008", "uu-11-2008"),
    ("Law No. 11 of 2008", "uu-11-2008"),
    ("Perpres 10/2021", "perpres-10-2021"),
    ("POJK 22/2023", "pojk-22-2023"),
    ("Permendag 8/2024", "permendag-8-2024"),
    ("Permenkominfo Nomor 5 Tahun 2020", "permenkominfo-5-2020"),
    ("Perppu 2/2022", "perppu-2-2022"),
    ("Permendag Nomor 36 Tahun 2023", "permendag-36-2023"),
    ("Permendag No. 3 Tahun 2024", "permendag-3-2024"),
    ("Permendag No 7 tahun 2024", "permendag-7-2024"),
    ("Peraturan Menteri Perdagangan No. 8 Tahun 2024", "permendag-8-2024"),
    ("PERMENDAG 31/2023", "permendag-31-2023"),
    ("permendag 31 / 2023", "permendag-31-2023"),
    ("Trade Ministry Regulation 36/2023", "permendag-36-2023"),
    ("Regulation of the Minister of Trade Number 50 of 2020", "permendag-50-2020"),
    ("Minister of Trade Regulation No. 8 of 2024", "permendag-8-2024"),
    ("PP Nomor 80 Tahun 2019", "pp-80-2019"),
    ("PP No. 23 Tahun 2018", "pp-23-2018"),
    ("Government Regulation No. 23 of 2018", "pp-23-2018"),
    ("Peraturan Menteri Keuangan Nomor 37 Tahun 2025", "pmk-37-2025"),
    ("Peraturan Menteri Keuangan (PMK) Nomor 37 Tahun 2025", "pmk-37-2025"),
    ("Finance Ministry Regulation 37/2025", "pmk-37-2025"),
    ("UU 11/2008", "uu-11-2008"),
    ("Undang-Undang Nomor 7 Tahun 2014", "uu-7-2014"),
    ("Peraturan Presiden Nomor 74 Tahun 2017", "perpres-74-2017"),
    ("Presidential Regulation No. 74 of 2017", "perpres-74-2017"),
    ("Peraturan Otoritas Jasa Keuangan Nomor 22 Tahun 2023", "pojk-22-2023"),
    ("Peraturan Menteri Komunikasi dan Informatika Nomor 5 Tahun 2020", "permenkominfo-5-2020"),
    ("Peraturan Pemerintah Pengganti Undang-Undang Nomor 2 Tahun 2022", "perppu-2-2022"),
    ("Permenkop UKM Nomor 2 Tahun 2024", "permenkop-2-2024"),
]


def test_the_fixture_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("text, rid", CASES)
def test_reference_forms_normalise(text, rid):
    assert reference_ids(f"Menurut {text}, pedagang wajib patuh.") == [rid]


def test_spans_and_several_references():
    text = "Permendag 31/2023 menggantikan Permendag Nomor 50 Tahun 2020 dan merujuk PP 80/2019."
    refs = find_references(text)
    assert [r.id for r in refs] == ["permendag-31-2023", "permendag-50-2020", "pp-80-2019"]
    assert all(text[r.start:r.end] == r.text for r in refs)


def test_plain_words_are_not_references():
    assert reference_ids("The law was passed in 2008 and 31 traders joined in 2023.") == []
    assert reference_ids("Harga naik 10/2023 persen") == []


def test_a_regulation_called_by_its_type_and_the_initials_of_its_title():
    assert nicknames("UU PDP kan sudah berlaku penuh, PP PMSE juga") == [("uu", "PDP"),
                                                                       ("pp", "PMSE")]
    assert nicknames("Permendag 31/2023 and the law itself") == []
    assert initials("Pelindungan Data Pribadi") == "PDP"
    assert initials("Perdagangan Melalui Sistem Elektronik") == "PMSE"


def test_the_registry_knows_a_regulation_by_its_nickname(settings):
    from ingest.pipeline import ingest_records
    from rag.service import PantauService

    service = PantauService.from_settings(settings)
    ingest_records(service, [{"url": "https://x.example/pdp", "published": "2024-10-17",
                              "outlet": "Contoh", "title": "Masa transisi berakhir",
                              "text": "Masa penyesuaian Undang-Undang Nomor 27 Tahun 2022 "
                                      "tentang Pelindungan Data Pribadi (UU PDP) berakhir. "
                                      "Permendag 31/2023 tidak berubah."}])
    named = service.registry.named_in("Kami boleh menunggu lembaga pengawas UU PDP?")
    assert [r.id for r in named] == ["uu-27-2022"]
    assert [r.id for r in service.registry.named_in("UU PDP dan Permendag 31/2023")] == [
        "permendag-31-2023", "uu-27-2022"]
    assert service.registry.named_in("UU ITE berlaku?") == []
    # ... and by its type and title, in either language (the glossary's translations)
    from rag.retrieval.glossary import load_glossary
    glossary = load_glossary()
    for q in ("Apa sanksi Undang-Undang Pelindungan Data Pribadi?",
              "Has the transition period of Indonesia's personal data protection law ended?"):
        assert [r.id for r in service.registry.named_in(q, glossary)] == ["uu-27-2022"], q
    # the title alone, or with another type, names no regulation
    for q in ("Apa itu pelindungan data pribadi?", "Is there a personal data protection PP?"):
        assert service.registry.named_in(q, glossary) == [], q


def test_a_title_is_called_with_its_type_before_or_after_it():
    from rag.regulations import called_by_title
    titles = ("pelindungan data pribadi", "personal data protection")
    assert called_by_title("uu tentang pelindungan data pribadi berlaku", "uu", titles)
    assert called_by_title("the personal data protection law took effect", "uu", titles)
    assert not called_by_title("personal data protection matters", "uu", titles)
    assert not called_by_title("the personal data protection lawyer", "uu", titles)
