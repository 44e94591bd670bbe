import pytest

from rag.regulations import find_references, reference_ids

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
]


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
