"""RSS and Atom feeds: full-content entries, teaser entries followed to their pages,
Indonesian dates, broken entries and things that are not feeds. Pages and feeds come from
the local server of test_web (127.0.0.1 only)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ingest.feeds import feed_date, html_to_paragraphs, read_feed
from ingest.sources import Failure, Notice
from rag.types import Article

# Fixtures come along by name: the local server and the proxy-free environment.
from test_web import WEB, no_proxy, only, web_server, web_settings  # noqa: F401


def split(items):
    arts = [i for i in items if isinstance(i, Article)]
    fails = [i for i in items if isinstance(i, Failure)]
    notes = [i for i in items if isinstance(i, Notice)]
    assert len(arts) + len(fails) + len(notes) == len(items)
    return arts, fails, notes


def test_rss_with_full_content(tmp_path):
    source = str(WEB / "rss-full.xml")
    arts, fails, notes = split(list(read_feed(source, web_settings(tmp_path))))
    assert not fails and not notes and len(arts) == 2
    a, b = arts
    assert a.title == "TikTok Shop Resmi Berhenti Layani Transaksi"
    assert a.url == "https://kabarpasar.example/ekonomi/tiktok-shop-berhenti"  # no utm_
    assert a.published == "2023-10-04T17:00:00+07:00"  # "Rabu, 04 Okt 2023 17:00:00 +0700"
    assert (a.author, a.outlet, a.language) == ("Dimas Prakoso", "Kabar Pasar - Ekonomi Digital",
                                                "id")
    assert a.source == source
    assert a.text.startswith("TikTok Shop resmi berhenti melayani transaksi") and a.place == "Jakarta"
    assert a.text.count("\n\n") == 2  # three paragraphs: "Baca juga" and syndication out
    assert "Baca juga" not in a.text and "Tulisan ini" not in a.text
    assert [(s.outlet, s.author) for s in a.syndication] == [("www.trenniaga.example",
                                                              "Dimas Prakoso")]
    # The second entry has its article in <description> (escaped HTML), three sentences.
    assert b.title == "TikTok Shop Kembali Dibuka Bersama Tokopedia"
    assert b.published == "2023-12-12T10:15:00+08:00" and b.author == "Sri Wahyuni"
    assert b.text.startswith("Setelah dua bulan absen, TikTok Shop kembali menerima pesanan")
    assert b.text.count("\n\n") == 2 and "<p>" not in b.text
    assert a.id != b.id and all(x.id.startswith("a") and x.content_hash for x in arts)


def test_atom_feed_over_http(web_server, tmp_path):
    arts, fails, _ = split(list(read_feed(f"{web_server.base}/feed", web_settings(tmp_path))))
    assert not fails and len(arts) == 2
    a, b = arts
    assert a.title == "TikTok takes control of Tokopedia in USD 840 million deal"
    assert a.url == "https://straits-commerce.example/markets/tiktok-tokopedia-840-million"
    assert a.published == "2023-12-11T20:05:00+07:00"  # <published>, not <updated>
    assert (a.author, a.outlet, a.language) == ("Daniel Wirawan",
                                                "Straits Commerce Review: Markets", "en")
    assert a.text.startswith("TikTok has agreed to buy a 75.01% stake in Tokopedia")
    assert "Read also" not in a.text
    assert b.title == "Competition watchdog fines TikTok Rp15 billion over late filing"
    assert b.published == "2025-09-26T09:30:00+07:00" and b.author == "Lina Gunawan"
    assert b.text.startswith("Indonesia's competition commission, KPPU, fined TikTok Rp15")


def test_teaser_entries_are_followed_to_their_pages(web_server, tmp_path):
    feed = f"{web_server.base}/rss-teaser.xml"
    arts, fails, notes = split(list(read_feed(feed, web_settings(tmp_path))))
    assert not notes and len(arts) == 4 and len(fails) == 1
    # The entry whose page is gone fails on its own, named by its link; the others go on.
    assert fails[0].source == f"{web_server.base}/dihapus.html"
    assert fails[0].error.startswith("HTTP 404 Not Found")
    tutup, deal, note, kppu = arts
    # The page's metadata beats the teaser's: title, canonical URL, time, author.
    assert tutup.title == "TikTok Shop Tutup Sore Ini, Patuhi Permendag 31/2023"
    assert tutup.url == "https://wartadagang.example/ekonomi/tiktok-shop-tutup"
    assert tutup.published == "2023-10-04T17:30:00+07:00" and tutup.author == "Rina Lestari"
    assert tutup.outlet == "Rangkuman Regulasi Niaga" and tutup.source == feed
    assert tutup.text.startswith("TikTok Shop berhenti melayani transaksi jual beli")
    assert "berhenti melayani transaksi." not in tutup.text  # not the one-line teaser
    assert deal.published == "2023-12-11T20:05:00+07:00" and deal.language == "en"
    assert deal.url == f"{web_server.base}/markets/tiktok-tokopedia-840-million"
    # A page without title or date keeps the feed's.
    assert note.title == "Catatan: TikTok Shop buka lagi 12 Desember"
    assert note.published == "2023-12-12T10:15:00+08:00"
    assert note.text.startswith("TikTok Shop kembali menerima pesanan pada 12 Desember 2023")
    # A long excerpt that ends in "[…]" is still an excerpt: the page is fetched. The entry
    # has no date: the page's (the date line printed on it) is used.
    assert kppu.published == "2025-09-26T14:05:00+07:00"
    assert kppu.title == "KPPU Jatuhkan Denda Rp15 Miliar kepada TikTok"
    assert "[" not in kppu.text and kppu.text.endswith("dengan nilai sekitar USD 840 juta.")


def test_html_file_is_not_a_feed(tmp_path):
    source = str(WEB / "tiktok-shop-tutup.html")
    failure = only(read_feed(source, web_settings(tmp_path)), Failure)
    assert failure.source == source
    assert failure.error == "not an RSS/Atom feed (it is an HTML page)"


def test_html_page_over_http_is_not_a_feed(web_server, tmp_path):
    url = f"{web_server.base}/kppu-denda.html"
    items = list(read_feed(url, web_settings(tmp_path)))
    assert len(items) == 1 and isinstance(items[0], Failure)
    assert items[0].error == "not an RSS/Atom feed (it is an HTML page)"


def test_broken_xml_is_not_a_feed(tmp_path):
    failure = only(read_feed(str(WEB / "broken.xml"), web_settings(tmp_path)), Failure)
    assert failure.error.startswith("not an RSS/Atom feed (")


def test_malformed_feed_reads_what_it_can(tmp_path):
    items = list(read_feed(str(WEB / "malformed.xml"), web_settings(tmp_path)))
    arts, fails, notes = split(items)
    assert len(notes) == 1 and "not well-formed" in notes[0].message
    a = arts[0]
    assert a.title == "Penjual UMKM Pindah ke Lokapasar"
    assert a.published == "2023-10-05T08:00:00+07:00" and a.language == "id"
    assert a.outlet == "Buletin UMKM & Niaga"
    assert a.text.startswith("Sehari setelah TikTok Shop berhenti")
    # The cut-off last entry has neither full text nor a link: its own failure.
    assert [f.error for f in fails] == ["entry has only a summary and no link to the article"]


def test_feed_failures_for_missing_inputs(web_server, tmp_path):
    s = web_settings(tmp_path)
    missing = str(tmp_path / "tidak-ada.xml")
    assert only(read_feed(missing, s), Failure).error.startswith("no such file")
    url = f"{web_server.base}/tidak-ada.xml"
    assert only(read_feed(url, s), Failure).error == f"HTTP 404 Not Found ({url})"
    refused = only(read_feed(url, web_settings(tmp_path, fetch_allow_private=False)), Failure)
    assert refused.error.startswith("refused: 127.0.0.1 is a loopback address")


def test_teaser_link_refused_by_the_guard(web_server, tmp_path, monkeypatch):
    """A feed from an allowed host whose entries point at private addresses: each entry
    fails on its own, and nothing is requested from those addresses."""
    import ingest.fetch as fetcher
    real = fetcher._resolve
    monkeypatch.setattr(fetcher, "_resolve", lambda host, port: ["9.9.9.9"] if (
        host, port) == ("127.0.0.1", web_server.port) else real(host, port))
    feed = tmp_path / "internal.xml"
    feed.write_text(
        "<rss version='2.0'><channel><title>Internal</title><item><title>Metadata</title>"
        "<link>http://169.254.169.254/latest/meta-data/</link><description>x</description>"
        f"</item><item><title>Local</title><link>http://localhost:{web_server.port}/secret"
        "</link><description>y</description></item></channel></rss>")
    items = list(read_feed(str(feed), web_settings(tmp_path, fetch_allow_private=False)))
    assert [type(i) for i in items] == [Failure, Failure]
    assert all(i.error.startswith("refused: ") for i in items)
    assert "/secret" not in web_server.hits


@pytest.mark.parametrize("raw, iso", [
    ("Rabu, 04 Okt 2023 17:00:00 +0700", "2023-10-04T17:00:00+07:00"),
    ("Senin, 11 Des 2023 20:05:00 +0700", "2023-12-11T20:05:00+07:00"),
    ("Wed, 04 Oct 2023 06:00:00 +0700", "2023-10-04T06:00:00+07:00"),  # not 3 Oct in UTC
    ("Rabu, 4 Oktober 2023 17:00 WIB", "2023-10-04T17:00:00+07:00"),
    ("Kamis, 25 Sep 2025 09:30 WITA", "2025-09-25T09:30:00+08:00"),
    ("Rabu, 04 Oct 2023 17:00 WIB", "2023-10-04T17:00:00+07:00"),  # mixed languages
    ("2023-12-12T10:15:00Z", "2023-12-12T10:15:00+00:00"),
    ("12 Desember 2023", "2023-12-12"),
    ("Selasa, 12 Des 2023 10:15", "2023-12-12T10:15:00"),  # no zone written: none guessed
    ("bukan tanggal", None),
])
def test_feed_dates(raw, iso):
    assert feed_date(raw) == iso


def test_feed_date_falls_back_to_feedparser_utc():
    parsed = (2023, 10, 4, 10, 0, 0, 2, 277, 0)
    assert feed_date("", parsed) == "2023-10-04T10:00:00+00:00"


def test_feed_relative_date_uses_read_time():
    now = datetime(2023, 12, 15, 3, 0, tzinfo=timezone.utc)
    assert feed_date("3 hari yang lalu", None, now) == "2023-12-12"


def test_html_to_paragraphs():
    assert html_to_paragraphs("<div><p>Satu.</p><ul><li>Dua</li></ul><p>Tiga <b>x</b></p>"
                              "</div>") == ["Satu.", "Dua", "Tiga x"]
    assert html_to_paragraphs("Baris satu\n\nBaris dua") == ["Baris satu", "Baris dua"]
    assert html_to_paragraphs("Satu<br>Dua") == ["Satu", "Dua"]
