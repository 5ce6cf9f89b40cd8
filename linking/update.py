"""Bring an archive's linking up to date: topic membership, item terms, links.

Harvest and reparse end with ``update_archive``; the topic and link commands call it
first, so what they show reflects the items and topic definitions of now.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from linking.links import DEFAULT_K, DEFAULT_THRESHOLD, LinkReport, rebuild_links
from linking.membership import RefreshReport, refresh
from linking.topics import load_topics
from storage import models
from storage.db import Archive


@dataclass(frozen=True)
class UpdateReport:
    topics: RefreshReport
    links: LinkReport | None  # None when links were not rebuilt

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
            parts.append(f"{self.links.same_case} same-case and {self.links.similar} similar links")
        return "; ".join(parts)


def update_archive(
    archive: Archive,
    topics_file: Path | None = None,
    *,
    rebuild: bool = False,
    k: int = DEFAULT_K,
    threshold: float = DEFAULT_THRESHOLD,
) -> UpdateReport:
    """Store the shipped (+ user) topics and score new and changed items and documents
    (links are between items only, so documents never trigger a rebuild); rebuild the
    links when an item was analysed, when there are none yet, or when ``rebuild`` is
    set (another k or threshold). One transaction: a failure leaves the old state."""
    definitions = load_topics(topics_file)
    with archive.session() as session:
        topics = refresh(session, definitions)
        stale_links = (
            topics.items_analysed > 0 or session.scalar(select(models.Link.id).limit(1)) is None
        )
        link_report = (
            rebuild_links(session, k=k, threshold=threshold) if rebuild or stale_links else None
        )
    return UpdateReport(topics, link_report)
