"""Page furniture out of the text, whatever the format; dates inferred where none was given.

Examples are written for these tests in the shapes real pages deliver (see data/realnews for
the labelled set the benchmark `pantau bench pages` measures)."""
from __future__ import annotations

from datetime import date

import pytest

from ingest.dedup import identify
from ingest.formats.clean import furniture_kind, tidy_text
from ingest.formats.dating import infer_published, url_date
from ingest.formats.parse import article_from_record, parse_markdown
from rag.dates import date_mentions
from rag.types import Article

TITLE = "Pasar Daring Kehilangan Penjual Setelah Aturan Baru"
RECORD = f"""Menuju konten utama
Beranda > Ekonomi > Bisnis
Flash News
Harga beras naik jelang akhir tahun
{TITLE}
Warta.id, SURABAYA - Sejumlah penjual di pasar daring memindahkan lapak mereka setelah aturan baru berlaku pada Senin (2/10/2023). Mereka menyebut *e-commerce* lain lebih sepi.
Seorang penjual merapikan etalase di gudangnya di Surabaya, Selasa (3/10/2023). ANTARA FOTO/Dedi Kurnia/abc.
Baca juga: Harga Cabai Turun di Pasar Induk
"Kami harus mulai dari nol lagi," kata Rudi, pedagang pakaian, Selasa (3/10/2023).
Share of online sellers who moved their stores rose to about a third, a survey by the association found this week.
Penulis: Sari Lestari
Editor: Bima Putra
Tags: aturan baru, UMKM, e-commerce
Bagikan
Facebook Twitter WhatsApp Salin Tautan
Menurut asosiasi, sebagian besar penjual belum menemukan pembeli baru di platform pengga"""


def test_a_scraped_record_keeps_only_its_story():
    t = tidy_text(RECORD, TITLE)
    assert t.text.split("\n\n") == [
        "Sejumlah penjual di pasar daring memindahkan lapak mereka setelah aturan baru berlaku "
        "pada Senin (2/10/2023). Mereka menyebut e-commerce lain lebih sepi.",
        "\"Kami harus mulai dari nol lagi,\" kata Rudi, pedagang pakaian, Selasa (3/10/2023).",
        "Share of online sellers who moved their stores rose to about a third, a survey by the "
        "association found this week."]
    kinds = {k for k, _ in t.removed}
    assert kinds == {"nav", "flash", "headline_repeat", "dateline", "caption", "read_also",
                     "byline", "editor", "tags", "share", "markdown", "cutoff"}
    assert (t.dateline.place, t.dateline.outlet) == ("Surabaya", "Warta.id")
    assert (t.author, t.editor) == ("Sari Lestari", "Bima Putra")


@pytest.mark.parametrize("first, place, outlet", [
    ("JAKARTA - Pemerintah menetapkan aturan itu.", "Jakarta", ""),
    ("Jakarta - Pemerintah menetapkan aturan itu.", "Jakarta", ""),
    ("JAKARTA, KOMPAS.com - Pemerintah menetapkan aturan itu.", "Jakarta", "KOMPAS.com"),
    ("Bisnis.com, JAKARTA - Pemerintah menetapkan aturan itu.", "Jakarta", "Bisnis.com"),
    ("JAKARTA (Reuters) - Indonesia set the rule on Tuesday.", "Jakarta", "Reuters"),
    ("Jakarta, CNBC Indonesia - Pemerintah menetapkan aturan itu.", "Jakarta", "CNBC Indonesia"),
    ("liputan.id, Medan — Pemerintah menetapkan aturan itu.", "Medan", "liputan.id"),
])
def test_datelines_are_taken_off_the_first_sentence(first, place, outlet):
    t = tidy_text(first)
    assert t.text.split()[0] in ("Pemerintah", "Indonesia")
    assert (t.dateline.place, t.dateline.outlet) == (place, outlet)


@pytest.mark.parametrize("line", [
    "Pemerintah Kota Surabaya - yang baru dilantik - menyiapkan aturan itu.",
    "Menurut Budi, aturan itu berlaku - meski belum diumumkan - sejak Senin.",
    "Share of sellers who moved rose to a third, the survey found.",
    "Iklan di media sosial tetap boleh, kata menteri itu kepada wartawan di Jakarta.",
    "Komentar Teten itu disampaikan di sela rapat kerja dengan DPR pada Senin.",
    "Daftar positif barang impor diatur dalam lampiran aturan tersebut.",
    "Harga dasar itu setara sekitar Rp1,5 juta per unit, kata Zulkifli.",
    "Kebijakan ini berlaku dan/atau diawasi oleh Kementerian Perdagangan sejak 2023.",
])
def test_story_lines_are_not_furniture(line):
    assert furniture_kind(line) is None
    assert tidy_text(line + "\n\nKalimat kedua cerita ini juga tetap ada.").text.startswith(
        line.split(" - ")[0] if "Surabaya" in line else line)


def test_a_clean_article_is_left_as_it_is():
    text = "Pemerintah menetapkan aturan itu pada 2023.\n\nAturan itu berlaku sepekan kemudian."
    t = tidy_text(text, "Aturan Baru")
    assert t.text == text and t.removed == []


def test_markdown_pictures_captions_and_credits_go(tmp_path):
    md = ("---\ntitle: Gudang Penuh\nurl: https://x.example/a\n---\n# Gudang Penuh\n\n"
          "![Kontainer di pelabuhan](https://x.example/k.jpg)\n\nKontainer menumpuk di pelabuhan."
          "\n(Foto: X Example/Budi)\n\nRibuan kontainer tertahan karena izin impor belum terbit."
          " Pemerintah lalu merevisi aturannya.\n\n**Baca juga:** [Harga naik](https://x.example/b)"
          "\n\nImportir menyambut **revisi** itu.\n")
    a = identify(parse_markdown(md, "x.md"))
    assert a.text == ("Ribuan kontainer tertahan karena izin impor belum terbit. Pemerintah lalu "
                      "merevisi aturannya.\n\nImportir menyambut revisi itu.")


def test_syndication_lines_become_metadata_in_every_format():
    a = identify(article_from_record({
        "text": "Pemerintah menetapkan aturan itu.\n\nTulisan ini telah tayang di www.niaga.example "
                "oleh Rina pada 24 Nov 2023", "url": "https://b.example/x"}, "api[0]"))
    assert "Tulisan ini" not in a.text
    assert [(s.outlet, s.published) for s in a.syndication] == [("www.niaga.example", "2023-11-24")]
    assert (a.published, a.date_source) == ("2023-11-24", "text")  # the original's date


# -- dates -------------------------------------------------------------------------------

@pytest.mark.parametrize("url, day", [
    ("https://x.example/read/2023/10/04/tiktok-shop-tutup", date(2023, 10, 4)),
    ("https://x.example/ekonomi/2023-10-04-tiktok", date(2023, 10, 4)),
    ("https://x.example/berita/tiktok-shop-tutup-20231004", date(2023, 10, 4)),
    ("https://x.example/read/20231004153012/tiktok", date(2023, 10, 4)),
    ("https://x.example/2023/13/45/x", None),
    ("https://x.example/produk/123456789", None),
    ("http://[broken/", None),
])
def test_dates_in_url_paths(url, day):
    assert url_date(url) == day


def _article(text: str, url: str = "", **kw) -> Article:
    return Article(id="", text=text, url=url, **kw)


def test_date_inference_prefers_the_url_then_the_reported_weekday():
    today = date(2026, 1, 1)
    a = infer_published(_article("Kamis (5/10/2023) pasar sepi.", "https://x.example/2023/10/06/a"),
                        today=today)
    assert (a.published, a.date_source, a.date_confidence) == ("2023-10-06", "url", 0.9)
    a = infer_published(_article("Pedagang mengeluh, Kamis (5/10/2023), karena sepi."), today=today)
    assert (a.published, a.date_source) == ("2023-10-05", "text")
    # A weekday without a year picks the year it falls on among those the text mentions.
    a = infer_published(_article("Aturan 2023 itu dikeluhkan pedagang, Selasa (3/10)."),
                        today=today)
    assert a.published == "2023-10-03" and a.date_confidence < 0.85


def test_a_date_without_weekday_is_an_event_not_the_report():
    a = infer_published(_article("Aturan itu berlaku sejak 26 September 2023, kata pejabat."),
                        today=date(2026, 1, 1))
    assert a.published is None and a.date_source == ""


def test_metadata_dates_win_and_are_marked():
    a = infer_published(_article("Rabu (4/10/2023).", published="2024-01-02"))
    assert (a.published, a.date_source, a.date_confidence) == ("2024-01-02", "metadata", 1.0)


def test_no_date_from_the_future():
    a = infer_published(_article("x", "https://x.example/2031/01/01/a"), today=date(2026, 1, 1))
    assert a.published is None


def test_date_mentions():
    got = [(m.day, m.month, m.year, m.weekday) for m in date_mentions(
        "Rabu (4/10/2023), Selasa (3/10), (Feb 21), Kamis, 23 November 2023, on Tuesday, Oct. 3; "
        "3/4 pedagang; May 2024")]
    assert got == [(4, 10, 2023, 2), (3, 10, None, 1), (21, 2, None, None), (23, 11, 2023, 3),
                   (3, 10, None, 1)]


def test_a_newsroom_byline_names_the_outlet_of_an_article_without_one():
    from rag.types import Article
    from ingest.formats.clean import tidy

    def art(**kw):
        base = dict(id="", title="Judul", text="JAKARTA - Isi berita yang cukup panjang.",
                    outlet="", url="", published="2023-11-24", language="id", author="")
        base.update(kw)
        return Article(**base)

    assert tidy(art(author="Redaksi Ekonomi Nusantara")).outlet == "Ekonomi Nusantara"
    assert tidy(art(author="Tim Redaksi Kabar Pasar")).outlet == "Kabar Pasar"
    assert tidy(art(author="Redaksi Ekonomi Nusantara", outlet="Lapak Berita")).outlet == \
        "Lapak Berita"
    assert tidy(art(author="Rina Wulandari")).outlet == ""
