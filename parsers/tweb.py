"""Triplan / Ceneon KTweb ("Tweb"): page classification and one parser per page kind.

See docs/platforms.md#tweb. Pure: bytes in, records out.

Page kinds (from the URL alone):
* ``pk_tek_tweb.htm`` / ``epj_tek_tweb.htm`` (minutes / agenda search form) — BODY_LIST.
  The body ids are the options of ``<select name="kirjaamo">``. The meeting list of a body
  is fetched by **POST**, so each body becomes a Link to
  ``<form action>?oper=where&kirjaamo=<id>`` (kind MEETING_LIST): the URL is the key of the
  page, and :func:`meeting_list_request` turns it into the POST the server wants
  (same URL without the query, the query as the form body, plus ``pvm1``/``pvm2``).
* ``pk_kokl_tweb.htm`` / ``epj_kokl_tweb.htm`` (the POST's answer) — MEETING_LIST: Links to
  ``pk_asil_tweb.htm?+bid=<meetingId>`` with body name and date.
* ``pk_asil_tweb.htm?+bid=`` / ``epj_asil_tweb.htm?+bid=`` — MEETING: a MeetingRecord
  (external id = bid), one Link per document row, and one *stub* ItemRecord per row.
* ``ktproxy2.dll?doctype=3&docid=`` — ITEM: the item's PDF (sometimes a Word .doc).

How a PDF item gets its meeting and § (decision): the item's external id is the
**docid** on both pages. The PDF alone yields the text (title, Dno, sections) and, when
the PDF prints it (Vantaa: "Kaupunginhallitus 20.3.2017 § 10"), body, date and §; it never
knows the meeting id. The item-list row knows body, date, §, position, title and the
meeting id (bid) but no text: it is emitted as a stub ItemRecord with no sections, and
its Link carries the same hints (body_name, meeting_date, title) like Dynasty feed
entries. :func:`merge_item` combines the two (a None field means "not on this page");
storage applies it when the same (source, docid) is saved from both pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

from pykala.parsers import headings, html, itemhead, pdf, sections
from pykala.parsers.diary import normalise_diary_number
from pykala.parsers.feeds import parse_date
from pykala.parsers.records import (
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

_SEARCH_RE = re.compile(r"/(?:pk|epj)_tek(?:_tweb)?\.htm$", re.I)
_MEETING_LIST_RE = re.compile(r"/(?:pk|epj)_kokl(?:_tweb)?\.htm$", re.I)
_MEETING_RE = re.compile(r"/(?:pk|epj)_asil(?:_tweb)?\.htm$", re.I)
_PROXY_RE = re.compile(r"/ktproxy2\.dll$", re.I)
_BID_RE = re.compile(r"(?:^|[?&+])bid=(\d+)")
_DOCID_RE = re.compile(r"(?:^|&)docid=(\d+)")
_DATE_RE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}")
_KINDS = {
    "pöytäkirja": MeetingKind.POYTAKIRJA,
    "protokoll": MeetingKind.POYTAKIRJA,
    "esityslista": MeetingKind.ESITYSLISTA,
    "föredragningslista": MeetingKind.ESITYSLISTA,
}
# Template lines of the item PDF above the title: "Oulun kaupunki", an empty "Päivämäärä".
_TEMPLATE_RE = re.compile(
    r"[A-ZÅÄÖ][\w-]*n (?:kaupunki|kunta)|[A-ZÅÄÖ][\w-]* (?:stad|kommun)|Päivämäärä|Pvm\.?"
)
# Vantaa prints the preparers' initials under the Dno: "KN/PM/PH/HY-L".
_INITIALS_RE = re.compile(r"[A-ZÅÄÖ]{1,4}(?:-[A-ZÅÄÖ]{1,3})?(?:/[A-ZÅÄÖ]{1,4}(?:-[A-ZÅÄÖ]{1,3})?)+")


def classify(url: str) -> PageKind:
    """The kind of a Tweb page, from its URL alone."""
    parts = urlsplit(normalise_url(url))
    path = parts.path
    if _PROXY_RE.search(path):
        return PageKind.ITEM if _DOCID_RE.search(parts.query) else PageKind.UNKNOWN
    if _SEARCH_RE.search(path):
        return PageKind.BODY_LIST
    if _MEETING_LIST_RE.search(path):
        return PageKind.MEETING_LIST
    if _MEETING_RE.search(path) and _BID_RE.search(parts.query):
        return PageKind.MEETING
    return PageKind.UNKNOWN


def docid(url: str) -> str | None:
    """The ``docid`` of a ``ktproxy2.dll`` document URL."""
    m = _DOCID_RE.search(urlsplit(normalise_url(url)).query)
    return m.group(1) if m else None


def meeting_id(url: str) -> str | None:
    """The ``bid`` of a ``pk_asil_tweb.htm?+bid=<id>`` URL (the literal ``?+bid=``)."""
    m = _BID_RE.search(urlsplit(normalise_url(url)).query)
    return m.group(1) if m else None


def meeting_list_request(
    url: str, since: date | None = None, until: date | None = None
) -> tuple[str, dict[str, str]]:
    """The POST that fetches a MEETING_LIST Link made by the search-form parser.

    ``<action>?oper=where&kirjaamo=690`` → (``<action>``, {"oper": "where", "kirjaamo":
    "690", "pvm1": "", "pvm2": ""}). pvm1/pvm2 limit the meeting dates (``pp.kk.vvvv``);
    empty means the server's latest meetings (Oulu shows at most 200 rows).
    """
    parts = urlsplit(normalise_url(url))
    form = dict(parse_qsl(parts.query, keep_blank_values=True))
    form.setdefault("oper", "where")
    form["pvm1"] = f"{since.day}.{since.month}.{since.year}" if since else ""
    form["pvm2"] = f"{until.day}.{until.month}.{until.year}" if until else ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), form


def merge_item(stub: ItemRecord, full: ItemRecord) -> ItemRecord:
    """One item from its item-list row (``stub``) and its PDF (``full``), same docid.

    The PDF's fields win where it has them; the row fills what the PDF does not print
    (meeting id, position, meeting kind, and body/date/§ for Oulu PDFs).
    """
    if stub.external_id != full.external_id:
        raise ValueError(f"different items: {stub.external_id} != {full.external_id}")
    return replace(
        full,
        meeting_external_id=full.meeting_external_id or stub.meeting_external_id,
        title=full.title or stub.title,
        body_name=full.body_name or stub.body_name,
        meeting_date=full.meeting_date or stub.meeting_date,
        meeting_kind=full.meeting_kind or stub.meeting_kind,
        position=full.position if full.position is not None else stub.position,
        paragraph=full.paragraph or stub.paragraph,
        pdf_url=full.pdf_url or stub.pdf_url,
    )


def parse(body: bytes, url: str, content_type: str | None = None) -> ParseResult:
    """Parse one Tweb page or item document; dispatches on classify(url)."""
    kind = classify(url)
    if kind is PageKind.ITEM:
        return parse_item_document(body, url)
    if kind is PageKind.UNKNOWN:
        return ParseResult(kind, warnings=(f"not a known Tweb page: {url}",))
    root = _tree(body, url, content_type)
    if kind is PageKind.BODY_LIST:
        result = _parse_search_form(root, url)
    elif kind is PageKind.MEETING_LIST:
        result = _parse_meeting_list(root, url)
    else:
        result = _parse_meeting(root, url)
    return with_warnings(result, html.bad_links(root, url))  # _anchors skipped them


# --- HTML pages -----------------------------------------------------------------------


def _tree(body: bytes, url: str, content_type: str | None) -> etree._Element:
    if not body.strip():
        raise ParseError(url, "empty body")
    root = html.build_tree(html.decode(body, content_type))
    if root is None:
        raise ParseError(url, "no HTML content")
    return root


def _text(el: etree._Element) -> str:
    return html.plain(html.clean_text(el.text_content()))


def _classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").lower().split())


def _parse_search_form(root: etree._Element, url: str) -> ParseResult:
    """Bodies from <select name="kirjaamo"> → Links to the POST-only meeting list."""
    action = next(
        (
            f.get("action") or ""
            for f in root.iter("form")
            if _MEETING_LIST_RE.search(urlsplit(f.get("action") or "").path)
        ),
        None,
    )
    if action is None:
        raise ParseError(url, "no meeting search form (action *_kokl_tweb.htm) on the page")
    target = normalise_url(action, base=url)
    links: dict[str, Link] = {}
    for select in root.iter("select"):
        if (select.get("name") or "").lower() != "kirjaamo":
            continue
        for option in select.iter("option"):
            value = (option.get("value") or "").strip()
            name = _text(option)
            if not value or not name:
                continue  # "Kaikki toimielimet"
            link = f"{target}?{urlencode({'oper': 'where', 'kirjaamo': value})}"
            links.setdefault(link, Link(link, PageKind.MEETING_LIST, name, None, name))
    warnings = () if links else ("no bodies in <select name=kirjaamo>",)
    return ParseResult(PageKind.BODY_LIST, links=tuple(links.values()), warnings=warnings)


def _body_of(label: str) -> str:
    """ "Kaupunginhallitus: 5/2017" → "Kaupunginhallitus" (the part after ':' is the meeting)."""
    return label.split(":", 1)[0].strip()


def _anchors(row: etree._Element, base: str) -> Iterator[tuple[str, str, etree._Element]]:
    for a in row.iter("a"):
        href = a.get("href")
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        if (absolute := link_url(href, base, [])) is not None:  # parse() warns
            yield absolute, _text(a), a


def _data_rows(root: etree._Element) -> Iterator[etree._Element]:
    for table in root.iter("table"):
        if "list" not in _classes(table):
            continue
        for tr in table.iter("tr"):
            if _classes(tr) & {"data0", "data1"}:
                yield tr


def _parse_meeting_list(root: etree._Element, url: str) -> ParseResult:
    links: dict[str, Link] = {}
    for tr in _data_rows(root):
        cells = [c for c in tr if c.tag in ("td", "th")]
        for link, text, a in _anchors(tr, url):
            if classify(link) is not PageKind.MEETING:
                continue
            cell = next(a.iterancestors("td"), None)
            others = [_text(c) for c in cells if c is not cell and _text(c)]
            label = others[0] if others else ""
            m = _DATE_RE.search(text)
            links.setdefault(
                link,
                Link(
                    link,
                    PageKind.MEETING,
                    _body_of(label) or None,
                    parse_date(m.group(0)) if m else None,
                    label or text or None,
                ),
            )
    warnings = () if links else ("no meetings listed",)
    return ParseResult(PageKind.MEETING_LIST, links=tuple(links.values()), warnings=warnings)


def _header_lines(root: etree._Element) -> list[str]:
    """ "Kaupunginhallitus: 5/2017<br>27.3.2017 15:00<br>Pöytäkirja" → its lines."""
    for tr in root.iter("tr"):
        if "header" not in _classes(tr):
            continue
        for td in tr:
            if "header" in _classes(td):
                markup = etree.tostring(td, encoding="unicode", method="html")
                parts = re.split(r"<br\s*/?>", markup, flags=re.I)
                lines = [html.plain(etree.HTML(f"<p>{p}</p>").xpath("string()")) for p in parts]
                return [line for line in lines if line]
    return []


def _columns(root: etree._Element) -> dict[str, int]:
    """Column index of "§", "otsikko" and "liitteet" from tr.colheader (order differs)."""
    for tr in root.iter("tr"):
        if "colheader" in _classes(tr):
            names = [_text(c).lower() for c in tr if c.tag in ("td", "th")]
            return {name: i for i, name in enumerate(names)}
    return {}


def _parse_meeting(root: etree._Element, url: str) -> ParseResult:
    url = normalise_url(url)
    bid = meeting_id(url) or url
    lines = _header_lines(root)
    body_name = _body_of(lines[0]) if lines else None
    meeting_date: date | None = None
    kind: MeetingKind | None = None
    for line in lines[1:]:
        if meeting_date is None and (m := _DATE_RE.search(line)):
            meeting_date = parse_date(m.group(0))
        kind = kind or _KINDS.get(line.strip().lower())
    warnings: list[str] = []
    if not lines:
        warnings.append("no meeting header (tr.header) found")
    cols = _columns(root)
    par_col = cols.get("§")
    items: list[ItemRecord] = []
    links: dict[str, Link] = {}
    for position, tr in enumerate(_data_rows(root), 1):
        cells = [c for c in tr if c.tag in ("td", "th")]
        doc = next(
            (
                (link, text)
                for link, text, _a in _anchors(tr, url)
                if classify(link) is PageKind.ITEM
            ),
            None,
        )
        if doc is None:
            continue
        link, title = doc
        paragraph = _text(cells[par_col]) if par_col is not None and par_col < len(cells) else ""
        links.setdefault(link, Link(link, PageKind.ITEM, body_name, meeting_date, title or None))
        items.append(
            ItemRecord(
                external_id=docid(link) or link,
                meeting_external_id=bid,
                url=link,
                title=title,
                body_name=body_name,
                meeting_date=meeting_date,
                meeting_kind=kind,
                position=position,
                paragraph=paragraph or None,  # cover page, "Järjestäytymispykälät": no §
                pdf_url=link,
            )
        )
    for link, text, _a in _anchors(root, url):
        # "Hae esityslista" / "Hae pöytäkirja": the same meeting's other list.
        if classify(link) is PageKind.MEETING and link != url:
            links.setdefault(link, Link(link, PageKind.MEETING, body_name, meeting_date, text))
    if not items:
        warnings.append("meeting page lists no items")
    meeting = MeetingRecord(
        external_id=bid, url=url, body_name=body_name, date=meeting_date, kind=kind
    )
    return ParseResult(
        PageKind.MEETING,
        items=tuple(items),
        meetings=(meeting,),
        links=tuple(links.values()),
        warnings=tuple(warnings),
    )


# --- item documents (PDF) -------------------------------------------------------------


def parse_item_document(body: bytes, url: str) -> ParseResult:
    """``ktproxy2.dll?doctype=3&docid=N``: the item PDF → one ItemRecord (external id = docid).

    A Word .doc, an encrypted or a scanned PDF is a warning on an empty DOCUMENT result
    (the file is whole, refetching will not help); broken bytes raise ParseError.
    """
    url = normalise_url(url)
    try:
        text = pdf.extract(body, url)
    except pdf.Unreadable as exc:
        return ParseResult(PageKind.DOCUMENT, warnings=(exc.reason,))
    blocks = pdf.blocks(text.pages)
    while blocks and _TEMPLATE_RE.fullmatch(html.plain(blocks[0].text)):
        blocks.pop(0)
    initials = next(
        (i for i, b in enumerate(blocks[:6]) if _INITIALS_RE.fullmatch(html.plain(b.text))), None
    )
    initials_text = html.plain(blocks.pop(initials).text) if initials is not None else None
    own = _own_meeting_line(blocks)
    found = sections.segment(blocks)
    item_sections: list[Section] = list(found.sections)
    if found.history:
        item_sections.insert(0, Section(SectionKind.PAATOSHISTORIA, "", "\n\n".join(found.history)))
    if initials_text:
        # Who prepared the case, as initials; the names are in "Lisätiedot".
        item_sections.insert(0, Section(SectionKind.OTHER, "", initials_text))
    if found.title is None and not item_sections:
        raise ParseError(url, "item PDF with no title and no text")
    warnings = list(text.warnings)
    if found.title is None:
        warnings.append("no title found")
    if not any(s.kind is not SectionKind.OTHER for s in item_sections):
        warnings.append("no sections found")
    body_name, meeting_date, paragraph = own if own else (None, None, found.paragraph)
    item = ItemRecord(
        external_id=docid(url) or url,
        meeting_external_id=None,  # from the item list (merge_item)
        url=url,
        title=found.title or "",
        body_name=body_name,
        meeting_date=meeting_date,
        paragraph=paragraph,
        diary_number=found.diary_number,
        diary_number_normalised=(
            normalise_diary_number(found.diary_number) if found.diary_number else None
        ),
        pdf_url=url,
        sections=tuple(item_sections),
    )
    return ParseResult(PageKind.ITEM, items=(item,), warnings=tuple(warnings))


def _own_meeting_line(
    blocks: list[html.Block],
) -> tuple[str, date | None, str | None] | None:
    """Vantaa prints the case's handlings in the body, the last one being this meeting's:
    "Kaupunginhallitus 20.3.2017 § 10". A line of its own with a § is taken; lines inside a
    Päätöshistoria box are one block with the heading, so they never match."""
    found: tuple[str, date | None, str | None] | None = None
    for block in blocks:
        if headings.split_heading(block) is not None:
            continue
        m = itemhead.HISTORY_RE.fullmatch(html.plain(block.text))
        if m is None or len(m.group("body").split()) > 6:
            continue
        par = m.group("p1") or m.group("p2")
        if par:
            number = " ".join(par.replace("§", "").split())
            found = (m.group("body"), parse_date(m.group("date")), number)
    return found
