"""Items: upserted on (source, external id), the earlier content kept as a version."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from pykala.analysis.decisions import ItemOutcome, classify
from pykala.parsers.quality import item_flags
from pykala.parsers.records import ItemRecord, MeetingKind
from pykala.storage import models
from pykala.storage.content import (
    content_hash,
    first_given,
    record_content,
    row_content,
    stored_children,
)
from pykala.storage.index import index_record
from pykala.storage.kinds import ITEM
from pykala.storage.meetings import body_id_of, meeting_for_item
from pykala.storage.sources import sibling_source_ids
from pykala.storage.versions import append_version


@dataclass
class UpsertCounts:
    """Items and documents inserted / updated / unchanged (meetings are saved but not
    counted)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.warnings.extend(other.warnings)
        return self

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


def stable_item_id(source_name: str, external_id: str) -> str:
    """The id an item has in every archive, export and search hit: "<source>:<external id>"."""
    return f"{source_name}:{external_id}"


def _write_children(session: Session, item_id: int, record: ItemRecord) -> None:
    if record.sections:
        session.execute(
            insert(models.Section),
            [
                {
                    "item_id": item_id,
                    "ordinal": n,
                    "kind": str(s.kind),
                    "heading": s.heading,
                    "text": s.text,
                    "presenter": s.presenter,
                }
                for n, s in enumerate(record.sections, start=1)
            ],
        )
    seen: set[str] = set()
    attachments: list[dict[str, Any]] = []
    for a in record.attachments:
        if a.url not in seen:
            seen.add(a.url)
            attachments.append(
                {
                    "item_id": item_id,
                    "ordinal": len(attachments) + 1,
                    "url": a.url,
                    "title": a.title,
                }
            )
    if attachments:
        session.execute(insert(models.Attachment), attachments)
    sections = [(str(s.kind), s.text) for s in record.sections]
    index_record(session, ITEM, item_id, record.title, sections)


def _worse_parse(session: Session, item: models.Item, record: ItemRecord) -> str | None:
    """Why the new record looks like a failed parse of the stored item, or None."""
    if not record.sections:
        has_sections = session.scalar(
            select(models.Section.id).where(models.Section.item_id == item.id).limit(1)
        )
        if has_sections is not None:
            return "new parse has no sections"
    if not record.title.strip() and item.title.strip():
        return "new parse has no title"
    return None


def _keep_version(session: Session, item: models.Item, seen_at: datetime) -> None:
    """Copy the item's current content to item_version before it is overwritten."""
    meeting_external_id, body_name = _stored_names(session, item)
    sections, attachments = stored_children(session, item.id)
    content = row_content(
        item,
        meeting_external_id=meeting_external_id,
        body_name=body_name,
        sections=sections,
        attachments=attachments,
    )
    append_version(session, ITEM, item, content, seen_at)


def outcome_of(record: ItemRecord) -> ItemOutcome:
    """What was decided in the item (analysis.decisions); agendas have no outcome."""
    kind = str(record.meeting_kind) if record.meeting_kind else None
    return classify(record.sections, kind)


def set_outcome(item: models.Item, decided: ItemOutcome) -> None:
    item.outcome = decided.outcome
    item.voted = decided.voted
    item.vote_counts = decided.vote_counts
    item.disqualified = "; ".join(decided.disqualified)
    item.dissent = "; ".join(decided.dissent)
    item.vote_details = decided.details()


def _apply(
    item: models.Item,
    record: ItemRecord,
    *,
    meeting_id: int | None,
    body_id: int | None,
    digest: str,
    raw_page_id: int | None,
    seen_at: datetime,
    flags: str,
) -> None:
    item.meeting_id = meeting_id
    item.body_id = body_id
    item.meeting_date = record.meeting_date
    item.meeting_kind = str(record.meeting_kind) if record.meeting_kind else None
    item.position = record.position
    item.paragraph = record.paragraph
    item.diary_number = record.diary_number
    item.diary_number_normalised = record.diary_number_normalised
    item.title = record.title
    item.url = record.url
    item.pdf_url = record.pdf_url
    item.language = record.language
    item.content_hash = digest
    item.raw_page_id = raw_page_id
    item.last_changed = seen_at
    item.quality_flags = flags
    set_outcome(item, outcome_of(record))


def _stored_names(session: Session, item: models.Item) -> tuple[str | None, str | None]:
    """(meeting external id, body name) of a stored item."""
    meeting = (
        session.scalar(
            select(models.Meeting.external_id).where(models.Meeting.id == item.meeting_id)
        )
        if item.meeting_id is not None
        else None
    )
    body = (
        session.scalar(select(models.Body.name).where(models.Body.id == item.body_id))
        if item.body_id is not None
        else None
    )
    return meeting, body


def _with_stored(session: Session, item: models.Item, record: ItemRecord) -> ItemRecord:
    """``record`` with each None field taken from the stored item.

    A None field means "not on this page", never "removed": an item seen on two pages
    (a Tweb item-list row and the item's PDF) keeps what each page told.
    """
    meeting, body = _stored_names(session, item)
    return replace(
        record,
        meeting_external_id=first_given(record.meeting_external_id, meeting),
        body_name=first_given(record.body_name, body),
        meeting_date=first_given(record.meeting_date, item.meeting_date),
        meeting_kind=first_given(record.meeting_kind, _meeting_kind(item.meeting_kind)),
        position=first_given(record.position, item.position),
        paragraph=first_given(record.paragraph, item.paragraph),
        diary_number=first_given(record.diary_number, item.diary_number),
        diary_number_normalised=first_given(
            record.diary_number_normalised, item.diary_number_normalised
        ),
        pdf_url=first_given(record.pdf_url, item.pdf_url),
    )


def _meeting_kind(value: str | None) -> MeetingKind | None:
    return MeetingKind(value) if value else None


def _fill_gaps(
    session: Session,
    source_id: int,
    item: models.Item,
    record: ItemRecord,
    seen_at: datetime,
) -> bool:
    """Fill the stored item's None fields from a partial record (no sections); True when
    anything was filled. The stored text, title and sections stay."""
    meeting, body = _stored_names(session, item)
    gaps = {
        "meeting_date": (item.meeting_date, record.meeting_date),
        "meeting_kind": (item.meeting_kind, str(record.meeting_kind or "") or None),
        "position": (item.position, record.position),
        "paragraph": (item.paragraph, record.paragraph),
        "diary_number": (item.diary_number, record.diary_number),
        "diary_number_normalised": (
            item.diary_number_normalised,
            record.diary_number_normalised,
        ),
        "pdf_url": (item.pdf_url, record.pdf_url),
    }
    filled = {k: new for k, (old, new) in gaps.items() if old is None and new is not None}
    new_body = body is None and record.body_name is not None
    new_meeting = meeting is None and record.meeting_external_id is not None
    if not (filled or new_body or new_meeting):
        return False
    _keep_version(session, item, seen_at)
    for attr, value in filled.items():
        setattr(item, attr, value)
    if new_body:
        item.body_id = body_id_of(session, source_id, record.body_name)
    if new_meeting:
        gap_record = replace(record, meeting_date=item.meeting_date)
        item.meeting_id = meeting_for_item(session, source_id, gap_record, item.body_id)
    session.flush()
    meeting, body = _stored_names(session, item)
    sections, attachments = stored_children(session, item.id)
    item.content_hash = content_hash(
        row_content(
            item,
            meeting_external_id=meeting,
            body_name=body,
            sections=sections,
            attachments=attachments,
        )
    )
    item.last_changed = seen_at
    return True


def _twin_id(session: Session, source_id: int, record: ItemRecord) -> int | None:
    """The id of the same item stored from another source of the same organisation.

    The identity of an item across sources is (organisation, body name as printed,
    meeting date, paragraph §): an old and a new platform, or two hosts of one tenant,
    give different external ids to the same decision. Without all three it has none.
    """
    if not (record.body_name and record.meeting_date and record.paragraph):
        return None
    siblings = sibling_source_ids(session, source_id)
    if not siblings:
        return None
    return session.scalar(
        select(models.Item.id)
        .join(models.Body, models.Body.id == models.Item.body_id)
        .where(
            models.Item.source_id.in_(siblings),
            models.Item.meeting_date == record.meeting_date,
            models.Item.paragraph == record.paragraph,
            models.Body.name == record.body_name,
        )
        .limit(1)
    )


def save_item(
    session: Session,
    source_id: int,
    source_name: str,
    record: ItemRecord,
    raw_page_id: int | None,
    seen_at: datetime,
    counts: UpsertCounts,
    page_url: str | None = None,
) -> None:
    item = session.scalar(
        select(models.Item).where(
            models.Item.source_id == source_id, models.Item.external_id == record.external_id
        )
    )
    # What the page itself gave: a field kept from the stored item still counts as lost.
    flags = " ".join(item_flags(record))
    if item is not None:
        record = _with_stored(session, item, record)
    elif _twin_id(session, source_id, record) is not None:
        # Stored once: the source that stored it first keeps it (and its versions).
        counts.unchanged += 1
        return
    digest = content_hash(record_content(record))
    if item is not None and item.content_hash == digest:
        item.quality_flags = flags  # a reparse with a newer parser clears them
        set_outcome(item, outcome_of(record))  # and a newer classifier rereads them
        counts.unchanged += 1
        return
    if item is not None:
        reason = _worse_parse(session, item, record)
        if reason is not None:
            # A partial record (a list row, no sections) may still fill the stored
            # item's gaps; from the item's own page it is a failed parse worth a warning.
            if not record.sections and _fill_gaps(session, source_id, item, record, seen_at):
                counts.updated += 1
                return
            if page_url is None or page_url == item.url:
                stable = stable_item_id(source_name, record.external_id)
                counts.warnings.append(f"kept earlier version of {stable}: {reason}")
            counts.unchanged += 1
            return
    body_id = body_id_of(session, source_id, record.body_name)
    meeting_id = meeting_for_item(session, source_id, record, body_id)
    fields: dict[str, Any] = {
        "meeting_id": meeting_id,
        "body_id": body_id,
        "digest": digest,
        "raw_page_id": raw_page_id,
        "seen_at": seen_at,
        "flags": flags,
    }
    if item is None:
        item = models.Item(source_id=source_id, external_id=record.external_id, first_seen=seen_at)
        _apply(item, record, **fields)
        session.add(item)
        session.flush()
        counts.inserted += 1
    else:
        _keep_version(session, item, seen_at)
        _apply(item, record, **fields)
        session.execute(delete(models.Section).where(models.Section.item_id == item.id))
        session.execute(delete(models.Attachment).where(models.Attachment.item_id == item.id))
        session.flush()
        counts.updated += 1
    _write_children(session, item.id, record)
