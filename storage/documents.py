"""Documents (programme pages, slide decks): upserted on their external id, the earlier
content kept as a version, like items."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pykala.parsers.records import DocumentRecord
from pykala.storage import models
from pykala.storage.clean import clean_record
from pykala.storage.content import content_hash, first_given
from pykala.storage.index import index_record
from pykala.storage.kinds import DOCUMENT, DOCUMENT_SECTION
from pykala.storage.versions import append_version

# What a document's hash covers and document_version keeps (dates apart: ISO strings).
_CONTENT_FIELDS = (
    "url",
    "title",
    "text",
    "organisation",
    "municipality_code",
    "region",
    "language",
)


def _content(document: DocumentRecord | models.Document, dates: list[str]) -> dict[str, Any]:
    """The canonical content of a parsed or a stored document: the same dict for the same
    content."""
    return {**{name: getattr(document, name) for name in _CONTENT_FIELDS}, "dates": dates}


def _document_content(record: DocumentRecord) -> dict[str, Any]:
    return _content(record, [d.isoformat() for d in record.dates])


def _stored_document(row: models.Document) -> dict[str, Any]:
    return _content(row, list(row.dates))


def save_document(
    session: Session,
    record: DocumentRecord,
    *,
    seen_at: datetime,
    source_id: int | None = None,
    raw_page_id: int | None = None,
) -> str:
    """Upsert a document on its external id; "inserted", "updated" or "unchanged".

    Like items: a None field keeps the stored value, a changed document keeps its
    previous content in document_version, and an empty text never replaces a stored one.
    """
    record = clean_record(record)  # no control characters into the archive (storage.clean)
    row = session.scalar(
        select(models.Document).where(models.Document.external_id == record.external_id)
    )
    if row is not None:
        stored = _stored_document(row)
        record = replace(
            record,
            url=first_given(record.url, row.url),
            organisation=first_given(record.organisation, row.organisation),
            municipality_code=first_given(record.municipality_code, row.municipality_code),
            region=first_given(record.region, row.region),
            dates=record.dates or tuple(date.fromisoformat(d) for d in row.dates),
        )
        content = _document_content(record)
        digest = content_hash(content)
        if digest == row.content_hash or (not record.text.strip() and row.text.strip()):
            return "unchanged"
        append_version(session, DOCUMENT, row, stored, seen_at)
        outcome = "updated"
    else:
        content = _document_content(record)
        digest = content_hash(content)
        row = models.Document(external_id=record.external_id, first_seen=seen_at)
        session.add(row)
        outcome = "inserted"
    row.source_id = source_id if source_id is not None else row.source_id
    row.url = record.url
    row.title = record.title
    row.text = record.text
    row.organisation = record.organisation
    row.dates = content["dates"]
    row.municipality_code = record.municipality_code
    row.region = record.region
    row.language = record.language
    row.content_hash = digest
    row.raw_page_id = raw_page_id if raw_page_id is not None else row.raw_page_id
    row.last_changed = seen_at
    session.flush()
    index_record(session, DOCUMENT, row.id, record.title, [(DOCUMENT_SECTION, record.text)])
    return outcome
