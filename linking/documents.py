"""Topic membership of documents (programme pages, slide decks), read back.

Documents are scored and kept current by the same path as items (linking.membership,
given storage.kinds.DOCUMENT): their title (section kind ``title``) and their text
(section kind ``document``), stored in ``document_topic`` with score and evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pykala.linking.topics import matched_terms
from pykala.storage import models


@dataclass(frozen=True)
class DocumentMember:
    document_id: str  # the external id: normalised URL or "sha256:<hex>"
    title: str
    url: str | None
    organisation: str | None
    municipality: str | None
    region: str | None
    first_date: date | None  # the first date found in the text
    score: float
    evidence: list[dict[str, Any]]

    @property
    def terms(self) -> list[str]:
        """The distinct matched terms, best first."""
        return matched_terms(self.evidence)


def first_date(dates: Sequence[Any]) -> date | None:
    """A document's first date found in its text (dates are stored as ISO strings)."""
    return date.fromisoformat(str(dates[0])) if dates else None


def topic_documents(session: Session, name: str, limit: int | None = None) -> list[DocumentMember]:
    """Documents that are members of the topic ``name``, best score first."""
    doc, member = models.Document, models.DocumentTopic
    stmt = (
        select(
            doc.external_id,
            doc.title,
            doc.url,
            doc.organisation,
            models.Municipality.name_fi,
            doc.region,
            doc.dates,
            member.score,
            member.evidence,
        )
        .select_from(member)
        .join(models.Topic, models.Topic.id == member.topic_id)
        .join(doc, doc.id == member.document_id)
        .outerjoin(models.Municipality, models.Municipality.code == doc.municipality_code)
        .where(models.Topic.name == name)
        .order_by(member.score.desc(), doc.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        DocumentMember(ext, title, url, org, muni, region, first_date(dates), score, evidence)
        for ext, title, url, org, muni, region, dates, score, evidence in session.execute(stmt)
    ]


def document_member_counts(session: Session) -> dict[int, int]:
    """topic id → number of member documents."""
    return {
        topic_id: count
        for topic_id, count in session.execute(
            select(models.DocumentTopic.topic_id, func.count()).group_by(
                models.DocumentTopic.topic_id
            )
        )
    }
