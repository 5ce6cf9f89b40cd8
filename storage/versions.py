"""Versions of items and documents: appended before their content is overwritten, read
back oldest first.

The one place a version row is written or read, for either kind (storage.kinds: the
version table and the column that names its owner).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pykala.storage import models
from pykala.storage.content import canonical_json
from pykala.storage.kinds import Kind


def append_version(
    session: Session,
    kind: Kind,
    row: models.Item | models.Document,
    content: dict[str, Any],
    seen_at: datetime,
) -> None:
    """Keep ``row``'s current ``content`` as its next version, valid from when it last
    changed until ``seen_at``."""
    version = kind.version_table
    owner = getattr(version, kind.owner)
    last = session.scalar(select(func.max(version.version)).where(owner == row.id))
    session.add(
        version(
            **{kind.owner: row.id},
            version=(last or 0) + 1,
            content_hash=row.content_hash,
            content=canonical_json(content),
            raw_page_id=row.raw_page_id,
            valid_from=row.last_changed,
            valid_to=seen_at,
        )
    )


@dataclass(frozen=True)
class VersionView:
    version: int
    content_hash: str
    valid_from: datetime
    valid_to: datetime
    content: dict[str, Any]  # the earlier content (storage.content format, or a document's)


def utc(moment: datetime) -> datetime:
    """Stored timestamps are UTC; SQLite returns them naive."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_versions(session: Session, kind: Kind, record_id: int) -> tuple[VersionView, ...]:
    """The earlier contents of one item or document, oldest first."""
    version = kind.version_table
    rows = session.scalars(
        select(version).where(getattr(version, kind.owner) == record_id).order_by(version.version)
    )
    return tuple(
        VersionView(
            v.version, v.content_hash, utc(v.valid_from), utc(v.valid_to), json.loads(v.content)
        )
        for v in rows
    )
