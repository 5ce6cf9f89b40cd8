"""Topic membership in the archive: stored topics, per-item scores, and keeping them current.

``refresh`` is the one entry point that brings linking up to date after items or topics
change (a harvest and a reparse call it at the end; the topic and link commands call it
first):

* topics given as definitions are stored with their scoring hash; a topic whose hash
  changed (or that is new) is scored again over every item;
* an item that is new or whose content changed since it was last analysed (its
  ``item_terms.content_hash`` differs from ``item.content_hash``) is analysed again,
  its TF-IDF terms stored and its membership of every stored topic recomputed;
* documents (programme pages, slide decks) likewise, by linking.documents.

Stored topics that are not in the definitions given (a user topic from an earlier
``--topics`` file) stay and keep being scored from their stored definition.

Reading membership back (topic lists, members, timelines, an item's topics) is
``linking.topicview``; its names stay importable from here for older callers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from pykala.analysis.finnish import FinnishAnalyzer, get_analyzer
from pykala.linking.documents import refresh_documents
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

__all__ = ["BATCH", "RefreshReport", "refresh", "sync_topics"]

BATCH = 200  # items analysed per query


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


def _stale_item_ids(session: Session) -> list[int]:
    """Items never analysed, or changed since they were."""
    return list(
        session.scalars(
            select(models.Item.id)
            .outerjoin(models.ItemTerms, models.ItemTerms.item_id == models.Item.id)
            .where(
                or_(
                    models.ItemTerms.item_id.is_(None),
                    models.ItemTerms.content_hash != models.Item.content_hash,
                )
            )
            .order_by(models.Item.id)
        )
    )


def _item_texts(
    session: Session, item_ids: Sequence[int]
) -> Iterator[tuple[int, str, str, list[tuple[str, str]]]]:
    """(item id, content hash, title, [(section kind, text), ...]) for each id."""
    heads = {
        item_id: (content_hash, title)
        for item_id, content_hash, title in session.execute(
            select(models.Item.id, models.Item.content_hash, models.Item.title).where(
                models.Item.id.in_(item_ids)
            )
        )
    }
    sections: dict[int, list[tuple[str, str]]] = {}
    for item_id, kind, text in session.execute(
        select(models.Section.item_id, models.Section.kind, models.Section.text)
        .where(models.Section.item_id.in_(item_ids))
        .order_by(models.Section.item_id, models.Section.ordinal)
    ):
        sections.setdefault(item_id, []).append((kind, text))
    for item_id in item_ids:
        if item_id in heads:
            content_hash, title = heads[item_id]
            yield item_id, content_hash, title, sections.get(item_id, [])


def _score_batch(
    session: Session,
    item_ids: Sequence[int],
    topics: dict[int, CompiledTopic],
    *,
    store_terms: set[int],
    analyzer: FinnishAnalyzer,
    now: datetime,
) -> None:
    """Score ``item_ids`` against ``topics``; store terms for the ids in ``store_terms``."""
    if topics:
        session.execute(
            delete(models.ItemTopic).where(
                models.ItemTopic.item_id.in_(item_ids),
                models.ItemTopic.topic_id.in_(list(topics)),
            )
        )
    refreshed = [i for i in item_ids if i in store_terms]
    if refreshed:
        session.execute(delete(models.ItemTerms).where(models.ItemTerms.item_id.in_(refreshed)))
    members: list[dict[str, Any]] = []
    terms: list[dict[str, Any]] = []
    for item_id, content_hash, title, sections in _item_texts(session, item_ids):
        analysed = analyse_item(analyzer, title, sections)
        for topic_id, topic in topics.items():
            scored = score_item(topic, analysed)
            if scored.is_member(topic.definition.threshold):
                members.append(
                    {
                        "topic_id": topic_id,
                        "item_id": item_id,
                        "score": round(scored.score, 4),
                        "evidence": [e.as_data() for e in scored.evidence],
                    }
                )
        if item_id in store_terms:
            terms.append(
                {
                    "item_id": item_id,
                    "content_hash": content_hash,
                    "terms": " ".join(document_terms(analysed)),
                    "analysed_at": now,
                }
            )
    if members:
        session.execute(insert(models.ItemTopic), members)
    if terms:
        session.execute(insert(models.ItemTerms), terms)
    session.flush()


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
    stale = _stale_item_ids(session)
    report.analysed_item_ids = stale
    stale_set = set(stale)
    # Stale items: every topic. Other items: only the changed topics (if any).
    for start in range(0, len(stale), BATCH):
        batch = stale[start : start + BATCH]
        _score_batch(session, batch, topics, store_terms=set(batch), analyzer=analyzer, now=now)
    if changed_ids:
        changed_topics = {i: t for i, t in topics.items() if i in changed_ids}
        rest = [
            i
            for i in session.scalars(select(models.Item.id).order_by(models.Item.id))
            if i not in stale_set
        ]
        report.items_rescored = len(rest)
        for start in range(0, len(rest), BATCH):
            _score_batch(
                session,
                rest[start : start + BATCH],
                changed_topics,
                store_terms=set(),
                analyzer=analyzer,
                now=now,
            )
    report.documents_analysed, report.documents_rescored = refresh_documents(
        session, topics, changed_ids, analyzer=analyzer, now=now
    )
    return report
