"""Coverage over time: per source and body, meetings and items per month, the last meeting
and the share of items with each field; and the flags of a source that publishes less than
it used to (storage.coverageflags).

Everything is counted by the database (GROUP BY over ``item``), never by a Python loop over
items, so a million-item archive is counted in seconds: one pass for the months, one for
the totals and field shares, one for each source's distinct meeting dates. A meeting is a
(body, date) pair: it needs no meeting page, so Tweb list rows and PDF minutes count too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Date, case, cast, distinct, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from pykala.parsers.quality import FIELDS
from pykala.storage import models


@dataclass(frozen=True)
class Month:
    month: str  # YYYY-MM of the meeting date
    meetings: int
    items: int


@dataclass(frozen=True)
class BodyCoverage:
    source: str
    label: str  # who publishes: the municipality's name, else the source's
    body: str | None
    meetings: int
    items: int
    first_meeting: date | None
    last_meeting: date | None
    shares: dict[str, float]  # field → share of the body's items that have it
    months: list[Month] = field(default_factory=list)


@dataclass(frozen=True)
class SourceDates:
    """A source's label and its distinct meeting dates, oldest first (for the gap flag)."""

    source: str
    label: str
    dates: list[date]


def _month(session: Session, column: Any) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _lacks(flag: str) -> ColumnElement[int]:
    """1 for an item whose flags include ``flag`` (a whole word: no_proposal is not
    no_proposal_or_decision), else 0."""
    padded = literal(" ") + models.Item.quality_flags + literal(" ")
    return case((padded.like(f"% {flag} %"), 1), else_=0)


def _labels(session: Session, sources: Sequence[str] | None) -> dict[int, tuple[str, str]]:
    """source id → (name, label) of the sources asked for (None: all)."""
    query = select(models.Source.id, models.Source.name, models.Municipality.name_fi).join(
        models.Municipality,
        models.Municipality.code == models.Source.municipality_code,
        isouter=True,
    )
    if sources is not None:
        query = query.where(models.Source.name.in_(list(sources)))
    return {sid: (name, muni or name) for sid, name, muni in session.execute(query)}


def _bodies(session: Session, ids: list[int]) -> dict[int, str]:
    query = select(models.Body.id, models.Body.name).where(models.Body.source_id.in_(ids))
    return {bid: name for bid, name in session.execute(query)}


def body_coverage(
    session: Session, sources: Sequence[str] | None = None, *, months: bool = True
) -> list[BodyCoverage]:
    """Per source and body: totals, first and last meeting, field shares and (``months``)
    meetings and items per month, ordered by label, source and body."""
    labels = _labels(session, sources)
    if not labels:
        return []
    ids = list(labels)
    item = models.Item
    totals = select(
        item.source_id,
        item.body_id,
        func.count(),
        func.count(distinct(item.meeting_date)),
        func.min(item.meeting_date),
        func.max(item.meeting_date),
        *(func.sum(_lacks(flag)) for flag in FIELDS.values()),
    ).group_by(item.source_id, item.body_id)
    if sources is not None:
        totals = totals.where(item.source_id.in_(ids))
    per_month: dict[tuple[int, int | None], list[Month]] = {}
    if months:
        month = _month(session, item.meeting_date).label("month")
        monthly = (
            select(
                item.source_id,
                item.body_id,
                month,
                func.count(distinct(item.meeting_date)),
                func.count(),
            )
            .where(item.meeting_date.is_not(None))
            .group_by(item.source_id, item.body_id, month)
        )
        if sources is not None:
            monthly = monthly.where(item.source_id.in_(ids))
        for sid, bid, ym, meetings, n in session.execute(monthly):
            per_month.setdefault((sid, bid), []).append(Month(str(ym), int(meetings), int(n)))
    bodies = _bodies(session, ids)
    out: list[BodyCoverage] = []
    for sid, bid, n, meetings, first, last, *missing in session.execute(totals):
        if sid not in labels:
            continue
        name, label = labels[sid]
        shares = {f: 1 - int(m or 0) / n for f, m in zip(FIELDS, missing, strict=True)}
        out.append(
            BodyCoverage(
                source=name,
                label=label,
                body=bodies.get(bid) if bid is not None else None,
                meetings=int(meetings),
                items=int(n),
                first_meeting=_as_date(first),
                last_meeting=_as_date(last),
                shares=shares,
                months=sorted(per_month.get((sid, bid), []), key=lambda m: m.month),
            )
        )
    out.sort(key=lambda b: (b.label, b.source, b.body or ""))
    return out


def _as_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite may hand back text


def source_months(bodies: Sequence[BodyCoverage]) -> dict[str, list[Month]]:
    """Per source (its bodies together): meetings and items per month, oldest first. A
    meeting is a (body, date) pair, so the bodies' counts add up."""
    sums: dict[str, dict[str, list[int]]] = {}
    for body in bodies:
        per = sums.setdefault(body.source, {})
        for m in body.months:
            slot = per.setdefault(m.month, [0, 0])
            slot[0] += m.meetings
            slot[1] += m.items
    return {
        source: [Month(ym, mt, n) for ym, (mt, n) in sorted(per.items())]
        for source, per in sums.items()
    }


def meeting_dates(
    session: Session, sources: Sequence[str] | None = None, since: date | None = None
) -> list[SourceDates]:
    """Each source's distinct meeting dates (from ``since``), oldest first."""
    labels = _labels(session, sources)
    item = models.Item
    query = (
        select(item.source_id, item.meeting_date)
        .where(item.meeting_date.is_not(None))
        .distinct()
        .order_by(item.source_id, item.meeting_date)
    )
    if sources is not None:
        query = query.where(item.source_id.in_(list(labels)))
    if since is not None:
        query = query.where(item.meeting_date >= cast(literal(since), Date))
    dates: dict[int, list[date]] = {}
    for sid, day in session.execute(query):
        parsed = _as_date(day)
        if parsed is not None:
            dates.setdefault(sid, []).append(parsed)
    return [
        SourceDates(labels[sid][0], labels[sid][1], days)
        for sid, days in dates.items()
        if sid in labels
    ]


class UnknownSelection(ValueError):
    """A --source or --organisation that names nothing in the archive (one line)."""


def select_sources(
    session: Session, names: Sequence[str], organisations: Sequence[str]
) -> list[str] | None:
    """The source names ``names`` and ``organisations`` (a municipality's code or name,
    any case) select; None when neither is given (every source)."""
    if not names and not organisations:
        return None
    rows = session.execute(
        select(models.Source.name, models.Source.municipality_code, models.Municipality.name_fi)
        .join(
            models.Municipality,
            models.Municipality.code == models.Source.municipality_code,
            isouter=True,
        )
        .order_by(models.Source.name)
    ).all()
    known = {name for name, _, _ in rows}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownSelection(f"--source: no source named {', '.join(unknown)} in the archive")
    chosen = [n for n in names]
    for wanted in organisations:
        key = wanted.strip().casefold()
        matched = [
            name
            for name, code, muni in rows
            if key in {(code or "").casefold(), (muni or "").casefold()}
        ]
        if not matched:
            raise UnknownSelection(
                f"--organisation: no source of {wanted!r} in the archive "
                "(give a municipality's code or name)"
            )
        chosen += matched
    return list(dict.fromkeys(chosen))
