"""A publication date for articles whose source gave none.

Real exports often lack a date field, though the page says when: its URL path
("/2023/10/04/", "-20231004"), its dateline ("JAKARTA, Oct 4 (Reuters) -") or the body's
first dated reference, the way news fixes the reported day ("Rabu (4/10/2023)",
"Selasa (3/10)", "Kamis, 23 November 2023"). ``infer_published`` tries them in that order
and says which it used (``date_source``: "url", "text") with a confidence: a full date
in the URL is nearly always the publication day; a date with its weekday is how news names
the day it reports on (the report may come a day later); a republished story's
syndication line gives the original's date. A date written without its weekday is the day
of some event, often long before, and is not used. An article with a date from its source keeps it
("metadata", 1.0).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from urllib.parse import urlsplit

from rag.dates import date_mentions
from rag.types import Article

#: Confidence of each way of finding the date (see the module docstring). A date written
#: without its weekday is not used: in news it is the day of some event, not the report's.
CONFIDENCE = {"url": 0.9, "weekday": 0.85, "weekday-no-year": 0.7, "dateline": 0.6,
              "syndication": 0.6}
_URL_DATES = (
    re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?=[/_.-]|$)"),
    re.compile(r"(?:^|[/_-])((?:19|20)\d{2})(\d{2})(\d{2})(?=[/_.-]|\d{0,6}(?:[/_.-]|$))"),
)
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")


def url_date(url: str) -> date | None:
    """The date in a URL's path ("/2023/10/04/", "/2023-10-04-", "-20231004", "/20231004123")."""
    try:
        path = urlsplit(url).path if url else ""
    except ValueError:  # "http://[broken": no path to read
        return None
    for rx in _URL_DATES:
        for m in rx.finditer(path):
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                continue
    return None


def _plausible(d: date, latest: date) -> bool:
    return date(1990, 1, 1) <= d <= latest


def infer_published(article: Article, dateline_when: str = "",
                    today: date | None = None) -> Article:
    """The article with ``published``, ``date_source`` and ``date_confidence`` set: from
    its source when it had a date, else inferred from its URL, dateline or text."""
    if article.published:
        if article.date_source:
            return article
        return article.model_copy(update={"date_source": "metadata", "date_confidence": 1.0})
    latest = today or datetime.now(timezone.utc).date()
    found = url_date(article.url)
    if found and _plausible(found, latest):
        return _dated(article, found, "url", CONFIDENCE["url"])
    text = article.text
    mentioned = {int(y) for y in _YEAR.findall(text)}
    # A year-less date with its weekday fixes its year among those the text mentions and
    # the year after the last of them (news reports after what it recalls).
    years = sorted(mentioned | {max(mentioned) + 1} if mentioned else set(), reverse=True)
    if dateline_when:
        for m in date_mentions(dateline_when):
            d = m.resolve(years)
            if d and _plausible(d, latest):
                return _dated(article, d, "text", CONFIDENCE["dateline"])
    for m in date_mentions(text):  # the reporting day, named with its weekday
        if m.weekday is None:
            continue
        d = m.resolve(years)
        if d and _plausible(d, latest):
            how = "weekday" if m.year else "weekday-no-year"
            return _dated(article, d, "text", CONFIDENCE[how])
    # A republished story: the original's date from its syndication line.
    first = min((s.published for s in article.syndication if s.published), default=None)
    if first:
        d = date.fromisoformat(first[:10])
        if _plausible(d, latest):
            return _dated(article, d, "text", CONFIDENCE["syndication"])
    return article


def _dated(article: Article, d: date, source: str, confidence: float) -> Article:
    return article.model_copy(update={"published": d.isoformat(), "date_source": source,
                                      "date_confidence": confidence})
