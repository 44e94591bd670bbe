"""How news writes figures: dates and days, clock times, numbers (in digits or words, both
languages), durations, time gone by, amounts of money and rates. These patterns say whether a
text holds a figure of a kind (rag.answering.asked: is a sentence the kind of answer asked);
rag.amounts reads amounts into values, rag.dates reads dates.
"""
from __future__ import annotations

import re

_DAY = (r"\b\d{1,2}\s+(jan|feb|mar|apr|mei|may|jun|jul|agu|aug|sep|okt|oct|nov|des|dec)[a-z]*\b"
        r"|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
        r"|\(\d{1,2}/\d{1,2}(/\d{2,4})?\)")
#: A month named as a time without its year ("in July", "sejak Juli lalu", "akhir
#: Desember"): a date, if a less complete one; the preposition keeps "may" the verb out.
_MONTH = (r"\b(in|since|sejak|pada|bulan|early|late|mid|awal|akhir|pertengahan|until|hingga|"
          r"sampai|from|by|during|selama)\s+(januari|january|februari|february|maret|march|"
          r"april|mei|may|juni|june|juli|july|agustus|august|september|oktober|october|"
          r"november|desember|december)\b")
HAS_MONTH = re.compile(_MONTH, re.I)
#: A day ("4 Oktober", "October 4", "(4/10/2023)") or a year.
HAS_DATE = re.compile(_DAY + r"|\b(19|20)\d{2}\b", re.I)
HAS_DAY = re.compile(_DAY, re.I)
#: One to ninety-nine in words, both languages (Indonesian tens and teens are built with
#: "puluh" / "belas": "empat puluh", "sebelas").
SMALL_NUMBERS = ("satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|sebelas|belas|"
                 "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                 "(?:thir|four|fif|six|seven|eigh|nine)teen|"
                 "(?:twen|thir|for|fif|six|seven|eigh|nine)ty(?:-\w+)?")
HAS_NUMBER = re.compile(
    rf"\d|\b({SMALL_NUMBERS}|puluh|ratus|ribu|juta|miliar|triliun|separuh|setengah|dozen|"
    r"hundred|thousand|million|billion|half|seper(?!ti\b)\w+|pertiga|perempat|thirds?|quarters?|"
    r"tenths?)\b", re.I)
#: A time of day in digits ("17.00", "10:30").
HAS_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
#: A clock time as an answer: "pukul 17.00", "17:00 WIB", "5 pm", "jam 10 pagi".
HAS_CLOCK = re.compile(
    r"\b((pukul|jam)\s+\d{1,2}|\d{1,2}[:.]\d{2}\s*(wib|wita|wit|am|pm|utc|gmt)?|"
    r"\d{1,2}\s*(am|pm|a\.m\.|p\.m\.))", re.I)
#: Number words that count nothing: "salah satu" / "one of" (one of the fastest-growing ...).
NOT_QUANTITY = re.compile(
    r"\b(salah\s+satu|satu\s+per\s+satu|satu-satunya|one\s+of|one\s+by\s+one|no\s+one|"
    r"(the|this|that|each|any|every)\s+one|one\s+another)\b"
    # a person's age beside the name, as news gives it: "said Sutrisno, 47, who sells",
    # "Sutrisno (47)"
    r"|(?-i:\b[A-Z][a-z]+)(,\s*\d{1,3}(?=,)|\s*\(\d{1,3}\))", re.I)
#: The units a duration counts.
TIME_UNITS = frozenset("""detik menit jam hari pekan minggu bulan tahun dekade second seconds
    minute minutes hour hours day days week weeks month months year years decade decades""".split())
#: "dalam dua tahun terakhir", "24 hours": how long, not how many of what a question counts.
DURATION = re.compile(
    rf"\b(\d+([.,]\d+)?|se|{SMALL_NUMBERS}|belasan|puluhan|several|few|an?)[\s-]*"
    rf"({'|'.join(sorted(TIME_UNITS))})\b", re.I)
#: Time gone by as a point in time: "twelve months on", "two years ago", "dua tahun lalu".
ELAPSED = re.compile(DURATION.pattern + r"\s+(on|ago|later|earlier|lalu|kemudian|silam)\b",
                     re.I)
#: An amount of money: "Rp15 miliar", "USD 100", "S$5", "$840 million", "15 billion rupiah"
#: (not "the country's 67 million": a lone "s" is a currency only before "$").
MONEY = re.compile(
    r"(\b(rp\.?|idr|usd|sgd|eur|rm)\s?\d|(\b(us|s|a))?\$\s?\d|[€£¥]\s?\d"
    r"|\d\s*(ribu|juta|miliar|triliun|thousand|million|billion|trillion|bn|mn)?\s*"
    r"(rupiah|dolar|dollars?|usd|idr|euros?|yuan|ringgit|yen|pounds?)\b)", re.I)
#: An amount given as a share of a base: "2 persen dari pendapatan tahunan", "0.5% of the
#: merchant's sales": what a fine or a levy may be.
RATE = re.compile(r"\d([.,]\d+)?\s*(%|persen\b|per\s?cent\b)\s*(dari|of)\b", re.I)

#: What gives a figure only roughly: a magnitude in words ("puluhan ribu kontainer",
#: "thousands of containers", "sejumlah komoditas") or a hedge before a number ("roughly
#: 450", "sekitar 75 persen", "more than 1,000"): no answer to "exactly how many".
VAGUE = re.compile(
    r"\b(belasan|puluhan|ratusan|ribuan|jutaan|miliaran|sejumlah|beberapa|berbagai|banyak|"
    r"dozens|scores|hundreds|thousands|millions|billions|several|various|numerous|"
    r"a\s+number\s+of|tens\s+of)\b(\s+(ribu|juta|thousands?|millions?))?|"
    r"\b(sekitar|kira-kira|kurang\s+lebih|hampir|lebih\s+dari|kurang\s+dari|hingga|sampai|"
    r"roughly|about|around|nearly|almost|approximately|some|more\s+than|less\s+than|over|"
    r"under|up\s+to)\s+(Rp\.?\s?|US\$|\$)?\d[\d.,]*(\s*(%|persen|percent|ribu|juta|miliar|"
    r"thousand|million|billion))?", re.I)

#: A deadline: a duration within which something must happen ("dalam 30 hari setelah
#: putusan", "paling lambat 3 x 24 jam", "within 30 working days").
_WITHIN = re.compile(r"\b(dalam(\s+waktu)?|within|paling\s+lambat|selambat-lambatnya|"
                     r"no\s+later\s+than|at\s+the\s+latest)\b", re.I)


def gives_deadline(text: str) -> bool:
    """Whether ``text`` states a deadline (``_WITHIN`` a ``DURATION``)."""
    return any(DURATION.search(text, m.end(), m.end() + 40) for m in _WITHIN.finditer(text))

