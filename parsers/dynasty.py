"""Innofactor Dynasty: page classification and one parser per page kind.

Covers the CGI (``DREQUEST.PHP?page=…``, Dynasty 10) and the older static export
(``/kokous/…HTM``). See docs/platforms.md#dynasty. Pure: bytes in, records out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from pykala.parsers import html, sections, titleblock
from pykala.parsers.diary import normalise_diary_number
from pykala.parsers.feeds import parse_date, parse_feed
from pykala.parsers.records import (
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
from pykala.parsers.urls import link_url, normalise_url

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
_DATE_RE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}")
# "Kokouslistat<br>Kaupunginhallitus": the title of a body's meeting list.
_LIST_TITLE_RE = re.compile(
    r"(?:Kokouslistat|Kokoukset|Mötesförteckningar|Sammanträden)(?:\s+(?P<body>[^:]+))?", re.I
)


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


class _Page:
    """A Dynasty page as the lines a browser shows, with its title block found by text."""

    def __init__(self, url: str, root: etree._Element) -> None:
        self.url = url
        self.root = root
        self.warnings: list[str] = []
        self.text = html.page_text(root)
        lines = self.text.blocks
        self.title = titleblock.find(lines, 0, self.text.end)
        # The item's own text: after the title block (Dynasty 10 prints it inside the data
        # region) or from the region's start (the static export prints it before).
        start = self.text.start
        if self.title is not None:
            start = max(start, self.title.index + 1)
        self.start = start

    @classmethod
    def load(cls, body: bytes, url: str, content_type: str | None) -> _Page:
        if not body.strip():
            raise ParseError(url, "empty body")
        root = html.build_tree(html.decode(body, content_type))
        if root is None:
            raise ParseError(url, "no HTML content")
        return cls(url, root)

    def content(self) -> list[tuple[int, html.Block]]:
        """(line index, line) of the item's text, navigation and attachment boxes left out."""
        lines = self.text.blocks
        return [(i, lines[i]) for i in range(self.start, self.text.end) if not lines[i].chrome]

    def list_body(self) -> str | None:
        """A meeting list's body: the line after "Kokouslistat" (or on the same line)."""
        lines = self.text.blocks
        for i, block in enumerate(lines[: self.text.end]):
            text = html.plain(block.text)
            if m := _LIST_TITLE_RE.fullmatch(text):
                if m.group("body"):
                    return m.group("body")
                if i + 1 < len(lines) and not lines[i + 1].link:
                    return html.plain(lines[i + 1].text) or None
        return None

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


def read_item(page: _Page) -> sections.ItemText:
    """The segmenter's reading of an item page's text, with the title block as hints."""
    title = page.title
    hints = sections.Hints(
        body_name=title.body_name if title else None,
        meeting_date=title.date if title else None,
        paragraph=title.paragraph if title else None,
        meeting_line_under_title=True,
    )
    return sections.segment([block for _, block in page.content()], hints)


def explain(body: bytes, url: str, content_type: str | None = None) -> list[tuple[str, str]]:
    """(role, text) of every line of an item page: how the parser read it."""
    page = _Page.load(body, url, content_type)
    roles = ["skipped (page chrome)"] * len(page.text.blocks)
    if page.title is not None:
        roles[page.title.index] = sections.Role.TITLE_BLOCK
        if page.title.body_index is not None:
            roles[page.title.body_index] = sections.Role.TITLE_BLOCK
    found = read_item(page)
    for (i, _), role in zip(page.content(), found.roles, strict=True):
        roles[i] = role
    return [(role, html.plain(b.text)) for role, b in zip(roles, page.text.blocks, strict=True)]


def _parse_item(page: _Page) -> ParseResult:
    url = normalise_url(page.url)
    external_id = page_id(url) or url
    meeting_id, _, pos = external_id.rpartition("-")
    title = page.title
    warnings: list[str] = []

    found = read_item(page)
    body_name = (title.body_name if title else None) or found.own_body
    meeting_date = (title.date if title else None) or found.own_date
    meeting_kind = title.kind if title else None
    item_sections = _fold_earlier_handlings(found.sections)
    if found.history:
        history = "\n\n".join(found.history)
        item_sections.insert(0, Section(SectionKind.PAATOSHISTORIA, "", history))

    if found.title is None and not item_sections:
        raise ParseError(url, "item page with no title and no text")
    if found.title is None:
        warnings.append("no title found")
    if not item_sections:
        warnings.append("no sections found")
    if title is None:
        warnings.append("no title block (body, meeting date) found")

    paragraph = (title.paragraph if title else None) or found.paragraph
    if paragraph is None and meeting_kind is not MeetingKind.ESITYSLISTA:
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
        meeting_kind=meeting_kind,
        position=int(pos) if pos.isdigit() else None,
        paragraph=paragraph,
        diary_number=found.diary_number,
        diary_number_normalised=(
            normalise_diary_number(found.diary_number) if found.diary_number else None
        ),
        pdf_url=pdf_url,
        language="sv" if title and title.swedish else "fi",
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

    Dynasty prints the handlings of earlier meetings under "Päätöshistoria", each with its
    own Päätösehdotus / Käsittely / Päätös. Left as sections of their own they would pass for
    this meeting's proposal and decision (an agenda would seem to have a päätös), so their
    headings and text become part of the history section's text. Templates put the block
    after this meeting's handling or before it; when before, this meeting's handling is the
    last proposal (or, with none, the last decision) and everything after it.
    """
    current = _current_handling(found)
    out: list[Section] = []
    history: Section | None = None
    for i, section in enumerate(found):
        if section.kind is SectionKind.PAATOSHISTORIA and section.heading:
            history = section
            out.append(section)
        elif history is not None and section.kind in _HANDLING_KINDS and i < current:
            heading = section.heading + (f" {section.presenter}" if section.presenter else "")
            parts = [history.text, heading, section.text]
            history = Section(history.kind, history.heading, "\n\n".join(p for p in parts if p))
            out[-1] = history
        else:
            history = None
            out.append(section)
    return out


def _current_handling(found: Sequence[Section]) -> int:
    """Index of the first section of this meeting's handling when a Päätöshistoria block
    comes before it; len(found) when the history follows this meeting's handling."""
    decided = False
    for i, section in enumerate(found):
        if section.kind is SectionKind.PAATOSHISTORIA and section.heading:
            if decided:
                return len(found)
            later = range(i + 1, len(found))
            for kind in (SectionKind.PAATOSEHDOTUS, SectionKind.PAATOS):
                last = [j for j in later if found[j].kind is kind]
                if last:
                    return last[-1]
            return len(found)
        decided = decided or section.kind in (SectionKind.PAATOSEHDOTUS, SectionKind.PAATOS)
    return len(found)


# --- meetings and lists ---------------------------------------------------------------


def _parse_meeting(page: _Page) -> ParseResult:
    url = normalise_url(page.url)
    meeting_id = page_id(url) or url
    header = page.title
    body_name = header.body_name if header else None
    day = header.date if header else None
    pdf_url: str | None = None
    links: dict[str, Link] = {}
    for link, text, _row in page.links():
        kind = classify(link)
        if kind is PageKind.DOCUMENT and _stem(link) == meeting_id:
            pdf_url = pdf_url or link
        elif kind is PageKind.ITEM and (page_id(link) or "").startswith(meeting_id + "-"):
            old = links.get(link)
            if old is None or (not old.title and text):
                links[link] = Link(link, kind, body_name, day, text or None)
    warnings = [] if links else ["meeting page lists no items"]
    if day is None:
        warnings.append("no meeting date found")
    meeting = MeetingRecord(
        external_id=meeting_id,
        url=url,
        body_name=body_name,
        date=day,
        kind=header.kind if header else None,
        status=header.status if header else None,
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
    body_name = page.list_body() if page_kind is PageKind.MEETING_LIST else None
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
