"""One document (programme page, slide deck) in full, for `pykala show`."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pykala.parsers.urls import BadUrl, normalise_url

from . import models
from .kinds import DOCUMENT
from .versions import VersionView, read_versions, utc


@dataclass(frozen=True)
class DocumentView:
    document_id: str  # the external id: normalised URL or "sha256:<hex>"
    db_id: int
    title: str
    url: str | None
    organisation: str | None
    municipality_code: str | None
    municipality: str | None
    region: str | None
    dates: tuple[date, ...]  # in order of appearance in the text
    language: str
    source: str | None  # the last source that brought it; None when added by hand
    first_seen: datetime
    last_changed: datetime
    text: str
    versions: tuple[VersionView, ...]  # oldest first


def _find(session: Session, key: str) -> models.Document | None:
    keys = {key}
    if key.startswith(("http://", "https://")):
        with suppress(BadUrl):  # not a URL pykala could have stored: looked up as typed
            keys.add(normalise_url(key))
    return session.scalars(
        select(models.Document)
        .where(or_(models.Document.external_id.in_(keys), models.Document.url.in_(keys)))
        .order_by(models.Document.id)
    ).first()


def get_document(session: Session, key: str) -> DocumentView | None:
    """A document by its id as search prints it (normalised URL or "sha256:<hex>") or by
    its URL as published."""
    row = _find(session, key)
    if row is None:
        return None
    municipality = (
        session.get(models.Municipality, row.municipality_code) if row.municipality_code else None
    )
    source = session.get(models.Source, row.source_id) if row.source_id else None
    return DocumentView(
        document_id=row.external_id,
        db_id=row.id,
        title=row.title,
        url=row.url,
        organisation=row.organisation,
        municipality_code=row.municipality_code,
        municipality=municipality.name_fi if municipality else None,
        region=row.region,
        dates=tuple(date.fromisoformat(str(d)) for d in row.dates),
        language=row.language,
        source=source.name if source else None,
        first_seen=utc(row.first_seen),
        last_changed=utc(row.last_changed),
        text=row.text,
        versions=read_versions(session, DOCUMENT, row.id),
    )
