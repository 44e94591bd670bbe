"""Amounts of money in text, and the ranges that rules put them in.

An asker often states their own situation as an amount ("omzet saya Rp200 juta setahun",
"I make about Rp1 billion a year"), and rules state theirs as a range ("omzet di bawah
Rp500 juta", "turnover between Rp500 million and Rp4.8 billion", "at least USD 100"). The
statements whose range holds the asker's amount are the ones about them
(rag.answering.rules orders by it). Amounts are compared within one currency only.
"""
from __future__ import annotations

import math
import re
from typing import NamedTuple

_SCALES = {"ribu": 1e3, "rb": 1e3, "thousand": 1e3, "k": 1e3,
           "juta": 1e6, "jt": 1e6, "million": 1e6, "mn": 1e6, "m": 1e6,
           "miliar": 1e9, "milyar": 1e9, "billion": 1e9, "bn": 1e9,
           "triliun": 1e12, "trillion": 1e12, "tn": 1e12}
_CURRENCIES = {"rp": "idr", "idr": "idr", "rupiah": "idr", "usd": "usd", "us$": "usd",
               "$": "usd", "dolar": "usd", "dollar": "usd", "dollars": "usd"}
_SCALE_ALT = "|".join(sorted(_SCALES, key=len, reverse=True))
AMOUNT = re.compile(
    rf"(?P<pre>\bRp\.?|\bIDR|\bUSD|US\$|\$)?\s?(?P<num>\d+(?:[.,]\d+)*)"
    rf"(?:\s*(?P<scale>{_SCALE_ALT})\b)?(?:\s+(?P<post>rupiah|dolar(?: AS)?|dollars?|USD|IDR)\b)?",
    re.I)


class Amount(NamedTuple):
    value: float
    currency: str
    start: int
    end: int


class Range(NamedTuple):
    low: float  # inclusive bounds; -inf / inf when open
    high: float
    currency: str


def _number(text: str, scaled: bool) -> float | None:
    """"4,8" and "1.5" are decimals before a scale word; "500.000.000" groups thousands."""
    if scaled and re.fullmatch(r"\d+[.,]\d{1,2}", text):
        return float(text.replace(",", "."))
    digits = re.sub(r"[.,](?=\d{3}\b)", "", text)
    try:
        return float(digits.replace(",", "."))
    except ValueError:
        return None


def amounts(text: str, unsigned: bool = False) -> list[Amount]:
    """The amounts of money in ``text``: a number with a currency before or after it; with
    ``unsigned``, also a scaled sum without one ("omzet 300 juta"; its currency "")."""
    out = []
    for m in AMOUNT.finditer(text):
        sign = (m["pre"] or m["post"] or "").lower().rstrip(".").split()[0] if (
            m["pre"] or m["post"]) else ""
        currency = _CURRENCIES.get(sign)
        if currency is None and unsigned and not sign and m["scale"]:
            currency = ""
        if currency is None:
            continue
        scale = _SCALES.get((m["scale"] or "").lower(), 1.0)
        value = _number(m["num"], scale != 1.0)
        if value is not None:
            out.append(Amount(value * scale, currency, m.start(), m.end()))
    return out


_BETWEEN = re.compile(r"\b(?:between|antara|from|dari)\s*$", re.I)
_JOIN = re.compile(r"^\s*(?:and|dan|hingga|sampai|to|-|–)\s*$", re.I)
_BELOW = re.compile(r"\b(?:di bawah|below|under|less than|kurang dari|maksimal|paling banyak|"
                    r"at most|up to|tidak lebih dari|hingga|sampai)\s*$", re.I)
_ABOVE = re.compile(r"\b(?:di atas|above|over|more than|lebih dari|minimal|paling sedikit|"
                    r"at least|sekurang-kurangnya|exceeding|melebihi)\s*$", re.I)


def ranges(text: str) -> list[Range]:
    """The ranges of money ``text`` states: "between A and B" / "antara A hingga B" / "di
    atas A sampai B", "di bawah A" / "below A", "di atas A" / "at least A"."""
    found = amounts(text)
    out: list[Range] = []
    used: set[int] = set()
    for i, a in enumerate(found):
        if i in used:
            continue
        before = text[max(0, (found[i - 1].end if i else 0)):a.start]
        nxt = found[i + 1] if i + 1 < len(found) else None
        # "antara A hingga B", and "di atas A sampai B" / "above A up to B": one range
        if (nxt is not None and nxt.currency == a.currency
                and (_BETWEEN.search(before) or _ABOVE.search(before))
                and _JOIN.match(text[a.end:nxt.start])):
            out.append(Range(a.value, nxt.value, a.currency))
            used.add(i + 1)
        elif _BELOW.search(before):
            out.append(Range(-math.inf, a.value, a.currency))
        elif _ABOVE.search(before):
            out.append(Range(a.value, math.inf, a.currency))
    return out


#: How far inside its bounds an asker's range starts: "above Rp4.8 billion" meets no rule
#: "between Rp500 million and Rp4.8 billion".
_EDGE = 1e-9


def situation(question: str) -> list[Range]:
    """The asker's own amounts as ranges: the ranges the question states ("omzet saya di
    atas Rp4,8 miliar": above it, its bound left out), else each amount as a point."""
    said = ranges(question)
    if said:
        return [Range(lo * (1 + _EDGE) if lo > 0 else lo, hi * (1 - _EDGE), cur)
                for lo, hi, cur in said]
    # "omzet setahun sekitar 300 juta": a scaled sum without its currency is in whatever
    # currency the rules give theirs ("" meets any)
    return [Range(a.value, a.value, a.currency)
            for a in amounts(question) or amounts(question, unsigned=True)]


def fits(statement: str, asker: list[Range]) -> bool:
    """Whether a range ``statement`` states meets the asker's situation (``situation``)."""
    return bool(asker) and any(
        (r.currency == a.currency or not a.currency) and max(r.low, a.low) <= min(r.high, a.high)
        for r in ranges(statement) for a in asker)
