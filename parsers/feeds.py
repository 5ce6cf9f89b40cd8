"""Dynasty RSS feeds (rss/meetingitems, rss/meetings) → links with body, date and title.

feedparser gets the bytes (never a URL) and does the XML and charset work; Dynasty puts
everything in CDATA and writes non-Latin-1 characters as HTML entities inside it, so
every string is HTML-unescaped afterwards.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date

import feedparser

from pykala.parsers.html import text_codec
from pykala.parsers.records import Link, PageKind, ParseError, ParseResult
from pykala.parsers.urls import link_url

_BODY_DATE_RE = re.compile(r"(?P<body>.*\S)\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})")
_XML_ENCODING_RE = re.compile(rb"""^(\xef\xbb\xbf)?(\s*<\?xml[^>]*?encoding\s*=\s*["'])([^"']*)""")
# UTF-16/32, with or without a BOM: there a NUL byte is part of a character.
_WIDE_STARTS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\x00<", b"<\x00")


def readable_feed(body: bytes) -> bytes:
    """The feed as bytes feedparser reads without raising.

    feedparser trusts the XML declaration: an encoding Python has no text codec for
    ("undefined" raises UnicodeError, a NUL in the name ValueError) escapes from inside
    it. Such a feed is decoded here (UTF-8, else windows-1252) and handed on as UTF-8.
    A NUL byte is never XML, not even escaped: in an 8-bit feed it is dropped.
    """
    if b"\x00" in body and not body.startswith(_WIDE_STARTS):
        body = body.replace(b"\x00", b"")
    m = _XML_ENCODING_RE.match(body)
    if m is None or text_codec(m.group(3).decode("latin-1")) is not None:
        return body
    try:
        text = body[m.end() :].decode("utf-8")
    except UnicodeDecodeError:
        text = body[m.end() :].decode("cp1252", errors="replace")
    return m.group(2) + b"utf-8" + text.encode("utf-8")


def parse_date(text: str) -> date | None:
    """'19.05.2020' → date(2020, 5, 19); None when it is not a real date."""
    try:
        d, m, y = (int(x) for x in text.strip().split("."))
        return date(y, m, d)
    except ValueError:
        return None


def split_title(title: str) -> tuple[str | None, date | None, str | None]:
    """'Toimielin DD.MM.YYYY / Otsikko' → (body, date, title); split on the first ' / '.

    Titles without the separator ('Kaupunginvaltuusto 01.01.2026') give title None when
    they are only a body and a date, else the whole string as the title.
    """
    title = " ".join(title.split())
    head, sep, rest = title.partition(" / ")
    m = _BODY_DATE_RE.fullmatch(head)
    if m is None:
        return None, None, title or None
    return m.group("body"), parse_date(m.group("date")), (rest.strip() or None) if sep else None


def parse_feed(
    body: bytes, url: str, page_kind: PageKind, classify: Callable[[str], PageKind]
) -> ParseResult:
    """Links from a Dynasty feed; ParseError when no entry can be read at all."""
    if not body.strip():
        raise ParseError(url, "empty feed")
    feed = feedparser.parse(readable_feed(body))
    bozo = bool(feed.get("bozo"))
    warnings: list[str] = []
    links: list[Link] = []
    seen: set[str] = set()
    for n, entry in enumerate(feed.entries, 1):
        raw_link = entry.get("link") or entry.get("id") or ""
        if not raw_link:
            warnings.append(f"entry {n}: no link")
            continue
        link = link_url(html.unescape(raw_link), url, warnings)
        if link is None or link in seen:
            continue
        seen.add(link)
        raw_title = html.unescape(entry.get("title") or "")
        body_name, meeting_date, title = split_title(raw_title)
        if title is None and page_kind is PageKind.FEED_ITEMS:
            description = html.unescape(entry.get("description") or "").strip()
            title = description or None
        kind = classify(link)
        if kind is PageKind.UNKNOWN:
            warnings.append(f"entry {n}: link of unknown kind: {link}")
        links.append(Link(link, kind, body_name, meeting_date, title))
    if bozo:
        reason = str(feed.get("bozo_exception") or "malformed feed")
        reason = " ".join(reason.split())
        if not links:
            raise ParseError(url, f"not a readable feed: {reason}")
        warnings.append(f"malformed feed, read {len(links)} entries: {reason}")
    elif not links:
        if not feed.get("version"):
            raise ParseError(url, "not an RSS/Atom feed")
        warnings.append("feed has no entries")
    return ParseResult(page_kind, links=tuple(links), warnings=tuple(warnings))
