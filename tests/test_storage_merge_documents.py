"""An item seen on two pages (Tweb list row + PDF) and documents that are not minutes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import func, select

from pykala.parsers.records import DocumentRecord, ItemRecord, MeetingKind, PageKind, ParseResult
from pykala.storage import models
from pykala.storage.db import Archive
from pykala.storage.documents import save_document
from pykala.storage.search.documents import search_documents
from tests.storagekit import KUOPIO_BASE, T0, T1, item, setup_sources, store

PDF_URL = f"{KUOPIO_BASE}?docid=632581"
LIST_URL = f"{KUOPIO_BASE}?bid=12867"


def _full() -> ItemRecord:
    """What the item's PDF gives: text and Dno, no meeting, position or date."""
    return replace(
        item("632581", "Oulun kaupungin tilinpäätös 2016"),
        meeting_external_id=None,
        url=PDF_URL,
        body_name=None,
        meeting_date=None,
        meeting_kind=None,
        position=None,
        paragraph=None,
        pdf_url=PDF_URL,
    )


def _stub() -> ItemRecord:
    """What the item-list row gives: meeting, §, position, date, no text."""
    return ItemRecord(
        external_id="632581",
        meeting_external_id="12867",
        url=PDF_URL,
        title="Oulun kaupungin tilinpäätös 2016",
        body_name="Kaupunginhallitus",
        meeting_date=date(2017, 3, 27),
        meeting_kind=MeetingKind.POYTAKIRJA,
        position=3,
        paragraph="72",
        pdf_url=PDF_URL,
    )


def _list_page(record: ItemRecord) -> ParseResult:
    return ParseResult(page_kind=PageKind.MEETING, items=(record,))


def _stored(archive: Archive) -> tuple[str | None, int | None, str | None, date | None, int]:
    with archive.session() as session:
        row = session.scalars(select(models.Item)).one()
        meeting = session.get(models.Meeting, row.meeting_id) if row.meeting_id else None
        sections = session.scalar(select(func.count()).select_from(models.Section)) or 0
        return (
            meeting.external_id if meeting else None,
            row.position,
            row.paragraph,
            row.meeting_date,
            sections,
        )


def test_list_row_then_pdf_keeps_the_meeting_link(archive: Archive) -> None:
    setup_sources(archive)
    store(archive, _list_page(_stub()), url=LIST_URL)
    counts = store(archive, ParseResult(PageKind.ITEM, items=(_full(),)), url=PDF_URL, at=T1)
    assert counts.updated == 1 and not counts.warnings
    assert _stored(archive) == ("12867", 3, "72", date(2017, 3, 27), 3)
    # Saving both again changes nothing and warns about nothing.
    again = store(archive, _list_page(_stub()), url=LIST_URL, body=b"other", at=T1)
    again += store(archive, ParseResult(PageKind.ITEM, items=(_full(),)), url=PDF_URL, at=T1)
    assert (again.updated, again.unchanged, again.warnings) == (0, 2, [])


def test_pdf_then_list_row_fills_the_gaps_but_keeps_the_text(archive: Archive) -> None:
    setup_sources(archive)
    store(archive, ParseResult(PageKind.ITEM, items=(_full(),)), url=PDF_URL)
    assert _stored(archive) == (None, None, None, None, 3)
    counts = store(archive, _list_page(replace(_stub(), title="Rivin otsikko")), url=LIST_URL)
    assert counts.updated == 1 and not counts.warnings
    assert _stored(archive) == ("12867", 3, "72", date(2017, 3, 27), 3)
    with archive.session() as session:
        row = session.scalars(select(models.Item)).one()
        assert row.title == "Oulun kaupungin tilinpäätös 2016"  # the PDF's, not the row's
        assert session.scalar(select(func.count()).select_from(models.ItemVersion)) == 1
    # The same row again: nothing left to fill, no warning (it is not the item's own page).
    counts = store(archive, _list_page(_stub()), url=LIST_URL, body=b"x", at=T1)
    assert (counts.updated, counts.unchanged, counts.warnings) == (0, 1, [])


def test_none_field_keeps_the_stored_value(archive: Archive) -> None:
    setup_sources(archive)
    store(archive, ParseResult(PageKind.ITEM, items=(item(),)))
    counts = store(
        archive, ParseResult(PageKind.ITEM, items=(replace(item(), diary_number=None),)), at=T1
    )
    assert counts.unchanged == 1
    with archive.session() as session:
        assert session.scalars(select(models.Item.diary_number)).one() == "2361/06.00.00/2020"


DECK = DocumentRecord(
    external_id="https://www.sotekeskisuomi.fi/materiaalit/LAPE.pdf",
    url="https://www.sotekeskisuomi.fi/materiaalit/LAPE.pdf",
    title="Keski-Suomen SOTE2020 - hanke",
    text="Keski-Suomen lasten, nuorten ja perheiden työryhmä 19.4.2016\n\nPerhekeskukset",
    dates=(date(2016, 4, 19),),
    region="Keski-Suomi",
)


def test_document_upsert_versions_and_search(archive: Archive) -> None:
    with archive.session() as session:
        assert save_document(session, DECK, seen_at=T0) == "inserted"
        assert save_document(session, DECK, seen_at=T1) == "unchanged"
        # A None field keeps the stored value; an empty text never replaces a stored one.
        assert save_document(session, replace(DECK, region=None), seen_at=T1) == "unchanged"
        assert save_document(session, replace(DECK, text=""), seen_at=T1) == "unchanged"
    with archive.session() as session:
        hits = search_documents(session, "perhekeskus")
        assert [h.title for h in hits] == ["Keski-Suomen SOTE2020 - hanke"]
        assert hits[0].region == "Keski-Suomi" and hits[0].dates == (date(2016, 4, 19),)
        assert search_documents(session, "valtuusto") == []
        changed = replace(DECK, text="Perheiden palvelut uudistuvat.")
        assert save_document(session, changed, seen_at=T1) == "updated"
    with archive.session() as session:
        assert session.scalar(select(func.count()).select_from(models.DocumentVersion)) == 1
        assert search_documents(session, "perhekeskus") == []
        assert len(search_documents(session, "perhe")) == 1


def test_a_harvested_document_takes_its_sources_municipality(archive: Archive) -> None:
    setup_sources(archive)
    page = ParseResult(PageKind.DOCUMENT, documents=(replace(DECK, region=None),))
    counts = store(archive, page, url=DECK.external_id)
    assert counts.inserted == 1
    with archive.session() as session:
        row = session.scalars(select(models.Document)).one()
        assert (row.municipality_code, row.region) == ("297", "Pohjois-Savo")
        assert row.raw_page_id is not None and row.source_id is not None
