"""PDF and CSV ingestion: text clean-up, metadata, and clear failures."""
from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest

from ingest.formats.parse import ParseError
from ingest.formats.pdf import parse_pdf, pdf_date, reflow
from ingest.sources import Failure, read_path
from ingest.formats.tabular import parse_csv
from rag.types import Article

MESSY = Path(__file__).resolve().parent / "fixtures" / "messy"
LIMIT = 1_000_000

_spec = importlib.util.spec_from_file_location("make_pdf", MESSY / "make_pdf.py")
make_pdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_pdf)


# ---------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def brief() -> Article:
    return parse_pdf((MESSY / "p01_ringkasan-kebijakan.pdf").read_bytes(), "brief.pdf")


def test_committed_pdf_fixtures_match_their_generator():
    assert (MESSY / "p01_ringkasan-kebijakan.pdf").read_bytes() == make_pdf.bulletin()
    assert (MESSY / "p03_pindaian.pdf").read_bytes() == make_pdf.scanned()
    assert (MESSY / "p02_rusak.pdf").read_bytes() == make_pdf.broken()


def test_pdf_metadata(brief):
    assert brief.title == "Larangan Transaksi di Media Sosial: Apa Isi Permendag 31/2023"
    assert brief.author == "Tim Riset Lembaga Kajian Niaga Digital"
    assert brief.published == "2023-10-06"  # the printed date, not /CreationDate (9 Oct)
    assert brief.language == "id" and brief.id == "" and brief.source == "brief.pdf"


def test_pdf_text_is_reflowed_and_dehyphenated(brief):
    paras = brief.text.split("\n\n")
    # Title and date line are metadata; the text starts with the first paragraph, whose
    # first word was typeset with a kerned TJ array.
    assert paras[0].startswith("Kementerian Perdagangan menetapkan Peraturan Menteri "
                               "Perdagangan Nomor 31 Tahun 2023 pada akhir September")
    # Words broken at line ends are whole again; hard-wrapped lines are one paragraph.
    assert "Aturan ini berlaku sejak 26 September 2023, dan platform diberi waktu " \
           "kira-kira satu minggu" in paras[0]
    assert "penyelenggara perdagangan melalui sistem elektronik (PMSE)." in brief.text
    assert "banyak penjual daring kecil" in brief.text
    # Reduplication keeps its hyphen across the break.
    assert "sebab barang-barang kiriman" in brief.text
    assert "\n" not in paras[0] and "-\n" not in brief.text


def test_pdf_lists_headings_and_page_breaks(brief):
    paras = brief.text.split("\n\n")
    bullets = [p for p in paras if p.startswith("•")]
    assert bullets == [
        "• Media sosial yang menjalankan social commerce boleh mempromosikan barang atau "
        "jasa, tetapi tidak boleh lagi memproses pembayaran.",
        "• Barang impor yang dijual langsung lintas negara harus berharga paling sedikit "
        "USD 100 (FOB) per unit.",
        "• Platform dilarang bertindak sebagai produsen atas barang yang dijualnya.",
    ]
    assert [p[:3] for p in paras if p[:1].isdigit()] == ["1. ", "2. "]
    assert "Dampak bagi TikTok Shop" in paras and "Catatan Penutup" in paras
    # A sentence running from page 1 on to page 2 stays one sentence.
    assert "berhenti memfasilitasi transaksi perdagangan elektronik di Indonesia sejak " \
           "Rabu, 4 Oktober 2023" in brief.text


def test_pdf_running_header_and_page_numbers_removed(brief):
    for noise in ("Lembaga Kajian Niaga Digital", "Ringkasan Kebijakan No.", "Halaman",
                  "dari 3", "Jumat, 6 Oktober 2023"):
        assert noise not in brief.text


def test_pdf_creation_date_when_no_date_is_printed():
    pages = [make_pdf.text_page(["Catatan Singkat tentang Tarif Impor",
                                 "Barang impor di bawah USD 100 tidak lagi boleh dijual "
                                 "langsung lintas negara."])]
    art = parse_pdf(make_pdf.build_pdf(pages, {"CreationDate": "D:20231009083000+07'00'"}),
                    "x.pdf")
    assert art.published == "2023-10-09T08:30:00+07:00"
    assert art.title == "Catatan Singkat tentang Tarif Impor"
    assert art.text.startswith("Barang impor di bawah USD 100")


def test_pdf_meaningless_info_falls_back_to_the_text():
    pages = [make_pdf.text_page(["Memo Internal: Kesiapan Pedagang", "Senin, 9 Oktober 2023",
                                 "Sebagian besar pedagang sudah pindah ke lokapasar."])]
    info = {"Title": "Microsoft Word - memo_final_v2.docx", "Author": "User"}
    art = parse_pdf(make_pdf.build_pdf(pages, info), "memo.pdf")
    assert art.title == "Memo Internal: Kesiapan Pedagang"
    assert art.author == ""
    assert art.published == "2023-10-09"
    assert art.text == "Sebagian besar pedagang sudah pindah ke lokapasar."


def test_pdf_dates():
    assert pdf_date("D:20231009083000+07'00'") == "2023-10-09T08:30:00+07:00"
    assert pdf_date("D:20250924101500Z") == "2025-09-24T10:15:00+00:00"
    assert pdf_date("D:20240301120000-05'30") == "2024-03-01T12:00:00-05:30"
    assert pdf_date("D:20231009083000") == "2023-10-09"  # no zone: the day only
    assert pdf_date("D:2023") == "2023-01-01"
    assert pdf_date("D:20231350") is None and pdf_date("yesterday") is None


def test_reflow_rules():
    lines = ["Pemerintah menetapkan aturan baru untuk perdagangan melalui sistem elek-",
             "tronik yang berlaku sejak akhir September lalu dan wajib dipatuhi semua",
             "platform.",
             "Isinya antara lain:",
             "- promosi boleh dilakukan di media sosial yang",
             "  terdaftar;",
             "a) pembayaran hanya di lokapasar.",
             "",
             "Paragraf baru setelah baris kosong dengan kalimat yang belum selesai dan",
             "berlanjut di baris berikutnya tanpa tanda baca apa pun di ujung baris"]
    assert reflow([ln.strip() for ln in lines]) == [
        "Pemerintah menetapkan aturan baru untuk perdagangan melalui sistem elektronik "
        "yang berlaku sejak akhir September lalu dan wajib dipatuhi semua platform.",
        "Isinya antara lain:",
        "- promosi boleh dilakukan di media sosial yang terdaftar;",
        "a) pembayaran hanya di lokapasar.",
        "Paragraf baru setelah baris kosong dengan kalimat yang belum selesai dan "
        "berlanjut di baris berikutnya tanpa tanda baca apa pun di ujung baris",
    ]


def test_pdf_page_number_styles_and_footers_removed():
    def body(n: int) -> list[str]:
        return [f"Kalimat nomor {n} yang cukup panjang untuk mengisi satu baris teks pada",
                f"halaman dokumen, lalu selesai di baris kedua halaman {n}."]

    pages = [make_pdf.text_page([f"Pasal {n * 4}", *body(n)], header=f"Draf Internal | {n + 2}",
                                footer=footer)
             for n, footer in enumerate(["- 1 -", "Page 2 of 3", "3"], 1)]
    art = parse_pdf(make_pdf.build_pdf(pages), "x.pdf")
    paras = art.text.split("\n\n")
    # The header's number follows the page (offset 2): a running header. The "Pasal"
    # headings at the top of each page change otherwise: text.
    for noise in ("Draf Internal", "Page", "- 1 -", "\n\n3"):
        assert noise not in art.text
    assert art.title == "Pasal 4"  # the first short line, for want of a /Title
    assert paras == [" ".join(body(1)), "Pasal 8", " ".join(body(2)), "Pasal 12",
                     " ".join(body(3))]


def test_bad_pdfs_fail_with_reasons(tmp_path: Path):
    reasons = {}
    for name in ("p02_rusak.pdf", "p03_pindaian.pdf"):
        (item,) = list(read_path(MESSY / name, LIMIT))
        assert isinstance(item, Failure), name
        reasons[name] = item.error
    assert reasons["p02_rusak.pdf"].startswith("malformed PDF (")
    assert "no extractable text" in reasons["p03_pindaian.pdf"] and "OCR" in \
        reasons["p03_pindaian.pdf"]
    with pytest.raises(ParseError, match="not a PDF"):
        parse_pdf(b"<html><body>not a pdf</body></html>", "x.pdf")
    with pytest.raises(ParseError, match="malformed PDF"):
        parse_pdf(make_pdf.bulletin()[:900], "cut.pdf")  # a download cut short


def _encrypted(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf.bulletin())))
    # RC4 needs no optional crypto package, so the test runs wherever pypdf does.
    writer.encrypt(user_password=user_password, owner_password="pemilik",
                   algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_encrypted_pdfs():
    with pytest.raises(ParseError, match="encrypted PDF"):
        parse_pdf(_encrypted("rahasia"), "locked.pdf")
    # Encrypted only against editing (empty user password): readable as usual.
    art = parse_pdf(_encrypted(""), "restricted.pdf")
    assert art.title.startswith("Larangan Transaksi") and "perdagangan" in art.text


# ---------------------------------------------------------------- CSV


def _rows(text: str, source: str = "ekspor.csv") -> dict[str, Article | ParseError]:
    return dict(parse_csv(text, source))


def test_csv_english_headers_and_synonyms():
    text = ("Headline,Body,Link,PubDate,Site,Lang,Writer,Editor,Category,Views\n"
            "KPPU fines TikTok,Indonesia's competition watchdog fined TikTok Rp15 billion.,"
            "https://ledger.example/kppu,2025-09-24,Southeast Ledger,EN,Hannah Wijaya,"
            "Tom Reyes,Business,1200\n")
    (art,) = _rows(text).values()
    assert (art.title, art.url, art.published, art.outlet, art.language, art.author,
            art.editor, art.section) == (
        "KPPU fines TikTok", "https://ledger.example/kppu", "2025-09-24", "Southeast Ledger",
        "en", "Hannah Wijaya", "Tom Reyes", "Business")
    assert art.source == "ekspor.csv:2"


@pytest.mark.parametrize("header", [
    "judul;isi;tanggal;media;penulis;bahasa", "JUDUL;Isi;TANGGAL;Media;Penulis;Bahasa",
    " Title ; Content ; Published_At ; Source ; Author ; Language ",
    "headline;article;date;outlet;writer;lang", "judul;text;pubdate;site;penulis;bahasa"])
def test_csv_header_names_are_matched_case_insensitively(header):
    text = (f"{header}\nTokopedia dan TikTok;TikTok membeli 75,01 persen saham Tokopedia.;"
            f"2023-12-11;Kabar Niaga;Galih Pratama;Bahasa Indonesia\n")
    (art,) = _rows(text).values()
    assert (art.title, art.published, art.outlet, art.author, art.language) == (
        "Tokopedia dan TikTok", "2023-12-11", "Kabar Niaga", "Galih Pratama", "id")
    assert art.text == "TikTok membeli 75,01 persen saham Tokopedia."


def test_csv_bad_rows_fail_alone():
    text = ("judul,isi,tanggal\n"
            "Satu,Teks pertama.,2023-10-04\n"
            "Dua,Teks kedua\n"                        # too few cells
            "Tiga,Teks ketiga.,2023-10-05,lebih\n"    # too many cells
            "Empat,Teks keempat.,2023-10-06,\n"       # a trailing delimiter is fine
            "Lima,,2023-10-07\n"                      # no text
            "Enam,Teks keenam.,kemarin sore\n"        # unreadable date
            "\n"
            "Tujuh,\"Teks ketujuh,\n\ndua paragraf.\",2023-10-08\n")
    rows = _rows(text, "f.csv")
    ok = {k: v.title for k, v in rows.items() if isinstance(v, Article)}
    bad = {k: str(v) for k, v in rows.items() if isinstance(v, ParseError)}
    # Rows are numbered as a spreadsheet shows them: the blank line is row 8.
    assert ok == {"f.csv:2": "Satu", "f.csv:5": "Empat", "f.csv:9": "Tujuh"}
    assert bad == {"f.csv:3": "row has 2 cells, the header has 3",
                   "f.csv:4": "row has 4 cells, the header has 3",
                   "f.csv:6": "missing or empty 'text'",
                   "f.csv:7": "unreadable date in 'published': 'kemarin sore'"}
    assert rows["f.csv:9"].text == "Teks ketujuh,\n\ndua paragraf."


def test_csv_without_text_column_is_one_error():
    rows = list(parse_csv("judul;tanggal;media\nA;2023-10-04;X\nB;2023-10-05;Y\n", "f.csv"))
    assert len(rows) == 1
    where, err = rows[0]
    assert where == "f.csv" and isinstance(err, ParseError)
    assert "no text column" in str(err) and "'judul', 'tanggal', 'media'" in str(err)


def test_csv_bom_and_delimiters():
    body = "Isi berita tentang TikTok Shop, Tokopedia; dan UMKM."
    for delim in (",", ";", "\t"):
        text = f"\ufeffjudul{delim}isi\nJudul{delim}\"{body}\"\n"
        (art,) = _rows(text).values()
        assert (art.title, art.text) == ("Judul", body), delim


def test_csv_delimiter_sniffed_when_header_is_ambiguous():
    # Quoted header names hold both candidate delimiters; csv.Sniffer decides.
    text = ('judul;isi;"catatan, lain"\n'
            '"A, satu";"Teks, dengan koma.";x\n'
            '"B, dua";"Teks lain, juga koma.";y\n')
    rows = list(parse_csv(text, "f.csv"))
    assert [(a.title, a.text) for _, a in rows] == [("A, satu", "Teks, dengan koma."),
                                                    ("B, dua", "Teks lain, juga koma.")]


def test_csv_through_read_path(tmp_path: Path):
    items = list(read_path(MESSY / "c01_ekspor-monitoring.csv", LIMIT))
    arts = [i for i in items if isinstance(i, Article)]
    fails = [i for i in items if isinstance(i, Failure)]
    assert len(arts) == 4 and len({a.id for a in arts}) == 4
    assert [f.source.rsplit(":", 1)[1] for f in fails] == ["4"]
    first = arts[0]
    assert first.text.split("\n\n")[1].startswith("Aturan itu hanya membolehkan")
    # A BOM-prefixed file read from disk.
    p = tmp_path / "bom.csv"
    p.write_bytes("\ufeffTitle,Text\nA,Some text here.\n".encode("utf-8"))
    (art,) = list(read_path(p, LIMIT))
    assert isinstance(art, Article) and art.title == "A" and art.text == "Some text here."
    # A header-only file has no rows and no errors.
    p.write_text("title,text\n", encoding="utf-8")
    assert list(read_path(p, LIMIT)) == []


def test_pdf_without_title_keeps_its_first_line_of_text():
    lines = ["Kementerian Perdagangan menetapkan Peraturan Menteri Perdagangan Nomor 31",
             "Tahun 2023 untuk menggantikan Permendag 50/2020 yang dinilai sudah tidak",
             "sesuai dengan perkembangan perdagangan melalui sistem elektronik saat ini."]
    art = parse_pdf(make_pdf.build_pdf([make_pdf.text_page(lines)],
                                       {"Title": "untitled", "Author": "Administrator"}),
                    "x.pdf")
    assert art.text == " ".join(lines)
    assert art.title.startswith("Kementerian Perdagangan menetapkan")  # first sentence
    assert art.author == "" and art.published is None


def test_csv_broken_quotes():
    rows = _rows('judul,isi\n"A"x,Teks pertama.\nB,Teks kedua.\nC,"tidak pernah ditutup\n'
                 'D,Teks keempat.\n', "f.csv")
    assert str(rows["f.csv:2"]).startswith("unreadable CSV row")
    assert rows["f.csv:3"].title == "B"  # the broken row fails alone
    # An unterminated quote is an error, not a cell that silently swallows row D.
    assert str(rows["f.csv:4"]) == "unreadable CSV row (a quoted cell is never closed)"
    assert len(rows) == 3
