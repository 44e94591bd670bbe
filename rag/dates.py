"""Dates as Indonesian and English news write them, to ISO 8601.

"Senin, 27 November 2023 13:37 WIB" -> "2023-11-27T13:37:00+07:00"
"Rabu (4/10/2023)" -> "2023-10-04"; "24 Nov 2023" -> "2023-11-24";
"November 27, 2023" -> "2023-11-27"; "7 hari yang lalu" -> a date relative to ``now``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

MONTHS = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "februari": 2, "february": 2, "pebruari": 2,
    "mar": 3, "maret": 3, "march": 3,
    "apr": 4, "april": 4,
    "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "agu": 8, "agt": 8, "agus": 8, "agustus": 8, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oktober": 10, "oct": 10, "october": 10,
    "nov": 11, "nopember": 11, "november": 11,
    "des": 12, "desember": 12, "dec": 12, "december": 12,
}
#: Month names as full words, both languages: not names of things in a question or a sentence.
MONTH_NAMES = frozenset("""januari februari maret april mei juni juli agustus september oktober
    november desember january february march may june july august october december""".split())
#: Month names for display, by language.
MONTH_LABELS = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}
ZONES = {"WIB": 7, "WITA": 8, "WIT": 9, "UTC": 0, "GMT": 0}
#: Day-of-week names, both languages, 0 = Monday.
WEEKDAY_NUMBERS = {"senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4,
                   "sabtu": 5, "minggu": 6, "ahad": 6, "monday": 0, "tuesday": 1,
                   "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
WEEKDAYS = "(?:" + "|".join(sorted(WEEKDAY_NUMBERS, key=len, reverse=True)) + ")"
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_TIME = r"(?:[,\s]+(?:pukul\s+)?(\d{1,2})[:.](\d{2})(?:[:.]\d{2})?\s*(WIB|WITA|WIT|UTC|GMT)?)?"

# "27 November 2023 13:37 WIB", "24 Nov 2023"
_DMY = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_RE})\.?\s+(\d{{4}}){_TIME}", re.I)
# "November 27, 2023"
_MDY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}}),?\s+(\d{{4}}){_TIME}", re.I)
# "4/10/2023", "(4/10/2023)", "04-10-2023" (day first, as Indonesian news writes it)
_NUMERIC = re.compile(r"\b(\d{1,2})[/-](\d{1,2})[/-](\d{4})\b")
_RELATIVE = re.compile(
    r"\b(\d+|se)\s*(detik|menit|jam|hari|minggu|pekan|bulan|tahun|seconds?|minutes?|hours?|"
    r"days?|weeks?|months?|years?)\s+(?:yang\s+)?(?:lalu|ago)\b", re.I)
_RELATIVE_DAYS = {"detik": 0, "second": 0, "menit": 0, "minute": 0, "jam": 0, "hour": 0,
                  "hari": 1, "day": 1, "minggu": 7, "pekan": 7, "week": 7, "bulan": 30,
                  "month": 30, "tahun": 365, "year": 365}

#: A line that is only a date (the date line of a scraped article).
DATE_LINE = re.compile(
    rf"^\s*(?:{WEEKDAYS}\s*,?\s*)?(?:\(?\s*)?"
    rf"(?:\d{{1,2}}\s+(?:{_MONTH_RE})\.?\s+\d{{4}}|(?:{_MONTH_RE})\.?\s+\d{{1,2}},?\s+\d{{4}}|"
    rf"\d{{1,2}}/\d{{1,2}}/\d{{4}})\s*\)?{_TIME}\s*$", re.I)


def _iso(y: int, mo: int, d: int, hh: str | None, mm: str | None, zone: str | None) -> str | None:
    try:
        day = date(y, mo, d)
    except ValueError:
        return None
    if hh is None:
        return day.isoformat()
    try:
        tz = timezone(timedelta(hours=ZONES[zone.upper()])) if zone else None
        dt = datetime(y, mo, d, int(hh), int(mm), tzinfo=tz)
    except (ValueError, KeyError):
        return day.isoformat()
    return dt.isoformat()


def parse_date(text: str, now: datetime | None = None) -> str | None:
    """The first date in ``text`` as ISO 8601, or None.

    Absolute forms win; a relative form ("7 hari yang lalu", "2 days ago") resolves
    against ``now`` (the fetch or file time) and yields a date only.
    """
    if not text:
        return None
    s = text.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}([T ]|$)", s):  # already ISO
        try:
            if len(s) == 10:
                return date.fromisoformat(s).isoformat()
            return datetime.fromisoformat(s.replace("Z", "+00:00")).isoformat()
        except ValueError:
            return None
    m = _DMY.search(s)
    if m:
        return _iso(int(m[3]), MONTHS[m[2].lower()], int(m[1]), m[4], m[5], m[6])
    m = _MDY.search(s)
    if m:
        return _iso(int(m[3]), MONTHS[m[1].lower()], int(m[2]), m[4], m[5], m[6])
    m = _NUMERIC.search(s)
    if m:
        return _iso(int(m[3]), int(m[2]), int(m[1]), None, None, None)
    m = _RELATIVE.search(s)
    if m and now is not None:
        n = 1 if m[1].lower() == "se" else int(m[1])
        unit = m[2].lower().rstrip("s") if m[2].lower() not in _RELATIVE_DAYS else m[2].lower()
        try:
            return (now - timedelta(days=n * _RELATIVE_DAYS.get(unit, 1))).date().isoformat()
        except OverflowError:  # "3000 tahun yang lalu": before year 1, so no date
            return None
    return None


def is_relative_date_line(line: str) -> bool:
    """'7 hari yang lalu' alone on a line (a scraped page's 'published ... ago' stamp)."""
    m = _RELATIVE.search(line)
    return bool(m) and len(line.strip()) <= len(m.group(0)) + 3


_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\.?\s+((?:19|20)\d{{2}})\b", re.I)
_YEAR_ONLY = re.compile(r"\b(?:in|pada|tahun|during|selama|year)\s+((?:19|20)\d{2})\b", re.I)


def find_period(text: str) -> tuple[date, date] | None:
    """The period a question points at: a day ("1 November 2023"), a month ("November
    2023") or a year ("pada 2024"), as (first day, last day); None when there is none."""
    m = _DMY.search(text)
    if m:
        try:
            d = date(int(m[3]), MONTHS[m[2].lower()], int(m[1]))
            return d, d
        except ValueError:
            return None
    m = _MONTH_YEAR.search(text)
    if m:
        y, mo = int(m[2]), MONTHS[m[1].lower()]
        nxt = date(y + (mo == 12), mo % 12 + 1, 1)
        return date(y, mo, 1), nxt - timedelta(days=1)
    m = _YEAR_ONLY.search(text)
    if m:
        y = int(m[1])
        return date(y, 1, 1), date(y, 12, 31)
    return None


def periods(text: str) -> list[tuple[int, date, date]]:
    """Every period ``text`` names, in order: (position, first day, last day)."""
    found: list[tuple[int, int, date, date]] = []
    for rx in (_DMY, _MONTH_YEAR, _YEAR_ONLY):
        for m in rx.finditer(text):
            if any(s <= m.start() < e for s, e, _, _ in found):
                continue  # "1 November 2023" holds "November 2023"
            p = find_period(m.group(0) if rx is not _YEAR_ONLY else f"in {m[1]}")
            if p:
                found.append((m.start(), m.end(), *p))
    return [(s, a, b) for s, _, a, b in sorted(found)]


#: Words that open a stretch of time ("since", "starting from", "sejak", "dari") and that
#: close one ("until", "before", "sampai"): dates here, events in rag.answering.stories.
STRETCH_OPENS = r"since|sejak|from|starting|start|mulai|dari|after|setelah|pasca"
STRETCH_CLOSES = r"until|till|to|up to|sampai|hingga|before|sebelum|menjelang"
_OPENS_AT = re.compile(rf"\b({STRETCH_OPENS})\b[^.?!]{{0,24}}$", re.I)
_CLOSES_AT = re.compile(rf"\b({STRETCH_CLOSES})\b[^.?!]{{0,24}}$", re.I)


#: Two bare years bounding a stretch: "between 2019 and 2023", "antara 2019 hingga 2023".
_YEAR_SPAN = re.compile(r"\b(?:between|antara|from|dari)\s+((?:19|20)\d{2})\s+(?:and|dan|to|"
                        r"until|till|sampai|hingga|ke)\s+((?:19|20)\d{2})\b", re.I)


def mentions_period(text: str, period: tuple[date, date]) -> bool:
    """Whether ``text`` names a time inside ``period`` (first, last day): a day, month or
    year that overlaps it, or, for a period within one month, that month's name without a
    year ("was about 75% complete in February" for "as of February 2024")."""
    lo, hi = period
    if any(a <= hi and b >= lo for _, a, b in periods(text)):
        return True
    if (lo.year, lo.month) != (hi.year, hi.month):
        return False
    return any(MONTHS.get(m[1]) == lo.month and m[1] in MONTH_NAMES
               for m in re.finditer(r"\b([a-z]+)\b(?!\.?,?\s+\d{4})", text.lower()))


def find_window(text: str) -> tuple[date | None, date | None] | None:
    """The stretch of time a "what happened" question keeps to, ends open where it runs on:
    two periods make a window from the first's first day to the last's last ("dari Oktober
    2023 sampai Maret 2024"); one after "since / starting from / sejak / dari" runs to now
    ("starting from the July 2023 plan"), one after "until / sampai / before" runs from the
    start; a bare one is the window itself ("in October 2023"). None: no period named."""
    years = _YEAR_SPAN.search(text)
    if years:  # "between 2019 and 2023", "dari 2019 sampai 2023"
        return date(int(years[1]), 1, 1), date(int(years[2]), 12, 31)
    found = periods(text)
    if not found:
        return None
    if len(found) > 1:
        return found[0][1], found[-1][2]
    pos, first, last = found[0]
    before = text[:pos]
    if _OPENS_AT.search(before):
        return first, None
    if _CLOSES_AT.search(before):
        return None, last
    return first, last


def format_date(iso: str | None, language: str) -> str:
    """'2023-10-04...' -> '4 Oktober 2023' / '4 October 2023'."""
    if not iso or len(iso) < 10:
        return iso or ""
    y, m, d = int(iso[0:4]), int(iso[5:7]), int(iso[8:10])
    return f"{d} {MONTH_LABELS.get(language, MONTH_LABELS['en'])[m - 1]} {y}"


def iso_to_epoch(value: str | None) -> int | None:
    """Epoch seconds of an ISO date or date-time (dates count from 00:00 UTC)."""
    dt = _parse_iso(value)
    if dt is None:
        return None
    return int(dt.timestamp())


def recency(published: list[str | None]) -> list[float] | None:
    """0..1 per item: how recent it is among these (the oldest dated one 0, the newest 1);
    None when fewer than two distinct dates are known. An undated item counts as the median
    of the dated ones: its date is unknown, not old (real pages often lose theirs)."""
    ts = [iso_to_epoch(p) for p in published]
    known = sorted(t for t in ts if t is not None)
    if not known or known[0] == known[-1]:
        return None
    lo, hi = known[0], known[-1]
    middle = known[len(known) // 2]
    return [((middle if t is None else t) - lo) / (hi - lo) for t in ts]


def days_between(a: str, b: str) -> int:
    """Days from the ISO date ``a`` to the ISO date ``b`` (date-times count by their day)."""
    return (date.fromisoformat(b[:10]) - date.fromisoformat(a[:10])).days


def iso_to_day(value: str | None) -> int | None:
    """YYYYMMDD of an ISO date or date-time, in the article's own time zone."""
    dt = _parse_iso(value)
    return None if dt is None else dt.year * 10000 + dt.month * 100 + dt.day


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


_WEEKDAY_NUMBERS = {**WEEKDAY_NUMBERS, "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3,
                    "thurs": 3, "fri": 4, "sat": 5, "sun": 6}
_WD = "(?P<wd>" + "|".join(sorted((re.escape(w) for w in _WEEKDAY_NUMBERS), key=len,
                                  reverse=True)) + r")\.?"
_MENTION = re.compile(
    rf"(?:\b{_WD}\s*,?\s*(?:\(\s*)?)?"
    r"(?:(?P<nd>\d{1,2})/(?P<nm>\d{1,2})(?:/(?P<ny>\d{4}|\d{2}))?(?!\d)"
    rf"|(?P<dd>\d{{1,2}})\s+(?P<dm>{_MONTH_RE})\.?(?:\s+(?P<dy>\d{{4}}))?(?![\w])"
    rf"|(?P<mm>{_MONTH_RE})\.?\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(?P<my>\d{{4}}))?)",
    re.I)


@dataclass(frozen=True)
class DateMention:
    """A date written in running text: "Rabu (4/10/2023)", "Selasa (3/10)", "(Feb 21)",
    "Kamis, 23 November 2023", "on Tuesday, Oct. 3". The year may be missing."""

    start: int
    day: int
    month: int
    year: int | None
    weekday: int | None  # 0 = Monday, when the text names the day of the week
    text: str

    def resolve(self, years: list[int]) -> date | None:
        """The date, its year taken from the mention or, failing that, the first of
        ``years`` on which the named weekday falls (any of them without a weekday)."""
        for y in ([self.year] if self.year else years):
            try:
                d = date(y, self.month, self.day)
            except ValueError:
                continue
            if self.weekday is None or d.weekday() == self.weekday:
                return d
        return None


def date_mentions(text: str) -> list[DateMention]:
    """Every date written in ``text``, in order (see ``DateMention``)."""
    out = []
    for m in _MENTION.finditer(text):
        if m["nd"]:
            day, month, year = int(m["nd"]), int(m["nm"]), m["ny"]
            if not (m["wd"] or text[max(0, m.start() - 1):m.start()] == "(" or year):
                continue  # a bare "3/10" is more often a ratio or a number than a date
        elif m["dd"]:
            day, month, year = int(m["dd"]), MONTHS[m["dm"].lower()], m["dy"]
        else:
            day, month, year = int(m["md"]), MONTHS[m["mm"].lower()], m["my"]
        if not (1 <= day <= 31 and 1 <= month <= 12):
            continue
        y = int(year) if year else None
        if y is not None and y < 100:
            y += 2000
        wd = _WEEKDAY_NUMBERS.get(m["wd"].lower()) if m["wd"] else None
        out.append(DateMention(m.start(), day, month, y, wd, m.group(0)))
    return out


#: "since mid-2025", "sejak awal 2025", "sejak pertengahan 2024", "since late 2023": where in
#: the year a period starts.
_SINCE_PART = {"early": 1, "awal": 1, "mid": 6, "pertengahan": 6, "tengah": 6, "late": 10,
               "akhir": 10, "beginning": 1, "start": 1, "middle": 6, "end": 10}
#: A part of a year or month, in either language ("mid-", "awal", "the beginning of").
_PART = (r"(?:the\s+)?(early|mid|late|awal|pertengahan|tengah|akhir|beginning|start|middle|"
         r"end)(?:\s+of)?")
_SINCE = re.compile(rf"\b(?:since|sejak|from|mulai)\s+(?:{_PART}[\s-]+(?:tahun\s+)?)?"
                    r"((?:19|20)\d{2})\b", re.I)


_GIVES_YEAR = re.compile(r"(?:19|20)\d\d")


def gives_year(text: str) -> bool:
    """Whether ``text`` holds a year (19xx or 20xx): the quick test before a full date's or a
    regulation reference's pattern, which most sentences fail."""
    return bool(_GIVES_YEAR.search(text))


def find_since(text: str) -> date | None:
    """The first day of the period a "what's new since ..." question starts from: a day or
    month it names ("sejak April 2024"), or a year, or part of one ("since mid-2025" ->
    1 June 2025, "sejak awal 2025" -> 1 January 2025, "since mid-May 2024" -> 11 May 2024,
    "sejak akhir Januari 2025" -> 21 January 2025); None when it names none."""
    m = _SINCE.search(text)
    if m:
        return date(int(m[2]), _SINCE_PART.get((m[1] or "").lower(), 1), 1)
    period = find_period(text)
    month = _MONTH_YEAR.search(text)
    if period and month and period[0].day == 1 and period[1].day > 1:
        # "since mid-May 2024", "sejak akhir Januari": the month's middle or last third
        part = _MONTH_PART.search(text[:month.start()])
        if part:
            return period[0].replace(day=_MONTH_PART_DAY[part[1].lower()])
    return period[0] if period else None


#: A part of a month before its name, and the day it starts on.
_MONTH_PART = re.compile(rf"\b{_PART}[\s-]+(?:bulan\s+)?$", re.I)
_MONTH_PART_DAY = {"early": 1, "awal": 1, "mid": 11, "pertengahan": 11, "tengah": 11,
                   "late": 21, "akhir": 21, "beginning": 1, "start": 1, "middle": 11, "end": 21}
