"""Topic membership in the archive: stored topics, per-item scores, and keeping them current.

``refresh`` is the one entry point that brings linking up to date after items or topics
change (a harvest and a reparse call it at the end; the topic and link commands call it
first):

* topics given as definitions are stored with their scoring hash; a topic whose hash
  changed (or that is new) is scored again over every item;
* an item that is new or whose content changed since it was last analysed (its
  ``item_terms.content_hash`` differs from ``item.content_hash``) is analysed again,
  its TF-IDF terms stored and its membership of every stored topic recomputed;
* documents (programme pages, slide decks) likewise, scored by the same path
  (``refresh_kind``; what differs between the two kinds is stated in storage.kinds:
  documents keep no TF-IDF terms, only the content hash they were scored at).

Stored topics that are not in the definitions given (a user topic from an earlier
``--topics`` file) stay and keep being scored from their stored definition.

Reading membership back (topic lists, members, timelines, an item's topics) is
``linking.topicview``; its names stay importable from here for older callers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from pykala.analysis.finnish import FinnishAnalyzer, get_analyzer
from pykala.linking.similarity import document_terms
from pykala.linking.topics import (
    CompiledTopic,
    TopicDefinition,
    analyse_item,
    compile_topic,
    definition_from_data,
    score_item,
)
from pykala.storage import models
from pykala.storage.kinds import DOCUMENT, ITEM, Kind, record_texts

__all__ = ["RefreshReport", "refresh", "refresh_kind", "sync_topics"]


@dataclass
class RefreshReport:
    topics_changed: list[str] = field(default_factory=list)
    analysed_item_ids: list[int] = field(default_factory=list, repr=False)  # new or changed
    items_rescored: int = 0  # items scored again because a topic changed
    documents_analysed: int = 0  # new or changed documents scored against every topic
    documents_rescored: int = 0  # documents scored again because a topic changed

    @property
    def items_analysed(self) -> int:
        return len(self.analysed_item_ids)


def sync_topics(
    session: Session, definitions: Sequence[TopicDefinition], now: datetime | None = None
) -> list[str]:
    """Store the definitions; return the names whose scoring changed (or that are new)."""
    now = now or datetime.now(UTC)
    stored = {t.name: t for t in session.scalars(select(models.Topic))}
    changed: list[str] = []
    for definition in definitions:
        digest = definition.scoring_hash()
        row = stored.get(definition.name)
        if row is None:
            row = models.Topic(name=definition.name)
            session.add(row)
        elif row.definition_hash == digest:
            if row.definition != definition.as_data():  # a new title or reference only
                row.definition = definition.as_data()
                row.title = definition.title
            continue
        row.title = definition.title
        row.definition = definition.as_data()
        row.definition_hash = digest
        row.updated_at = now
        changed.append(definition.name)
    session.flush()
    return changed


def _stored_topics(session: Session, analyzer: FinnishAnalyzer) -> dict[int, CompiledTopic]:
    return {
        row.id: compile_topic(analyzer, definition_from_data(row.definition, "stored topic"))
        for row in session.scalars(select(models.Topic).order_by(models.Topic.id))
    }


def _stale_ids(session: Session, kind: Kind) -> list[int]:
    """Records never analysed, or changed since they were."""
    table, seen = kind.table, kind.analysis_table
    owner = getattr(seen, kind.owner)
    return list(
        session.scalars(
            select(table.id)
            .outerjoin(seen, owner == table.id)
            .where(or_(owner.is_(None), seen.content_hash != table.content_hash))
            .order_by(table.id)
        )
    )


def _score_batch(
    session: Session,
    kind: Kind,
    ids: Sequence[int],
    topics: Mapping[int, CompiledTopic],
    *,
    mark_analysed: bool,
    analyzer: FinnishAnalyzer,
    now: datetime,
) -> None:
    """Score ``ids`` against ``topics``; ``mark_analysed``: store their analysis row
    (content hash, and TF-IDF terms for a kind that keeps them) too."""
    member, seen = kind.topic_table, kind.analysis_table
    if topics:
        session.execute(
            delete(member).where(
                getattr(member, kind.owner).in_(ids), member.topic_id.in_(list(topics))
            )
        )
    if mark_analysed:
        session.execute(delete(seen).where(getattr(seen, kind.owner).in_(ids)))
    members: list[dict[str, Any]] = []
    analysed_rows: list[dict[str, Any]] = []
    for record_id, content_hash, title, sections in record_texts(session, kind, ids):
        analysed = analyse_item(analyzer, title, sections)
        for topic_id, topic in topics.items():
            scored = score_item(topic, analysed)
            if scored.is_member(topic.definition.threshold):
                members.append(
                    {
                        "topic_id": topic_id,
                        kind.owner: record_id,
                        "score": round(scored.score, 4),
                        "evidence": [e.as_data() for e in scored.evidence],
                    }
                )
        if mark_analysed:
            row = {kind.owner: record_id, "content_hash": content_hash, "analysed_at": now}
            if kind.stores_terms:
                row["terms"] = " ".join(document_terms(analysed))
            analysed_rows.append(row)
    if members:
        session.execute(insert(member), members)
    if analysed_rows:
        session.execute(insert(seen), analysed_rows)
    session.flush()


def refresh_kind(
    session: Session,
    kind: Kind,
    topics: Mapping[int, CompiledTopic],
    changed_topic_ids: set[int],
    *,
    analyzer: FinnishAnalyzer,
    now: datetime,
) -> tuple[list[int], int]:
    """Score new and changed records of ``kind`` against every topic, and every other
    record against the changed topics. Returns (ids analysed, records scored again)."""
    stale = _stale_ids(session, kind)
    for start in range(0, len(stale), kind.batch):
        batch = stale[start : start + kind.batch]
        _score_batch(session, kind, batch, topics, mark_analysed=True, analyzer=analyzer, now=now)
    changed = {i: t for i, t in topics.items() if i in changed_topic_ids}
    if not changed:
        return stale, 0
    stale_set = set(stale)
    rest = [
        i
        for i in session.scalars(select(kind.table.id).order_by(kind.table.id))
        if i not in stale_set
    ]
    for start in range(0, len(rest), kind.batch):
        batch = rest[start : start + kind.batch]
        _score_batch(session, kind, batch, changed, mark_analysed=False, analyzer=analyzer, now=now)
    return stale, len(rest)


def refresh(
    session: Session,
    definitions: Sequence[TopicDefinition] = (),
    *,
    analyzer: FinnishAnalyzer | None = None,
    now: datetime | None = None,
) -> RefreshReport:
    """Store ``definitions`` and bring item terms and the topic membership of items and
    documents up to date."""
    analyzer = analyzer or get_analyzer()
    now = now or datetime.now(UTC)
    report = RefreshReport(topics_changed=sync_topics(session, definitions, now))
    topics = _stored_topics(session, analyzer)
    changed_ids = {
        row_id
        for row_id, name in session.execute(select(models.Topic.id, models.Topic.name))
        if name in report.topics_changed
    }
    report.analysed_item_ids, report.items_rescored = refresh_kind(
        session, ITEM, topics, changed_ids, analyzer=analyzer, now=now
    )
    analysed, report.documents_rescored = refresh_kind(
        session, DOCUMENT, topics, changed_ids, analyzer=analyzer, now=now
    )
    report.documents_analysed = len(analysed)
    return report
