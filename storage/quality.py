"""How well a source's items were read: the share of items with each field, from the
quality flags stored with them (parsers.quality), and the collapses a run must report.

A source whose new items mostly lack a field its earlier items had (a page template that
changed under it) is the silent failure users of comparable systems report; so is a new
source whose items are mostly doubtful (the body's name taken for every title).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pykala.parsers.quality import DOUBTFUL, FIELDS
from pykala.storage import models

# A field collapses when it was in at least EARLIER_SHARE of the earlier items and is in at
# most NEW_SHARE of the new ones, with enough items on both sides to tell.
EARLIER_SHARE = 0.8
NEW_SHARE = 0.5
MIN_EARLIER = 10
MIN_NEW = 5
DOUBTFUL_SHARE = 0.5  # of the new items of any source, with MIN_NEW_DOUBTFUL of them
MIN_NEW_DOUBTFUL = 3
RECENT_ITEMS = 500  # the earlier items compared: the source's latest meetings
RECENT_RUNS = 60  # at most this many earlier runs are read for them


@dataclass(frozen=True, slots=True)
class FieldShares:
    """Of ``items`` items, the share that has each field, and how many are doubtful."""

    items: int
    shares: dict[str, float]
    doubtful: int

    def as_dict(self) -> dict[str, object]:
        return {
            "items": self.items,
            "doubtful": self.doubtful,
            "fields": {k: round(v, 4) for k, v in self.shares.items()},
        }


def shares_of(rows: Iterable[str]) -> FieldShares:
    """Field shares of items given by their stored flag strings."""
    n = doubtful = 0
    missing = dict.fromkeys(FIELDS, 0)
    for row in rows:
        flags = set(row.split())
        n += 1
        doubtful += bool(flags & DOUBTFUL)
        for name, flag in FIELDS.items():
            missing[name] += flag in flags
    shares = {name: (1 - missing[name] / n if n else 0.0) for name in FIELDS}
    return FieldShares(n, shares, doubtful)


def _flags(
    session: Session, source_name: str, *, since: datetime | None, before: bool
) -> list[str]:
    query = (
        select(models.Item.quality_flags)
        .join(models.Source, models.Source.id == models.Item.source_id)
        .where(models.Source.name == source_name)
    )
    if since is not None:
        changed = models.Item.last_changed
        query = query.where(changed < since if before else changed >= since)
    if before or since is None:
        query = query.order_by(models.Item.meeting_date.desc(), models.Item.id.desc())
        query = query.limit(RECENT_ITEMS)
    return list(session.scalars(query))


def _from_dict(data: object) -> FieldShares | None:
    """FieldShares as a run recorded them (``FieldShares.as_dict``), None if not such."""
    if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
        return None
    try:
        fields = {name: float(data["fields"][name]) for name in FIELDS}
        return FieldShares(int(data["items"]), fields, int(data.get("doubtful", 0)))
    except (KeyError, TypeError, ValueError):
        return None


def _previous_runs(session: Session, source_name: str, run_id: int) -> FieldShares:
    """What the source's recent earlier runs read from the items they stored, together
    (the flags in the archive are rewritten by every fetch, so they are no baseline)."""
    runs = session.scalars(
        select(models.HarvestRun.counts)
        .where(models.HarvestRun.id < run_id, models.HarvestRun.finished.is_not(None))
        .order_by(models.HarvestRun.id.desc())
        .limit(RECENT_RUNS)
    )
    items = doubtful = 0
    present = dict.fromkeys(FIELDS, 0.0)
    for counts in runs:
        source = (counts or {}).get(source_name)
        quality = source.get("quality") if isinstance(source, dict) else None
        shares = _from_dict(quality.get("new")) if isinstance(quality, dict) else None
        if shares is None or not shares.items:
            continue
        items += shares.items
        doubtful += shares.doubtful
        for name in FIELDS:
            present[name] += shares.shares[name] * shares.items
        if items >= RECENT_ITEMS:
            break
    return FieldShares(
        items, {k: v / items if items else 0.0 for k, v in present.items()}, doubtful
    )


def run_shares(
    session: Session, source_name: str, started: datetime, run_id: int
) -> tuple[FieldShares, FieldShares]:
    """(items this run inserted or changed, what the source's recent earlier runs read)."""
    new = shares_of(_flags(session, source_name, since=started, before=False))
    return new, _previous_runs(session, source_name, run_id)


def recent_shares(session: Session, source_name: str) -> FieldShares:
    """The field shares of a source's latest items (``pykala status``)."""
    return shares_of(_flags(session, source_name, since=None, before=True))


def collapses(new: FieldShares, earlier: FieldShares) -> list[str]:
    """One line per field the new items lost, and one when most new items are doubtful."""
    lines: list[str] = []
    if new.items >= MIN_NEW and earlier.items >= MIN_EARLIER:
        for name in FIELDS:
            was, now = earlier.shares[name], new.shares[name]
            if was >= EARLIER_SHARE and now <= NEW_SHARE:
                lines.append(
                    f"{name} in {now:.0%} of {new.items} new items (was {was:.0%} of "
                    f"{earlier.items} earlier)"
                )
    if new.items >= MIN_NEW_DOUBTFUL and new.doubtful / new.items > DOUBTFUL_SHARE:
        lines.append(
            f"{new.doubtful} of {new.items} new items doubtful (no title, the body's name "
            "or a handling line as title, or minutes with no proposal and no decision)"
        )
    return lines
