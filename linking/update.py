"""Bring an archive's linking up to date: topic membership, item terms, links.

Harvest and reparse end with ``update_archive``; the topic and link commands call it
first, so what they show reflects the items and topic definitions of now.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pykala.linking.links import (
    LinkReport,
    SimilarSettings,
    rebuild_links,
    stored_settings,
    update_links,
)
from pykala.linking.membership import RefreshReport, refresh
from pykala.linking.topics import load_topics
from pykala.storage import models
from pykala.storage.db import Archive

# Rebuild every link when the analysed items are at least this share of all items.
REBUILD_SHARE = 0.25


@dataclass(frozen=True)
class UpdateReport:
    topics: RefreshReport
    links: LinkReport | None  # None when no item changed (links left as they were)

    def summary(self) -> str:
        """One line for people."""
        parts = [f"linking: {self.topics.items_analysed} items analysed"]
        if self.topics.documents_analysed:
            parts.append(f"{self.topics.documents_analysed} documents analysed")
        if self.topics.topics_changed:
            parts.append(
                f"topics {', '.join(self.topics.topics_changed)} changed "
                f"({self.topics.items_rescored} more items and "
                f"{self.topics.documents_rescored} more documents scored)"
            )
        if self.links is not None:
            parts.append(self.links.summary())
        return "; ".join(parts)


def update_archive(
    archive: Archive,
    topics_file: Path | None = None,
    *,
    rebuild: bool = False,
    k: int | None = None,
    threshold: float | None = None,
) -> UpdateReport:
    """Store the shipped (+ user) topics and score new and changed items and documents
    (links are between items only, so documents never change them). Then update the
    links around the analysed items, or rebuild them all when ``rebuild`` is set, when
    ``k`` or ``threshold`` differs from the archive's stored settings (which an update
    otherwise uses) or when the analysed items are a large share of the archive (a first
    harvest: comparing them with every item costs about as much as a rebuild). One
    transaction: a failure leaves the old state."""
    definitions = load_topics(topics_file)
    with archive.session() as session:
        topics = refresh(session, definitions)
        changed = topics.analysed_item_ids
        stored = stored_settings(session)
        wanted = SimilarSettings(
            stored.k if k is None else k, stored.threshold if threshold is None else threshold
        )
        rebuild = rebuild or wanted != stored  # other settings apply to every item
        link_report: LinkReport | None = None
        if rebuild or (changed and len(changed) >= REBUILD_SHARE * _analysed_items(session)):
            link_report = rebuild_links(session, k=wanted.k, threshold=wanted.threshold)
        elif changed:
            link_report = update_links(session, changed, k=wanted.k, threshold=wanted.threshold)
    return UpdateReport(topics, link_report)


def _analysed_items(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(models.ItemTerms)) or 0
