"""Per-source health for `pykala status`: is each source still delivering?

Days since the source last gave a new item, its failure rate and flags in the last
harvest, the share of its items that carry a päätös (minutes, not only agendas), and the
pages waiting in its crawl queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import models


@dataclass(frozen=True)
class SourceHealth:
    source: str
    items: int
    days_since_new: int | None  # None: no item yet
    failure_rate: float | None  # in the last harvest that ran it; None: never harvested
    flags: tuple[str, ...]  # from that harvest
    paatos_share: float | None  # None: no items
    queued: int


@dataclass(frozen=True)
class RunSummary:
    id: int
    started: datetime
    finished: datetime | None
    status: str
    totals: dict[str, int]
    flagged: tuple[str, ...]  # sources flagged in the run


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _grouped(session: Session, query: Any) -> dict[int, Any]:
    return {key: value for key, value in session.execute(query)}


def _runs(session: Session, limit: int) -> list[models.HarvestRun]:
    return list(
        session.scalars(
            select(models.HarvestRun)
            .order_by(models.HarvestRun.started.desc(), models.HarvestRun.id.desc())
            .limit(limit)
        )
    )


def source_health(
    session: Session, now: datetime | None = None, runs_scanned: int = 50
) -> list[SourceHealth]:
    now = now or datetime.now(UTC)
    items = _grouped(
        session, select(models.Item.source_id, func.count()).group_by(models.Item.source_id)
    )
    newest = _grouped(
        session,
        select(models.Item.source_id, func.max(models.Item.first_seen)).group_by(
            models.Item.source_id
        ),
    )
    decided = _grouped(
        session,
        select(models.Item.source_id, func.count(func.distinct(models.Item.id)))
        .join(models.Section, models.Section.item_id == models.Item.id)
        .where(models.Section.kind == "paatos")
        .group_by(models.Item.source_id),
    )
    queued = _grouped(
        session,
        select(models.CrawlQueue.source_id, func.count()).group_by(models.CrawlQueue.source_id),
    )
    # The newest run that has counts for a source (a run may cover a few sources only).
    last: dict[str, dict[str, Any]] = {}
    for run in _runs(session, runs_scanned):
        for name, counts in (run.counts or {}).items():
            if isinstance(counts, dict):
                last.setdefault(name, counts)
    out: list[SourceHealth] = []
    for source in session.scalars(select(models.Source).order_by(models.Source.name)):
        n = int(items.get(source.id, 0))
        latest = newest.get(source.id)
        counts = last.get(source.name)
        rate: float | None = None
        if counts is not None:
            tried = int(counts.get("pages", 0)) + int(counts.get("failed", 0))
            rate = int(counts.get("failed", 0)) / tried if tried else 0.0
        out.append(
            SourceHealth(
                source=source.name,
                items=n,
                days_since_new=(now - _utc(latest)).days if latest is not None else None,
                failure_rate=rate,
                flags=tuple(counts.get("flags", ())) if counts is not None else (),
                paatos_share=int(decided.get(source.id, 0)) / n if n else None,
                queued=int(queued.get(source.id, 0)),
            )
        )
    return out


def run_summaries(session: Session, limit: int = 5) -> list[RunSummary]:
    """The last runs with their totals over sources, newest first."""
    keys = ("inserted", "updated", "unchanged", "failed", "skipped", "requests", "bytes")
    summaries = []
    for run in _runs(session, limit):
        per_source = [c for c in (run.counts or {}).values() if isinstance(c, dict)]
        summaries.append(
            RunSummary(
                id=run.id,
                started=_utc(run.started),
                finished=_utc(run.finished) if run.finished else None,
                status=run.status,
                totals={k: sum(int(c.get(k, 0)) for c in per_source) for k in keys},
                flagged=tuple(
                    name
                    for name, c in (run.counts or {}).items()
                    if isinstance(c, dict) and c.get("flags")
                ),
            )
        )
    return summaries
