from datetime import date, datetime, timezone

import pytest

from rag.dates import DATE_LINE, is_relative_date_line, parse_date


@pytest.mark.parametrize("text, iso", [
    ("Senin, 27 November 2023 13:37 WIB", "2023-11-27T13:37:00+07:00"),
    ("Selasa, 12 Desember 2023 10:15 WITA", "2023-12-12T10:15:00+08:00"),
    ("Kamis, 5 Oktober 2023 09.00 WIT", "2023-10-05T09:00:00+09:00"),
    ("Rabu (4/10/2023)", "2023-10-04"),
    ("24 Nov 2023", "2023-11-24"),
    ("November 27, 2023", "2023-11-27"),
    ("27 Agustus 2024", "2024-08-27"),
    ("2023-12-11T19:20:00+07:00", "2023-12-11T19:20:00+07:00"),
    ("2023-12-11", "2023-12-11"),
    ("mulai 4 Oktober 2023 pukul 17.00 WIB", "2023-10-04T17:00:00+07:00"),
])
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def test_invalid_dates_are_none():
    assert parse_date("31 Februari 2023") is None
    assert parse_date("tanpa tanggal") is None
    assert parse_date("2023-13-45") is None


def test_relative_dates_resolve_against_now():
    now = datetime(2023, 12, 4, 12, 0, tzinfo=timezone.utc)
    assert parse_date("7 hari yang lalu", now) == "2023-11-27"
    assert parse_date("2 days ago", now) == "2023-12-02"
    assert parse_date("7 hari yang lalu") is None  # nothing to resolve against
    assert is_relative_date_line("7 hari yang lalu")
    assert not is_relative_date_line("Pada 7 hari yang lalu pemerintah mengumumkan aturan baru itu.")


def test_date_line_is_only_a_date():
    assert DATE_LINE.match("Senin, 27 November 2023 13:37 WIB")
    assert not DATE_LINE.match("Pada 27 November 2023 pemerintah mengumumkan aturan.")


def test_find_since_reads_where_a_period_starts():
    from datetime import date
    from rag.dates import find_since
    # a part of a year starts where that part does: mid-year (June and July) in June
    assert find_since("What is new since mid-2025?") == date(2025, 6, 1)
    assert find_since("Ada aturan baru sejak awal 2025?") == date(2025, 1, 1)
    assert find_since("Kabar baru sejak pertengahan 2024?") == date(2024, 6, 1)
    assert find_since("Anything new since late 2023?") == date(2023, 10, 1)
    assert find_since("Ada update sejak April 2024?") == date(2024, 4, 1)
    # and of a month: its middle third from the 11th, its last from the 21st
    assert find_since("Anything new since mid-May 2024?") == date(2024, 5, 11)
    assert find_since("Ada kabar sejak akhir Januari 2025?") == date(2025, 1, 21)
    assert find_since("Since early March 2024, what changed?") == date(2024, 3, 1)
    # said in words: "the beginning / middle / end of"
    assert find_since("What has happened since the beginning of 2025?") == date(2025, 1, 1)
    assert find_since("What has changed since the end of 2024?") == date(2024, 10, 1)
    assert find_since("Anything new since the middle of May 2024?") == date(2024, 5, 11)
    assert find_since("Anything new since then?") is None


def test_find_window_keeps_a_story_to_the_stretch_it_names():
    from datetime import date
    from rag.dates import find_window
    assert find_window("Kronologi dari Oktober 2023 sampai Maret 2024") == (
        date(2023, 10, 1), date(2024, 3, 31))
    assert find_window("Trace it, starting from the July 2023 plan.") == (date(2023, 7, 1), None)
    assert find_window("What happened to it before 4 October 2023?") == (
        None, date(2023, 10, 4))
    assert find_window("Timeline of the rule in 2024") == (date(2024, 1, 1), date(2024, 12, 31))
    # two bare years bound a stretch of whole years
    assert find_window("How did the rulebook evolve between 2019 and 2023?") == (
        date(2019, 1, 1), date(2023, 12, 31))
    assert find_window("Perkembangan aturan dari 2019 sampai 2023") == (
        date(2019, 1, 1), date(2023, 12, 31))
    # A regulation's number is no period.
    assert find_window("Timeline from PP 80/2019 to Permendag 31/2023") is None


def test_a_text_mentions_a_period_by_a_time_inside_it():
    from rag.dates import mentions_period
    feb = (date(2024, 2, 1), date(2024, 2, 29))
    assert mentions_period("The migration was about 75% complete in February.", feb)
    assert mentions_period("Migrasi 75 persen rampung pada 20 Februari 2024.", feb)
    assert not mentions_period("TikTok agreed to buy 75.01% of Tokopedia on Dec. 11, 2023.", feb)
    assert not mentions_period("It finished in February 2025.", feb)
    # a month's name without a year speaks only of a period within one month
    assert not mentions_period("It began in February.", (date(2024, 1, 1), date(2024, 12, 31)))
