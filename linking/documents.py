"""Topic membership of documents (programme pages, slide decks): stored, kept current, read.

Documents are scored by the same pure scoring as items (linking.topics.score_item) over
their title (section kind ``title``) and their text (section kind ``document``), and
stored in ``document_topic`` with score and evidence. ``refresh_documents`` is called by
linking.membership.refresh, so the one update step (linking.update.update_archive) keeps
documents current too: a document that is new or whose content changed since it was last
scored (``document_analysis.content_hash``) is scored against every topic; when a topic's
scoring changed, every other document is scored against that topic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from pykala.analysis.finnish import FinnishAnalyzer
from pykala.linking.topics import CompiledTopic, analyse_document, score_item
from pykala.storage import models

BATCH = 50  # documents per query: a document's text can be a whole slide deck


def _stale_document_ids(session: Session) -> list[int]:
    """Documents never scored, or changed since they were."""
    doc, seen = models.Document, models.DocumentAnalysis
    return list(
        session.scalars(
            select(doc.id)
            .outerjoin(seen, seen.document_id == doc.id)
            .where(or_(seen.document_id.is_(None), seen.content_hash != doc.content_hash))
            .order_by(doc.id)
        )
    )


def _score_batch(
    session: Session,
    document_ids: Sequence[int],
    topics: Mapping[int, CompiledTopic],
    *,
    mark_analysed: bool,
    analyzer: FinnishAnalyzer,
    now: datetime,
) -> None:
    if topics:
        session.execute(
            delete(models.DocumentTopic).where(
                models.DocumentTopic.document_id.in_(document_ids),
                models.DocumentTopic.topic_id.in_(list(topics)),
            )
        )
    if mark_analysed:
        session.execute(
            delete(models.DocumentAnalysis).where(
                models.DocumentAnalysis.document_id.in_(document_ids)
            )
        )
    members: list[dict[str, Any]] = []
    analysed: list[dict[str, Any]] = []
    rows = session.execute(
        select(
            models.Document.id,
            models.Document.content_hash,
            models.Document.title,
            models.Document.text,
        ).where(models.Document.id.in_(document_ids))
    )
    for document_id, content_hash, title, text in rows:
        sections = analyse_document(analyzer, title, text)
        for topic_id, topic in topics.items():
            scored = score_item(topic, sections)
            if scored.is_member(topic.definition.threshold):
                members.append(
                    {
                        "topic_id": topic_id,
                        "document_id": document_id,
                        "score": round(scored.score, 4),
                        "evidence": [e.as_data() for e in scored.evidence],
                    }
                )
        if mark_analysed:
            analysed.append(
                {"document_id": document_id, "content_hash": content_hash, "analysed_at": now}
            )
    if members:
        session.execute(insert(models.DocumentTopic), members)
    if analysed:
        session.execute(insert(models.DocumentAnalysis), analysed)
    session.flush()


def refresh_documents(
    session: Session,
    topics: Mapping[int, CompiledTopic],
    changed_topic_ids: set[int],
    *,
    analyzer: FinnishAnalyzer,
    now: datetime,
) -> tuple[int, int]:
    """Score new and changed documents against every topic, and every other document
    against the changed topics. Returns (documents analysed, documents scored again)."""
    stale = _stale_document_ids(session)
    for start in range(0, len(stale), BATCH):
        _score_batch(
            session,
            stale[start : start + BATCH],
            topics,
            mark_analysed=True,
            analyzer=analyzer,
            now=now,
        )
    rest: list[int] = []
    changed = {i: t for i, t in topics.items() if i in changed_topic_ids}
    if changed:
        stale_set = set(stale)
        rest = [
            i
            for i in session.scalars(select(models.Document.id).order_by(models.Document.id))
            if i not in stale_set
        ]
        for start in range(0, len(rest), BATCH):
            _score_batch(
                session,
                rest[start : start + BATCH],
                changed,
                mark_analysed=False,
                analyzer=analyzer,
                now=now,
            )
    return len(stale), len(rest)


# --- reading ----------------------------------------------------------------------------


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
        return list(dict.fromkeys(str(e["term"]) for e in self.evidence))


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
