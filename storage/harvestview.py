"""What the harvest loop reads of the pages it stores: a page's stored bytes, whether they
were parsed as they are, the records they gave, and each source's platform."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from pykala.storage import models


def _stored_page(source_name: str, url: str, *columns: Any) -> Select[Any]:
    """``columns`` of a source's page (by URL) joined to its raw bytes."""
    return (
        select(*columns)
        .join(models.Page, models.Page.raw_page_id == models.RawPage.id)
        .join(models.Source, models.Source.id == models.Page.source_id)
        .where(models.Source.name == source_name, models.Page.url == url)
    )


def stored_body(session: Session, source_name: str, url: str) -> tuple[bytes, str | None]:
    """The stored bytes and content type of a page (empty when there are none)."""
    found = session.execute(
        _stored_page(source_name, url, models.RawPage.body, models.Page.content_type)
    ).first()
    return (found[0], found[1]) if found is not None else (b"", None)


def already_parsed(session: Session, source_name: str, url: str, body: bytes) -> bool:
    """True when the stored page has these bytes and they were parsed without error."""
    found = session.execute(
        _stored_page(
            source_name, url, models.RawPage.sha256, models.Page.parsed_at, models.Page.parse_error
        )
    ).first()
    if found is None:
        return False
    sha256, parsed_at, parse_error = found
    digest = hashlib.sha256(body).hexdigest()
    return bool(sha256 == digest and parsed_at is not None and parse_error is None)


def records_of_page(session: Session, page_id: int) -> int:
    """Items and documents stored from the page's current bytes (0 for a Dynasty PDF)."""
    raw_id = select(models.Page.raw_page_id).where(models.Page.id == page_id).scalar_subquery()
    items = session.scalar(
        select(func.count()).select_from(models.Item).where(models.Item.raw_page_id == raw_id)
    )
    documents = session.scalar(
        select(func.count())
        .select_from(models.Document)
        .where(models.Document.raw_page_id == raw_id)
    )
    return (items or 0) + (documents or 0)


def source_platforms(session: Session) -> dict[str, str]:
    """Each stored source's platform, by source name."""
    rows = session.execute(select(models.Source.name, models.Source.platform))
    return {name: platform for name, platform in rows}


__all__ = ["already_parsed", "records_of_page", "source_platforms", "stored_body"]
