"""Fuzzing the parsers with hypothesis: whatever the input, each one returns a result of
its own type or fails with its own clear error (ParseError, a ValueError whose message says
what was wrong), and the readers behind the ingest endpoints (files, feeds) never raise.

Derandomized and without an example database, so CI runs the same examples every time;
the @example lines are crashes fuzzing found once (fixed in the parsers), kept as
regressions. About 200 examples per parser.
"""
from __future__ import annotations

import json
import re
import string
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import ingest.feeds as feeds
from ingest.dedup import identify
from ingest.feeds import feed_date, read_feed
from ingest.formats.html import parse_html
from ingest.formats.parse import ParseError, article_from_record, parse_jsonl, parse_markdown, \
    parse_news_text
from ingest.sources import Failure, Notice, read_path
from ingest.formats.tabular import SYNONYMS, parse_csv
from rag.config import Settings
from rag.dates import MONTHS, find_period, is_relative_date_line, parse_date
from rag.regulations import TYPES, find_references, reference_ids
from rag.types import Article

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(FUZZ, max_examples=60)  # the slow readers (files on disk, feedparser)
NOW = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)


def words(*vocab: str, junk: st.SearchStrategy | None = None, max_size: int = 12):
    """Texts made of ``vocab`` tokens, numbers of any size, punctuation and random bits:
    close enough to the real thing to reach deep into a parser."""
    token = st.one_of(st.sampled_from(vocab), st.integers(0, 10**15).map(str),
                      st.sampled_from(list("/-.,:()[]|&;#<>\"' \n\t")),
                      junk if junk is not None else st.text(max_size=4))
    seps = st.sampled_from(["", " ", "  ", "\n", "/", ", "])
    return st.lists(st.tuples(token, seps), max_size=max_size).map(
        lambda parts: "".join(t + s for t, s in parts))


def assert_clear(exc: BaseException) -> None:
    """A parser's own error: a ValueError subclass with a message a person can read."""
    assert isinstance(exc, ParseError), f"{type(exc).__name__}: {exc}"
    assert isinstance(exc, ValueError) and str(exc).strip(), repr(exc)


def assert_storable(article: Article) -> None:
    """An article the pipeline can go on with: an id and content hash (UTF-8 of its text),
    strings that encode, text not blank."""
    assert isinstance(article, Article) and article.text.strip()
    done = identify(article)
    assert done.id and done.content_hash
    for field in ("text", "title", "outlet", "url", "author", "editor", "section", "source"):
        getattr(done, field).encode("utf-8")  # no lone surrogates


# ---- dates -------------------------------------------------------------------------------

DATE_WORDS = (*MONTHS, "Senin", "Rabu", "Jum'at", "Monday", "WIB", "WITA", "WIT", "UTC",
              "GMT", "pukul", "hari", "jam", "menit", "tahun", "bulan", "minggu", "yang lalu",
              "tahun yang lalu", "hari yang lalu", "years ago", "weeks ago",
              "lalu", "ago", "days", "years", "se", "pada", "in", "during", "2023", "19", "20",
              "2023-10-04", "T", "Z", "+07:00", "13:37", "17.00")


@FUZZ
@given(words(*DATE_WORDS), st.one_of(st.none(), st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
    timezones=st.just(timezone.utc))))
@example("99999999999 hari yang lalu", NOW)  # timedelta overflow (OverflowError)
@example("3000 tahun yang lalu", NOW)  # before year 1 (OverflowError)
@example("1 hari yang lalu", datetime(1, 1, 1, tzinfo=timezone.utc))
@example("0001-01-01T00:00:00-05:00", None)
def test_parse_date_returns_iso_or_none(text, now):
    found = parse_date(text, now)
    assert found is None or (isinstance(found, str) and re.match(r"^\d{4}-\d{2}-\d{2}", found))
    if found:
        datetime.fromisoformat(found)  # a real date, not just its shape
    assert isinstance(is_relative_date_line(text), bool)


@FUZZ
@given(words(*DATE_WORDS))
@example("31 Desember 9999")
@example("Desember 9999")  # the month after it is in year 10000
def test_find_period_returns_a_range_or_none(text):
    found = find_period(text)
    if found is not None:
        first, last = found
        assert isinstance(first, date) and isinstance(last, date) and first <= last


# ---- regulation references ---------------------------------------------------------------

REG_WORDS = tuple(n for names in TYPES.values() for n in names) + (
    "Nomor", "No.", "No", "nr.", "Tahun", "tahun", "of", "year", "(Permendag)", "/PMK.03",
    "/", "31", "2023", "1999", "tentang", "Perubahan", "atas")


@FUZZ
@given(words(*REG_WORDS, max_size=16))
def test_regulation_references_are_well_formed(text):
    refs = find_references(text)
    for ref in refs:
        assert re.fullmatch(r"[a-z]+-\d{1,4}-(19|20)\d\d", ref.id), ref
        assert ref.id == f"{ref.type}-{ref.number}-{ref.year}" and ref.type in TYPES
        assert text[ref.start:ref.end] == ref.text
        # Normalisation is stable: the matched words alone give the same id.
        assert [r.id for r in find_references(ref.text)] == [ref.id]
    assert reference_ids(text) == list(dict.fromkeys(r.id for r in refs))


@FUZZ
@given(st.sampled_from(sorted(TYPES)), st.integers(1, 9999), st.integers(1900, 2099),
       st.sampled_from(["{name} {n}/{y}", "{name} No. {n} Tahun {y}", "{name} Nomor {n} tahun {y}",
                        "{name} No {n} of {y}", "({name} {n}/{y})", "menurut {name} {n}/{y}."]),
       st.data())
def test_every_written_form_normalises_to_one_id(rtype, number, year, form, data):
    name = data.draw(st.sampled_from(TYPES[rtype]).map(
        lambda n: data.draw(st.sampled_from([n, n.upper(), n.title()]))))
    text = form.format(name=name, n=number, y=year)
    assert reference_ids(text) == [f"{rtype}-{number}-{year}"], text


# ---- HTML --------------------------------------------------------------------------------

TAGS = ["p", "div", "article", "main", "span", "li", "ul", "h1", "title", "time", "aside",
        "nav", "blockquote", "script", "style", "meta", "link", "html", "body", "br", "a"]
ATTRS = ['class="share"', 'class="date"', 'class="content"', 'lang="id"', 'lang=""',
         'property="og:title" content="Judul"', 'property="article:published_time" '
         'content="2023-10-04T17:00:00+07:00"', 'name="author" content="Rina"',
         'datetime="kemarin"', 'datetime="2023-13-45"', 'rel="canonical" href="/x"',
         'type="application/ld+json"', 'itemprop="articleBody"', 'href="javascript:x"']
ENTITIES = ["&amp;", "&amp", "&#x;", "&#99999999;", "&#0;", "&nbsp;", "&lt;p&gt;", "&",
            "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>", "</", "<", ">", "\x00",
            "\ud800", "\u202e", "Rabu, 4 Oktober 2023 17:30 WIB", "Permendag 31/2023",
            "TikTok Shop berhenti beroperasi.", "Baca juga: lainnya"]
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=8), st.sampled_from(["NewsArticle", "WebPage", "@id", "#a"])),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["@type", "@id", "@graph", "headline", "author",
                                         "name", "publisher", "datePublished", "inLanguage",
                                         "mainEntityOfPage", "articleSection"]),
                        inner, max_size=5)),
    max_leaves=12)


def html_strategy():
    text = st.one_of(st.sampled_from(ENTITIES), st.text(max_size=12))
    ld = JSON_VALUES.map(lambda v: '<script type="application/ld+json">'
                                   f"{json.dumps(v)}</script>")

    def element(children):
        return st.builds(
            lambda tag, attrs, inner, close: f"<{tag} {' '.join(attrs)}>{''.join(inner)}"
                                            + (f"</{tag}>" if close else ""),
            st.sampled_from(TAGS), st.lists(st.sampled_from(ATTRS), max_size=2),
            st.lists(children, max_size=4), st.booleans())
    return st.lists(st.one_of(ld, st.recursive(text, element, max_leaves=20)),
                    max_size=6).map("".join)


@FUZZ
@given(html_strategy())
@example('<script type="application/ld+json">{"@type": 5}</script><p>Satu kalimat.</p>')
@example('<script type="application/ld+json">' + "[" * 50_000 + "</script><p>Teks.</p>")
@example('<script type="application/ld+json">{"@type": "NewsArticle", "inLanguage": 3, '
         '"mainEntityOfPage": {"@id": 5}, "author": [{"@id": []}]}</script><p>Teks.</p>')
def test_parse_html_gives_an_article_or_a_parse_error(html):
    try:
        article = parse_html(html, "fuzz.html")
    except ParseError as exc:
        assert_clear(exc)
        return
    assert_storable(article)
    assert article.published is None or re.match(r"^\d{4}-\d{2}-\d{2}", article.published)


# ---- plain text and Markdown -------------------------------------------------------------

NEWS_WORDS = (*ENTITIES, "Penulis: Rina", "Editor: Budi", "Sumber: Kompas", "---", "# ",
                         "title: x", "published: kemarin", "**", "[a](b)", "7 hari yang lalu",
                         "Tulisan ini telah tayang di www.x.example pada 99 Okt 2023",
                         "ekonomi", "3000 tahun yang lalu")


@FUZZ
@given(words(*NEWS_WORDS, max_size=20), st.booleans())
@example("Judul\n3000 tahun yang lalu\nIsi berita yang panjang.", False)
def test_news_text_and_markdown(text, markdown):
    try:
        article = (parse_markdown if markdown else parse_news_text)(text, "fuzz.txt", NOW)
    except ParseError as exc:
        assert_clear(exc)
        return
    assert_storable(article)


# ---- JSONL records -----------------------------------------------------------------------

RECORDS = st.dictionaries(
    st.sampled_from(["text", "title", "url", "published", "outlet", "language", "author",
                     "editor", "section", "extra"]),
    st.one_of(JSON_VALUES, st.sampled_from(ENTITIES), words(*DATE_WORDS)), max_size=6)


def jsonl_lines():
    line = st.one_of(RECORDS.map(json.dumps), JSON_VALUES.map(json.dumps),
                     st.text(max_size=30), st.sampled_from(["{", "[" * 5000, "1" * 5000,
                                                           "NaN", '{"text": "\\ud800"}']))
    return st.lists(line, max_size=5).map("\n".join)


@FUZZ
@given(jsonl_lines())
@example("1" * 5000)  # int over Python's digit limit: ValueError, not JSONDecodeError
@example("[" * 50_000)  # RecursionError in json
@example('{"text": "Teks \\ud83d yang rusak"}')  # a lone surrogate: not encodable as UTF-8
@example('{"text": "TikTok", "title": "\\udfff"}')
def test_jsonl_lines_give_articles_or_parse_errors(text):
    for where, item in parse_jsonl(text, "fuzz.jsonl"):
        assert re.fullmatch(r"fuzz\.jsonl:\d+", where)
        if isinstance(item, ParseError):
            assert_clear(item)
        else:
            assert_storable(item)


@FUZZ
@given(st.one_of(RECORDS, JSON_VALUES))
def test_api_records(rec):
    try:
        article = article_from_record(rec, "api[0]")
    except ParseError as exc:
        assert_clear(exc)
        return
    assert_storable(article)


# ---- CSV ---------------------------------------------------------------------------------

HEADERS = [n for names in SYNONYMS.values() for n in names] + ["Isi Berita", "\ufefftext",
                                                                "x", ""]


def csv_text():
    cell = st.one_of(st.sampled_from([*ENTITIES, *('"', '""', '"a"b', "a,b", "a;b", "a\tb",
                                                 "\n", "\r\n", "Bahasa Indonesia", "EN")]),
                     words(*DATE_WORDS, max_size=3), st.text(max_size=10))
    row = st.lists(cell, max_size=6)
    sep = st.sampled_from([",", ";", "\t"])
    header = st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6)
    return st.builds(lambda h, rows, d, nl: nl.join(d.join(r) for r in [h, *rows]),
                     header, st.lists(row, max_size=5), sep, st.sampled_from(["\n", "\r\n"]))


@FUZZ
@given(st.one_of(csv_text(), st.text(max_size=60)))
@example("text\n" + '"' + "x" * 200_000 + '"\n')  # over csv's field limit
@example("text;title\n\ud800;x\n")
def test_csv_rows_give_articles_or_parse_errors(text):
    for where, item in parse_csv(text, "fuzz.csv"):
        assert where.startswith("fuzz.csv")
        if isinstance(item, ParseError):
            assert_clear(item)
        else:
            assert_storable(item)


# ---- files as uploaded: bytes in any encoding --------------------------------------------

@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


@FEW
@given(st.sampled_from([".txt", ".md", ".html", ".jsonl", ".csv"]),
       st.one_of(st.binary(max_size=300),
                 jsonl_lines().map(lambda t: t.encode("utf-8", "surrogatepass")),
                 html_strategy().map(lambda t: t.encode("utf-16", "surrogatepass")),
                 csv_text().map(lambda t: t.encode("cp1252", "replace"))))
@example(".jsonl", b'{"text": "a\\ud800"}\n\xff\xfe')
def test_read_path_never_raises(scratch, ext, data):
    path = scratch / f"upload{ext}"
    path.write_bytes(data)
    for item in read_path(path, 1_000_000):
        assert isinstance(item, (Article, Failure, Notice)), item
        if isinstance(item, Article):
            assert item.id and item.content_hash
        elif isinstance(item, Failure):
            assert item.error.strip()


# ---- feeds -------------------------------------------------------------------------------

FEED_WORDS = ('<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="x-bad"?>',
              '<rss version="2.0">', "</rss>", "<channel>", "</channel>", "<item>", "</item>",
              '<feed xmlns="http://www.w3.org/2005/Atom">', "</feed>", "<entry>", "</entry>",
              "<title>", "</title>", "<link>", "</link>", '<link href="/a"/>',
              "<description>", "</description>", "<content:encoded>", "<summary>",
              "<pubDate>", "</pubDate>", "<updated>", "<language>id</language>",
              "Rabu, 04 Okt 2023 17:00:00 +0700", "Wed, 31 Feb 2023 99:99:99 +9999",
              "9999999999 hari yang lalu", "&lt;p&gt;", "<![CDATA[<p>Teks.</p>]]>",
              "http://169.254.169.254/", "Baca selengkapnya", "TikTok Shop tutup.")


@FEW
@given(st.one_of(words(*FEED_WORDS, max_size=25).map(lambda t: t.encode("utf-8",
                                                                       "surrogatepass")),
                 st.binary(max_size=200)))
@example(b'<rss version="2.0"><channel><item><title>x</title><description>'
         b"<p>Teks</p></description><pubDate>3000 tahun yang lalu</pubDate></item>"
         b"</channel></rss>")
def test_read_feed_never_raises(scratch, data):
    """Teaser entries would be fetched: the fetch is replaced by a Failure here (no
    network); tests/test_feeds.py covers the real one."""
    path = scratch / "feed.xml"
    path.write_bytes(data)
    s = Settings(_env_file=None, data_dir=scratch)

    def no_fetch(url, _settings):
        yield Failure(url, "not fetched in the fuzz test")
    with mock.patch.object(feeds, "read_url", no_fetch):
        for item in read_feed(str(path), s):
            assert isinstance(item, (Article, Failure, Notice)), item
            if isinstance(item, Article):
                assert item.id and item.content_hash


@FUZZ
@given(words(*FEED_WORDS[20:], *DATE_WORDS, "+0700", "-0000", "Wed,", "Okt", "GMT+7",
             junk=st.text(alphabet=string.printable, max_size=4), max_size=8))
@example("9999999999 hari yang lalu")
@example("Wed, 31 Dec 9999 23:59:59 -1200")
def test_feed_dates_never_raise(raw):
    found = feed_date(raw, None, NOW)
    assert found is None or re.match(r"^\d{4}-\d{2}-\d{2}", found)
