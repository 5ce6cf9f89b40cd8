"""Builders for storage tests: sources, records and a one-call page+parse save."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from pykala.parsers.records import (
    Attachment,
    ItemRecord,
    MeetingKind,
    PageKind,
    ParseResult,
    Section,
    SectionKind,
)
from pykala.storage.db import Archive
from pykala.storage.items import UpsertCounts
from pykala.storage.pages import FetchedPage, save_page
from pykala.storage.parses import save_parse
from pykala.storage.sources import sync_sources

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2024, 3, 8, 12, 0, tzinfo=UTC)
KUOPIO_BASE = "https://kuopio.oncloudos.com/cgi/DREQUEST.PHP"


@dataclass(frozen=True)
class Src:
    name: str
    platform: str
    base_url: str
    municipality_code: str | None
    enabled: bool = True


@dataclass(frozen=True)
class Muni:
    name_fi: str
    name_sv: str | None
    region: str | None
    wellbeing_county: str | None


MUNICIPALITIES = {
    "297": Muni("Kuopio", "Kuopio", "Pohjois-Savo", "Pohjois-Savon hyvinvointialue"),
    "049": Muni("Espoo", "Esbo", "Uusimaa", "Länsi-Uudenmaan hyvinvointialue"),
    "992": Muni("Äänekoski", "Äänekoski", "Keski-Suomi", "Keski-Suomen hyvinvointialue"),
}
SOURCES = [
    Src("kuopio", "dynasty", KUOPIO_BASE, "297"),
    Src("espoo", "dynasty", "https://espoo.oncloudos.com/cgi/DREQUEST.PHP", "049"),
    Src("aanekoski", "dynasty", "https://aanekoski.oncloudos.com/cgi/DREQUEST.PHP", "992"),
]


def setup_sources(archive: Archive) -> None:
    with archive.session() as session:
        sync_sources(session, SOURCES, MUNICIPALITIES)


def item(
    external_id: str = "2024101-3",
    title: str = "Perhekeskustoimintamallin käyttöönotto",
    *,
    paatos: str = "Hyväksyttiin.",
    selostus: str = "Asia on valmisteltu yhteistyössä.",
    body_name: str | None = "Kaupunginhallitus",
    meeting_date: date | None = date(2024, 2, 26),
    kind: MeetingKind | None = MeetingKind.POYTAKIRJA,
    paragraph: str | None = "48",
    diary_number: str | None = "2361/06.00.00/2020",
    extra_sections: tuple[Section, ...] = (),
    attachments: tuple[Attachment, ...] = (),
) -> ItemRecord:
    meeting_id = external_id.split("-")[0]
    sections = (
        Section(SectionKind.SELOSTUS, "Selostus", selostus),
        Section(
            SectionKind.PAATOSEHDOTUS,
            "Päätösehdotus",
            "Kaupunginhallitus hyväksyy toimintamallin.",
            presenter="Kaupunginjohtaja Soile Lahti",
        ),
        Section(SectionKind.PAATOS, "Päätös", paatos),
        *extra_sections,
    )
    return ItemRecord(
        external_id=external_id,
        meeting_external_id=meeting_id,
        url=f"{KUOPIO_BASE}?page=meetingitem&id={external_id}",
        title=title,
        body_name=body_name,
        meeting_date=meeting_date,
        meeting_kind=kind,
        position=int(external_id.split("-")[1]) if "-" in external_id else None,
        paragraph=paragraph,
        diary_number=diary_number,
        diary_number_normalised=diary_number,
        pdf_url=None,
        sections=sections,
        attachments=attachments,
    )


def without_sections(record: ItemRecord) -> ItemRecord:
    return replace(record, sections=())


def item_page(*records: ItemRecord) -> ParseResult:
    return ParseResult(page_kind=PageKind.ITEM, items=records)


def fetched(
    url: str, body: bytes, *, source: str = "kuopio", at: datetime = T0, status: int = 200
) -> FetchedPage:
    return FetchedPage(
        source_name=source,
        url=url,
        final_url=url,
        status=status,
        headers={"Content-Type": "text/html; charset=utf-8", "ETag": f'"{len(body)}"'},
        fetched_at=at,
        body=body,
        page_kind=PageKind.ITEM,
    )


def store(
    archive: Archive,
    result: ParseResult,
    *,
    source: str = "kuopio",
    url: str | None = None,
    body: bytes | None = None,
    at: datetime = T0,
) -> UpsertCounts:
    """Save a page (bytes derived from the result unless given) and its parse."""
    first = result.items[0].url if result.items else f"{KUOPIO_BASE}?page=x"
    page = fetched(
        url or first, body if body is not None else repr(result).encode(), at=at, source=source
    )
    with archive.session() as session:
        page_id = save_page(session, page)
        return save_parse(session, source_name=source, page_id=page_id, result=result, seen_at=at)
