import pytest

from rag.text import detect_language, sentence_spans, stem, words


def _sents(text):
    return [text[s:e] for s, e in sentence_spans(text)]


def test_abbreviations_do_not_end_sentences():
    text = ("Aturan itu tertuang dalam Permendag No. 31 Tahun 2023 dan berlaku segera. "
            "Harga minimal Rp. 1,5 juta per unit, dll. Semua platform wajib patuh. "
            "The U.S. firm said Mr. Chew agreed. Prices rose 1.5 percent.")
    assert _sents(text) == [
        "Aturan itu tertuang dalam Permendag No. 31 Tahun 2023 dan berlaku segera.",
        "Harga minimal Rp. 1,5 juta per unit, dll. Semua platform wajib patuh.",
        "The U.S. firm said Mr. Chew agreed.",
        "Prices rose 1.5 percent.",
    ]


def test_quotes_and_line_breaks():
    text = '"Kami patuh," ujar juru bicara. Ia menambahkan hal lain!\nParagraf baru tanpa titik'
    assert _sents(text) == ['"Kami patuh," ujar juru bicara.', "Ia menambahkan hal lain!",
                            "Paragraf baru tanpa titik"]


def test_spans_are_offsets_into_the_original():
    text = "  Satu kalimat.  Dua kalimat?\n\nTiga."
    for s, e in sentence_spans(text):
        assert text[s:e].strip() == text[s:e] and text[s:e]


def test_language_detection():
    assert detect_language("Kapan TikTok Shop menghentikan layanannya?") == "id"
    assert detect_language("Why did TikTok Shop close in October 2023?") == "en"
    assert detect_language("TikTok Shop", default="en") == "en"


def test_words_keep_numbers_whole():
    assert "31/2023" in words("Permendag 31/2023 berlaku")
    assert "75,01" in words("saham 75,01 persen")


def test_stem_matches_indonesian_affixes():
    assert stem("menghentikan", "id") == stem("dihentikan", "id") == "henti"
    assert stem("closing", "en") == stem("closed", "en")
    assert stem("digital", "en") == "digital"


def test_english_stems_meet_across_a_final_e():
    from rag.text import stem
    assert len({stem(w, "en") for w in ("close", "closed", "closes", "closing")}) == 1
    assert len({stem(w, "en") for w in ("issue", "issued", "issues")}) == 1


def test_chat_spellings_of_function_words_are_no_content():
    from rag.text import content_words
    # "udah" is "sudah", "aja" is "saja", "yg" is "yang", "bakal" is "akan": none says what
    # a question is about
    assert content_words("Udah wajib belum sih, yg jualan aja bakal kena pajak?") == [
        "wajib", "jualan", "kena", "pajak"]


@pytest.mark.parametrize("forms", [
    ("menutup", "ditutup", "penutupan"),          # meN- takes the place of "t"
    ("memotong", "dipotong", "potongan"),         # ... of "p"
    ("menyampaikan", "disampaikan"),              # ... of "s"
    ("mengelola", "dikelola", "pengelola"),       # meng- + vowel: the root's "k" is dropped
    ("menindak", "ditindak"),
    ("ngumumin", "mengumumkan", "diumumkan"),     # spoken Jakarta forms
    ("ngelola", "mengelola"),
    ("ngatur", "mengatur", "diatur"),
    ("dibayarin", "membayar"),
])
def test_indonesian_affixed_words_share_their_roots_stem(forms):
    assert len({stem(w, "id") for w in forms}) == 1, {w: stem(w, "id") for w in forms}


def test_distinct_roots_keep_distinct_stems():
    assert stem("pajak", "id") != stem("mengajak", "id")
    assert stem("pakai", "id") != stem("pajak", "id")


def test_modal_words_are_no_content():
    from rag.text import content_words
    assert content_words("Apa yang hendak diatur, dan mau diubah apa lagi?") == [
        "diatur", "diubah", "lagi"]
