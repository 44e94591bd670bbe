"""Web pages: the SSRF guard, the fetcher (redirects, limits, timeouts, charsets) and
article extraction, against a local HTTP server on 127.0.0.1 (no other network)."""
from __future__ import annotations

import socket
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

import ingest.fetch as fetcher
import ingest.web as web
from ingest.fetch import FetchError, check_url, fetch
from ingest.sources import Failure
from ingest.web import article_from_page, clean_paragraphs, read_url
from conftest import LocalHTTPServer
from rag.config import Settings
from rag.types import Article

WEB = Path(__file__).resolve().parent / "fixtures" / "web"
#: An address that is_global; only ever handed to the guard, never connected to.
PUBLIC_IP = "9.9.9.9"
CP1252_PAGE = ("<html><head><title>Denda KPPU</title>{meta}</head><body><article>"
               "<h1>KPPU Denda TikTok Rp15 Miliar</h1>"
               "<p>KPPU menyebut denda itu \u201cpelajaran\u201d bagi perusahaan digital "
               "\u2013 keterlambatan lapor akuisisi Tokopedia tidak bisa ditoleransi.</p>"
               "<p>Denda sebesar Rp15 miliar dijatuhkan pada September 2025, kata "
               "komisioner KPPU dalam sidang putusan di Jakarta.</p></article></body></html>")


class _Handler(BaseHTTPRequestHandler):
    """Fixture files (with {{BASE}} filled in) plus routes that misbehave on purpose."""

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
              headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, status: int = 302) -> None:
        self._send(status, b"", headers={"Location": location})

    def do_GET(self):  # noqa: N802 (http.server's name)
        srv, path = self.server, self.path.split("?")[0]
        srv.hits.append(path)
        base = f"http://127.0.0.1:{srv.server_port}"
        try:
            if path.startswith("/hop/"):  # /hop/3 -> /hop/2 -> ... -> the article
                n = int(path.rsplit("/", 1)[1])
                self._redirect(f"/hop/{n - 1}" if n > 1 else "/tiktok-shop-tutup.html")
            elif path == "/absolute-hop":
                self._redirect(f"{base}/kppu-denda.html", 301)
            elif path == "/loop":
                self._redirect("/loop")
            elif path == "/to-localhost":
                self._redirect(f"http://localhost:{srv.server_port}/secret")
            elif path == "/to-metadata":
                self._redirect("http://169.254.169.254/latest/meta-data/")
            elif path == "/secret":
                self._send(200, b"<html><body><p>internal</p></body></html>")
            elif path == "/ua":
                self._send(200, self.headers.get("User-Agent", "").encode(), "text/plain")
            elif path == "/huge":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(50_000_000))
                self.end_headers()
                self.wfile.write(b"<p>" + b"x" * 100_000)
            elif path == "/huge-stream":  # no Content-Length: the client must count
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                for _ in range(500):
                    self.wfile.write(b"<p>" + b"y" * 100_000 + b"</p>")
            elif path == "/slow":
                time.sleep(1.5)
                self._send(200, b"<p>too late</p>")
            elif path.startswith("/cp1252-"):
                meta = '<meta charset="windows-1252">' if path == "/cp1252-meta" else ""
                ctype = {"/cp1252-header": "text/html; charset=windows-1252",
                         "/cp1252-latin1": "text/html; charset=ISO-8859-1"}.get(path,
                                                                              "text/html")
                self._send(200, CP1252_PAGE.format(meta=meta).encode("cp1252"), ctype)
            elif path == "/report.pdf":
                self._send(200, b"%PDF-1.4\nnot really a pdf\n%%EOF", "application/pdf")
            elif path == "/data.json":
                self._send(200, b'{"title": "TikTok"}', "application/json")
            elif path == "/feed":
                self._send(200, (WEB / "atom.xml").read_bytes(), "application/atom+xml")
            elif path == "/empty.html":
                self._send(200, b"<html><body><nav><a href='/'>Beranda</a></nav></body></html>")
            elif (WEB / path.lstrip("/")).is_file() and ".." not in path:
                body = (WEB / path.lstrip("/")).read_bytes().replace(b"{{BASE}}", base.encode())
                ctype = ("application/rss+xml" if path.endswith(".xml")
                         else "text/html; charset=utf-8")
                self._send(200, body, ctype)
            else:
                self._send(404, b"<h1>Not found</h1>")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on purpose (size limit, timeout)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """httpx honours *_PROXY variables; a proxy would not reach our 127.0.0.1 server."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(scope="module")
def web_server():
    server = LocalHTTPServer(_Handler)
    yield server
    server.close()


def web_settings(tmp_path, **kw) -> Settings:
    kw.setdefault("fetch_allow_private", True)  # the test server is on loopback
    return Settings(_env_file=None, data_dir=tmp_path, **kw)


def only(items, kind):
    found = [i for i in items if isinstance(i, kind)]
    assert len(found) == 1, items
    return found[0]


# ---- the guard -------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://localhost:8080/x", "http://10.1.2.3/", "http://172.16.0.1/",
    "https://192.168.1.1/admin", "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://2130706433/",
    "http://100.64.0.1/", "http://[fe80::1]/", "http://[fc00::1]/", "http://224.0.0.1/",
])
def test_guard_refuses_private_addresses(url):
    with pytest.raises(FetchError, match=r"^refused: .*address \(set PANTAU_FETCH_ALLOW"):
        check_url(url, allow_private=False)


@pytest.mark.parametrize("url", ["ftp://example.com/file", "file:///etc/passwd",
                                 "gopher://x/", "javascript:alert(1)", "example.com/no-scheme"])
def test_guard_refuses_other_schemes(url):
    with pytest.raises(FetchError, match="unsupported URL scheme"):
        check_url(url, allow_private=True)  # not even with private addresses allowed


def _fake_dns(monkeypatch, table: dict[str, list[str]]):
    real = socket.getaddrinfo

    def fake(host, port, *args, **kw):
        if host in table:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6,
                     "", (a, port)) for a in table[host]]
        return real(host, port, *args, **kw)
    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_guard_judges_what_a_name_resolves_to(monkeypatch):
    _fake_dns(monkeypatch, {"news.example.com": ["10.0.0.5"],
                            "mixed.example.com": [PUBLIC_IP, "192.168.0.9"],
                            "rebind.example.com": ["::ffff:169.254.169.254"],
                            "public.example.com": [PUBLIC_IP, "2620:fe::fe"]})
    with pytest.raises(FetchError) as err:
        check_url("https://news.example.com/berita", allow_private=False)
    assert "'news.example.com' resolves to 10.0.0.5, a private address" in str(err.value)
    assert "https://news.example.com/berita" in str(err.value)
    with pytest.raises(FetchError, match="192.168.0.9"):  # one bad address is enough
        check_url("http://mixed.example.com/", allow_private=False)
    with pytest.raises(FetchError, match="link-local"):
        check_url("http://rebind.example.com/", allow_private=False)
    check_url("https://public.example.com/berita", allow_private=False)  # no exception
    check_url("http://news.example.com/", allow_private=True)


def test_guard_unresolvable_host(monkeypatch):
    def fail(*a, **kw):
        raise socket.gaierror(-2, "Name or service not known")
    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(FetchError, match="cannot resolve host 'nowhere.invalid'"):
        check_url("http://nowhere.invalid/", allow_private=False)


def test_guard_runs_on_every_redirect_hop(web_server, tmp_path, monkeypatch):
    """First hop: the test server, presented to the guard as a public address (the one
    pretence here: the guard's resolver seam answers PUBLIC_IP for 127.0.0.1:<port>, and
    the network routes PUBLIC_IP:<port> to loopback). Every later hop is judged for real."""
    real, connect = fetcher._resolve, socket.create_connection

    def resolve(host, port):
        return [PUBLIC_IP] if (host, port) == ("127.0.0.1", web_server.port) else real(host, port)

    def route(address, *args, **kw):
        return connect(("127.0.0.1", address[1]) if address[0] == PUBLIC_IP else address,
                       *args, **kw)
    monkeypatch.setattr(fetcher, "_resolve", resolve)
    monkeypatch.setattr(socket, "create_connection", route)
    s = web_settings(tmp_path, fetch_allow_private=False)
    assert fetch(f"{web_server.base}/kppu-denda.html", s).status == 200  # the pretence holds
    with pytest.raises(FetchError, match=r"refused: 'localhost' resolves to .*loopback"):
        fetch(f"{web_server.base}/to-localhost", s)
    assert "/secret" not in web_server.hits  # refused before any request went out
    with pytest.raises(FetchError, match="refused: 169.254.169.254 is a link-local"):
        fetch(f"{web_server.base}/to-metadata", s)
    failure = only(read_url(f"{web_server.base}/to-metadata", s), Failure)
    assert failure.source == f"{web_server.base}/to-metadata"
    assert "169.254.169.254" in failure.error


def test_loopback_refused_by_default(web_server, tmp_path):
    s = Settings(_env_file=None, data_dir=tmp_path)
    assert s.fetch_allow_private is False
    failure = only(read_url(f"{web_server.base}/kppu-denda.html", s), Failure)
    assert failure.error.startswith("refused: 127.0.0.1 is a loopback address")


# ---- the fetcher -----------------------------------------------------------------------

def test_fetch_follows_redirects_and_sends_user_agent(web_server, tmp_path):
    s = web_settings(tmp_path, user_agent="PantauTest/1.0")
    page = fetch(f"{web_server.base}/hop/3", s)
    assert page.url == f"{web_server.base}/tiktok-shop-tutup.html" and page.status == 200
    assert page.content_type == "text/html" and "TikTok Shop" in page.text
    assert page.fetched_at.tzinfo is not None and page.fetched_at.utcoffset() == timedelta(0)
    assert fetch(f"{web_server.base}/absolute-hop", s).url.endswith("/kppu-denda.html")
    assert fetch(f"{web_server.base}/ua", s).text == "PantauTest/1.0"


def test_fetch_redirect_limit(web_server, tmp_path):
    with pytest.raises(FetchError, match=r"too many redirects \(more than 2\)"):
        fetch(f"{web_server.base}/hop/3", web_settings(tmp_path, fetch_max_redirects=2))
    with pytest.raises(FetchError, match="too many redirects"):
        fetch(f"{web_server.base}/loop", web_settings(tmp_path))


def test_fetch_http_error(web_server, tmp_path):
    with pytest.raises(FetchError) as err:
        fetch(f"{web_server.base}/nothing-here.html", web_settings(tmp_path))
    assert str(err.value) == f"HTTP 404 Not Found ({web_server.base}/nothing-here.html)"


@pytest.mark.parametrize("route", ["/huge", "/huge-stream"])
def test_fetch_size_limit(web_server, tmp_path, route):
    with pytest.raises(FetchError, match=r"response too large .*the limit is 50,000"):
        fetch(web_server.base + route, web_settings(tmp_path, max_file_bytes=50_000))


def test_fetch_timeout(web_server, tmp_path):
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0.3 s"):
        fetch(f"{web_server.base}/slow", web_settings(tmp_path, fetch_timeout=0.3))
    assert time.monotonic() - started < 1.4


def test_fetch_connection_refused(tmp_path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    failure = only(read_url(f"http://127.0.0.1:{port}/x", web_settings(tmp_path)), Failure)
    assert failure.error.startswith("cannot connect (")


@pytest.mark.parametrize("route", ["/cp1252-meta", "/cp1252-header", "/cp1252-latin1",
                                   "/cp1252-undeclared"])
def test_fetch_decodes_windows_1252(web_server, tmp_path, route):
    page = fetch(web_server.base + route, web_settings(tmp_path))
    assert page.encoding == "cp1252"
    assert "\u201cpelajaran\u201d bagi perusahaan digital \u2013 keterlambatan" in page.text
    art = only(read_url(web_server.base + route, web_settings(tmp_path)), Article)
    assert art.text.startswith("KPPU menyebut denda itu \u201cpelajaran\u201d")


# ---- pages -----------------------------------------------------------------------------

def test_read_url_indonesian_article(web_server, tmp_path):
    url = f"{web_server.base}/hop/1"
    a = only(read_url(url, web_settings(tmp_path)), Article)
    assert a.title == "TikTok Shop Tutup Sore Ini, Patuhi Permendag 31/2023"
    assert a.url == "https://wartadagang.example/ekonomi/tiktok-shop-tutup"  # canonical
    assert a.source == url  # what the user gave
    assert a.published == "2023-10-04T17:30:00+07:00"
    assert (a.author, a.outlet, a.language) == ("Rina Lestari", "Warta Dagang", "id")
    assert a.text.startswith("TikTok Shop berhenti melayani transaksi jual beli") and a.place == "Jakarta"
    assert a.text.endswith("melalui siaran langsung dan video pendek.")
    assert a.text.count("\n\n") == 3  # four paragraphs
    for noise in ("Baca juga", "Tulisan ini", "Bagikan", "Hak cipta", "Penulis", "Berita terkait",
                  "Ekonomi\n", "Rabu, 4 Oktober 2023 17:30 WIB", "TikTok Shop Tutup Sore Ini"):
        assert noise not in a.text
    assert [(s.outlet, s.author, s.published) for s in a.syndication] == [
        ("www.kabarpasar.example", "Rina Lestari", "2023-10-04")]
    assert a.id.startswith("a") and len(a.id) == 17 and len(a.content_hash) == 64


def test_read_url_json_ld_date_and_relative_canonical(web_server, tmp_path):
    a = only(read_url(f"{web_server.base}/tokopedia-deal.html", web_settings(tmp_path)),
             Article)
    assert a.title == "TikTok takes control of Tokopedia in USD 840 million deal"
    assert a.url == f"{web_server.base}/markets/tiktok-tokopedia-840-million"
    assert a.published == "2023-12-11T20:05:00+07:00"  # JSON-LD, with its time and offset
    assert (a.author, a.outlet, a.language) == ("Daniel Wirawan", "Straits Commerce Review", "en")
    assert a.text.startswith("TikTok has agreed to buy a 75.01% stake in Tokopedia")
    for noise in ("Read also", "Share", "Home", "By Daniel", "\u00a9"):
        assert noise not in a.text


def test_relative_date_resolves_against_fetch_time(web_server, tmp_path):
    a = only(read_url(f"{web_server.base}/tiktok-kembali.html", web_settings(tmp_path)),
             Article)
    today = datetime.now(timezone.utc).date()
    assert a.published in {(today - timedelta(days=3)).isoformat(),
                           (today - timedelta(days=4)).isoformat()}  # a fetch at midnight
    assert a.url == f"{web_server.base}/tiktok-kembali.html"  # no canonical: the final URL
    assert (a.title, a.author) == ("TikTok Shop Kembali Beroperasi Lewat Tokopedia", "Ahmad Fauzi")
    assert "hari yang lalu" not in a.text and "Reporter" not in a.text
    assert "Simak juga" not in a.text and "Komentar" not in a.text


def test_article_from_page_directly():
    html = (WEB / "tiktok-kembali.html").read_text()
    fetched = datetime(2023, 12, 15, 2, 0, tzinfo=timezone.utc)
    a = article_from_page(html, "https://tekno.example/tiktok-kembali", fetched)
    assert a.published == "2023-12-12" and a.source == "https://tekno.example/tiktok-kembali"
    assert a.outlet == "tekno.example"  # no site name: the host stands in
    b = article_from_page((WEB / "kppu-denda.html").read_text(), "https://x.example/k", fetched)
    assert b.published == "2025-09-26T14:05:00+07:00"  # the date line shown on the page


def test_page_without_title_or_date_falls_back(web_server, tmp_path):
    a = only(read_url(f"{web_server.base}/tanpa-judul.html", web_settings(tmp_path)), Article)
    assert a.title.startswith("TikTok Shop kembali menerima pesanan pada 12 Desember 2023")
    assert a.published is None and a.language == "id"
    assert a.text.count("\n\n") == 1


@pytest.mark.parametrize("route, reason", [
    ("/empty.html", "no article text found"),
    ("/data.json", "not an HTML page or PDF (content type 'application/json')"),
    ("/feed", "RSS/Atom feed, not an article page"),
    ("/dihapus.html", "HTTP 404 Not Found"),
])
def test_read_url_failures(web_server, tmp_path, route, reason):
    failure = only(read_url(web_server.base + route, web_settings(tmp_path)), Failure)
    assert failure.source == web_server.base + route and reason in failure.error


def test_read_url_hands_pdf_to_the_pdf_parser(web_server, tmp_path, monkeypatch):
    seen = {}

    def fake_pdf(data, source, fetched):
        seen.update(data=data, source=source, fetched=fetched)
        return Article(id="", text="Laporan KPPU tentang denda Rp15 miliar.", title="Laporan")
    monkeypatch.setattr(web, "parse_pdf", fake_pdf)
    url = f"{web_server.base}/report.pdf"
    a = only(read_url(url, web_settings(tmp_path)), Article)
    assert seen["data"].startswith(b"%PDF-") and seen["source"] == url
    assert a.url == url and a.id
    monkeypatch.undo()  # the real parser: this is no PDF, so a Failure either way
    assert only(read_url(url, web_settings(tmp_path)), Failure).source == url


def test_import_is_light():
    import subprocess
    import sys
    code = ("import sys, ingest.fetch, ingest.web, ingest.feeds; "
            "print([m for m in ('trafilatura', 'feedparser', 'dateparser', 'httpx') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_clean_paragraphs():
    # parse_html on unclosed <p> tags: each paragraph swallows the ones after it.
    nested = ["Satu kalimat pertama. Dua kalimat kedua. Tiga kalimat ketiga.",
              "Dua kalimat kedua. Tiga kalimat ketiga.", "Tiga kalimat ketiga."]
    assert clean_paragraphs(nested)[0] == ["Satu kalimat pertama.", "Dua kalimat kedua.",
                                           "Tiga kalimat ketiga."]
    paras, synd = clean_paragraphs([
        "Judul Berita", "Penulis: Rina Lestari", "Rabu, 4 Oktober 2023 17:30 WIB",
        "2 jam yang lalu", "By 2024, TikTok Shop ran inside Tokopedia.",
        "Pull quote yang diulang dua kali di halaman ini.", "Baca juga: Lainnya",
        "Pull quote yang diulang dua kali di halaman ini.", "Ya.", "Ya.",
        "The post TikTok returns appeared first on Niaga Blog.",
        "Tulisan ini telah tayang di www.niaga.example pada 4 Okt 2023"], "judul berita")
    assert paras == ["By 2024, TikTok Shop ran inside Tokopedia.",
                     "Pull quote yang diulang dua kali di halaman ini.", "Ya."]
    assert [(s.outlet, s.published) for s in synd] == [("www.niaga.example", "2023-10-04")]


def test_page_with_unclosed_paragraphs():
    html = (WEB / "paragraf-bersarang.html").read_text()
    a = article_from_page(html, "https://niaga.example/migrasi", datetime.now(timezone.utc))
    assert a.text.split("\n\n") == [
        "JAKARTA - Tokopedia menyelesaikan pemindahan pedagang TikTok Shop ke sistemnya "
        "setelah TikTok memegang 75,01 persen saham perusahaan itu.",
        "Pemindahan dilakukan bertahap sejak Desember 2023 agar transaksi pembeli tidak "
        "terganggu.",
        "Pemerintah meminta kedua perusahaan tetap mematuhi Permendag 31/2023 yang "
        "memisahkan media sosial dari transaksi."]
    assert a.published == "2024-03-27T11:00:00+07:00"
    assert [s.outlet for s in a.syndication] == ["www.niagaharian.example"]
