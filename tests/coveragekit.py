"""Archives with a known publishing history, for the coverage tests and bench/bench_coverage.

Rows go straight into ``body`` and ``item`` (coverage reads nothing else), many at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from pykala.storage import models
from pykala.storage.db import Archive

SEEN = datetime(2020, 1, 1, tzinfo=UTC)


def weekly(last: date, weeks: int, every: int = 7) -> list[date]:
    """``weeks`` meeting dates ``every`` days apart, the latest ``last``, oldest first."""
    return [last - timedelta(days=every * n) for n in reversed(range(weeks))]


def add_meetings(
    archive: Archive,
    source: str,
    body: str,
    dates: Iterable[date],
    items_per_meeting: Callable[[date], int] | int = 10,
    flags: Callable[[int], str] = lambda n: "",
) -> int:
    """Items of ``body`` of ``source`` at each date; ``flags(n)`` the n-th item's quality
    flags. Returns the number of items added."""
    with archive.session() as session:
        source_id = session.scalar(select(models.Source.id).where(models.Source.name == source))
        assert source_id is not None, source
        body_id = session.scalar(
            select(models.Body.id).where(
                models.Body.source_id == source_id, models.Body.name == body
            )
        )
        if body_id is None:
            row = models.Body(source_id=source_id, name=body)
            session.add(row)
            session.flush()
            body_id = row.id
        rows: list[dict[str, object]] = []
        for day in dates:
            count = (
                items_per_meeting if isinstance(items_per_meeting, int) else items_per_meeting(day)
            )
            for position in range(1, count + 1):
                n = len(rows)
                rows.append(
                    {
                        "source_id": source_id,
                        "external_id": f"{body_id}-{day.isoformat()}-{position}",
                        "body_id": body_id,
                        "meeting_date": day,
                        "meeting_kind": "poytakirja",
                        "position": position,
                        "paragraph": str(position),
                        "title": f"Asia {position}",
                        "url": f"https://example.invalid/{source}/{body_id}/{day}/{position}",
                        "language": "fi",
                        "first_seen": SEEN,
                        "last_changed": SEEN,
                        "content_hash": f"h{n}",
                        "quality_flags": flags(n),
                    }
                )
        if rows:
            session.execute(insert(models.Item), rows)
        return len(rows)
