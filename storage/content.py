"""The canonical content of an item: what its hash covers and what item_version keeps.

Built either from a parsed ItemRecord or from the stored rows; both give the same dict
for the same content, so a stored item's hash can be checked against its rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from pykala.parsers.records import ItemRecord

from . import models

_T = TypeVar("_T")


def _unique_attachments(attachments: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    # attachment is unique on (item, url); the first title printed for a URL wins.
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for url, title in attachments:
        if url not in seen:
            seen.add(url)
            out.append({"url": url, "title": title})
    return out


def _content(
    *,
    meeting_external_id: str | None,
    url: str,
    title: str,
    body_name: str | None,
    meeting_date: str | None,
    meeting_kind: str | None,
    position: int | None,
    paragraph: str | None,
    diary_number: str | None,
    diary_number_normalised: str | None,
    pdf_url: str | None,
    language: str,
    sections: Sequence[tuple[str, str, str, str | None]],
    attachments: Iterable[tuple[str, str]],
) -> dict[str, Any]:
    return {
        "meeting_external_id": meeting_external_id,
        "url": url,
        "title": title,
        "body_name": body_name,
        "meeting_date": meeting_date,
        "meeting_kind": meeting_kind,
        "position": position,
        "paragraph": paragraph,
        "diary_number": diary_number,
        "diary_number_normalised": diary_number_normalised,
        "pdf_url": pdf_url,
        "language": language,
        "sections": [
            {"kind": kind, "heading": heading, "text": text, "presenter": presenter}
            for kind, heading, text, presenter in sections
        ],
        "attachments": _unique_attachments(attachments),
    }


def record_content(record: ItemRecord) -> dict[str, Any]:
    """The content of a parsed item."""
    return _content(
        meeting_external_id=record.meeting_external_id,
        url=record.url,
        title=record.title,
        body_name=record.body_name,
        meeting_date=record.meeting_date.isoformat() if record.meeting_date else None,
        meeting_kind=str(record.meeting_kind) if record.meeting_kind else None,
        position=record.position,
        paragraph=record.paragraph,
        diary_number=record.diary_number,
        diary_number_normalised=record.diary_number_normalised,
        pdf_url=record.pdf_url,
        language=record.language,
        sections=[(str(s.kind), s.heading, s.text, s.presenter) for s in record.sections],
        attachments=[(a.url, a.title) for a in record.attachments],
    )


def row_content(
    item: models.Item,
    *,
    meeting_external_id: str | None,
    body_name: str | None,
    sections: Sequence[models.Section],
    attachments: Sequence[models.Attachment],
) -> dict[str, Any]:
    """The content of a stored item (sections and attachments in ordinal order)."""
    return _content(
        meeting_external_id=meeting_external_id,
        url=item.url,
        title=item.title,
        body_name=body_name,
        meeting_date=item.meeting_date.isoformat() if item.meeting_date else None,
        meeting_kind=item.meeting_kind,
        position=item.position,
        paragraph=item.paragraph,
        diary_number=item.diary_number,
        diary_number_normalised=item.diary_number_normalised,
        pdf_url=item.pdf_url,
        language=item.language,
        sections=[(s.kind, s.heading, s.text, s.presenter) for s in sections],
        attachments=[(a.url, a.title) for a in attachments],
    )


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def stored_children(
    session: Session, item_id: int
) -> tuple[Sequence[models.Section], Sequence[models.Attachment]]:
    """An item's stored sections and attachments, in printed order."""
    sections = session.scalars(
        select(models.Section)
        .where(models.Section.item_id == item_id)
        .order_by(models.Section.ordinal)
    ).all()
    attachments = session.scalars(
        select(models.Attachment)
        .where(models.Attachment.item_id == item_id)
        .order_by(models.Attachment.ordinal)
    ).all()
    return sections, attachments


def first_given(value: _T | None, stored: _T | None) -> _T | None:
    """``value``, or ``stored`` when the record left it out (None: "not on this page")."""
    return value if value is not None else stored
