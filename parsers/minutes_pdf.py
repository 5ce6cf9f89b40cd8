"""A PDF of its own (not from a platform page): minutes, one item, or another document.

``parse`` (the ``pdf`` platform's parser) decides by the text:
* lines "§ 12" / "12 §" (alone, or in the heading column before the title) start items →
  a whole meeting's pöytäkirja: one MeetingRecord (the text before the first § is the
  cover: body, date, kind) and one ItemRecord per § (page kind MEETING);
* no § line but at least two known section headings (Esittelijä, Päätös, …) → one
  item (page kind ITEM), e.g. a Tweb/Dynasty item PDF fetched on its own;
* otherwise a document that is not minutes (a slide deck, a report) → DocumentRecord
  whose title is the text in the largest font on page 1 (a slide's heading).

Ids: the meeting's external id is the PDF's normalised URL; an item's is
``<url>#§<number>`` (``#§<position>`` when a § is printed twice). Pure: bytes in.
"""

from __future__ import annotations

import re

from pykala.parsers import html, pdf, sections
from pykala.parsers.dates import find_dates
from pykala.parsers.diary import normalise_diary_number
from pykala.parsers.documents import document, region_of
from pykala.parsers.records import (
    ItemRecord,
    MeetingKind,
    MeetingRecord,
    PageKind,
    ParseError,
    ParseResult,
    SectionKind,
)
from pykala.parsers.urls import normalise_url

_PARAGRAPH_RE = re.compile(r"(?:§\s*(?P<a>\d{1,4}(?:\s?[a-z])?)|(?P<b>\d{1,4}(?:\s?[a-z])?)\s*§)")
_KIND_RE = re.compile(r"\b(pöytäkirja|esityslista|protokoll|föredragningslista)\b", re.I)
_KINDS = {
    "pöytäkirja": MeetingKind.POYTAKIRJA,
    "protokoll": MeetingKind.POYTAKIRJA,
    "esityslista": MeetingKind.ESITYSLISTA,
    "föredragningslista": MeetingKind.ESITYSLISTA,
}


def classify(url: str) -> PageKind:
    """Every URL handed to this parser is a document; what it holds is decided by parse."""
    return PageKind.DOCUMENT


def item_start(block: html.Block) -> tuple[str, str | None] | None:
    """(§ number, title on the same line) when a block starts an item, else None."""
    head, _, rest = block.text.partition(html.COLUMN_BREAK)
    m = _PARAGRAPH_RE.fullmatch(html.plain(head))
    if m is None:
        return None
    number = " ".join((m.group("a") or m.group("b")).split())
    return number, html.plain(rest) or None


Items = list[tuple[str, list[html.Block]]]


def split_items(blocks: list[html.Block]) -> tuple[list[html.Block], Items]:
    """(cover blocks before the first §, [(§ number, item blocks starting with the title)])."""
    cover: list[html.Block] = []
    items: Items = []
    for block in blocks:
        start = item_start(block)
        if start is not None:
            number, title = start
            items.append((number, [html.Block(f"§ {number}")]))
            if title:
                items[-1][1].append(html.Block(title))
        elif items:
            items[-1][1].append(block)
        else:
            cover.append(block)
    return cover, items


def parse(body: bytes, url: str, content_type: str | None = None) -> ParseResult:
    url = normalise_url(url)
    try:
        text = pdf.extract(body, url, headings=True)
    except pdf.Unreadable as exc:
        return ParseResult(PageKind.DOCUMENT, warnings=(exc.reason,))
    blocks = pdf.blocks(text.pages)
    if not blocks:
        raise ParseError(url, "PDF with no text blocks")
    cover, items = split_items(blocks)
    if items:
        return _minutes(url, cover, items, text.warnings)
    found = sections.segment(blocks)
    known = {s.kind for s in found.sections if s.heading} - {SectionKind.OTHER}
    # An item has a proposal or a decision; a slide titled "Lisätietoja:" does not make one.
    if len(known) >= 2 and known & {SectionKind.PAATOS, SectionKind.PAATOSEHDOTUS}:
        return _single_item(url, found, text.warnings)
    return _document(url, blocks, text)


def _meeting(url: str, cover: list[html.Block]) -> MeetingRecord:
    lines = [html.plain(b.text) for b in cover]
    joined = "\n".join(lines)
    kind_m = _KIND_RE.search(joined)
    dates = find_dates(joined)
    # The body is the cover line before the kind line ("Sivistyslautakunta" / "PÖYTÄKIRJA").
    body_name: str | None = None
    for i, line in enumerate(lines):
        if _KIND_RE.match(line):
            body_name = lines[i - 1] if i > 0 else None
            break
    return MeetingRecord(
        external_id=url,
        url=url,
        body_name=body_name,
        date=dates[0] if dates else None,
        kind=_KINDS[kind_m.group(1).lower()] if kind_m else None,
        pdf_url=url,
    )


def _item(
    url: str,
    external_id: str,
    found: sections.ItemText,
    meeting: MeetingRecord | None,
    position: int | None,
) -> ItemRecord:
    return ItemRecord(
        external_id=external_id,
        meeting_external_id=meeting.external_id if meeting else None,
        url=url,
        title=found.title or "",
        body_name=meeting.body_name if meeting else None,
        meeting_date=meeting.date if meeting else None,
        meeting_kind=meeting.kind if meeting else None,
        position=position,
        paragraph=found.paragraph,
        diary_number=found.diary_number,
        diary_number_normalised=(
            normalise_diary_number(found.diary_number) if found.diary_number else None
        ),
        pdf_url=url,
        sections=tuple(found.sections),
    )


def _minutes(
    url: str,
    cover: list[html.Block],
    items: Items,
    warnings: tuple[str, ...],
) -> ParseResult:
    meeting = _meeting(url, cover)
    out: list[ItemRecord] = []
    seen: set[str] = set()
    notes = list(warnings)
    for position, (number, item_blocks) in enumerate(items, 1):
        found = sections.segment(item_blocks)
        key = f"{url}#§{number}"
        if key in seen:
            notes.append(f"§ {number} printed twice")
            key = f"{url}#§{position}"
        seen.add(key)
        if found.title is None:
            notes.append(f"§ {number}: no title found")
        out.append(_item(url, key, found, meeting, position))
    if meeting.date is None:
        notes.append("no meeting date on the cover")
    return ParseResult(
        PageKind.MEETING, items=tuple(out), meetings=(meeting,), warnings=tuple(notes)
    )


def _single_item(url: str, found: sections.ItemText, warnings: tuple[str, ...]) -> ParseResult:
    notes = list(warnings)
    if found.title is None:
        notes.append("no title found")
    item = _item(url, url, found, None, None)
    return ParseResult(PageKind.ITEM, items=(item,), warnings=tuple(notes))


def _document(url: str, blocks: list[html.Block], text: pdf.PdfText) -> ParseResult:
    paragraphs = [html.plain(b.text) for b in blocks]
    title = text.first_page_heading or paragraphs[0]
    lead = next((p for p in paragraphs if p != title and title not in p), None)
    record = document(
        external_id=url,
        url=url,
        title=title,
        paragraphs=paragraphs,
        region=region_of(None, title, lead),
    )
    return ParseResult(PageKind.DOCUMENT, documents=(record,), warnings=text.warnings)
