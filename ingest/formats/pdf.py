"""PDF reports and saved articles: text with pypdf, cleaned into paragraphs, plus metadata.

PDF text comes out as the lines the page was typeset in. To make passages a reader can
quote, running headers, footers and page numbers are dropped, words hyphenated at line
ends are joined ("perda-\\ngangan" -> "perdagangan") and hard-wrapped lines are re-flowed
into paragraphs. Metadata comes from the document information (/Title, /Author,
/CreationDate) when it is meaningful, else from the first lines of the text.
"""
from __future__ import annotations

import io
import logging
import re
from datetime import datetime

from rag.text import detect_language
from rag.types import Article

from rag.dates import DATE_LINE, is_relative_date_line, parse_date
from .clean import comparable
from .parse import ParseError, fallback_title

# A line that is only a page number: "3", "- 3 -", "Halaman 3 dari 12", "Page 3 of 12", "3/12".
_PAGE_NUMBER = re.compile(
    r"^\s*[-–—]?\s*(?:(?:page|halaman|hal\.?|hlm\.?)\s*)?\d{1,4}"
    r"(?:\s*(?:of|dari|/)\s*\d{1,4})?\s*[-–—]?\s*$", re.I)
# The start of a list item: "• ", "- ", "1. ", "2) ", "a. ", "(3) ".
_ITEM = re.compile(r"^(?:[•·▪◦‣●*\-–]\s+|\(?(?:\d{1,2}|[a-z])[.)]\s+)")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
# "perda-" at a line end: a word broken by the typesetter (letters, then one hyphen).
_BROKEN_WORD = re.compile(r"(\w+)-$")
# Document information that names the software or a file rather than the document.
_MEANINGLESS = re.compile(
    r"^(?:untitled|document\d*|dokumen\d*|slide\s*\d*|microsoft\s+\w+\s*-.*|"
    r"(?:windows|microsoft office|ms office)\s+user|user|admin(?:istrator)?|owner|author|"
    r"penulis|unknown|anonymous|\W*|.*\.(?:docx?|pdf|odt|rtf|indd|pages|txt|pptx?|xlsx?))$",
    re.I)
_PDF_DATE = re.compile(
    r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?")
_HEAD_LINES = 8  # title and date lines are looked for among the first lines only
_TITLE_MAX_CHARS = 160

# pypdf logs every repaired cross-reference table as a warning; a bad file is reported
# once, as a ParseError, so its chatter would only repeat that.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def _info_text(value: object) -> str:
    """A document-information value as clean text, or "" when it names nothing useful."""
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    return "" if _MEANINGLESS.match(text) else text


def pdf_date(value: str) -> str | None:
    """A PDF date ("D:20231009083000+07'00'") as ISO 8601: with its offset when the PDF
    gives one, else only the calendar day (a time without a zone is ambiguous)."""
    m = _PDF_DATE.match((value or "").strip())
    if not m:
        return None
    y, mo, d, hh, mi, ss = (int(g) if g else None for g in m.groups()[:6])
    try:
        if m[7] or m[8]:
            sign = "-" if m[8] == "-" else "+"
            offset = "+00:00" if m[7] else f"{sign}{m[9]}:{m[10] or '00'}"
            return datetime.fromisoformat(
                f"{y:04d}-{mo or 1:02d}-{d or 1:02d}T{hh or 0:02d}:{mi or 0:02d}:{ss or 0:02d}"
                f"{offset}").isoformat()
        return datetime(y, mo or 1, d or 1).date().isoformat()
    except ValueError:
        return None


def _read(data: bytes) -> tuple[list[str], dict]:
    """Text of each page and the document information; ParseError for unusable files."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import DependencyError
    except ImportError as exc:  # pypdf is a dependency; this names the fix if it is missing
        raise ParseError("PDF support needs the 'pypdf' package") from exc
    if b"%PDF-" not in data[:1024]:  # the header may follow up to 1 KB of junk
        raise ParseError("not a PDF (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are encrypted only against editing: they open with an empty password.
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError) as exc:
                raise ParseError(f"encrypted PDF (cannot decrypt: {exc})") from exc
            if not opened:
                raise ParseError("encrypted PDF (needs a password)")
        info = dict(reader.metadata or {})
        pages = []
        for page in reader.pages:
            try:
                pages.append(page.extract_text() or "")
            except Exception:  # one damaged page should not lose the rest of the document
                pages.append("")
    except ParseError:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        raise ParseError(f"malformed PDF ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise ParseError("malformed PDF (no pages)")
    return pages, info


def _page_lines(pages: list[str]) -> list[list[str]]:
    """Each page's non-empty lines, whitespace folded, running headers/footers and page
    numbers removed.

    A running header or footer is a line among the top two or bottom two of a page that
    recurs on most pages: either word for word, or with a number that moves in step with
    the page ("Ringkasan No. 7 | 2", "... | 3"). A heading such as "Pasal 5" at the top
    of one page and "Pasal 9" at the top of the next is text, not a header.
    """
    split = [[re.sub(r"\s+", " ", ln).strip() for ln in p.splitlines()] for p in pages]
    split = [[ln for ln in p if ln] for p in split]
    seen: dict[str, list[tuple[int, str]]] = {}  # digit-blind form -> (page, line)
    for n, lines in enumerate(split):
        for ln in dict.fromkeys(lines[:2] + lines[-2:]):
            seen.setdefault(re.sub(r"\d+", "#", ln.lower()), []).append((n, ln))
    with_text = sum(1 for p in split if p)
    running: set[str] = set()
    for hits in seen.values():
        if with_text < 2 or len(hits) < max(2, 0.6 * with_text):
            continue
        texts = {ln for _, ln in hits}
        # A sentence that happens to mention its page's number is text, not a footer.
        if len(texts) == 1 or (_counts_pages(hits) and not any(
                _SENTENCE_END.search(t) for t in texts)):
            running |= texts
    out = []
    for lines in split:
        # Only the edges of a page: a lone number inside the text may be a table cell.
        edge = lambda i: i < 2 or i >= len(lines) - 2  # noqa: E731 - reads better inline
        out.append([ln for i, ln in enumerate(lines)
                    if not (edge(i) and (_PAGE_NUMBER.match(ln) or ln in running))])
    return out


def _counts_pages(hits: list[tuple[int, str]]) -> bool:
    """True when some number in these lines is the page index plus a fixed offset."""
    numbers = [[int(x) for x in re.findall(r"\d+", ln)] for _, ln in hits]
    if len({len(ns) for ns in numbers}) != 1:
        return False
    return any(len({ns[k] - page for ns, (page, _) in zip(numbers, hits)}) == 1
               for k in range(len(numbers[0])))


def _join_broken(prev: str, nxt: str) -> str | None:
    """``prev`` and ``nxt`` as one line when ``prev`` ends with a word hyphenated by the
    typesetter; None when the hyphen belongs to the text."""
    m = _BROKEN_WORD.search(prev)
    if not m or not nxt[:1].islower() or not m[1][-1:].isalpha():
        return None
    left, right = m[1], re.match(r"\w*", nxt)[0]
    # Indonesian reduplication ("barang-barang") and one-letter prefixes ("e-commerce")
    # keep their hyphen.
    if len(left) <= 1 or left.lower() == right.lower():
        return prev + nxt
    return prev[:-1] + nxt


def reflow(lines: list[str]) -> list[str]:
    """Hard-wrapped lines (with "" for a blank line) as paragraphs.

    A line break ends a paragraph after sentence punctuation, before a list item, at a blank
    line, and after a short line followed by a capital (a heading, or a paragraph's last
    line: inside a paragraph a wrapped line runs nearly the full width of the column).
    """
    width = _column_width(lines)
    paragraphs: list[str] = []
    cur = last = ""  # the paragraph so far, and its last physical line
    for line in lines:
        if not line:
            if cur:
                paragraphs.append(cur)
            cur = last = ""
            continue
        if not cur:
            cur = last = line
            continue
        joined = _join_broken(cur, line)
        if joined is not None and not _ITEM.match(line):
            cur, last = joined, line
            continue
        short = width and len(last) < 0.6 * width
        if (_SENTENCE_END.search(cur) or _ITEM.match(line)
                or (short and re.match(r"[\"'“‘(]?[A-Z0-9]", line))):
            paragraphs.append(cur)
            cur = line
        else:
            cur = f"{cur} {line}"
        last = line
    if cur:
        paragraphs.append(cur)
    return paragraphs


def parse_pdf(data: bytes, source: str, fetched: datetime | None = None) -> Article:
    """One article from a PDF: cleaned text, title, author, published date, language.

    Raises ParseError for a file that is not a PDF, is damaged, is encrypted with a
    password, or has no text layer (a scan needs OCR first).
    """
    pages, info = _read(data)
    page_lines = _page_lines(pages)
    lines: list[str] = []
    for page in page_lines:
        # Pages are joined without a blank line: a sentence may run on to the next page.
        lines.extend(page)
    if not lines:
        raise ParseError("no extractable text in the PDF (a scanned or image-only PDF "
                         "needs OCR first)")

    title = _info_text(info.get("/Title"))
    author = _info_text(info.get("/Author"))
    width = _column_width(lines)
    published = None
    head_title = ""
    drop: set[int] = set()
    # The top of the first page: a title line and a date line, in either order.
    for i, line in enumerate(lines[:_HEAD_LINES]):
        if published is None and (DATE_LINE.match(line) or is_relative_date_line(line)):
            # A date printed on the document says when it was written; /CreationDate may
            # only say when someone exported or printed it.
            published = parse_date(line, fetched)
            drop.add(i)
        elif not head_title and _looks_like_title(line, width):
            head_title = line
            # Under a meaningful /Title, a different first line is a heading of the text.
            if not title or comparable(line) == comparable(title):
                drop.add(i)
        else:
            break
    title = title or head_title
    published = published or pdf_date(str(info.get("/CreationDate") or ""))

    body = [ln for i, ln in enumerate(lines) if i not in drop]
    paragraphs = reflow(body)
    text = "\n\n".join(paragraphs)
    if not text.strip():
        raise ParseError("no extractable text in the PDF beyond its title")
    return Article(
        id="", text=text, title=title or fallback_title(text), author=author,
        published=published, language=detect_language(text), source=source,
    )


def _column_width(lines: list[str]) -> int:
    """The length of a full line of body text (80th percentile), 0 when unclear."""
    lengths = sorted(len(ln) for ln in lines if len(ln) >= 20)
    return lengths[int(len(lengths) * 0.8)] if lengths else 0


def _looks_like_title(line: str, width: int) -> bool:
    """A line clearly shorter than the body's full lines (so not the first line of a
    hard-wrapped paragraph) that is not a sentence, a list item or a continuation."""
    return (len(line) <= _TITLE_MAX_CHARS and not (width and len(line) >= 0.85 * width)
            and not _SENTENCE_END.search(line) and not _ITEM.match(line)
            and not line[:1].islower())

