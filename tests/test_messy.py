"""Messy real-world inputs (tests/fixtures/messy): metadata accuracy and clean text.

EXPECTED holds what a careful person reading each page or file would write down, not what
the parsers happen to produce; the accuracy test reports every field the parsers get
wrong and requires at least 95% of them right. Fields an input does not state are left
out, except where "nothing" is itself the point (no editor line, a date that appears only
inside the text, a scraped file without syndication lines).
"""
from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ingest.sources import Failure, Notice, read_path
from rag.types import Article

MESSY = Path(__file__).resolve().parent / "fixtures" / "messy"
LIMIT = 1_000_000
#: t05 says only "7 hari yang lalu": its date is read against the file's modification time.
RELATIVE_FILE = "t05_tanggal-relatif.txt"
RELATIVE_MTIME = datetime(2023, 12, 19, 3, 0, tzinfo=timezone.utc)

EXPECTED: dict[str, dict[str, object]] = {
    # HTML pages in different site layouts
    "h01_blog-wordpress.html": dict(  # meta only in JSON-LD (Yoast-style @graph, @id refs)
        title="Teten: TikTok Sudah Dekati Tiga E-Commerce Lokal", outlet="Catatan Pelapak",
        author="Ayu Lestari", published="2023-11-23T16:42:10+07:00", language="id",
        section="UMKM"),
    "h02_portal-detail.html": dict(  # date shown as "Rabu, 04 Okt 2023 15:12 WIB"
        title="TikTok Shop Tutup Hari Ini Pukul 17.00 WIB, Ini Nasib Pedagangnya",
        outlet="Dunia Niaga", author="Fadli Rahman", published="2023-10-04T15:12:00+07:00",
        language="id", section="Bisnis"),
    "h03_time-only.html": dict(  # no meta at all: <time datetime>, outlet in <title>
        title="TikTok Shop Kembali Lewat Tokopedia, Usung Kampanye Beli Lokal",
        outlet="Kabar Lapak", published="2023-12-12T09:30:00+07:00", language="id",
        section="Ekonomi Digital"),  # a category label on the page; the parser has no rule
    "h04_byline-text-date.html": dict(  # "Rabu, 4 Oktober 2023 | 17:30 WIB" in the byline
        title="Pedagang Daring Cemas, TikTok Shop Berhenti Sore Ini",
        outlet="Suara Pasar Rakyat", author="Rizal Fahmi",
        published="2023-10-04T17:30:00+07:00", language="id"),
    "h05_english-og-cookie.html": dict(
        title="Indonesia's competition watchdog fines TikTok Rp15 billion over late "
              "Tokopedia filing",
        outlet="Southeast Ledger", author="Hannah Wijaya",
        published="2025-09-25T11:05:00+00:00", language="en", section="Business"),
    "h06_amp.html": dict(
        title="Pedagang Marketplace Kena Pungutan PPh 0,5 Persen", outlet="Lensa Fiskal",
        author="Nadia Putri, Bagus Santoso", published="2025-07-15T06:20:00+07:00",
        language="id", section="Pajak"),
    "h07_malformed.html": dict(
        title="Bukalapak Setop Jual Barang Fisik, Fokus ke Produk Virtual",
        outlet="Warta Digital Nusantara", author="Siti Marlina",
        published="2025-01-08T13:45:00+07:00", language="id"),
    # Scraped text in the seed shape
    "t01_reporter-dua-sindikasi.txt": dict(
        title="Teten Sebut TikTok Dekati Tokopedia, Bukalapak dan E-Commerce Milik CT Corp",
        section="Ekonomi", published="2023-11-24T07:15:00+07:00", author="Lukman Hakim",
        editor="Ratna Sari", language="id",
        syndication=[("www.lintasusaha.example", "Lukman Hakim", "2023-11-24"),
                     ("beritanusa.example", "Redaksi", "2023-11-25")]),
    "t02_wita-crlf.txt": dict(
        title="TikTok Shop Hidup Lagi, Pedagang Makassar Sambut Kampanye Beli Lokal",
        published="2023-12-12T11:40:00+08:00", author="Andi Nurfadillah", editor="",
        language="id", syndication=[]),
    "t03_wit-salah-ketik.txt": dict(
        title="Pelapak Jayapura Bingung Cari Lapak Baru Usai TikTok Shop Tutup",
        published="2023-10-05T20:10:00+09:00", author="Yohanes Wenda",
        editor="Maria Kambu", language="id", syndication=[]),
    "t04_tanggal-di-teks.txt": dict(  # "Rabu (4/10/2023)" only inside the text
        title="Penjual Live Streaming Pindah ke Marketplace Setelah TikTok Shop Berhenti",
        published=None, author="Redaksi", editor="Redaksi", language="id",
        syndication=[("kabarniaga.example", None, None)]),
    RELATIVE_FILE: dict(
        title="TikTok Shop Kembali Dibuka, Kali Ini Lewat Tokopedia", section="UMKM",
        published="2023-12-12", author="Sekar Ayuningtyas", editor="Bayu Prasetyo",
        language="id", syndication=[]),
    "t06_bom-nopember.txt": dict(
        title="Baru 22 Juta dari 67 Juta UMKM yang Masuk Ekosistem Digital", section="UMKM",
        published="2023-11-23T14:20:00+07:00", author="Fitri Handayani",
        editor="Taufik Hidayat", language="id", syndication=[]),
    "t07_cp1252.txt": dict(
        title="TikTok Kuasai 75,01 Persen Tokopedia, Nilainya USD 840 Juta",
        section="Teknologi", published="2023-12-11T19:45:00+07:00",
        author="Benedictus Hartono", editor="Clara Oktaviani", language="id",
        syndication=[]),
    # One story, three outlets
    "s01_sindikasi-asli.txt": dict(
        title="TikTok Ambil Alih 75,01 Persen Saham Tokopedia", section="Teknologi",
        outlet="Kabar Niaga", published="2023-12-11T20:05:00+07:00", author="Galih Pratama",
        editor="Wulan Sari", language="id", syndication=[]),
    "s02_sindikasi-salinan.txt": dict(
        title="Resmi! TikTok Kuasai Tokopedia Senilai USD 840 Juta", section="Ekonomi",
        outlet="Warta Pasar Raya", published="2023-12-12T08:30:00+07:00",
        author="Galih Pratama", editor="Dimas Aditya", language="id",
        syndication=[("kabarniaga.example", "Galih Pratama", "2023-12-11")]),
    "s03_sindikasi-diubah.txt": dict(
        title="TikTok Resmi Jadi Pemegang Saham Mayoritas Tokopedia", section="Bisnis",
        outlet="Harian Dagang", published="2023-12-12T06:10:00+07:00",
        author="Galih Pratama", editor="Yusuf Maulana", language="id",
        syndication=[("kabarniaga.example", "Galih Pratama", "2023-12-11")]),
    # PDF: the printed date wins over /CreationDate (9 Oct)
    "p01_ringkasan-kebijakan.pdf": dict(
        title="Larangan Transaksi di Media Sosial: Apa Isi Permendag 31/2023",
        author="Tim Riset Lembaga Kajian Niaga Digital", published="2023-10-06",
        language="id",
        outlet="Lembaga Kajian Niaga Digital"),  # named in the running header only
    # CSV export (row 4 is broken: see EXPECTED_FAILURES)
    "c01_ekspor-monitoring.csv:2": dict(
        title="TikTok Shop Berhenti Layani Transaksi Mulai Sore Ini", outlet="Kabar Niaga",
        author="Dimas Prakoso", published="2023-10-04T17:00:00+07:00", language="id",
        section="Bisnis"),
    "c01_ekspor-monitoring.csv:3": dict(
        title="KPPU fines TikTok Rp15 billion over late Tokopedia notice",
        outlet="Southeast Ledger", author="Hannah Wijaya", published="2025-09-24",
        language="en", section="Business"),
    "c01_ekspor-monitoring.csv:5": dict(
        title="Migrasi TikTok Shop ke Tokopedia Rampung, Kini Bernama Shop | Tokopedia",
        outlet="Warta Pasar Raya", author="Sekar Ayuningtyas", published="2024-03-28",
        language="id", section="Teknologi"),
    "c01_ekspor-monitoring.csv:6": dict(  # "09/01/2025" in an Indonesian export: 9 Jan
        title="Bukalapak Tutup Penjualan Barang Fisik", outlet="Niaga Harian",
        published="2025-01-09", language="id", section="Bisnis"),
}

#: Inputs that must fail, and a word of the reason they must give.
EXPECTED_FAILURES = {
    "p02_rusak.pdf": "malformed PDF",
    "p03_pindaian.pdf": "no extractable text",
    "c01_ekspor-monitoring.csv:4": "row has 4 cells, the header has 8",
}

#: How each article's text must begin: the first words of its first real paragraph.
FIRST_WORDS = {
    "h01_blog-wordpress.html": "Menteri Koperasi dan UKM Teten Masduki mengungkapkan",
    "h02_portal-detail.html": "TikTok Shop berhenti melayani transaksi",
    "h03_time-only.html": "Layanan belanja TikTok Shop kembali bisa digunakan",
    "h04_byline-text-date.html": "Sejumlah pedagang daring di Bandung",
    "h05_english-og-cookie.html": "The KPPU says the takeover notice came months",
    "h06_amp.html": "Kementerian Keuangan menerbitkan PMK 37/2025",
    "h07_malformed.html": "PT Bukalapak.com Tbk menyatakan",
    "t01_reporter-dua-sindikasi.txt": "Menteri Koperasi dan UKM Teten Masduki",
    "t02_wita-crlf.txt": "Pedagang daring di Makassar",
    "t03_wit-salah-ketik.txt": "Sejumlah pelapak onlen di Jayapura",
    "t04_tanggal-di-teks.txt": "Para penjual yang biasa berjualan lewat siaran langsung",
    RELATIVE_FILE: "TikTok Shop kembali menerima pesanan di Indonesia",
    "t06_bom-nopember.txt": "Kementerian Koperasi dan UKM mencatat",
    "t07_cp1252.txt": "TikTok dan GoTo Gojek Tokopedia sepakat",
    "s01_sindikasi-asli.txt": "TikTok resmi mengambil alih 75,01 persen",
    "p01_ringkasan-kebijakan.pdf": "Kementerian Perdagangan menetapkan Peraturan Menteri",
    "c01_ekspor-monitoring.csv:2": "TikTok Shop berhenti memproses transaksi",
}

#: What must never reach an article's text: page furniture, bylines, ads, comments.
NOISE = ["Baca juga", "Baca Juga", "Lihat juga", "ADVERTISEMENT", "SCROLL TO CONTINUE",
         "Iklan", "Bagikan", "Terkait", "Terpopuler", "Berita Terkini", "tanggapan",
         "Semoga TikTok Shop cepat kembali", "Penulis", "Reporter", "Editor", "Sumber:",
         "Tulisan ini telah tayang", "Artikel ini telah tayang", "hari yang lalu",
         "cookies", "Accept all", "Sign up", "Copyright", "Hak Cipta", "©", "Beranda",
         "Menu", "Halaman", "Ringkasan Kebijakan No.", "Foto:", "Cara Lapor SPT",
         "Harga cabai", "Pedoman Media Siber", "WhatsApp", "\r", "\ufeff"]

@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict[str, Article | Failure]:
    """Every messy input read as the ingester reads files: name (name:row for CSV) ->
    Article or Failure. Notices are kept under "name#notice"."""
    folder = tmp_path_factory.mktemp("messy")
    for f in MESSY.iterdir():
        if f.is_file() and f.suffix != ".py" and not f.name.startswith("."):
            shutil.copy2(f, folder / f.name)
    stamp = RELATIVE_MTIME.timestamp()
    os.utime(folder / RELATIVE_FILE, (stamp, stamp))
    out: dict[str, object] = {}
    for f in sorted(folder.iterdir()):
        for item in read_path(f, LIMIT):
            if isinstance(item, Notice):
                out[f.name + "#notice"] = item
                continue
            key = Path(item.source).name
            out[key] = item
    return out


def _value(article: Article, field: str) -> object:
    if field == "syndication":
        return [(s.outlet, s.author, s.published) for s in article.syndication]
    return getattr(article, field)


def test_there_are_enough_messy_inputs():
    files = [f for f in MESSY.iterdir() if f.suffix in (".html", ".txt", ".pdf", ".csv")]
    assert len(files) >= 16
    assert sum(f.suffix == ".html" for f in files) >= 6
    assert sum(f.suffix == ".txt" for f in files) >= 8


def test_metadata_accuracy(parsed):
    right, misses = 0, []
    for key, fields in EXPECTED.items():
        article = parsed.get(key)
        assert isinstance(article, Article), (key, article)
        for field, want in fields.items():
            got = _value(article, field)
            if got == want:
                right += 1
            else:
                misses.append(f"{key} {field}: expected {want!r}, got {got!r}")
    total = sum(len(f) for f in EXPECTED.values())
    share = right / total
    print(f"\nmessy metadata accuracy: {right}/{total} fields = {share:.1%}")
    for miss in misses:
        print("  miss:", miss)
    assert share >= 0.95, misses


def test_bad_inputs_fail_with_their_reason(parsed):
    for key, reason in EXPECTED_FAILURES.items():
        item = parsed.get(key)
        assert isinstance(item, Failure), (key, item)
        assert reason in item.error, (key, item.error)
    # Nothing else failed.
    failed = {k for k, v in parsed.items() if isinstance(v, Failure)}
    assert failed == set(EXPECTED_FAILURES)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_text_is_clean(parsed, key):
    article = parsed[key]
    for noise in NOISE:
        # Whole words: "Menu" is noise, "Menurut" is not.
        assert not re.search(rf"(?<!\w){re.escape(noise)}(?!\w)", article.text), (key, noise)
    paragraphs = article.text.split("\n\n")
    # No paragraph repeated, none holding another (nested-markup duplication).
    for i, p in enumerate(paragraphs):
        assert not any(p in q for j, q in enumerate(paragraphs) if j != i), (key, p[:60])
    assert not article.title or article.title not in paragraphs


@pytest.mark.parametrize("key", sorted(FIRST_WORDS))
def test_text_starts_with_the_first_sentence(parsed, key):
    """No furniture before the story, the dateline included ("BANDUNG – ")."""
    assert parsed[key].text.startswith(FIRST_WORDS[key]), parsed[key].text[:120]


def test_datelines_become_the_place_the_story_was_filed(parsed):
    places = {k: parsed[k].place for k in ("h02_portal-detail.html", "h04_byline-text-date.html",
                                           "t02_wita-crlf.txt", "t03_wit-salah-ketik.txt")}
    assert places == {"h02_portal-detail.html": "Jakarta", "h04_byline-text-date.html": "Bandung",
                      "t02_wita-crlf.txt": "Makassar", "t03_wit-salah-ketik.txt": "Jayapura"}


def test_syndicated_copies(parsed):
    """Two exact copies share a content hash (the store keeps one, listing the other as
    also published); the copy with a reworded paragraph is a different text."""
    a, b, c = (parsed[k] for k in ("s01_sindikasi-asli.txt", "s02_sindikasi-salinan.txt",
                                   "s03_sindikasi-diubah.txt"))
    assert a.text == b.text and a.content_hash == b.content_hash
    assert a.id != b.id  # different files, and no URL to say they are one article
    assert c.content_hash != a.content_hash
    diff = [(p, q) for p, q in zip(a.text.split("\n\n"), c.text.split("\n\n")) if p != q]
    assert len(diff) == 1 and "USD 1,5 miliar" in diff[0][1]


def test_encodings_and_line_endings(parsed):
    notice = parsed.get("t07_cp1252.txt#notice")
    assert notice is not None and "cp1252" in notice.message
    cp = parsed["t07_cp1252.txt"]
    assert "“Kolaborasi ini" in cp.text and "“Kafé Kopi Nusantara”" in cp.text
    assert "31/2023 – aturan" in cp.text
    assert "t06_bom-nopember.txt#notice" not in parsed  # a BOM is valid UTF-8
    assert parsed["t06_bom-nopember.txt"].title.startswith("Baru 22 Juta")
    crlf = parsed["t02_wita-crlf.txt"]
    assert "\r" not in crlf.text + crlf.title + crlf.author


def test_relative_date_follows_the_file_time(tmp_path):
    """Without a date line, "7 hari yang lalu" counts back from the file's mtime."""
    f = tmp_path / RELATIVE_FILE
    shutil.copy(MESSY / RELATIVE_FILE, f)
    stamp = datetime(2024, 1, 10, 12, 0, tzinfo=timezone.utc).timestamp()
    os.utime(f, (stamp, stamp))
    (article,) = [i for i in read_path(f, LIMIT) if isinstance(i, Article)]
    assert article.published == "2024-01-03"


def test_a_date_only_in_the_text_is_inferred_and_says_so(parsed):
    article = parsed["t04_tanggal-di-teks.txt"]
    assert article.published == "2023-10-04"  # "Rabu (4/10/2023)": weekday and date agree
    assert article.date_source == "text" and 0 < article.date_confidence < 1
    assert "Rabu (4/10/2023)" in article.text  # the date stays part of the story
    assert "https://kabarniaga.example" not in article.text


def test_html_metadata_sources(parsed):
    # JSON-LD author given as an @id reference to a Person elsewhere in the @graph
    assert parsed["h01_blog-wordpress.html"].author == "Ayu Lestari"
    # a profile URL in article:author is not an author name
    assert not parsed["h05_english-og-cookie.html"].author.startswith("http")
    # canonical link beats og:url and JSON-LD mainEntityOfPage
    assert parsed["h06_amp.html"].url == \
        "https://lensafiskal.example/pajak/pedagang-marketplace-kena-pph-05-persen"
    assert parsed["h01_blog-wordpress.html"].url == \
        "https://catatanpelapak.example/2023/11/23/teten-tiktok-dekati-tiga-e-commerce"


def test_html_dates_of_other_stories_are_not_taken():
    """A printed date inside a related-stories list belongs to another story; broken
    JSON-LD is skipped, not fatal."""
    from ingest.formats.html import parse_html

    page = """<html lang="id"><head><title>Judul Berita</title>
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": </script></head>
    <body><div class="related-posts"><span class="date">Senin, 2 Oktober 2023</span></div>
    <article><h1>Judul Berita</h1><p>TikTok Shop berhenti melayani transaksi.</p>
    <div class="post-date">Rabu, 4 Oktober 2023 &bull; 18:05 WIB</div></article>
    </body></html>"""
    art = parse_html(page, "x.html")
    assert art.published == "2023-10-04T18:05:00+07:00"
    assert art.title == "Judul Berita" and art.text == "TikTok Shop berhenti melayani transaksi."
