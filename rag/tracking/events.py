"""What a sentence of the news tells about the players and rules it names: events.

An event is typed by the cues of its clause (stopped, resumed, acquired/merged, revised,
fined, in force, enacted, planned, announced), dated by the sentence when it gives a date
("Rabu (4/10/2023)", "mulai 4 Oktober 2023", "sejak 12 Desember" with the article's year,
"pada Oktober 2023" or "in December" to the month, "kemarin", "two years ago") and
otherwise by its article, and belongs to the players its clause names. rag.tracking.timeline
keeps them per subject; questions use the same cues (``asked_event_type``).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta

from rag.dates import MONTHS, WEEKDAY_NUMBERS, gives_year, parse_date
from rag.regulations import find_references
from rag.text import lower_in_place, sentence_spans

#: Event types and the words that state them (Indonesian and English), most specific first.
EVENT_CUES: dict[str, str] = {
    "fined": r"didenda|denda|menjatuhkan sanksi|fined|fine[sd]?\b|penalty|penalised|penalized",
    "acquired": r"mengakuisisi|akuisisi|mencaplok|caplok|mengambil alih|pengambilalihan|"
                r"acquir\w*|takeover|took over|take a 75|buy\w* (?:a )?(?:control|stake)",
    "merged": r"migrasi\w*|bermigrasi|bergabung|dilebur|melebur|merged|merger|migrat\w*|"
              r"integrat\w*|folded into|combined",
    "resumed": r"dibuka kembali|kembali dibuka|kembali beroperasi|kembali hadir|kembali dapat|"
               r"beroperasi kembali|buka lagi|dibuka lagi|beroperasi lagi|kembali buka|"
               r"balik lagi|reopen\w*|open again|returned|returns|came back|come back|coming back|"
               r"comeback|is back|relaunch\w*|"
               r"resum\w*|back in business",
    "stopped": r"ditutup|menutup|dihentikan|berhenti|menghentikan|penghentian|penutupan|tutup|setop|"
               r"stop(?:s|ped)?|closed|"
               r"clos(?:e|es|ing) down|shut(?: down)?|suspend\w*|halt\w*|ceas\w*",
    # what a company does to its workforce (the jobs a rule or a merger costs)
    "layoffs": r"phk|pemutusan hubungan kerja|merumahkan|dirumahkan|lay(?:s|ing)? off|laid off|"
               r"layoffs?|job cuts|cut (?:about |around |some |roughly )?\d[\d,.]* (?:jobs|staff|"
               r"employees|workers)|redundanc\w*",
    "revised": r"direvisi|merevisi|revisi|diubah|mengubah|perubahan|amend\w*|revis\w*",
    "in_force": r"mulai berlaku|berlaku|took effect|takes effect|in force|came into force|"
                r"effective",
    "enacted": r"diterbitkan|menerbitkan|terbit|ditandatangani|diteken|disahkan|signed|issued|"
               r"enacted|passed",
    "planned": r"berencana|rencana|akan|menyusun|draf|draft|plans? to|will|is preparing|"
               r"preparing",
    "announced": r"mengumumkan|diumumkan|announc\w*|menyatakan|said it would",
}
_CUES = {k: re.compile(rf"\b(?:{v})", re.I) for k, v in EVENT_CUES.items()}
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_ALT})\b(?!\.?\s+\d{{4}})", re.I)
#: "September 26", "on Oct. 4": an English month and day without the year.
_MONTH_DAY = re.compile(
    rf"\b({_MONTH_ALT})\.?\s+(\d{{1,2}})\b(?!,?\s+\d{{4}})(?!\s*[:.]\d)", re.I)
_MONTH_YEAR = re.compile(rf"\b({_MONTH_ALT})\s+((?:19|20)\d{{2}})\b", re.I)
_YEAR = re.compile(r"\b(?:in|pada|tahun|sejak|since|during)\s+((?:19|20)\d{2})\b", re.I)
#: "in December", "pada Maret", "akhir November": a month without its year.
_MONTH_ONLY = re.compile(rf"\b(?:in|pada|sejak|since|during|bulan|akhir|awal|early|late|mid)"
                         rf"\s+({_MONTH_ALT})\b(?!\.?\s+\d)", re.I)
_RELATIVE = {"kemarin": -1, "yesterday": -1, "hari ini": 0, "today": 0, "besok": 1,
             "tomorrow": 1}


#: What can happen to a regulation (the other types are about the players it affects).
REGULATION_EVENTS = {"announced", "enacted", "in_force", "revised", "planned"}
#: Cues that name what happened; the others (in force, enacted, planned, announced) often
#: only qualify a change named just before them ("Penutupan ... berlaku mulai ...").
STRONG = ("fined", "acquired", "merged", "resumed", "stopped", "layoffs", "revised")
_DATES = re.compile(
    rf"\b(?:in|pada|tahun|sejak|since|during)\s+(?:19|20)\d{{2}}\b(?!\s*/)|"
    rf"\(?\b\d{{1,2}}/\d{{1,2}}/\d{{4}}\)?|\b\d{{1,2}}\s+(?:{_MONTH_ALT})\b(?:\.?\s+\d{{4}})?|"
    rf"\b(?:{_MONTH_ALT})\.?\s+\d{{1,2}}(?:,?\s+\d{{4}})?\b(?!\s*[:.]\d)|"
    rf"\b(?:{_MONTH_ALT})\s+(?:19|20)\d{{2}}\b|"
    rf"\b(?:in|pada|sejak|since|during|bulan|akhir|awal|early|late|mid)\s+(?:{_MONTH_ALT})\b"
    rf"(?!\.?\s+\d)", re.I)


#: Any cue at all: most sentences have none, and one search tells so before a search per type.
#: Matched against the lower-cased text without re.I, which is 3-4 times faster (the cues are
#: written in lower case; their escapes, \b \w \d, are too).
_ANY_CUE = re.compile(r"\b(?:" + "|".join(f"(?:{v})" for v in EVENT_CUES.values()) + ")")


def has_cue(text: str) -> bool:
    """Whether ``text`` names any kind of event at all."""
    return _ANY_CUE.search(text.lower()) is not None


#: The cues per type for lower-cased text, without re.I (as ``_ANY_CUE``).
_CUES_LOWER = {k: re.compile(rf"\b(?:{v})") for k, v in EVENT_CUES.items()}


def _cues(text: str) -> list[tuple[int, str]]:
    """(position, type) of every cue in ``text``, type by type."""
    low = lower_in_place(text)
    if _ANY_CUE.search(text.lower() if low is None else low) is None:
        return []
    if low is None:
        return [(m.start(), k) for k, rx in _CUES.items() for m in rx.finditer(text)]
    return [(m.start(), k) for k, rx in _CUES_LOWER.items() for m in rx.finditer(low)]


def _cue(text: str, found: list[tuple[int, str]] | None = None) -> tuple[int, str] | None:
    """(position, type) of the cue that names the event: the last strong cue, else the
    last weak one (news puts the verb right before its date: "stopped ... on 4 October").
    ``found``: ``_cues(text)`` when the caller has it."""
    found = _cues(text) if found is None else found
    strong = [x for x in found if x[1] in STRONG]
    return max(strong or found, default=None)


#: Words that open a clause telling something beside the sentence's own event ("..., which
#: merged into Tokopedia", "the first job cuts since TikTok took control").
_SUBORDINATE = re.compile(r"\b(?:which|that|yang|who|since|sejak|after|setelah|before|sebelum|"
                          r"when|ketika|saat)\b", re.I)


def _main_cue(sentence: str) -> tuple[int, str] | None:
    """The cue of an undated sentence's own event: its first strong cue outside a clause
    that tells something beside it ("Tokopedia has laid off 450 employees, the first cuts
    since TikTok took control ... and merged ...": the layoffs), else as ``_cue``."""
    found = _cues(sentence)
    for at, kind in sorted(x for x in found if x[1] in STRONG):
        start = _clause_start(sentence, at)
        if not _SUBORDINATE.search(sentence, max(0, start - 8), at):
            return at, kind
    return _cue(sentence, found)


#: Words after which a sentence says what an event was for ("fined ... for notifying its
#: acquisition late", "didenda atas keterlambatan ... akuisisi").
_FOR = re.compile(r"\b(?:for|over|because of|due to|atas|karena|akibat|lantaran|terkait)\b",
                  re.I)


def cause_types(text: str) -> set[str]:
    """The types of what happened that ``text`` names, by a strong cue, as what its event was
    for ("fined ... for notifying its acquisition late": acquired)."""
    m = _FOR.search(text)
    if not m:
        return set()
    return {k for k in STRONG if _CUES[k].search(text, m.end())
            or (k in _NAMED_AS and _NAMED_AS[k].search(text, m.end()))}


#: Nouns that name an event as a thing, not as what a sentence tells happened ("its
#: acquisition" in a sentence on the fine).
_NAMED_AS = {"acquired": re.compile(r"\bacquisitions?\b", re.I)}


def event_type(text: str) -> str | None:
    """The event type a piece of text states (see ``_cue``)."""
    pick = _cue(text)
    return pick[1] if pick else None


#: Words by which a question asks whether one thing brought about another ("Did the fine
#: cost TikTok its licence?", "Apakah denda KPPU bikin TikTok kehilangan izin?"): what it
#: asks about comes after them.
_CAUSES = re.compile(
    r"\b(?:bikin|membuat|menyebabkan|mengakibatkan|berujung(?: pada)?|berakibat|"
    r"cause[sd]?|causing|cost|led to|lead to|leads to|result(?:ed|s)? in|forc(?:e|ed|es) \w+ to)\b",
    re.I)


#: Verbs for what is done about an event, which no event type names: "Did TikTok appeal
#: the fine?", "Apakah TikTok mengajukan banding atas denda itu?" ask about the appeal.
_ACTS_ON = re.compile(
    r"\b(?:appeal\w*|challeng\w*|contest\w*|disput\w*|pa(?:y|id|ying) (?:the|its|a)|"
    r"overturn\w*|banding|menggugat|digugat|gugatan|membayar|dibayar|melunasi|keberatan)\b",
    re.I)


def asked_event_type(question: str) -> str | None:
    """The event type a question asks about: its first cue (a question names its verb
    first: "Has TikTok been fined over its takeover?", "Masih berlaku? Ada perubahan?"),
    after the word by which it asks what something brought about, when it has one (the
    fine in "Did the fine cost TikTok its licence?" is the cause, not what is asked).
    None when, before that cue, it asks what was done about the event ("Did TikTok appeal
    the fine?" is no question whether it was fined)."""
    cause = _CAUSES.search(question)
    start = cause.end() if cause else 0
    found = [(m.start(), k) for k, rx in _CUES.items() for m in rx.finditer(question, start)]
    if not found:
        return None
    at, kind = min(found)
    acts = _ACTS_ON.search(question, start)
    return None if acts and acts.start() < at else kind


#: A day and month without a year, told within this many days of the full date the passage
#: gave before it, are read in that date's year: "A year ago this week, at 5 p.m. on Oct. 4,
#: 2023, TikTok switched off checkout. ... a regulation that took effect on Sept. 26" in an
#: October 2024 article is 26 September 2023, not 2024.
ANCHOR_DAYS = 31
#: The full date a passage gave before a sentence, worked out only when asked for.
Anchor = Callable[[], "str | None"] | None


def _near_anchor(when: date, anchor: str | None) -> date:
    """``when`` (read in the article's year), or the same day and month in the year next to
    ``anchor`` (ISO) that puts it within ``ANCHOR_DAYS`` of it."""
    if not anchor:
        return when
    a = date.fromisoformat(anchor[:10])
    for year in (a.year, a.year - 1, a.year + 1):
        try:
            near = when.replace(year=year)
        except ValueError:  # 29 February
            continue
        if abs((near - a).days) <= ANCHOR_DAYS:
            return near
    return when


def full_date(sentence: str) -> str | None:
    """The first full date (day, month and year) ``sentence`` gives, references masked: what
    the day-and-month dates after it in its passage are read against (``event_date``)."""
    if not gives_year(sentence):  # most sentences, found at once
        return None
    when = parse_date(_without_references(sentence))
    return when[:10] if when else None


def last_full_date(sentences: Sequence[str]) -> str | None:
    """The full date (``full_date``) of the last of ``sentences`` that gives one, or None."""
    return next(filter(None, map(full_date, reversed(sentences))), None)


def anchor_before(text: str) -> Callable[[], str | None]:
    """``event_date``'s anchor for a sentence after ``text`` (its passage up to it)."""
    return lambda: last_full_date([text[s:e] for s, e in sentence_spans(text)])


def anchored_spans(text: str) -> Iterator[tuple[int, int, Callable[[], str | None]]]:
    """Each sentence span of a passage's ``text`` with ``event_date``'s anchor for it: the
    full date of the last sentence before it that gives one, worked out when asked."""
    years: list[str] = []  # the sentences so far that give a year
    for s, e in sentence_spans(text):
        yield s, e, lambda n=len(years): last_full_date(years[:n])
        if gives_year(text[s:e]):
            years.append(text[s:e])


def event_date(text: str, article_day: str | None,
               anchor: Anchor = None) -> tuple[str, str] | None:
    """(ISO date, source) of a date expression, or of the article's day when it has none:
    a full date is "text", a day and month take the article's year (looking back: "sejak
    12 Desember" in a January article is last December), a month and year is "text-month",
    "kemarin"/"today" and a weekday ("on Tuesday": the article's week, the next one when the
    sentence looks ahead) are "relative". A day and month told next to a full date the
    passage gave before it (``anchor()``, asked only then) take that date's year when that
    puts them within ``ANCHOR_DAYS`` of it (``_near_anchor``)."""
    full = parse_date(text)
    if full:
        return full[:10], "text"
    base = date.fromisoformat(article_day) if article_day else None
    m = _DAY_MONTH.search(text)
    day_month = (m[2], m[1]) if m else None
    if day_month is None:
        m = _MONTH_DAY.search(text)
        day_month = (m[1], m[2]) if m else None
    if day_month and base:
        month = MONTHS[day_month[0].lower()]
        year = base.year - (1 if month > base.month else 0)
        try:
            when = _near_anchor(date(year, month, int(day_month[1])), anchor and anchor())
            return when.isoformat(), "text"
        except ValueError:
            pass
    m = _MONTH_YEAR.search(text)
    if m:
        return date(int(m[2]), MONTHS[m[1].lower()], 1).isoformat(), "text-month"
    m = _YEAR.search(text)
    if m:
        return f"{m[1]}-01-01", "text-year"
    m = _MONTH_ONLY.search(text)
    if m and base:  # the latest such month up to the article's day
        month = MONTHS[m[1].lower()]
        return date(base.year - (month > base.month), month, 1).isoformat(), "text-month"
    low = text.lower()
    m = _AGO.search(low)
    if m and base:  # "two years ago today", "setahun lalu": back from the article's day
        n = int(m["n"]) if m["n"].isdigit() else _COUNT_WORDS[m["n"]]
        unit = m["unit"]
        if unit in ("year", "years", "tahun"):
            back = _back_months(base, 12 * n)
        elif unit in ("month", "months", "bulan"):
            back = _back_months(base, n)
        else:
            back = base - timedelta(days=n * (7 if unit in ("week", "weeks", "pekan", "minggu")
                                              else 1))
        return back.isoformat(), "relative"
    for word, delta in _RELATIVE.items():
        if base and re.search(rf"\b{word}\b", low):
            return (base + timedelta(days=delta)).isoformat(), "relative"
    m = _ON_WEEKDAY.search(low)
    if m and base:  # "on Tuesday": the article's week, looking back unless it looks ahead
        before = low[:m.start()]
        ahead = bool(_NEXT.match(low, m.end()) or (_AHEAD.search(before)
                                                  and not _TOLD.search(before)))
        wd = _WEEKDAY[m["wd"]]
        day = (base + timedelta(days=(wd - base.weekday()) % 7) if ahead
               else base - timedelta(days=(base.weekday() - wd) % 7))
        return day.isoformat(), "relative"
    return (article_day, "article") if article_day else None


#: "On Tuesday", "pada Rabu sore": a day of the article's week, without its date ("Minggu"
#: is left out: it is also "week").
_WEEKDAY = {w: n for w, n in WEEKDAY_NUMBERS.items() if w != "minggu"}
_ON_WEEKDAY = re.compile(rf"\b(?:on|pada|hari|since|sejak|until|hingga|by|next)\s+(?P<wd>"
                         rf"{'|'.join(_WEEKDAY)})\b")
#: Before the weekday, what will happen ("will meet on Friday"): its weekday is the next
#: one; unless someone told it then ("said on Tuesday it will stop": the telling's day).
_AHEAD = re.compile(r"\b(?:will|shall|is due|are due|akan|dijadwalkan|scheduled)\b")
_TOLD = re.compile(r"\b(?:said|says|announced|told|stated|mengatakan|menyatakan|mengumumkan|"
                   r"kata|ujar)\b")
_NEXT = re.compile(r"\s+(?:depan|mendatang)\b")


#: "Two years ago", "setahun lalu", "3 bulan yang lalu": a time back from the article's day.
_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "se": 1, "satu": 1, "two": 2, "dua": 2, "three": 3,
                "tiga": 3, "four": 4, "empat": 4, "five": 5, "lima": 5, "six": 6, "enam": 6}
_AGO = re.compile(r"\b(?P<n>\d{1,2}|a|an|one|two|three|four|five|six|satu|dua|tiga|empat|lima|"
                  r"enam|se)\s*(?P<unit>years?|months?|weeks?|days?|tahun|bulan|pekan|minggu|"
                  r"hari)\s+(?:ago|(?:yang\s+)?lalu)\b")


def _back_months(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    for d in (day.day, 28):
        try:
            return date(y, m + 1, d)
        except ValueError:
            continue
    return date(y, m + 1, 1)


#: Words by which a sentence points back to what the one before it named ("migrasi
#: tersebut", "langkah itu", "the move", "the company").
POINTS_BACK = re.compile(r"\b(?:tersebut|itu|ini|the (?:company|companies|firm|move|deal|"
                         r"migration|merger|acquisition|transaction|shutdown|closure|"
                         r"platform|service|app|rule|regulation)|its)\b", re.I)
#: Words by which a clause says that an event named before it was brought to an end
#: ("the migration ... was completed in March 2024", "proses itu rampung pada ...").
_COMPLETES = re.compile(r"\b(?:selesai|diselesaikan|rampung|tuntas|completed?|finished|"
                        r"concluded|wrapped up)\b", re.I)
_CLAUSE = re.compile(r",|;|\s(?:which|that|yang|setelah|after|before|sebelum)\s", re.I)


def _clause_start(sentence: str, pos: int) -> int:
    """Where the clause holding ``pos`` begins."""
    starts = [m.end() for m in _CLAUSE.finditer(sentence, 0, pos)]
    return starts[-1] if starts else 0


def _clause_end(sentence: str, pos: int) -> int:
    """Where the clause holding ``pos`` ends."""
    m = _CLAUSE.search(sentence, pos)
    return m.start() if m else len(sentence)


_RELATIVE_CLAUSE = re.compile(r"\b(?:which|that|yang|who)\s*$", re.I)


def event_subjects(sentence: str, start: int, end: int, find) -> list:
    """Whom an event told in ``sentence[start:end]`` is about: the players its clause names
    ("..., while Bukalapak said it would stop ...": Bukalapak, not the TikTok Shop named
    earlier); for a relative clause ("TikTok, which bought Tokopedia ...") or a clause that
    names none ("... said it would stop"), also the sentence's first one. ``find`` lists
    the players a text names."""
    inside = find(sentence[start:end])
    if not inside or _RELATIVE_CLAUSE.search(sentence[max(0, start - 8):start]):
        return list(dict.fromkeys(find(sentence)[:1] + inside))
    return inside


def sentence_events(sentence: str, article_day: str | None, anchor: Anchor = None
                    ) -> list[tuple[str, str, str, int, tuple[int, int]]]:
    """(ISO date, date source, type, clause start, (start, end) of the clause telling it)
    of each event a sentence tells: one per date it gives, typed by the cues of its clause
    (else since the previous date); a sentence without a date is one event on the
    article's day, its clause start 0 (the clause of its cue is in the span)."""
    if not has_cue(sentence):
        return []  # no type to give an event (most sentences)
    out = []
    prev = 0
    masked = _without_references(sentence)
    dates = list(_DATES.finditer(masked))
    for i, m in enumerate(dates):
        # The clause the date sits in ("..., which came into force in March 2024") says what
        # happened on it; only without a cue there does the text since the last date count.
        start = max(prev, _clause_start(sentence, m.start()))
        etype = event_type(sentence[start:m.end()]) or event_type(sentence[prev:m.end()])
        end = _clause_end(sentence, m.end())
        if etype is None and _COMPLETES.search(sentence[start:m.end()]):
            # "Migrasi ... itu selesai pada Maret 2024": the date ends the event named before
            etype = event_type(sentence[:start])
        if etype is None and i == len(dates) - 1:
            after = re.split(r"[,;]", sentence[m.end():], maxsplit=1)[0]  # same clause only
            if not after.strip() and len(sentence[prev:m.start()].split()) <= 3:
                # a date put first ("Hingga Februari 2024, migrasi tersebut ..."): the
                # clause it opens tells what happened
                after = re.match(r"[,;]?[^,;]*", sentence[m.end():])[0]
            etype = event_type(after)
            end = m.end() + len(after)
        when = event_date(m.group(0), article_day, anchor) if etype else None
        if when and when[1] != "article":
            out.append((when[0], when[1], etype, start, (start, end)))
        prev = m.end()
    if not dates:
        cue = _main_cue(sentence)
        when = event_date(masked, article_day, anchor) if cue else None
        if when:
            span = (_clause_start(sentence, cue[0]), _clause_end(sentence, cue[0]))
            out.append((when[0], when[1], cue[1], 0, span))
    return out


def _without_references(sentence: str) -> str:
    """``sentence`` with its regulation references blanked out, offsets kept ("Nomor 31 Tahun
    2023" is a regulation's name, not a date)."""
    masked = sentence
    for ref in find_references(sentence):
        masked = masked[:ref.start] + " " * (ref.end - ref.start) + masked[ref.end:]
    return masked


def own_date(sentence: str, article_day: str | None,
             anchor: Anchor = None) -> tuple[str, str] | None:
    """(ISO date, source) of the date a sentence gives itself (a day, a month, or counted
    back from the article: "text", "text-month", "relative"), references masked ("Nomor 31
    Tahun 2023" is no year); None when it gives none. ``anchor``: see ``event_date``."""
    when = event_date(_without_references(sentence), article_day, anchor)
    return when if when and when[1] in ("text", "text-month", "relative") else None


def regs_for(refs: list, pos: int) -> list[str]:
    """The regulation an event at clause ``pos`` is about: with several references in the
    sentence, the last one named before the clause ("8/2024 amends 36/2023, which came into
    force in March 2024": 36/2023), or the first one named when the event has no date."""
    if len(refs) < 2:
        return [r.id for r in refs]
    if pos == 0:  # no date to place: the sentence is about the first one it names
        return [refs[0].id]
    before = [r for r in refs if r.start < pos]
    return [before[-1].id] if before else [refs[0].id]
