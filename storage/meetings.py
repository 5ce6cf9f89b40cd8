"""Meetings and bodies (committees, councils) of a source, found or created."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pykala.parsers.records import ItemRecord, MeetingRecord
from pykala.storage import models


def body_id_of(
    session: Session, source_id: int, name: str | None, external_id: str | None = None
) -> int | None:
    if not name:
        return None
    body = session.scalar(
        select(models.Body).where(models.Body.source_id == source_id, models.Body.name == name)
    )
    if body is None:
        body = models.Body(source_id=source_id, name=name, external_id=external_id)
        session.add(body)
        session.flush()
    elif external_id and body.external_id != external_id:
        body.external_id = external_id
    return body.id


def _find_meeting(session: Session, source_id: int, external_id: str) -> models.Meeting | None:
    return session.scalar(
        select(models.Meeting).where(
            models.Meeting.source_id == source_id, models.Meeting.external_id == external_id
        )
    )


def save_meeting(session: Session, source_id: int, record: MeetingRecord) -> None:
    meeting = _find_meeting(session, source_id, record.external_id)
    if meeting is None:
        meeting = models.Meeting(source_id=source_id, external_id=record.external_id)
        session.add(meeting)
    # A meeting page is authoritative, but one that omits a field does not erase it.
    body_id = body_id_of(session, source_id, record.body_name, record.body_external_id)
    if body_id is not None:
        meeting.body_id = body_id
    for attr, value in (
        ("date", record.date),
        ("kind", str(record.kind) if record.kind else None),
        ("status", record.status),
        ("url", record.url),
        ("pdf_url", record.pdf_url),
    ):
        if value is not None:
            setattr(meeting, attr, value)
    session.flush()


def meeting_for_item(
    session: Session, source_id: int, record: ItemRecord, body_id: int | None
) -> int | None:
    """The item's meeting, created from the item's own fields if not stored yet."""
    if record.meeting_external_id is None:
        return None
    meeting = _find_meeting(session, source_id, record.meeting_external_id)
    if meeting is None:
        meeting = models.Meeting(
            source_id=source_id,
            external_id=record.meeting_external_id,
            body_id=body_id,
            date=record.meeting_date,
            kind=str(record.meeting_kind) if record.meeting_kind else None,
        )
        session.add(meeting)
        session.flush()
    else:
        # Fill gaps only; the meeting page itself is the better witness.
        if meeting.body_id is None:
            meeting.body_id = body_id
        if meeting.date is None:
            meeting.date = record.meeting_date
        if meeting.kind is None and record.meeting_kind is not None:
            meeting.kind = str(record.meeting_kind)
    return meeting.id
