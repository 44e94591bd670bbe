"""Page furniture out of an article's text, whatever format it came in.

Scrapers and exports deliver more than the story: navigation and "Flash News" tickers at
the top, photo captions and credits, "Baca juga"/"Read also" links between paragraphs,
bylines and editor lines, share buttons and tag lists at the bottom, the headline
repeated as the first line, Markdown emphasis left in the text, the outlet's dateline
glued to the first sentence ("Bisnis.com, JAKARTA - ..."), and an excerpt cut mid-word.
``tidy`` takes them out of the text before it is stored and split into passages (so
offsets point into the clean text), keeps what is metadata (the dateline's place and
outlet, author and editor, syndication lines) and reports what it removed.

The rules are about the shape of page furniture, never about one outlet: a line of
furniture is short, carries no sentence of the story, and says what it is ("Baca juga",
"Foto:", "ANTARA FOTO/...", "Tags:") or sits where chrome sits (before the first paragraph
of the story, after the last one).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.dates import parse_date
from rag.types import Article, Syndication

from .dating import infer_published

# "Tulisan ini telah tayang di www.trenasia.com oleh Bintang Surya Laksana pada 24 Nov 2023"
# "Artikel ini telah tayang di kabarniaga.example dengan judul "...", klik untuk baca: URL"
SYNDICATION = re.compile(
    r"^\s*(?:tulisan|artikel|berita)\s+ini\s+(?:telah|sudah)\s+(?:tayang|terbit|dimuat)\s+di\s+"
    r"(?P<outlet>\S+)(?:\s+oleh\s+(?P<author>.+?))?(?:\s+pada\s+(?P<date>.+?))?"
    r"(?:\s+dengan\s+judul\b.*)?\s*\.?\s*$",
    re.I,
)

#: Lines that are links or prompts, by their opening words (never how a story's sentence
#: opens): "Baca juga: ...", "Read also: ...", "SCROLL TO CONTINUE WITH CONTENT".
_LINK_LABEL = re.compile(
    r"^\W{0,3}(baca\s+(juga|pula|selengkapnya)|read\s+(also|more)|also\s+read|lihat\s+juga|"
    r"simak\s+(juga|video|berita)|tonton\s+(juga|video)|related(\s+(news|articles?|stories))?\s*:|"
    r"berita\s+terkait|artikel\s+terkait|scroll\s+to\s+continue|gulir\s+untuk|"
    r"ikuti\s+(kami|berita|akun)|follow\s+us|dapatkan\s+(update|berita|informasi)|"
    r"download\s+(aplikasi|app)|halaman\s+(selanjutnya|berikutnya)|next\s+page)(?=\W|$)", re.I)
#: Button and counter labels, furniture when the line is only that ("Bagikan", "Share this
#: article", "ADVERTISEMENT", "Komentar (0)"): a sentence may open with the same word.
_BUTTON_LABEL = re.compile(
    r"^\W{0,3}(bagikan|share|advertisement|iklan|copyright|hak\s+cipta|salin\s+(tautan|link)|"
    r"copy\s+link|komentar|comments?|lihat\s+foto)(?=\W|$)", re.I)
_BUTTON_WORDS = 6


def is_boilerplate(line: str) -> bool:
    """A link, prompt or button line of a page, never a line of the story."""
    s = line.strip()
    return bool(_LINK_LABEL.match(s) or (_BUTTON_LABEL.match(s) and len(s.split()) <= _BUTTON_WORDS))


_READ_ALSO = re.compile(r"^\W{0,3}(baca|read|also|lihat|simak|tonton|related|berita\s+terkait|"
                        r"artikel\s+terkait)", re.I)
_SHARE = re.compile(r"^\W{0,3}(bagikan|share|salin|copy\s+link)", re.I)
#: A line made of share-button labels only.
_SHARE_WORDS = re.compile(
    r"^(?:\W*(?:facebook|twitter|x|whatsapp|telegram|line|linkedin|email|e-mail|salin|tautan|"
    r"link|copy|print|cetak|pinterest|threads|instagram|bagikan|share)\W*){2,}$", re.I)
_TAGS = re.compile(r"^\W{0,3}(tags?|topik(\s+terkait)?|topics?|kata\s+kunci|keywords?|"
                   r"label)\s*:?\s+\S", re.I)
_HASHTAGS = re.compile(r"^(?:\s*#[^\s#]+){1,}\s*$")
_BYLINE = re.compile(r"^\W{0,2}(penulis|reporter|pewarta|kontributor|author|writer|written\s+by|"
                     r"oleh|by)\s*:?\s+(.{2,80})$", re.I)
_EDITOR = re.compile(r"^\W{0,2}(editor|penyunting|redaktur|edited\s+by)\s*:?\s+(.{2,80})$", re.I)
#: Photo credits: "Foto: Dok. Kemendag", "Photo: Shutterstock", "Sumber foto: ...",
#: "[Getty Images]", "/Istimewa", "(dok. ...)"; and an agency in capitals before a slash,
#: "ANTARA FOTO/Name/abc", "(REUTERS/Name)", "KOMPAS.com/Name" (case-sensitive).
_CREDIT_LABEL = re.compile(
    r"\b(?:antara\s+foto|foto|photo|gambar|image|ilustrasi|sumber\s+foto|kredit\s+foto|"
    r"photo\s+credit|dok(?:umentasi)?\.?)\s*:|\b(?:getty\s+images|shutterstock|istockphoto|"
    r"afp\s+photo|ap\s+photo)\b|/\s*istimewa\b|\(\s*dok\.", re.I)
_CREDIT_AGENCY = re.compile(r"\b[A-Z]{3,}(?:\s[A-Z]{3,})?(?:\.com)?\s?/\s?[A-Z][a-z]|"
                            r"\([\w.]+\s?/\s?[A-Z][\w.]*(?:\s[A-Z][\w.]*){0,3}\)\s*$")
#: A line that stands for a picture: a Markdown image, "Lihat Foto", "[Foto]".
_PICTURE = re.compile(r"^(?:!\[[^\]]*\]\([^)]*\)|\W{0,2}(?:lihat\s+foto|foto|photo|gambar|"
                      r"image|video)\W{0,2})\s*$", re.I)
#: Photo captions date the picture the Indonesian way: "..., Selasa (3/10/2023)."
_CAPTION_DATE = re.compile(r"\(\d{1,2}/\d{1,2}(?:/\d{2,4})?\)|^ilustrasi\b", re.I)


def _credit(s: str) -> bool:
    return bool(_CREDIT_LABEL.search(s) or _CREDIT_AGENCY.search(s))


#: Ticker and trending labels ("Flash News", "Terpopuler", "BREAKING:").
_TICKER = re.compile(r"^\W{0,3}(flash\s+news|breaking(\s+news)?|trending(\s+now)?|terpopuler|"
                     r"populer|terkini|berita\s+terkini|headline(s)?|hot\s+news|"
                     r"most\s+popular|latest(\s+news)?|just\s+in|live\s+update)\b", re.I)
#: A navigation line: only a navigation label, or a breadcrumb that starts at home.
_NAV_WORDS = re.compile(r"^\W{0,3}(?:(?:menuju|lompat\s+ke)\s+konten(\s+utama)?|"
                        r"skip\s+to\s+(?:main\s+)?content|lewati\s+ke\s+konten(\s+utama)?|"
                        r"beranda|home|menu|navigasi|navigation|indeks\s+berita|masuk|login|"
                        r"sign\s+in|subscribe|langganan)\W{0,3}$|"
                        r"^\W{0,3}(?:beranda|home)\s*[|›»>/•·-]", re.I)
_NAV_SEPARATORS = re.compile(r"\s[|›»>•/·]\s|\s-\s(?=\S+\s*$)")
#: The reporter/editor initials that close an Indonesian article: "(nym/fik)", "(ant)".
_SIGNOFF = re.compile(r"\s*\(\s*[a-z]{2,4}(?:\s*/\s*[a-z]{2,4}){0,3}\s*\)\s*$")
#: Markdown emphasis around a word or phrase: *x*, **x**, _x_, __x__.
_EMPHASIS = re.compile(r"(?<![\w*])(\*\*|__|\*|_)(?=\S)([^*_\n]{1,120}?)(?<=\S)\1(?![\w*])")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:https?:|/|#)[^)]*\)")
#: The dateline glued to the first sentence: "<A>[, <date>][, <B>][ (<C>)] - " where A and
#: B are a place and an outlet in either order, each a web domain or one to four
#: capitalised words ("JAKARTA - ", "JAKARTA, KOMPAS.com - ", "Bisnis.com, JAKARTA - ",
#: "JAKARTA (Reuters) - ", "JAKARTA, Oct 4 (Reuters) - ", "Jakarta, CNBC Indonesia - ",
#: "liputan.id, Jakarta — ", "Jakarta - "). A lone A is one word or in capitals.
_DASH = r"\s*(?:-{1,2}|–|—)\s+"
_DOMAIN = r"(?:[\w-]+\.)+(?:com|id|net|org|news|co)(?:\.[a-z]{2})?"
_CAPS = r"[A-Z][\w'&.-]*(?:\s[A-Z][\w'&.-]*){0,3}"
_DATELINE = re.compile(
    rf"^(?P<a>{_DOMAIN}|{_CAPS})(?:,\s*(?P<when>[A-Z][a-z]{{2,8}}\.?\s+\d{{1,2}}))?"
    rf"(?:,\s*(?P<b>{_DOMAIN}|{_CAPS}))?(?:\s*\((?P<c>[^)]{{2,30}})\))?"
    rf"{_DASH}(?=[\"“'‘(]?[A-Z0-9])")
_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*\s*$|[\"”]\s*$")
_HEADER_WORDS = 14  # chrome lines at the top are shorter than a paragraph's opening


@dataclass
class Dateline:
    """The dateline taken off the first sentence: where and by whom it was filed."""

    text: str
    place: str = ""
    outlet: str = ""
    when: str = ""  # a date inside it ("Oct 4"), as written


@dataclass
class Tidied:
    """The clean text and what came out of it."""

    text: str
    removed: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    dateline: Dateline | None = None
    author: str = ""
    editor: str = ""
    syndication: list[Syndication] = field(default_factory=list)


def syndication_from_line(line: str) -> Syndication | None:
    """'Tulisan ini telah tayang di X oleh Y pada Z' as a Syndication, else None."""
    m = SYNDICATION.match(line)
    if not m:
        return None
    return Syndication(outlet=m["outlet"].rstrip(".,"), author=(m["author"] or "").strip() or None,
                       published=parse_date(m["date"] or ""))


def comparable(s: str) -> str:
    """Letters and digits only, lower case: for comparing a title with a line."""
    return re.sub(r"\W+", " ", s).strip().lower()


def _words(s: str) -> int:
    return len(s.split())


def _is_sentence(line: str) -> bool:
    """A line of the story: ends like a sentence, or is long enough to be a paragraph."""
    return bool(_SENTENCE_END.search(line)) or _words(line) > 25


def furniture_kind(line: str, title: str = "") -> str | None:
    """What kind of furniture a whole line is, or None for a line of the story.

    Kinds: nav, flash, caption, credit, read_also, byline, editor, share, tags,
    headline_repeat, other.
    """
    s = line.strip()
    if not s:
        return "other"
    n = _words(s)
    if title and comparable(s) == comparable(title) and not s.endswith((".", "…")):
        return "headline_repeat"  # (a title made of the first sentence is no headline)
    if is_boilerplate(s) and n <= 40:
        if _READ_ALSO.match(s):
            return "read_also"
        if _SHARE.match(s):
            return "share"
        return "other"
    if _SHARE_WORDS.match(s):
        return "share"
    if (_TAGS.match(s) and n <= 25) or _HASHTAGS.match(s):
        return "tags"
    m = _EDITOR.match(s)
    if m and n <= 8:
        return "editor"
    m = _BYLINE.match(s)
    if m and n <= 8 and not _SENTENCE_END.search(m[2].rstrip(".")) \
            and all(w[:1].isupper() or w in ("dan", "and", "&", "-", "|", "/") or not w[:1].isalpha()
                    for w in m[2].replace(",", " ").split()):
        return "byline"
    if _TICKER.match(s) and n <= 20:
        return "flash"
    if _NAV_WORDS.match(s) and n <= 12:
        return "nav"
    if n <= 16 and len(_NAV_SEPARATORS.findall(f" {s} ")) >= 2 and not _SENTENCE_END.search(s):
        return "nav"
    if _credit(s) and n <= 60 and not s.startswith(("\"", "“")):
        # A caption carrying its credit, or the credit alone.
        return "credit" if n <= 8 else "caption"
    if s.startswith(("(Sumber", "(Source", "Sumber:", "Source:")) and n <= 12:
        return "credit"
    return None


def _caption_like(line: str) -> bool:
    """One sentence describing a picture: short, no quotation, no second sentence."""
    if _words(line) > 40 or re.search(r"[\"“”]", line):
        return False
    inner = line.rstrip().rstrip(".")
    return not re.search(r"[.!?]\s+[A-Z]", inner) or bool(_CAPTION_DATE.search(line))


def _split_lines(text: str) -> list[str]:
    return [ln.strip() for ln in re.split(r"\n+", text.replace("\r\n", "\n").replace("\r", "\n"))]


def _is_domain(s: str) -> bool:
    return bool(re.fullmatch(_DOMAIN, s))


def take_dateline(first: str) -> tuple[str, Dateline | None]:
    """The first paragraph without its dateline, and the dateline."""
    m = _DATELINE.match(first)
    if not m or _words(first[m.end():]) < 3:
        return first, None
    a, b, c = m["a"], m["b"] or "", m["c"] or ""
    if not (b or c) and not (a.isupper() or " " not in a):
        return first, None  # a lone place is one word or in capitals: "Pemerintah Kota - "
    # The place is the part in capitals or the one that is no web address; an outlet
    # name that leads ("Bisnis.com, JAKARTA") comes first only as a domain or before a
    # place in capitals.
    if b and (_is_domain(a) or (b.isupper() and not a.isupper())):
        place, outlet = b, a
    else:
        place, outlet = a, b or c
    return first[m.end():], Dateline(text=first[:m.end()],
                                      place=place.title() if place.isupper() else place,
                                      outlet=(outlet or c).strip(), when=m["when"] or "")


def _drop_cutoff(text: str) -> tuple[str, str]:
    """An excerpt cut mid-sentence: the text without its last, unfinished sentence."""
    body = text.rstrip()
    if not body or _SENTENCE_END.search(body):
        return text, ""
    # The start of the unfinished sentence: after the last sentence end or paragraph break.
    cut = max(body.rfind("\n"), *(m.end() for m in re.finditer(r"[.!?…][\"”’')\]]*\s", body)),
              -1)
    if cut <= 0:
        return text, ""
    return body[:cut].rstrip(), body[cut:].strip()


def tidy_text(text: str, title: str = "") -> Tidied:
    """The story in ``text`` without its page furniture (see the module docstring)."""
    out = Tidied(text="")
    lines = [ln for ln in _split_lines(text) if ln]
    kept: list[str] = []
    kinds: list[str | None] = []
    after_picture = False
    for line in lines:
        if _PICTURE.match(line):
            out.removed.append(("caption", line))
            after_picture = True
            continue
        if after_picture and _caption_like(line):
            out.removed.append(("caption", line))  # the caption printed under the picture
            continue
        after_picture = False
        line = _MD_LINK.sub(r"\1", line)
        synd = syndication_from_line(line)
        if synd:
            out.syndication.append(synd)
            out.removed.append(("other", line))
            continue
        kinds.append(furniture_kind(line, title))
        kept.append(line)
    # A credit on its own line: its caption is the line above it (the usual order) or,
    # when that is a paragraph of the story, the line below.
    for i, kind in enumerate(kinds):
        if kind != "credit":
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(kept) and kinds[j] is None and _caption_like(kept[j]):
                kinds[j] = "caption"
                break
    # Chrome before the story: short lines without a sentence, up to the first paragraph.
    start = 0
    while start < len(kept) and (kinds[start] or (not _is_sentence(kept[start])
                                                  and _words(kept[start]) <= _HEADER_WORDS)):
        start += 1
    if start == len(kept):  # no paragraph at all: keep the lines that are not furniture
        start = 0
    end = len(kept)
    while end > start + 1 and (kinds[end - 1] or (not _is_sentence(kept[end - 1])
                                                  and _words(kept[end - 1]) <= 8)):
        end -= 1
    body: list[str] = []
    for i, line in enumerate(kept):
        chrome = "flash" if i and kinds[i - 1] == "flash" else "nav" if i < start else "other"
        kind = kinds[i] or (None if start <= i < end else chrome)
        kinds[i] = kind
        if kind is None:
            body.append(line)
            continue
        out.removed.append((kind, line))
        if kind == "byline" and not out.author:
            out.author = _BYLINE.match(line)[2].strip()
        elif kind == "editor" and not out.editor:
            out.editor = _EDITOR.match(line)[2].strip()
    if not body:
        return Tidied(text=text.strip())
    first, dateline = take_dateline(body[0])
    if dateline:
        body[0] = first
        out.dateline = dateline
        out.removed.append(("dateline", dateline.text))
    m = _SIGNOFF.search(body[-1])
    if m and _SENTENCE_END.search(body[-1][:m.start()]):
        out.removed.append(("other", m.group(0).strip()))
        body[-1] = body[-1][:m.start()]
    joined = "\n\n".join(body)
    emphasised = [m.group(0) for m in _EMPHASIS.finditer(joined)]
    if emphasised:
        joined = _EMPHASIS.sub(r"\2", joined)
        out.removed += [("markdown", e) for e in emphasised]
    joined, cut = _drop_cutoff(joined)
    if cut:
        out.removed.append(("cutoff", cut))
    out.text = joined
    return out


#: A byline that is the newsroom itself: "Redaksi X", "Tim Redaksi X", "X Newsroom".
_NEWSROOM = re.compile(r"^\s*(?:tim\s+)?redaksi\s+(?P<outlet>[^\W\d][\w .&-]{1,60})$"
                       r"|^\s*(?P<outlet2>[^\W\d][\w .&-]{1,60}?)\s+newsroom\s*$", re.I)


def tidy(article: Article) -> Article:
    """The article as a reader sees it: its text without page furniture; dateline place and
    outlet, author, editor and syndication kept as metadata where the article had none;
    and a publication date inferred when its source gave none (``dating``)."""
    t = tidy_text(article.text, article.title)
    update: dict = {"text": t.text}
    if t.dateline:
        update["place"] = article.place or t.dateline.place
        if not article.outlet and t.dateline.outlet:
            update["outlet"] = t.dateline.outlet
    if t.author and not article.author:
        update["author"] = t.author
    if t.editor and not article.editor:
        update["editor"] = t.editor
    if t.syndication:
        update["syndication"] = [*article.syndication, *t.syndication]
    if not update.get("outlet", article.outlet):
        # "Penulis: Redaksi Ekonomi Nusantara": a newsroom signing as itself names its outlet.
        desk = _NEWSROOM.match(update.get("author") or article.author or "")
        if desk:
            update["outlet"] = (desk["outlet"] or desk["outlet2"]).strip()
    return infer_published(article.model_copy(update=update),
                           t.dateline.when if t.dateline else "")
