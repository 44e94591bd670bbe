"""URL ingestion (POST /api/ingest ``urls`` and ``feeds``, issue 7.5 point 1) refuses
loopback, private, link-local and metadata addresses, directly, via redirects and via names
that resolve to them, and connects only to the address it checked (DNS rebinding); loopback
is fetched only when PANTAU_FETCH_ALLOW_PRIVATE says so.

The network is faked at the socket module only: ``socket.getaddrinfo`` answers for the
made-up names, and ``socket.create_connection`` routes the one made-up public address
(PUBLIC_IP) to a local HTTP server, recording every address anything connects to. The
guard and the fetcher's finer cases: tests/test_web.py.
"""
from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest

import ingest.fetch as fetcher
from conftest import LocalHTTPServer, api_client, api_ingest
from rag.config import Settings


#: Stands for a public web server; connections to it are routed to a local one.
PUBLIC_IP = "9.9.9.9"
ARTICLE = ("<html lang='id'><head><title>Denda KPPU untuk TikTok</title></head><body>"
           "<article><h1>KPPU Denda TikTok Rp15 Miliar</h1>"
           "<p>Komisi Pengawas Persaingan Usaha menjatuhkan denda Rp15 miliar kepada TikTok "
           "karena terlambat melaporkan akuisisi Tokopedia, kata komisioner KPPU.</p>"
           "<p>Putusan dibacakan dalam sidang di Jakarta pada September 2025 dan TikTok "
           "menyatakan akan mempelajari putusan tersebut sebelum menentukan langkah.</p>"
           "</article></body></html>")
FEED = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Warta</title><item>"
        "<title>TikTok Shop kembali</title><link>https://warta.example/kembali</link>"
        "<description>TikTok Shop kembali dibuka pada 12 Desember 2023 lewat Tokopedia. "
        "Peluncuran itu disertai kampanye Beli Lokal untuk UMKM. Pemerintah memberi masa "
        "transisi tiga bulan. Migrasi sistem diawasi Kementerian Perdagangan.</description>"
        "<pubDate>Tue, 12 Dec 2023 10:15:00 +0800</pubDate></item></channel></rss>")


# ---- a local web server and a fake network -----------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        path = urlsplit(self.path).path
        self.server.hits.append(path)
        if path == "/go":  # /go?to=<url>: a redirect to anywhere
            self.send_response(302)
            self.send_header("Location", parse_qs(urlsplit(self.path).query)["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body, ctype = {"/article.html": (ARTICLE, "text/html; charset=utf-8"),
                       "/feed.xml": (FEED, "application/rss+xml"),
                       "/secret": (f"<html><body><p>{self.server.name}: internal only, "
                                   f"{'rahasia ' * 60}</p></body></html>", "text/html")
                       }.get(path, ("<p>not found</p>", "text/html"))
        data = body.encode()
        self.send_response(200 if body != "<p>not found</p>" else 404)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def inside():
    """A server inside the network: what the guard protects."""
    server = LocalHTTPServer(_Handler, name="inside")
    yield server
    server.close()


@pytest.fixture(scope="module")
def outside():
    """A server standing for the public web (reached as PUBLIC_IP)."""
    server = LocalHTTPServer(_Handler, name="outside")
    yield server
    server.close()


class Net:
    """The fake network: DNS answers for made-up names, PUBLIC_IP:<port> routed to the
    ``outside`` server, every connection's address recorded."""

    def __init__(self, monkeypatch, outside: LocalHTTPServer) -> None:
        self.dns: dict[str, list[str] | list[list[str]]] = {}
        self.lookups: list[str] = []
        self.connects: list[tuple[str, int]] = []
        self.route_to = outside.port  # where PUBLIC_IP leads
        real_lookup, real_connect = socket.getaddrinfo, socket.create_connection

        def getaddrinfo(host, port, *args, **kw):
            self.lookups.append(host)
            if host not in self.dns:
                if not re.fullmatch(r"[\d.:a-fA-Fx]+|localhost", str(host)):
                    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
                return real_lookup(host, port, *args, **kw)
            answers = self.dns[host]
            if answers and isinstance(answers[0], list):  # one answer per lookup, in turn
                answers = answers.pop(0) if len(answers) > 1 else answers[0]
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6,
                     "", (a, port, 0, 0) if ":" in a else (a, port)) for a in answers]

        def create_connection(address, *args, **kw):
            host, port = address[0], address[1]
            if not re.fullmatch(r"[\d.]+|[\da-fA-F:]*:[\da-fA-F:.%\w]*", host):
                host = getaddrinfo(host, port)[0][4][0]  # a name: looked up, as the OS does
            self.connects.append((host, port))
            if host == PUBLIC_IP:
                host, port = "127.0.0.1", self.route_to
            return real_connect((host, port), *args, **kw)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket, "create_connection", create_connection)
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
            monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def net(monkeypatch, inside, outside):
    inside.hits.clear()
    outside.hits.clear()
    n = Net(monkeypatch, outside)
    n.dns["news.example"] = [PUBLIC_IP]
    return n


# ---- 1. URL ingestion: the address guard -------------------------------------------------

#: The issue's list, plus the same addresses written in other forms.
PRIVATE_HOSTS = ["127.0.0.1", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                 "169.254.169.254", "[::1]",
                 "[::ffff:127.0.0.1]", "[::ffff:169.254.169.254]", "[::ffff:a00:1]",  # mapped
                 "2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1",  # decimal, octal, hex, short
                 "0.0.0.0", "[fe80::1]", "[fc00::1]", "100.64.0.1", "localhost"]


@pytest.mark.parametrize("host", PRIVATE_HOSTS)
def test_private_addresses_are_refused_as_urls_and_feeds(tmp_path, net, inside, host):
    c = api_client(tmp_path)
    url = f"http://{host}:{inside.port}/secret"
    rep = api_ingest(c, urls=[url], feeds=[url])
    assert rep["added"] == 0 and [f["source"] for f in rep["failed"]] == [url, url]
    for failure in rep["failed"]:
        assert failure["error"].startswith("refused: "), failure
        assert "PANTAU_FETCH_ALLOW_PRIVATE" in failure["error"]
    assert net.connects == [] and inside.hits == []  # refused before any connection


@pytest.mark.parametrize("answers, shown", [
    (["10.0.0.5"], "resolves to 10.0.0.5, a private address"),
    (["169.254.169.254"], "resolves to 169.254.169.254, a link-local address"),
    (["127.0.0.1"], "resolves to 127.0.0.1, a loopback address"),
    (["::1"], "resolves to ::1, a loopback address"),
    (["::ffff:192.168.0.7"], "resolves to ::ffff:192.168.0.7, a private address"),
    ([PUBLIC_IP, "172.20.0.3"], "resolves to 172.20.0.3, a private address"),  # any one counts
])
def test_names_resolving_to_private_addresses_are_refused(tmp_path, net, inside, answers,
                                                          shown):
    net.dns["intranet.example"] = answers
    c = api_client(tmp_path)
    url = f"http://intranet.example:{inside.port}/secret"
    rep = api_ingest(c, urls=[url], feeds=[url])
    assert [f["error"] for f in rep["failed"]] == [
        f"refused: 'intranet.example' {shown} (set PANTAU_FETCH_ALLOW_PRIVATE=true to allow "
        f"it) ({url})"] * 2
    assert net.connects == [] and inside.hits == []


REDIRECT_TARGETS = ["http://127.0.0.1:{port}/secret", "http://localhost:{port}/secret",
                    "http://[::1]:{port}/secret", "http://[::ffff:127.0.0.1]:{port}/secret",
                    "http://2130706433:{port}/secret", "http://169.254.169.254/latest/meta-data/",
                    "http://10.0.0.1/", "http://172.16.0.1/", "http://192.168.1.1/admin",
                    "http://intranet.example:{port}/secret",
                    "/go?to=http://127.0.0.1:{port}/secret"]  # two hops, relative first


@pytest.mark.parametrize("target", REDIRECT_TARGETS)
def test_redirects_to_private_addresses_are_refused(tmp_path, net, inside, outside, target):
    net.dns["intranet.example"] = ["127.0.0.1"]
    c = api_client(tmp_path)
    hop = target.format(port=inside.port)
    url = f"http://news.example:{outside.port}/go?to={hop}"
    rep = api_ingest(c, urls=[url], feeds=[url])
    assert rep["added"] == 0 and len(rep["failed"]) == 2
    for failure in rep["failed"]:
        assert failure["source"] == url and failure["error"].startswith("refused: "), failure
    assert {a for a, _ in net.connects} == {PUBLIC_IP}  # only ever the public server
    assert inside.hits == []


def test_public_pages_and_feeds_still_work_with_the_guard_on(tmp_path, net, outside):
    """The fake network itself is sound: a public page and feed go in, through redirects."""
    c = api_client(tmp_path)
    base = f"http://news.example:{outside.port}"
    rep = api_ingest(c, urls=[f"{base}/go?to=/article.html"], feeds=[f"{base}/feed.xml"])
    assert rep["added"] == 2 and rep["failed"] == [], rep
    assert {a for a, _ in net.connects} == {PUBLIC_IP}


def test_dns_rebinding_cannot_reach_the_inside(tmp_path, net, inside, outside):
    """The name answers a public address when checked and loopback when asked again: the
    fetch connects to the address it checked and never looks the name up twice."""
    net.dns["rebind.example"] = [[PUBLIC_IP], ["127.0.0.1"]]
    c = api_client(tmp_path)
    url = f"http://rebind.example:{inside.port}/secret"  # the inside server's port
    rep = api_ingest(c, urls=[url])
    assert inside.hits == [] and outside.hits == ["/secret"]
    assert net.connects == [(PUBLIC_IP, inside.port)]
    assert net.lookups.count("rebind.example") == 1
    assert rep["added"] == 1  # the page the checked address served


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command")
def test_https_keeps_the_name_for_sni_and_the_certificate(tmp_path, net, monkeypatch):
    """Pinning the address changes only where TCP connects: TLS still sends the name (SNI),
    checks the certificate against it, and the Host header carries it."""
    key, cert = tmp_path / "tls.key", tmp_path / "tls.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=news.example", "-addext",
                    "subjectAltName=DNS:news.example"], check=True, capture_output=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust it, as a real CA would be
    server = LocalHTTPServer(_Handler, name="tls")
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    net.route_to = server.port
    try:
        c = api_client(tmp_path)
        url = f"https://news.example:{server.port}/article.html"
        rep = api_ingest(c, urls=[url])
        assert rep["added"] == 1 and rep["failed"] == [], rep
        assert names == ["news.example"] and net.connects == [(PUBLIC_IP, server.port)]
        assert server.hits == ["/article.html"]
        net.dns["other.example"] = [PUBLIC_IP]  # same address, a name the cert does not cover
        rep = api_ingest(c, urls=[f"https://other.example:{server.port}/article.html"])
        assert rep["added"] == 0 and "certificate" in rep["failed"][0]["error"].lower()
    finally:
        server.close()


def test_a_host_the_fetch_did_not_check_is_vetted_on_connect(net, inside):
    """Defence in depth: the pinned transport itself refuses a private host it was not
    told about (what a URL parser disagreement would lead to)."""
    import httpx

    net.dns["intranet.example"] = ["10.1.2.3"]
    transport = fetcher._guarded_transport_class()({}, False)
    with httpx.Client(transport=transport) as client:
        with pytest.raises(fetcher._Refused, match="'intranet.example' resolves to 10.1.2.3"):
            client.get("http://intranet.example/")
        with pytest.raises(fetcher._Refused, match="127.0.0.1 is a loopback address"):
            client.get(f"http://127.0.0.1:{inside.port}/secret")
    assert net.connects == [] and inside.hits == []


def test_private_addresses_only_when_explicitly_allowed(tmp_path, net, inside, outside,
                                                        monkeypatch):
    assert Settings(_env_file=None).fetch_allow_private is False  # the default: refused
    monkeypatch.setenv("PANTAU_FETCH_ALLOW_PRIVATE", "true")
    assert Settings(_env_file=None).fetch_allow_private is True
    net.dns["intranet.example"] = ["127.0.0.1"]
    c = api_client(tmp_path, fetch_allow_private=True)
    direct = f"http://127.0.0.1:{inside.port}/secret"
    by_name = f"http://intranet.example:{inside.port}/article.html"
    redirected = f"http://news.example:{outside.port}/go?to=http://127.0.0.1:{inside.port}/feed.xml"
    rep = api_ingest(c, urls=[direct, by_name], feeds=[redirected])
    assert rep["failed"] == [] and rep["added"] == 3, rep
    assert inside.hits == ["/secret", "/article.html", "/feed.xml"]
