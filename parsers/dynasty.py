"""Innofactor Dynasty: page classification and one parser per page kind.

Covers the CGI (``DREQUEST.PHP?page=…``, Dynasty 10) and the older static export
(``/kokous/…HTM``). See /work/shared/realdata/STRUCTURE.md §1. Pure: bytes in, records out.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator, Sequence
from datetime import date
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from parsers import html, sections
from parsers.diary import normalise_diary_number
from parsers.feeds import parse_date, parse_feed
from parsers.records import (
    Attachment,
    ItemRecord,
    Link,
    MeetingKind,
    MeetingRecord,
    PageKind,
    ParseError,
    ParseResult,
    Section,
    SectionKind,
    with_warnings,
)
from parsers.urls import link_url, normalise_url

_STATIC_BODY_LIST = re.compile(r"/kokous/TELIMET\.HTM$", re.I)
_STATIC_MEETING_LIST = re.compile(r"/kokous/TELIN-(?P<id>\d+)\.HTM$", re.I)
_STATIC_MEETING = re.compile(r"/kokous/(?P<id>\d+)\.HTM$", re.I)
_STATIC_ITEM = re.compile(r"/kokous/(?P<id>\d+-\d+)\.HTM$", re.I)
_PAGES = {
    "rss/meetingitems": PageKind.FEED_ITEMS,
    "rss/meetings": PageKind.FEED_MEETINGS,
    "meetings": PageKind.MEETING_LIST,
    "meeting": PageKind.MEETING,
    "meetingitem": PageKind.ITEM,
    "meeting_frames": PageKind.BODY_LIST,
    "meeting_handlers": PageKind.BODY_LIST,
}
_LABEL_RE = re.compile(r"<label[^>]*class\s*=\s*[\"']?h3\b[^>]*>(.*?)</label>", re.S | re.I)
_TAG_RE = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
_BR_RE = re.compile(r"<br\s*/?>", re.I)
_DATE_RE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}")
_HEADER_RE = re.compile(
    r"(?P<kind>Pöytäkirja|Esityslista|Protokoll|Föredragningslista)\s+"
    r"(?P<date>\d{1,2}\.\d{1,2}\.\d{4})(?P<rest>.*)",
    re.I,
)
_KINDS = {
    "pöytäkirja": MeetingKind.POYTAKIRJA,
    "protokoll": MeetingKind.POYTAKIRJA,
    "esityslista": MeetingKind.ESITYSLISTA,
    "föredragningslista": MeetingKind.ESITYSLISTA,
}
_SWEDISH = {"protokoll", "föredragningslista"}


def classify(url: str) -> PageKind:
    """The kind of a Dynasty page, from its URL alone."""
    parts = urlsplit(normalise_url(url))
    path = parts.path
    if path.lower().endswith(".pdf"):
        return PageKind.DOCUMENT
    if path.lower().endswith("drequest.php"):
        page = (parse_qs(parts.query).get("page") or [""])[0].lower()
        return _PAGES.get(page, PageKind.UNKNOWN)
    for pattern, kind in (
        (_STATIC_BODY_LIST, PageKind.BODY_LIST),
        (_STATIC_MEETING_LIST, PageKind.MEETING_LIST),
        (_STATIC_MEETING, PageKind.MEETING),
        (_STATIC_ITEM, PageKind.ITEM),
    ):
        if pattern.search(path):
            return kind
    return PageKind.UNKNOWN


def page_id(url: str) -> str | None:
    """The Dynasty id a URL names: ``id=`` of the CGI, or the static file name's id."""
    parts = urlsplit(normalise_url(url))
    if parts.path.lower().endswith("drequest.php"):
        ids = parse_qs(parts.query).get("id")
        return ids[0].strip() if ids else None
    name = parts.path.rsplit("/", 1)[-1]
    m = re.fullmatch(r"(?:TELIN-)?(\d+(?:-\d+)*)\.(?:HTM|HTML|PDF)", name, re.I)
    return m.group(1) if m else None


def parse(body: bytes, url: str, content_type: str | None = None) -> ParseResult:
    """Parse one Dynasty page; dispatches on classify(url)."""
    kind = classify(url)
    if kind is PageKind.DOCUMENT:
        return ParseResult(kind)
    if kind in (PageKind.FEED_ITEMS, PageKind.FEED_MEETINGS):
        return parse_feed(body, url, kind, classify)
    if kind is PageKind.UNKNOWN:
        return ParseResult(kind, warnings=(f"not a known Dynasty page: {url}",))
    page = _Page.load(body, url, content_type)
    if kind is PageKind.ITEM:
        result = _parse_item(page)
    elif kind is PageKind.MEETING:
        result = _parse_meeting(page)
    elif kind is PageKind.MEETING_LIST:
        result = _parse_list(page, kind)
    else:
        result = _parse_list(page, PageKind.BODY_LIST)
    return with_warnings(result, page.warnings)  # bad links the page held


# --- the page -------------------------------------------------------------------------


class _Header:
    """The title block: 'Toimielin<br>Pöytäkirja 19.05.2020/Pykälä 48' and friends."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.body_name: str | None = None
        self.date: date | None = None
        self.kind: MeetingKind | None = None
        self.swedish = False
        self.paragraph: str | None = None
        self.ordinal: str | None = None
        self.status: str | None = None
        for i, line in enumerate(lines):
            m = _HEADER_RE.match(line)
            if m is None:
                continue
            self.body_name = lines[i - 1] if i > 0 else None
            self.date = parse_date(m.group("date"))
            word = m.group("kind").lower()
            self.kind = _KINDS[word]
            self.swedish = word in _SWEDISH
            rest = m.group("rest").strip()
            if p := re.search(r"(?:Pykälä|Paragraf)\s*(\d+(?:\s?[a-z])?)\b", rest, re.I):
                self.paragraph = " ".join(p.group(1).split())
            elif o := re.search(r"Asianro\s*(\d+)", rest, re.I):
                self.ordinal = o.group(1)
            elif "/" in rest:
                self.status = rest.rsplit("/", 1)[1].strip() or None
            break


class _Page:
    def __init__(self, url: str, text: str, root: etree._Element) -> None:
        self.url = url
        self.root = root
        self.warnings: list[str] = []
        m = _LABEL_RE.search(text)
        lines: list[str] = []
        if m:
            for part in _BR_RE.split(m.group(1)):
                line = html.plain(htmllib.unescape(_TAG_RE.sub("", part)))
                if line:
                    lines.append(line)
        self.header = _Header(lines)

    @classmethod
    def load(cls, body: bytes, url: str, content_type: str | None) -> _Page:
        if not body.strip():
            raise ParseError(url, "empty body")
        text = html.decode(body, content_type)
        region = html.data_region(text)
        root = html.build_tree(region if region is not None and region.strip() else text)
        if root is None:
            raise ParseError(url, "no HTML content")
        return cls(url, text, root)

    def links(self) -> Iterator[tuple[str, str, etree._Element | None]]:
        """(absolute normalised URL, link text, enclosing table row) of each http link."""
        for a in self.root.iter("a"):
            href = a.get("href")
            if not href or href.startswith(("mailto:", "javascript:", "#")):
                continue
            absolute = link_url(href, self.url, self.warnings)
            if absolute is None or not absolute.startswith(("http://", "https://")):
                continue
            row = next(a.iterancestors("tr"), None)
            yield absolute, html.plain(html.clean_text(a.text_content())), row


def _row_date(row: etree._Element | None) -> date | None:
    if row is None:
        return None
    m = _DATE_RE.search(row.text_content())
    return parse_date(m.group(0)) if m else None


def _stem(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


# --- items ----------------------------------------------------------------------------


def _parse_item(page: _Page) -> ParseResult:
    url = normalise_url(page.url)
    external_id = page_id(url) or url
    meeting_id, _, pos = external_id.rpartition("-")
    header = page.header
    warnings: list[str] = []

    found = sections.segment(html.blocks(page.root))
    body_name, meeting_date = header.body_name, header.date
    history: list[str] = []
    for line in found.history:
        m = sections.HISTORY_RE.fullmatch(line)
        line_date = parse_date(m.group("date")) if m else None
        if m and (meeting_date is None or line_date == meeting_date):
            # The item's own meeting line (Dynasty 10 prints it under the title).
            body_name = body_name or m.group("body")
            meeting_date = meeting_date or line_date
        else:
            history.append(line)
    item_sections = _fold_earlier_handlings(found.sections)
    if history:
        item_sections.insert(0, Section(SectionKind.PAATOSHISTORIA, "", "\n\n".join(history)))

    if found.title is None and not item_sections:
        raise ParseError(url, "item page with no title and no text")
    if found.title is None:
        warnings.append("no title found")
    if not item_sections:
        warnings.append("no sections found")

    paragraph = header.paragraph or found.paragraph
    if paragraph is None and header.kind is not MeetingKind.ESITYSLISTA:
        warnings.append("no § number found")

    pdf_url: str | None = None
    attachments: dict[str, Attachment] = {}
    links: dict[str, Link] = {}
    for link, text, _row in page.links():
        kind = classify(link)
        stem = _stem(link)
        if kind is PageKind.DOCUMENT:
            if stem == external_id:
                pdf_url = pdf_url or link
            elif stem.startswith(external_id + "-") and link not in attachments:
                attachments[link] = Attachment(link, text)
            else:
                continue
            links.setdefault(link, Link(link, kind, body_name, meeting_date, text or None))
        elif kind is PageKind.ITEM and link != url and text in ("Edellinen asia", "Seuraava asia"):
            links.setdefault(link, Link(link, kind, body_name, meeting_date))

    item = ItemRecord(
        external_id=external_id,
        meeting_external_id=meeting_id or None,
        url=url,
        title=found.title or "",
        body_name=body_name,
        meeting_date=meeting_date,
        meeting_kind=header.kind,
        position=int(pos) if pos.isdigit() else None,
        paragraph=paragraph,
        diary_number=found.diary_number,
        diary_number_normalised=(
            normalise_diary_number(found.diary_number) if found.diary_number else None
        ),
        pdf_url=pdf_url,
        language="sv" if header.swedish else "fi",
        sections=tuple(item_sections),
        attachments=tuple(attachments.values()),
    )
    return ParseResult(
        PageKind.ITEM, items=(item,), links=tuple(links.values()), warnings=tuple(warnings)
    )


# Sections that make up one handling of the case by a body.
_HANDLING_KINDS = frozenset(
    {
        SectionKind.ESITTELIJA,
        SectionKind.PAATOSEHDOTUS,
        SectionKind.KASITTELY,
        SectionKind.AANESTYS,
        SectionKind.ESTEELLISYYS,
        SectionKind.PAATOS,
    }
)


def _fold_earlier_handlings(found: Sequence[Section]) -> list[Section]:
    """Keep earlier handlings inside the Päätöshistoria section that introduces them.

    Dynasty prints the current handling first and then, under "Päätöshistoria", every
    earlier one with its own Päätösehdotus / Käsittely / Päätös. Left as sections of their
    own they would pass for this meeting's proposal and decision (an agenda would seem to
    have a päätös), so their headings and text become part of the history section's text.
    """
    out: list[Section] = []
    history: Section | None = None
    for section in found:
        if section.kind is SectionKind.PAATOSHISTORIA and section.heading:
            history = section
            out.append(section)
        elif history is not None and section.kind in _HANDLING_KINDS:
            heading = section.heading + (f" {section.presenter}" if section.presenter else "")
            parts = [history.text, heading, section.text]
            history = Section(history.kind, history.heading, "\n\n".join(p for p in parts if p))
            out[-1] = history
        else:
            history = None
            out.append(section)
    return out


# --- meetings and lists ---------------------------------------------------------------


def _parse_meeting(page: _Page) -> ParseResult:
    url = normalise_url(page.url)
    meeting_id = page_id(url) or url
    header = page.header
    pdf_url: str | None = None
    links: dict[str, Link] = {}
    for link, text, _row in page.links():
        kind = classify(link)
        if kind is PageKind.DOCUMENT and _stem(link) == meeting_id:
            pdf_url = pdf_url or link
        elif kind is PageKind.ITEM and (page_id(link) or "").startswith(meeting_id + "-"):
            old = links.get(link)
            if old is None or (not old.title and text):
                links[link] = Link(link, kind, header.body_name, header.date, text or None)
    warnings = [] if links else ["meeting page lists no items"]
    if header.date is None:
        warnings.append("no meeting date found")
    meeting = MeetingRecord(
        external_id=meeting_id,
        url=url,
        body_name=header.body_name,
        date=header.date,
        kind=header.kind,
        status=header.status,
        pdf_url=pdf_url,
    )
    return ParseResult(
        PageKind.MEETING,
        meetings=(meeting,),
        links=tuple(links.values()),
        warnings=tuple(warnings),
    )


def _parse_list(page: _Page, page_kind: PageKind) -> ParseResult:
    """Body lists and meeting lists: links to meetings (with their dates) and to bodies."""
    url = normalise_url(page.url)
    # "Kokouslistat<br>Kaupunginhallitus": the body is the last line of a meeting list.
    lines = page.header.lines
    body_name = lines[-1] if page_kind is PageKind.MEETING_LIST and lines else None
    wanted = {PageKind.MEETING, PageKind.MEETING_LIST}
    links: dict[str, Link] = {}
    row_bodies: dict[int, str] = {}
    for link, text, row in page.links():
        kind = classify(link)
        if kind not in wanted or link == url:
            continue
        if kind is PageKind.MEETING_LIST:
            if page_kind is not PageKind.BODY_LIST:
                continue
            if row is not None:
                row_bodies[id(row)] = text
            links.setdefault(link, Link(link, kind, text or None, None, text or None))
        else:
            row_body = row_bodies.get(id(row)) if row is not None else None
            links.setdefault(
                link, Link(link, kind, row_body or body_name, _row_date(row), text or None)
            )
    warnings = () if links else ("no links found",)
    return ParseResult(page_kind, links=tuple(links.values()), warnings=warnings)
