from pathlib import Path

from ingest.sources import Failure, Notice, read_path
from rag.types import Article

from conftest import FIXTURES

LIMIT = 1_000_000


def _one(name):
    items = list(read_path(FIXTURES / name, LIMIT))
    arts = [i for i in items if isinstance(i, Article)]
    assert len(arts) == 1, items
    return arts[0]


def test_scraped_text_in_seed_format():
    a = _one("001_tiktok-shop-berhenti.txt")
    assert a.title == "TikTok Shop Resmi Berhenti Melayani Transaksi di Indonesia"
    assert a.section == "Bisnis"
    assert a.published == "2023-10-04T18:05:00+07:00"
    assert a.author == "Dimas Prakoso" and a.editor == "Sri Wahyuni"
    assert a.language == "id"
    assert [(s.outlet, s.author, s.published) for s in a.syndication] == [
        ("www.kabarpasar.example", "Dimas Prakoso", "2023-10-04")]
    # header, syndication, relative stamp and "Baca juga" stay out of the text
    for noise in ("Penulis", "Editor", "Baca juga", "Tulisan ini", "hari yang lalu", "WIB\n"):
        assert noise not in a.text
    assert a.text.startswith("Layanan belanja TikTok Shop") and a.place == "Jakarta"  # dateline
    assert a.id.startswith("a") and len(a.id) == 17 and len(a.content_hash) == 64


def test_scraped_text_without_title_uses_first_sentence():
    a = _one("002_tiktok-kembali.txt")
    assert a.section == "Ekonomi"
    assert a.published == "2023-12-12T10:15:00+08:00"
    assert a.title.startswith("Setelah dua bulan absen, TikTok Shop kembali")
    assert a.author == "Redaksi"


def test_html_page():
    a = _one("003_tokopedia-deal.html")
    assert a.title == "TikTok buys control of Tokopedia to revive Indonesian shopping"
    assert a.outlet == "Harbour Business Daily" and a.author == "Maya Hartono"
    assert a.published == "2023-12-11T19:20:00+07:00" and a.language == "en"
    assert a.url == "https://harbour-business.example/tech/tiktok-tokopedia-deal"
    assert "75.01%" in a.text and "USD 1.5 billion" in a.text
    for noise in ("Home", "Read also", "Share", "Copyright", "By Maya"):
        assert noise not in a.text


def test_markdown_front_matter():
    a = _one("005_catatan.md")
    assert a.title == "Catatan Regulasi PP 80/2019" and a.outlet == "Catatan Internal"
    assert a.published == "2019-11-25"
    assert "**" not in a.text and "#" not in a.text


def test_jsonl_good_and_bad_lines():
    items = list(read_path(FIXTURES / "004_export.jsonl", LIMIT))
    arts = [i for i in items if isinstance(i, Article)]
    fails = [i for i in items if isinstance(i, Failure)]
    assert [a.title for a in arts][:2] == ["KPPU fines TikTok over late merger filing",
                                           "Bukalapak hentikan penjualan barang fisik"]
    assert len(arts) == 3 and arts[2].language == "id" and arts[2].url == ""
    assert arts[1].published == "2025-01-09T08:00:00+07:00"
    assert {f.source.rsplit(":", 1)[1] for f in fails} == {"3", "4"}
    assert any("not JSON" in f.error for f in fails)
    assert any("'text'" in f.error for f in fails)


def test_bad_files_fail_with_reasons(tmp_path: Path):
    cases = {
        "empty.txt": b"",
        "binary.txt": b"\x89PNG\x00\x00\x00garbage",
        "blank.txt": b"   \n\n  ",
        "big.txt": b"x" * 2000,
        "table.xlsx": b"PK\x03\x04",
        "nav.html": b"<html><body><nav>Home</nav></body></html>",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    reasons = {}
    for name in cases:
        (item,) = list(read_path(tmp_path / name, 1000))
        assert isinstance(item, Failure), name
        reasons[name] = item.error
    assert "empty" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "whitespace" in reasons["blank.txt"]
    assert "too large" in reasons["big.txt"] and "PANTAU_MAX_FILE_BYTES" in reasons["big.txt"]
    assert "unsupported file type '.xlsx'" in reasons["table.xlsx"]
    assert "no article text" in reasons["nav.html"]


def test_cp1252_is_decoded_with_a_note(tmp_path: Path):
    p = tmp_path / "lama.txt"
    p.write_bytes("Harga naik \u2013 kata “pedagang” di pasar caf\u00e9 itu.".encode("cp1252"))
    items = list(read_path(p, LIMIT))
    notes = [i for i in items if isinstance(i, Notice)]
    (art,) = [i for i in items if isinstance(i, Article)]
    assert "“pedagang”" in art.text and "café" in art.text
    assert notes and "cp1252" in notes[0].message
