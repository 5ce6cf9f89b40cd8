"""Saving one parsed page: its meetings, items and documents; the page marked parsed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pykala.parsers.records import ParseResult
from pykala.storage import models
from pykala.storage.clean import clean_record
from pykala.storage.db import ArchiveError
from pykala.storage.documents import save_document
from pykala.storage.items import UpsertCounts, save_item
from pykala.storage.meetings import save_meeting
from pykala.storage.sources import source_id_of


def save_parse(
    session: Session,
    *,
    source_name: str,
    page_id: int,
    result: ParseResult,
    seen_at: datetime,
) -> UpsertCounts:
    """Upsert the meetings, items and documents of one parsed page; mark the page parsed.

    A None field of a record keeps the stored value ("not on this page"); a record
    without sections never replaces stored sections but fills the stored item's None
    fields (a Tweb item-list row completing the item read from its PDF).
    """
    result = clean_record(result)  # no control characters into the archive (storage.clean)
    source_id = source_id_of(session, source_name)
    page = session.get(models.Page, page_id)
    if page is None:
        raise ArchiveError(f"no page with id {page_id}")
    counts = UpsertCounts()
    for meeting in result.meetings:
        save_meeting(session, source_id, meeting)
    for record in result.items:
        save_item(
            session, source_id, source_name, record, page.raw_page_id, seen_at, counts, page.url
        )
    if result.documents:
        # The parser never guesses a municipality: a document takes its source's (and
        # that municipality's region; a county's or joint authority's when its members
        # share one) unless it states its own.
        code, region = session.execute(
            select(models.Source.municipality_code, models.Municipality.region)
            .outerjoin(
                models.Municipality, models.Municipality.code == models.Source.municipality_code
            )
            .where(models.Source.id == source_id)
        ).one()
        if code is None:  # a county or joint authority: its members' region, if only one
            regions = session.scalars(
                select(models.Municipality.region)
                .distinct()
                .join(
                    models.OrganisationMember,
                    models.OrganisationMember.municipality_code == models.Municipality.code,
                )
                .join(
                    models.Source,
                    models.Source.organisation_id == models.OrganisationMember.organisation_id,
                )
                .where(models.Source.id == source_id)
            ).all()
            region = regions[0] if len(regions) == 1 else None
    for document in result.documents:
        if document.municipality_code is None and (code or region) is not None:
            document = replace(document, municipality_code=code, region=document.region or region)
        outcome = save_document(
            session, document, seen_at=seen_at, source_id=source_id, raw_page_id=page.raw_page_id
        )
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    page.parsed_at = seen_at
    page.parse_error = None
    session.flush()
    return counts
