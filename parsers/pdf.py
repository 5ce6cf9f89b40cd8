"""PDF bytes → text per page → text blocks for the shared segmenter (parsers.sections).

Pure functions over pypdf. Text is taken in pypdf's *layout* mode, which keeps the
two-column layout of minutes ("Päätösesitys        Merkitään tiedoksi."): a short left
part followed by a gap of three or more spaces is the heading column, and it becomes a
COLUMN_BREAK in the block, exactly like the Word-HTML heading column of Dynasty pages.

Bad input (decisions, see fixtures/README.md):
* ParseError — the bytes are broken and a later fetch may help: empty body, not a PDF at
  all (an HTML error page, garbage), a truncated or damaged PDF.
* ``Unreadable`` (the caller turns it into a warning on an empty result) — a whole, valid
  file we do not read and refetching will not change: an MS-Word .doc served where a PDF
  was expected, an encrypted PDF, a scanned PDF without a text layer.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from pykala.parsers.diary import find_diary_number
from pykala.parsers.headings import heading_kind
from pykala.parsers.html import COLUMN_BREAK, Block
from pykala.parsers.records import ParseError

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # MS Office 97-2003 (.doc, .xls)
_ZIP = b"PK\x03\x04"  # .docx and friends
# "Päätösesitys               Merkitään tiedoksi.": a short heading column, then a gap.
_COLUMNS_RE = re.compile(r"(?P<left>\S(?:.{0,38}?\S)?)\s{3,}(?P<right>\S.*)")
_SPACES_RE = re.compile(r"\s+")
_DIGITS_RE = re.compile(r"\d+")
_BULLET_RE = re.compile(r"[-–•*·]")
_SENTENCE_END = (".", ":", "!", "?", ";")

# pypdf logs every recoverable oddity of a damaged file, errors too, with names taken from
# the file (control characters and all) straight to stderr, past the CLI's escaping.
# What matters is ours to report: a ParseError, Unreadable or a warning.
logging.getLogger("pypdf").setLevel(logging.CRITICAL)


class Unreadable(Exception):
    """A valid file whose text we cannot read (Word .doc, encrypted, scanned)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PdfText:
    """Layout text of each page, the title printed in the largest font on page 1, and
    what was odd about the file."""

    pages: tuple[str, ...]
    first_page_heading: str | None = None
    warnings: tuple[str, ...] = ()


def sniff(body: bytes, url: str) -> None:
    """Raise ParseError / Unreadable when ``body`` is not a PDF we can read."""
    if not body.strip():
        raise ParseError(url, "empty body where a PDF was expected")
    head = body[:1024]
    if head.startswith(_OLE2):
        raise Unreadable("Word .doc where a PDF was expected: not parsed")
    if head.startswith(_ZIP):
        raise Unreadable("ZIP/Office file where a PDF was expected: not parsed")
    if b"%PDF-" not in head:
        what = "an HTML page" if head.lstrip()[:1] == b"<" else "no %PDF header"
        raise ParseError(url, f"not a PDF ({what})")


def extract(body: bytes, url: str, *, headings: bool = False) -> PdfText:
    """Text of every page in layout mode. ``headings``: also find page 1's largest text."""
    sniff(body, url)
    warnings: list[str] = []
    if b"%%EOF" not in body[-2048:]:
        warnings.append("truncated PDF (no %%EOF at the end): text may be incomplete")
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted and not _decrypt(reader):
            raise Unreadable("encrypted PDF: not parsed")
        pages = tuple(_page_text(page) for page in reader.pages)
        heading = _largest_text(reader.pages[0]) if headings and pages else None
    except Unreadable:
        raise
    except (PyPdfError, PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise ParseError(url, f"truncated or damaged PDF: {reason}") from exc
    except (RecursionError, IndexError, ZeroDivisionError, OverflowError, AssertionError) as exc:
        # What pypdf raises on damage it does not check for: [[[… nested 100,000 deep,
        # an object number past the xref table, a zero scale, its own `assert …, "mypy"`.
        reason = type(exc).__name__
        raise ParseError(url, f"truncated or damaged PDF: {reason}") from exc
    if not pages:
        raise ParseError(url, "truncated or damaged PDF: no pages")
    if not any(p.strip() for p in pages):
        raise Unreadable(f"scanned PDF (no text layer on {len(pages)} page(s)): not parsed")
    return PdfText(pages, heading, tuple(warnings))


def _decrypt(reader: PdfReader) -> bool:
    """Many municipal PDFs are encrypted with an empty user password (print/copy rights)."""
    try:
        return bool(reader.decrypt(""))
    except (PyPdfError, NotImplementedError, ValueError):
        return False


def _page_text(page: object) -> str:
    extract_text = page.extract_text  # type: ignore[attr-defined]
    try:
        text: str = extract_text(extraction_mode="layout")
    except (ValueError, KeyError, TypeError, ZeroDivisionError, PyPdfError):
        text = extract_text()  # layout mode fails on some odd fonts; plain mode does not
    return text


def _largest_text(page: object) -> str | None:
    """The text drawn in the largest font on a page (a slide's or report's title)."""
    runs: list[tuple[float, str]] = []

    def visit(
        text: str, cm: Sequence[float], tm: Sequence[float], font: object, size: float
    ) -> None:
        if text.strip():
            scale = abs(tm[3] * cm[3]) or 1.0
            runs.append((round(size * scale, 1), text))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    if not runs:
        return None
    top = max(size for size, _ in runs)
    return " ".join(" ".join(t for size, t in runs if size == top).split()) or None


# --- layout text → blocks -------------------------------------------------------------


def _norm(line: str) -> str:
    return _DIGITS_RE.sub("#", " ".join(line.split()))


def running_lines(pages: Sequence[str], depth: int = 3) -> frozenset[str]:
    """Header/footer lines printed on every page (digits ignored: "Sivu 2 (6)")."""
    if len(pages) < 2:
        return frozenset()
    seen: Counter[str] = Counter()
    for page in pages:
        lines = [ln for ln in page.splitlines() if ln.strip()]
        seen.update({_norm(ln) for ln in lines[:depth] + lines[-depth:]})
    return frozenset(line for line, n in seen.items() if n == len(pages))


@dataclass
class _Para:
    left: str = ""
    right: list[str] | None = None

    def add_left(self, part: str) -> None:
        if self.left.endswith("-") and part[:1].islower():
            self.left = self.left[:-1] + part  # "Kaupungin-" + "hallituksen"
        else:
            self.left = f"{self.left} {part}".strip()

    def add_right(self, part: str) -> None:
        if self.right is None:
            self.right = []
        self.right.append(part)

    def block(self) -> Block | None:
        right = " ".join(self.right or [])
        if self.left and self.right is not None:
            return Block(f"{self.left}{COLUMN_BREAK}{right}" if right else self.left + COLUMN_BREAK)
        text = self.left or right
        return Block(text) if text else None


def _split(line: str) -> tuple[str, str | None]:
    """(left, right) of a layout line; right is None for a one-column line."""
    if line[:1].isspace():
        return "", _SPACES_RE.sub(" ", line.strip())
    m = _COLUMNS_RE.fullmatch(line.rstrip())
    if m and len(m.group("left").split()) <= 4:
        return m.group("left"), _SPACES_RE.sub(" ", m.group("right"))
    return _SPACES_RE.sub(" ", line.strip()), None


def _continues_heading(para: _Para, left: str) -> bool:
    """A heading wrapped in its column: "Valmistelijat/" "Lisätietojen" "antaja"."""
    if not para.left or _BULLET_RE.fullmatch(para.left) or heading_kind(para.left):
        return False
    return para.left.endswith(("-", "/")) or left[:1].islower()


def page_blocks(text: str, drop: frozenset[str] = frozenset()) -> list[Block]:
    """The blocks of one page's layout text: blank lines end a block; a known heading on
    its own line, or a new heading in the left column, starts one."""
    out: list[Block] = []
    para = _Para()

    def flush() -> None:
        nonlocal para
        block = para.block()
        if block is not None:
            out.append(block)
        para = _Para()

    for raw in text.splitlines():
        if not raw.strip():
            flush()
            continue
        if _norm(raw) in drop:
            continue
        left, right = _split(raw)
        if not left:
            assert right is not None
            if heading_kind(right) is not None:  # "Esittelijä" alone in the text column
                flush()
                out.append(Block(right))
            elif para.left and para.right is None and not heading_kind(para.left):
                # One-column text indented on its first line ("   Lorem ...").
                para.left = f"{para.left} {right}"
            else:
                para.add_right(right)
            continue
        if right is None:
            if para.left and para.right is None and heading_kind(f"{para.left} {left}"):
                para.left = f"{para.left} {left}"  # "Kaupunginhallituksen" "käsittely"
            elif para.left and _continues_heading(para, left) and para.right is not None:
                para.add_left(left)  # "Kaupungin-" "hallituksen" "päätösehdotus"
            elif find_diary_number(left) or heading_kind(left):
                # "Päätös:" or "VD/1545/00.04.00/2017" alone on a full-width line
                flush()
                out.append(Block(left))
            elif para.right is not None:
                para.add_right(left)
            else:
                para.left = f"{para.left} {left}".strip()
            continue
        if para.left and para.right is not None and _continues_heading(para, left):
            para.add_left(left)
            para.add_right(right)
            continue
        flush()
        para.left = left
        para.add_right(right)
    flush()
    return out


def _joins(prev: Block, nxt: Block) -> bool:
    """A paragraph running over a page break: no sentence end, next starts lower case."""
    return (
        COLUMN_BREAK not in nxt.text
        and not prev.text.rstrip().endswith(_SENTENCE_END)
        and nxt.text[:1].islower()
    )


def blocks(pages: Sequence[str]) -> list[Block]:
    """Blocks of all pages in order, running headers/footers dropped, paragraphs that
    run over a page break joined."""
    drop = running_lines(pages)
    out: list[Block] = []
    for page in pages:
        page_out = page_blocks(page, drop)
        if out and page_out and _joins(out[-1], page_out[0]):
            out[-1] = Block(f"{out[-1].text} {page_out[0].text}")
            page_out = page_out[1:]
        out.extend(page_out)
    return out
