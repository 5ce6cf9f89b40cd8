"""Innofactor CloudNC / CaseM public HTML (``https://<kunta>.cloudnc.fi/fi-FI/…``).

See docs/platforms.md#cloudnc-and-casem. Pages: body list ``/fi-FI/Toimielimet``, a
body's meetings ``/fi-FI/Toimielimet/<Body>``, a meeting ``…/<Body>/Kokous_<DMYYYY>``
and items ``…/Kokous_<DMYYYY>/<slug>(<contentId>)`` or ``/fi-FI/content/<n>/<contentId>``.
URLs under ``/api/opennc/`` are the OpenNC JSON API and go to parsers.opennc.

The meeting date in the URL has no zero padding (``Kokous_1112020`` is 1.11.2020 or
11.1.2020), so dates are read from the page text ("<Toimielin>, kokous D.M.YYYY").
A meeting's external id is its path below Toimielimet (``<Body>/Kokous_<DMYYYY>``): CloudNC
has no numeric meeting id in its public URLs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote, urlsplit

from lxml import etree

from pykala.parsers import casem, headings, html, opennc, sections
from pykala.parsers.diary import find_diary_number, normalise_diary_number
from pykala.parsers.feeds import parse_date
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

_LANG = r"/(?P<lang>[a-z]{2})-[A-Z]{2}"
_BODY_LIST_RE = re.compile(rf"{_LANG}/Toimielimet/?", re.I)
_MEETING_LIST_RE = re.compile(rf"{_LANG}/Toimielimet/(?P<body>[^/]+)/?", re.I)
_MEETING_RE = re.compile(rf"{_LANG}/Toimielimet/(?P<meeting>[^/]+/Kokous_\d+)/?", re.I)
_ITEM_RE = re.compile(
    rf"{_LANG}/Toimielimet/(?P<meeting>[^/]+/Kokous_\d+)/[^/]*\((?P<id>\d+)\)/?", re.I
)
_CONTENT_RE = re.compile(rf"{_LANG}/content/\d+/(?P<id>\d+)/?", re.I)
_DOWNLOAD_RE = re.compile(r"/download/", re.I)
# "Kasvatus- ja opetuslautakunta, kokous 22.11.2018"
_MEETING_LINE_RE = re.compile(
    r"(?P<body>\S.*?),?\s+kokous\s+(?P<date>\d{1,2}\.\d{1,2}\.\d{4})\b.*", re.I
)
_LIST_DATE_RE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}")
_TITLE_RE = re.compile(r"§\s*(?P<p>\d{1,4}(?:\s?[a-zA-Z])?)\s+(?P<title>\S.*)")
_NAV_HEADING = "käsitellyt asiat"
# Page chrome and the attachment box: read for links, never as item text.
_CHROME = ("header", "footer", "nav", "aside", "script", "style")
_LINK_BOX_CLASSES = frozenset({"liitteet", "attachments", "kokous-asiakirjat"})


_LANG_SEGMENT_RE = re.compile(r"/[a-z]{2}-[A-Z]{2}(?:/|$)", re.I)


def site_path(url: str) -> str:
    """The URL's path from its language segment (``/fi-FI/…``) on: a site served below a
    path prefix (a proxy, the fixture site's ``/<host>/…``) reads like one at the root."""
    path = urlsplit(normalise_url(url)).path
    m = _LANG_SEGMENT_RE.search(path)
    return path[m.start() :] if m else path


def classify(url: str) -> PageKind:
    """The kind of a CloudNC page (or OpenNC API response), from its URL alone."""
    path = urlsplit(normalise_url(url)).path
    if "/api/opennc/" in path.lower():
        return opennc.classify(url)
    if _DOWNLOAD_RE.search(path) or path.lower().endswith(".pdf"):
        return PageKind.DOCUMENT
    path = site_path(url)
    for pattern, kind in (
        (_ITEM_RE, PageKind.ITEM),
        (_CONTENT_RE, PageKind.ITEM),
        (_MEETING_RE, PageKind.MEETING),
        (_MEETING_LIST_RE, PageKind.MEETING_LIST),
        (_BODY_LIST_RE, PageKind.BODY_LIST),
    ):
        if pattern.fullmatch(path):
            return kind
    return PageKind.UNKNOWN


def content_id(url: str) -> str | None:
    """The CaseM content id of an item URL: ``…(33184)`` or ``/content/<n>/15619``."""
    path = site_path(url)
    m = _ITEM_RE.fullmatch(path) or _CONTENT_RE.fullmatch(path)
    return m.group("id") if m else None


def meeting_id(url: str) -> str | None:
    """``<Body_slug>/Kokous_<DMYYYY>`` of a meeting or long-form item URL."""
    path = site_path(url)
    m = _ITEM_RE.fullmatch(path) or _MEETING_RE.fullmatch(path)
    return unquote(m.group("meeting")) if m else None


def parse(body: bytes, url: str, content_type: str | None = None) -> ParseResult:
    """Parse one CloudNC page; dispatches on classify(url)."""
    kind = classify(url)
    if "/api/opennc/" in urlsplit(normalise_url(url)).path.lower():
        return opennc.parse(body, url, content_type)
    if kind is PageKind.DOCUMENT:
        return ParseResult(kind)
    if kind is PageKind.UNKNOWN:
        return ParseResult(kind, warnings=(f"not a known CloudNC page: {url}",))
    page = _Page.load(body, url, content_type)
    if kind is PageKind.ITEM:
        result = _parse_item(page)
    elif kind is PageKind.MEETING:
        result = _parse_meeting(page)
    else:
        result = _parse_list(page, kind)
    return with_warnings(result, page.warnings)  # bad links the page held


# --- the page -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Header:
    """What the page says about its meeting: "<Toimielin>, kokous D.M.YYYY" + status."""

    body_name: str | None = None
    date: date | None = None
    status: str | None = None
    kind: MeetingKind | None = None
    end: int = 0  # index of the first block after the header


def _read_header(blocks: list[html.Block]) -> _Header:
    for i, block in enumerate(blocks):
        m = _MEETING_LINE_RE.fullmatch(html.plain(block.text))
        if m is None:
            continue
        status: str | None = None
        kind: MeetingKind | None = None
        end = i + 1
        if end < len(blocks):
            line = html.plain(blocks[end].text)
            low = line.lower()
            if low.startswith(("pöytäkirja", "esityslista", "protokoll", "föredragningslista")):
                status, end = line, end + 1
                is_minutes = low.startswith(("pöytäkirja", "protokoll"))
                kind = MeetingKind.POYTAKIRJA if is_minutes else MeetingKind.ESITYSLISTA
        return _Header(m.group("body"), parse_date(m.group("date")), status, kind, end)
    return _Header()


class _Page:
    def __init__(self, url: str, root: etree._Element) -> None:
        self.url = normalise_url(url)
        self.root = root
        self.warnings: list[str] = []
        # Links first: the chrome and attachment boxes are dropped from the text below.
        self.anchors = list(self._anchors())
        for el in list(root.iter(*_CHROME)):
            parent = el.getparent()
            if parent is not None:
                parent.remove(el)
        for el in list(root.iter()):
            classes = set((el.get("class") or "").split()) if isinstance(el.tag, str) else set()
            if classes & _LINK_BOX_CLASSES and (parent := el.getparent()) is not None:
                parent.remove(el)
        casem.join_wrapped_lines(root)
        self.blocks = html.blocks(root)
        self.header = _read_header(self.blocks)

    @classmethod
    def load(cls, body: bytes, url: str, content_type: str | None) -> _Page:
        if not body.strip():
            raise ParseError(url, "empty body")
        root = html.build_tree(html.decode(body, content_type))
        if root is None:
            raise ParseError(url, "no HTML content")
        return cls(url, root)

    def _anchors(self) -> Iterator[tuple[str, str]]:
        for href, text in html.iter_links(self.root):
            if href.startswith(("mailto:", "javascript:", "#")):
                continue
            absolute = link_url(href, self.url, self.warnings)
            if absolute is not None and absolute.startswith(("http://", "https://")):
                yield absolute, text

    def h1(self) -> str | None:
        el = next(self.root.iter("h1"), None)
        return html.plain(html.clean_text(el.text_content())) if el is not None else None

    def language(self) -> str:
        m = re.match(_LANG, site_path(self.url))
        return "sv" if m and m.group("lang").lower() == "sv" else "fi"


# --- items ----------------------------------------------------------------------------


def _title_index(page: _Page) -> int | None:
    """Index of the "§ 118 <title>" block; on agendas, which print no §, the first line
    after the meeting header that is no diary number, heading or link (or the h1)."""
    h1 = page.h1()
    first: int | None = None
    for i in range(page.header.end, len(page.blocks)):
        block = page.blocks[i]
        text = html.plain(block.text)
        if _TITLE_RE.fullmatch(text) or (h1 and text == h1):
            return i
        if (
            first is None
            and page.header.body_name
            and not (
                block.link
                or find_diary_number(text)
                or headings.split_heading(block) is not None
                or len(text) > 300
            )
        ):
            first = i
    return first


def _content_blocks(page: _Page, start: int) -> list[html.Block]:
    """The item text after the title, up to the "Käsitellyt asiat" navigation."""
    out: list[html.Block] = []
    for block in page.blocks[start:]:
        if html.plain(block.text).lower() == _NAV_HEADING:
            break
        out.append(block)
    return out


def explain(body: bytes, url: str, content_type: str | None = None) -> list[tuple[str, str]]:
    """(role, text) of every line of an item page: how the parser read it."""
    page = _Page.load(body, url, content_type)
    lines = [html.plain(b.text) for b in page.blocks]
    roles = ["skipped (page chrome)"] * len(lines)
    if page.header.body_name is not None:
        for i in range(page.header.end):
            if _MEETING_LINE_RE.fullmatch(lines[i]):
                roles[i : page.header.end] = [sections.Role.TITLE_BLOCK] * (page.header.end - i)
    ti = _title_index(page)
    if ti is not None:
        roles[ti] = sections.Role.TITLE
        content = _content_blocks(page, ti + 1)
        m = _TITLE_RE.fullmatch(lines[ti])
        head = [html.Block(f"§ {m.group('p')}"), html.Block(m.group("title"))] if m else []
        found = sections.segment(head + content)
        for offset, role in enumerate(found.roles[len(head) :]):
            roles[ti + 1 + offset] = role
        for i in range(ti + 1 + len(content), len(lines)):
            roles[i] = sections.Role.NAVIGATION
    return list(zip(roles, lines, strict=True))


def _parse_item(page: _Page) -> ParseResult:
    url = page.url
    header = page.header
    warnings: list[str] = []
    ti = _title_index(page)
    if ti is None:
        raise ParseError(url, "item page with no title")
    heading = html.plain(page.blocks[ti].text)
    m = _TITLE_RE.fullmatch(heading)
    paragraph, title = (" ".join(m.group("p").split()), m.group("title")) if m else (None, heading)
    # The segmenter reads §, title, diary number and earlier handlings from the head.
    head = ([html.Block(f"§ {paragraph}")] if paragraph else []) + [html.Block(title)]
    found = sections.segment(head + _content_blocks(page, ti + 1))
    item_sections = casem.merge_presenter(list(found.sections))
    if found.history:
        history = "\n\n".join(found.history)
        item_sections.insert(0, Section(SectionKind.PAATOSHISTORIA, "", history))

    if header.date is None:
        warnings.append("no meeting date found")
    if paragraph is None and header.kind is not MeetingKind.ESITYSLISTA:
        warnings.append("no § number found")
    if not item_sections:
        warnings.append("no sections found")

    meeting = meeting_id(url)
    attachments: dict[str, Attachment] = {}
    links: dict[str, Link] = {}
    for link, text in page.anchors:
        kind = classify(link)
        if kind is PageKind.DOCUMENT:
            attachments.setdefault(link, Attachment(link, text))
            links.setdefault(link, Link(link, kind, header.body_name, header.date, text or None))
        elif kind is PageKind.MEETING:
            meeting = meeting or meeting_id(link)  # /content/ URLs: from the breadcrumb
            links.setdefault(link, Link(link, kind, header.body_name, header.date))
        elif kind is PageKind.ITEM and content_id(link) != content_id(url):
            links.setdefault(link, Link(link, kind, header.body_name, header.date, text or None))

    diary = found.diary_number
    item = ItemRecord(
        external_id=content_id(url) or url,
        meeting_external_id=meeting,
        url=url,
        title=found.title or title,
        body_name=header.body_name,
        meeting_date=header.date,
        meeting_kind=header.kind,
        paragraph=paragraph,
        diary_number=diary,
        diary_number_normalised=normalise_diary_number(diary) if diary else None,
        language=page.language(),
        sections=tuple(item_sections),
        attachments=tuple(attachments.values()),
    )
    return ParseResult(
        PageKind.ITEM, items=(item,), links=tuple(links.values()), warnings=tuple(warnings)
    )


# --- meetings and lists ---------------------------------------------------------------


def _parse_meeting(page: _Page) -> ParseResult:
    url = page.url
    header = page.header
    mid = meeting_id(url) or url
    pdf_url: str | None = None
    links: dict[str, Link] = {}
    for link, text in page.anchors:
        kind = classify(link)
        if kind is PageKind.DOCUMENT and text.lower().startswith(("pöytäkirja", "protokoll")):
            pdf_url = pdf_url or link
        elif kind is PageKind.ITEM and meeting_id(link) == mid:
            old = links.get(link)
            if old is None or (not old.title and text):
                links[link] = Link(link, kind, header.body_name, header.date, text or None)
    if pdf_url is None and header.kind is MeetingKind.ESITYSLISTA:
        pdf_url = next(
            (u for u, t in page.anchors if classify(u) is PageKind.DOCUMENT and "esityslista"
             in t.lower()),
            None,
        )  # fmt: skip
    warnings = [] if links else ["meeting page lists no items"]
    if header.date is None:
        warnings.append("no meeting date found")
    body_slug = mid.split("/", 1)[0] if "/" in mid else None
    meeting = MeetingRecord(
        external_id=mid,
        url=url,
        body_name=header.body_name,
        body_external_id=body_slug,
        date=header.date,
        kind=header.kind,
        status=header.status,
        pdf_url=pdf_url,
    )
    return ParseResult(
        PageKind.MEETING, meetings=(meeting,), links=tuple(links.values()), warnings=tuple(warnings)
    )


def _parse_list(page: _Page, page_kind: PageKind) -> ParseResult:
    """Body list → links to each body's meetings; a body's page → links to its meetings."""
    url = page.url
    want = PageKind.MEETING_LIST if page_kind is PageKind.BODY_LIST else PageKind.MEETING
    own = urlsplit(url).path.rstrip("/").lower()
    body_name = page.h1() if page_kind is PageKind.MEETING_LIST else None
    links: dict[str, Link] = {}
    for link, text in page.anchors:
        if classify(link) is not want or link in links:
            continue
        path = urlsplit(link).path.lower()
        if want is PageKind.MEETING and not path.startswith(own + "/"):
            continue  # another body's meeting (a "latest meetings" box)
        if want is PageKind.MEETING_LIST:
            links[link] = Link(link, want, text or None, None, text or None)
        else:
            m = _LIST_DATE_RE.search(text)
            day = parse_date(m.group(0)) if m else None
            links[link] = Link(link, want, body_name, day, text or None)
    warnings = () if links else ("no links found",)
    return ParseResult(page_kind, links=tuple(links.values()), warnings=warnings)
