"""Coverage over time: per source and body, meetings and items per month, the last meeting
and the share of items with each field; and the flags of a source that publishes less than
it used to (storage.coverageflags).

Everything is counted by the database, never by a Python loop over items: two GROUP BY
passes over ``item`` (items per source, body and meeting date; items per source, body and
quality-flag string), whose few rows (one per meeting, one per distinct flag string) give
the months, totals, shares and meeting dates; so a million items take seconds
(bench/bench_coverage.py). A meeting is a (body, date) pair: it needs no meeting page, so
Tweb list rows and PDF minutes count too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

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


def _with_names(*columns: Any) -> Select[Any]:
    """``columns`` of sources, joined to the names of their organisation and municipality."""
    return (
        select(*columns)
        .join(
            models.Organisation,
            models.Organisation.id == models.Source.organisation_id,
            isouter=True,
        )
        .join(
            models.Municipality,
            models.Municipality.code == models.Source.municipality_code,
            isouter=True,
        )
    )


def _labels(session: Session, sources: Sequence[str] | None) -> dict[int, tuple[str, str]]:
    """source id → (name, label) of the sources asked for (None: all); the label is the
    organisation's name, else the municipality's, else the source's."""
    query = _with_names(
        models.Source.id,
        models.Source.name,
        models.Organisation.name_fi,
        models.Municipality.name_fi,
    )
    if sources is not None:
        query = query.where(models.Source.name.in_(list(sources)))
    return {
        sid: (name, organisation or muni or name)
        for sid, name, organisation, muni in session.execute(query)
    }


def _bodies(session: Session, ids: list[int]) -> dict[int, str]:
    query = select(models.Body.id, models.Body.name).where(models.Body.source_id.in_(ids))
    return {bid: name for bid, name in session.execute(query)}


Key = tuple[int, "int | None"]  # (source id, body id)


@dataclass
class _Tally:
    items: int = 0
    dates: dict[date, int] = field(default_factory=dict)  # meeting date → items
    lacking: dict[str, int] = field(default_factory=dict)  # field → items without it


def _tallies(session: Session, ids: list[int] | None) -> dict[Key, _Tally]:
    """Two GROUP BY passes over ``item``: items per (source, body, meeting date), and per
    (source, body, quality flags) — a few distinct flag strings, read word by word here, so
    no LIKE runs per item."""
    item = models.Item
    by_date = select(item.source_id, item.body_id, item.meeting_date, func.count()).group_by(
        item.source_id, item.body_id, item.meeting_date
    )
    by_flags = (  # items without flags lack nothing: left out, fewer rows to sort
        select(item.source_id, item.body_id, item.quality_flags, func.count())
        .where(item.quality_flags != "")
        .group_by(item.source_id, item.body_id, item.quality_flags)
    )
    if ids is not None:
        by_date = by_date.where(item.source_id.in_(ids))
        by_flags = by_flags.where(item.source_id.in_(ids))
    tallies: dict[Key, _Tally] = {}
    for sid, bid, day, n in session.execute(by_date):
        tally = tallies.setdefault((sid, bid), _Tally())
        tally.items += n
        parsed = _as_date(day)
        if parsed is not None:
            tally.dates[parsed] = tally.dates.get(parsed, 0) + n
    for sid, bid, flags, n in session.execute(by_flags):
        words = set((flags or "").split())
        lacking = tallies.setdefault((sid, bid), _Tally()).lacking
        for name, flag in FIELDS.items():
            if flag in words:
                lacking[name] = lacking.get(name, 0) + n
    return tallies


def _months(dates: dict[date, int]) -> list[Month]:
    per: dict[str, list[int]] = {}
    for day, n in dates.items():
        slot = per.setdefault(f"{day.year:04d}-{day.month:02d}", [0, 0])
        slot[0] += 1
        slot[1] += n
    return [Month(ym, meetings, n) for ym, (meetings, n) in sorted(per.items())]


@dataclass(frozen=True)
class CoverageData:
    """What one pass over the archive gives: per body, and each source's meeting dates."""

    bodies: list[BodyCoverage]
    dates: list[SourceDates]


def collect(session: Session, sources: Sequence[str] | None = None) -> CoverageData:
    """Per source and body: totals, first and last meeting, field shares, meetings and
    items per month (ordered by label, source and body); and each source's distinct
    meeting dates, oldest first."""
    labels = _labels(session, sources)
    if not labels:
        return CoverageData([], [])
    ids = list(labels)
    tallies = _tallies(session, ids if sources is not None else None)
    names = _bodies(session, ids)
    bodies: list[BodyCoverage] = []
    per_source: dict[int, set[date]] = {}
    for (sid, bid), tally in tallies.items():
        if sid not in labels or not tally.items:
            continue
        name, label = labels[sid]
        per_source.setdefault(sid, set()).update(tally.dates)
        bodies.append(
            BodyCoverage(
                source=name,
                label=label,
                body=names.get(bid) if bid is not None else None,
                meetings=len(tally.dates),
                items=tally.items,
                first_meeting=min(tally.dates, default=None),
                last_meeting=max(tally.dates, default=None),
                shares={f: 1 - tally.lacking.get(f, 0) / tally.items for f in FIELDS},
                months=_months(tally.dates),
            )
        )
    bodies.sort(key=lambda b: (b.label, b.source, b.body or ""))
    dates = [
        SourceDates(labels[sid][0], labels[sid][1], sorted(days))
        for sid, days in per_source.items()
        if days
    ]
    return CoverageData(bodies, dates)


def body_coverage(session: Session, sources: Sequence[str] | None = None) -> list[BodyCoverage]:
    """Per source and body (see ``collect``)."""
    return collect(session, sources).bodies


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


class UnknownSelection(ValueError):
    """A --source or --organisation that names nothing in the archive (one line)."""


def select_sources(
    session: Session, names: Sequence[str], organisations: Sequence[str]
) -> list[str] | None:
    """The source names ``names`` and ``organisations`` (an organisation's code or name,
    or a municipality's, any case) select; None when neither is given (every source)."""
    if not names and not organisations:
        return None
    rows = session.execute(
        _with_names(
            models.Source.name,
            models.Organisation.code,
            models.Organisation.name_fi,
            models.Source.municipality_code,
            models.Municipality.name_fi,
        ).order_by(models.Source.name)
    ).all()
    known = {row[0] for row in rows}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownSelection(f"--source: no source named {', '.join(unknown)} in the archive")
    chosen = list(names)
    for wanted in organisations:
        key = wanted.strip().casefold()
        matched = [name for name, *keys in rows if key in {(k or "").casefold() for k in keys}]
        if not matched:
            raise UnknownSelection(
                f"--organisation: no source of {wanted!r} in the archive "
                "(give an organisation's code or name)"
            )
        chosen += matched
    return list(dict.fromkeys(chosen))
