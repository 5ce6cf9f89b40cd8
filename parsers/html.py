"""Bytes → text: charset detection, tree building and text blocks.

Pure functions. The tree is built with ``lxml.html`` directly: it is the backend
BeautifulSoup would use, without BeautifulSoup's per-node Python overhead (see
bench/RESULTS.md, "Parse (issue 2)"). A page is walked once; where Dynasty marks its
payload with ``DATABEGIN``/``DATAEND`` comments, ``page_text`` says which lines lie between.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.html
from lxml import etree

from pykala.parsers.urls import link_url

# A run of whitespace with a non-breaking space in it is how Word lays out a second
# column ("Päätösehdotus&nbsp;&nbsp;&nbsp; Kaupunginjohtaja …"); it becomes one tab.
COLUMN_BREAK = "\t"

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_WS_RE = re.compile(r"[ \t\r\n\f\xa0\u2007\u202f]+")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Tags whose content is never text of the document.
_SKIP = frozenset({"script", "style", "head", "title", "meta", "link", "noscript", "img"})
# Tags that end a line of text; anything else is inline.
_BLOCK = frozenset(
    {
        "p", "div", "td", "th", "tr", "table", "tbody", "thead", "li", "ul", "ol",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "center", "blockquote", "pre",
        "caption", "dl", "dt", "dd", "form", "section", "article", "body", "html",
    }
)  # fmt: skip
# Boxes read as links, not text: Dynasty navigation, the old export's tcDat boxes
# (navigation and Liitteet list), Dynasty 10 attachment lists.
_EXCLUDED_CLASSES = frozenset({"navigation", "page-navigation", "tcDat", "attachments"})
_ROW_BLOCKS = frozenset({"p", "div", "table", "li", "h1", "h2", "h3", "h4", "h5", "h6"})


def text_codec(name: str) -> str | None:
    """Python's name of the text codec ``name`` labels; None when there is none.

    A page names any charset it likes: ``undefined`` is a codec whose every decode
    raises, ``hex`` and ``rot13`` decode bytes to bytes or str to str, and a NUL in the
    name makes the lookup itself raise. None of them may decide how a page is read.
    """
    try:
        info = codecs.lookup(name.strip().lower())
        if not info._is_text_encoding:  # hex, base64, zlib, rot13: not charsets
            return None
        info.decode(b"")  # "undefined" raises here
    except (LookupError, UnicodeError, ValueError, TypeError):
        return None
    return info.name


def _codec(name: str) -> str | None:
    codec = text_codec(name)
    if codec is None:
        return None
    # Browsers treat latin-1 labels as windows-1252; so do the servers' Word exports.
    return "cp1252" if codec in {"latin_1", "iso8859-1"} else codec


def declared_charsets(body: bytes, content_type: str | None = None) -> list[str]:
    """Every declared charset, most authoritative first: HTTP header, BOM, <meta>."""
    found: list[str] = []
    if content_type:
        m = _HEADER_CHARSET_RE.search(content_type)
        if m and (codec := _codec(m.group(1))):
            found.append(codec)
    for bom, name in _BOMS:
        if body.startswith(bom):
            found.append(name)
            break
    meta = _CHARSET_RE.search(body, 0, 4096) or _CHARSET_RE.search(body)
    if meta and (codec := _codec(meta.group(1).decode("ascii", "replace"))):
        found.append(codec)
    return found


def detect_charset(body: bytes, content_type: str | None = None) -> str | None:
    """The declared charset: HTTP header, then BOM, then <meta>; None when undeclared."""
    declared = declared_charsets(body, content_type)
    return declared[0] if declared else None


def decode(body: bytes, content_type: str | None = None) -> str:
    """Decode HTML bytes with the first declaration they actually fit.

    Servers mislabel: a windows-1252 Word export served as ``charset=utf-8`` happens. So each
    declared charset is tried strictly, then UTF-8; windows-1252 (which maps almost every
    byte) is the last resort.
    """
    declared = declared_charsets(body, content_type)
    if declared and declared[0] == "cp1252" and not body.isascii():
        # UTF-8 served as latin-1 is the commonest mislabel; valid UTF-8 with non-ASCII
        # bytes is practically never windows-1252 text ("JÃ¤tehuolto").
        try:
            return body.decode("utf-8").lstrip("\ufeff")
        except UnicodeDecodeError:
            pass
    for charset in [*declared, "utf-8"]:
        try:
            return body.decode(charset).lstrip("\ufeff")
        except (UnicodeError, LookupError):  # UnicodeError: a codec that cannot decode
            continue
    return body.decode("cp1252", errors="replace").lstrip("\ufeff")


def xml_safe(text: str) -> str:
    """``text`` without the characters an lxml tree refuses to be given (C0 controls but
    tab, newline and CR; U+FFFE, U+FFFF). The parser keeps them in the tree it builds,
    but setting such a string back (``drop_tree``, rejoining lines) raises ValueError; a
    vertical tab or form feed becomes a space, since it separated words.
    """
    if _XML_ILLEGAL_RE.search(text) is None:
        return text
    return _XML_ILLEGAL_RE.sub(lambda m: " " if m.group(0) in "\x0b\x0c" else "", text)


def build_tree(markup: str) -> etree._Element | None:
    """An lxml tree of an HTML fragment or document; None when there is nothing to parse."""
    markup = xml_safe(markup)
    if not markup.strip():
        return None
    try:
        # A wrapper keeps a fragment with several top-level nodes in one tree.
        return lxml.html.document_fromstring(f"<html><body>{markup}</body></html>")
    except (etree.ParserError, ValueError):
        return None


def _gap(m: re.Match[str]) -> str:
    s = m.group(0)
    if "\xa0" in s or "\t" in s:
        return COLUMN_BREAK if len(s) > 1 or s == "\t" else " "
    # Several plain spaces are a gap typed by the author; a source line break is not.
    return COLUMN_BREAK if len(s) >= 3 and "\n" not in s and "\r" not in s else " "


def clean_text(raw: str) -> str:
    """Collapse whitespace; a gap becomes one COLUMN_BREAK: a run holding a non-breaking
    space or a tab, or three spaces or more on one source line.

    Leading whitespace is dropped; a trailing column break is kept (it marks a heading
    printed with nothing after it, e.g. "Vaikutusten arviointi&nbsp;&nbsp;&nbsp;").
    """
    if (  # no character that could make a gap: most lines take this fast path
        "\xa0" not in raw
        and "\t" not in raw
        and "   " not in raw
        and "\u2007" not in raw
        and "\u202f" not in raw
    ):
        return _WS_RE.sub(" ", raw).strip(" ")
    text = _WS_RE.sub(_gap, raw).lstrip(" \t")
    stripped = text.rstrip(" \t")
    if stripped and text[len(stripped) :].count(COLUMN_BREAK):
        return stripped + COLUMN_BREAK
    return stripped


def plain(text: str) -> str:
    """Block text for people: column breaks become single spaces."""
    return " ".join(text.replace(COLUMN_BREAK, " ").split())


@dataclass(frozen=True, slots=True)
class Block:
    """One line of a page's text, in reading order.

    ``text`` may contain COLUMN_BREAK between a heading column and its text. ``lead`` is
    the text of the first inline element when a paragraph is two adjacent spans with no
    space between them (Dynasty 10: ``<span>Valmistelija</span><span>…</span>``).
    The flags say how the whole line was marked up, never what it means: ``bold`` inside
    <b>/<strong>, ``link`` inside <a href>, ``heading`` inside <h1>–<h6>, ``chrome``
    inside a navigation or attachment box (only from :func:`page_text`).
    """

    text: str
    lead: str | None = None
    bold: bool = False
    link: bool = False
    heading: bool = False
    chrome: bool = False


@dataclass(frozen=True, slots=True)
class PageText:
    """Every line of a page, and where its marked data region starts and ends.

    ``start``/``end`` index ``blocks`` at the ``DATA_BEGIN``/``DATA_END`` comments (Dynasty
    marks its payload so); without markers they span the whole page.
    """

    blocks: list[Block]
    start: int
    end: int


def _tag(el: etree._Element) -> str | None:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else None


def _is_excluded(el: etree._Element) -> bool:
    """Navigation and attachment lists: read as links, not as text of the item."""
    cls = el.get("class")
    if not cls:
        return False
    words = cls.split()
    return not _EXCLUDED_CLASSES.isdisjoint(words)


def _ink(s: str) -> int:
    """Number of visible (non-space) characters."""
    return len(s) - sum(s.count(c) for c in " \t\r\n\xa0")


def _inline_text(el: etree._Element) -> str:
    parts: list[str] = []
    for node in el.iter():
        tag = _tag(node)
        if tag in _SKIP:
            continue
        if node is not el and tag is None:  # comment / PI
            if node.tail:
                parts.append(node.tail)
            continue
        if node.text and tag is not None:
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    return "".join(parts)


# Context bits of the walk: what the text being read is inside of.
_BOLD, _LINK, _HEADING, _CHROME = 1, 2, 4, 8
_CONTEXTS = (_BOLD, _LINK, _HEADING, _CHROME)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_MARKER_RE = re.compile(r"\s*DATA_?(BEGIN|END)\s*", re.I)


class _Walker:
    """One pass over the tree, emitting blocks at block-element boundaries.

    ``chrome`` says what to do with navigation and attachment boxes: "skip" them, "keep"
    them as text, or "mark" their lines as chrome.
    """

    def __init__(self, chrome: str) -> None:
        self.out: list[Block] = []
        self.buf: list[str] = []
        self.lead: str | None = None
        self.inked = [0, 0, 0, 0]  # visible characters read inside each of _CONTEXTS
        self.chrome = chrome
        self.region: list[int | None] = [None, None]

    def flush(self) -> None:
        if self.buf:
            raw = "".join(self.buf)
            # An empty paragraph (Word's "&nbsp;" spacer lines) makes no block.
            text = "" if raw.isspace() else clean_text(raw)
            if text.strip(" \t"):
                visible = _ink(raw)
                bold, link, heading, chrome = (visible > 0 and n >= visible for n in self.inked)
                self.out.append(Block(text, self.lead, bold, link, heading, chrome))
            self.buf.clear()
        self.lead = None
        self.inked = [0, 0, 0, 0]

    def text(self, s: str, ctx: int) -> None:
        self.buf.append(s)
        if ctx:
            ink = _ink(s)
            for i, bit in enumerate(_CONTEXTS):
                if ctx & bit:
                    self.inked[i] += ink

    def row(self, tr: etree._Element, ctx: int) -> bool:
        """A table row whose cells are one line each becomes one block with column breaks."""
        cells = [c for c in tr if _tag(c) in {"td", "th"}]
        if len(cells) < 2:
            return False
        texts: list[str] = []
        for cell in cells:
            n = 0
            for node in cell.iter():
                t = _tag(node)
                if t in _ROW_BLOCKS and node is not cell:
                    n += 1
                    if t == "table" or n > 1:
                        return False
            if _is_excluded(cell):
                if self.chrome == "skip":
                    continue
                ctx |= _CHROME
            texts.append(plain(clean_text(_inline_text(cell))))
        if texts and texts[0] and not any(texts[1:]):
            # A heading cell beside an empty text cell: the heading printed with nothing
            # after it, as a trailing column break says in Word paragraphs.
            self.out.append(Block(texts[0] + COLUMN_BREAK, chrome=bool(ctx & _CHROME)))
            return True
        texts = [t for t in texts if t]
        if texts:
            self.out.append(Block(COLUMN_BREAK.join(texts), chrome=bool(ctx & _CHROME)))
        return True

    def walk(self, el: etree._Element, ctx: int = 0) -> None:
        tag = _tag(el)
        if tag is None:
            if isinstance(el, etree._Comment) and (m := _MARKER_RE.fullmatch(el.text or "")):
                self.flush()
                self.region[m.group(1).upper() == "END"] = len(self.out)
            self._tail(el, ctx)
            return
        if tag in _SKIP:
            self._tail(el, ctx)
            return
        if self.chrome != "keep" and _is_excluded(el):
            if self.chrome == "skip":
                self._tail(el, ctx)
                return
            ctx_in = ctx | _CHROME
        else:
            ctx_in = ctx
        if tag in _BLOCK or tag in _HEADING_TAGS:
            self.flush()
            if not (tag == "tr" and self.row(el, ctx_in)):
                if tag == "p" and len(el) >= 2 and not (el.text or "").strip():
                    first = el[0]
                    if _tag(first) not in _BLOCK and not first.tail:
                        lead = plain(clean_text(_inline_text(first)))
                        self.lead = lead or None
                self._children(el, ctx_in | (_HEADING if tag in _HEADING_TAGS else 0))
                self.flush()
        elif tag == "br":
            self.flush()
        else:
            if tag in {"b", "strong"} or "bold" in (el.get("style") or ""):
                ctx_in |= _BOLD
            elif tag == "a" and el.get("href"):
                ctx_in |= _LINK
            self._children(el, ctx_in)
        self._tail(el, ctx)

    def _tail(self, el: etree._Element, ctx: int) -> None:
        # A tail belongs to the parent, so it is read in the parent's context.
        if el.tail:
            self.text(el.tail, ctx)

    def _children(self, el: etree._Element, ctx: int) -> None:
        if el.text:
            self.text(el.text, ctx)
        for child in el:
            self.walk(child, ctx)


def blocks(root: etree._Element, exclude_navigation: bool = True) -> list[Block]:
    """The text lines of ``root`` in order, skipping navigation/attachment boxes."""
    walker = _Walker("skip" if exclude_navigation else "keep")
    walker.walk(root)
    walker.flush()
    return walker.out


def page_text(root: etree._Element) -> PageText:
    """Every text line of a page, navigation and attachment boxes marked as chrome."""
    walker = _Walker("mark")
    walker.walk(root)
    walker.flush()
    start, end = walker.region
    n = len(walker.out)
    return PageText(walker.out, start or 0, end if end is not None and end >= (start or 0) else n)


def iter_links(root: etree._Element) -> Iterator[tuple[str, str]]:
    """(href, visible text) of every <a href> under root, in document order."""
    for a in root.iter("a"):
        href = a.get("href")
        if href:
            yield href, plain(clean_text(a.text_content()))


def bad_links(root: etree._Element, base: str) -> list[str]:
    """A warning for each <a href> under ``root`` that cannot be resolved against ``base``."""
    warnings: list[str] = []
    for href, _text in iter_links(root):
        if href.startswith(("mailto:", "javascript:", "#")):
            continue
        # Only a host with a port or an IPv6 literal can be bad; a relative link takes the
        # page's own host (most links: a cheap test before the full normalisation).
        host = href.partition("//")[2].partition("/")[0] if "//" in href else ""
        if ":" in host or "[" in host or "[" in href:
            link_url(href, base, warnings)
    return warnings
