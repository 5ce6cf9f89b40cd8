"""What the harvester remembers between runs: the crawl queue and which pages are known.

The queue holds every link a run decided to fetch, written in the transaction that stored
the page the link was found on, and deleted in the transaction that stores the linked
page. So at any instant (a kill -9 included) the archive says exactly which work is still
to do, and the next run starts with it. Failed fetches stay in the queue with a count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pykala.parsers.records import MeetingKind, PageKind

from . import models
from .sources import source_id_of


@dataclass(frozen=True)
class QueuedPage:
    url: str
    kind: PageKind
    attempts: int  # failed fetches so far (0: found, never tried)
    reason: str | None


def queue_pages(
    session: Session, source_name: str, pages: Iterable[tuple[str, PageKind]], at: datetime
) -> None:
    """Add pages to the source's queue; pages already queued keep their row."""
    source_id = source_id_of(session, source_name)
    rows = [
        {
            "source_id": source_id,
            "url": url,
            "page_kind": kind.value,
            "attempts": 0,
            "queued_at": at,
        }
        for url, kind in pages
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    table = models.CrawlQueue
    if dialect == "postgresql":
        session.execute(
            postgresql.insert(table).on_conflict_do_nothing(index_elements=["source_id", "url"]),
            rows,
        )
    elif dialect == "sqlite":
        session.execute(sqlite.insert(table).on_conflict_do_nothing(), rows)
    else:  # portable fallback: one lookup per row
        for row in rows:
            exists = session.scalar(
                select(models.CrawlQueue.id).where(
                    models.CrawlQueue.source_id == source_id, models.CrawlQueue.url == row["url"]
                )
            )
            if exists is None:
                session.execute(insert(table), [row])


def page_done(session: Session, source_name: str, url: str) -> None:
    """The page was stored (or is not worth trying again): it leaves the queue."""
    session.execute(
        delete(models.CrawlQueue).where(
            models.CrawlQueue.source_id == source_id_of(session, source_name),
            models.CrawlQueue.url == url,
        )
    )


def record_failure(
    session: Session, source_name: str, url: str, kind: PageKind, reason: str, at: datetime
) -> int:
    """Count a failed fetch of ``url`` (queueing it if needed); returns the attempts so far."""
    queue_pages(session, source_name, [(url, kind)], at)
    source_id = source_id_of(session, source_name)
    session.execute(
        update(models.CrawlQueue)
        .where(models.CrawlQueue.source_id == source_id, models.CrawlQueue.url == url)
        .values(attempts=models.CrawlQueue.attempts + 1, reason=reason, last_failed=at)
    )
    attempts = session.scalar(
        select(models.CrawlQueue.attempts).where(
            models.CrawlQueue.source_id == source_id, models.CrawlQueue.url == url
        )
    )
    return int(attempts or 0)


def queued_pages(session: Session, source_name: str) -> list[QueuedPage]:
    """The source's queue, failed fetches first, then in the order pages were found."""
    rows = session.execute(
        select(
            models.CrawlQueue.url,
            models.CrawlQueue.page_kind,
            models.CrawlQueue.attempts,
            models.CrawlQueue.reason,
        )
        .where(models.CrawlQueue.source_id == source_id_of(session, source_name))
        .order_by(models.CrawlQueue.attempts.desc(), models.CrawlQueue.id)
    ).all()
    return [
        QueuedPage(url, PageKind(kind), attempts, reason) for url, kind, attempts, reason in rows
    ]


def queue_size(session: Session, source_name: str | None = None) -> int:
    query = select(func.count()).select_from(models.CrawlQueue)
    if source_name is not None:
        query = query.where(models.CrawlQueue.source_id == source_id_of(session, source_name))
    return int(session.scalar(query) or 0)


def known_pages(session: Session, source_name: str) -> dict[str, tuple[str | None, str | None]]:
    """URL → (ETag, Last-Modified) of the source's stored pages, read once per run: the
    crawl's "known" set and the validators for conditional GETs without a query per page."""
    rows = session.execute(
        select(models.Page.url, models.Page.etag, models.Page.last_modified).where(
            models.Page.source_id == source_id_of(session, source_name),
            models.Page.raw_page_id.is_not(None),
        )
    )
    return {url: (etag, modified) for url, etag, modified in rows}


def meetings_due(
    session: Session,
    source_name: str,
    *,
    today: date,
    now: datetime,
    agenda_days: int,
    minutes_days: int,
    minutes_every: timedelta,
) -> list[str]:
    """Meeting pages to fetch again: their status may have changed since.

    An agenda (esityslista) of the last ``agenda_days`` days: every run, until its minutes
    are published. Minutes (or unknown kind) of the last ``minutes_days`` days: when the
    page was last fetched more than ``minutes_every`` ago (corrections are rare).
    """
    source_id = source_id_of(session, source_name)
    rows = session.execute(
        select(models.Meeting.url, models.Meeting.kind, models.Meeting.date, models.Page.fetched_at)
        .join(
            models.Page,
            (models.Page.source_id == models.Meeting.source_id)
            & (models.Page.url == models.Meeting.url),
        )
        .where(
            models.Meeting.source_id == source_id,
            models.Meeting.url.is_not(None),
            models.Meeting.date >= today - timedelta(days=max(agenda_days, minutes_days)),
        )
        .order_by(models.Meeting.date.desc())
    ).all()
    due: list[str] = []
    for url, kind, day, fetched_at in rows:
        if url is None or day is None:  # excluded by the query; for the type checker
            continue
        fetched = fetched_at if fetched_at.tzinfo else fetched_at.replace(tzinfo=now.tzinfo)
        if kind == MeetingKind.ESITYSLISTA.value:
            if day >= today - timedelta(days=agenda_days):
                due.append(url)
        elif now - fetched >= minutes_every:
            due.append(url)
    return due


def close_interrupted_runs(session: Session, at: datetime) -> int:
    """Mark runs still "running" as interrupted (call while holding the run lock: a run
    that says it is running but holds no lock was killed). Returns how many."""
    result = session.execute(
        update(models.HarvestRun)
        .where(models.HarvestRun.status == "running")
        .values(status="interrupted", finished=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)
