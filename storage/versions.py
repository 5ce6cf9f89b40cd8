"""Appending a version: what items and documents do before their content is overwritten.

The one place a version row is written. What differs between the two is stated once, in
a ``Versioned``: the version table and the column that names its owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pykala.storage import models
from pykala.storage.content import canonical_json


@dataclass(frozen=True)
class Versioned:
    """Where the versions of one kind of record live."""

    table: type[models.ItemVersion] | type[models.DocumentVersion]
    owner: str  # the column holding the owner's id


ITEM_VERSIONS = Versioned(models.ItemVersion, "item_id")
DOCUMENT_VERSIONS = Versioned(models.DocumentVersion, "document_id")


def append_version(
    session: Session,
    versioned: Versioned,
    row: models.Item | models.Document,
    content: dict[str, Any],
    seen_at: datetime,
) -> None:
    """Keep ``row``'s current ``content`` as its next version, valid from when it last
    changed until ``seen_at``."""
    version = versioned.table
    owner = getattr(version, versioned.owner)
    last = session.scalar(select(func.max(version.version)).where(owner == row.id))
    session.add(
        version(
            **{versioned.owner: row.id},
            version=(last or 0) + 1,
            content_hash=row.content_hash,
            content=canonical_json(content),
            raw_page_id=row.raw_page_id,
            valid_from=row.last_changed,
            valid_to=seen_at,
        )
    )
