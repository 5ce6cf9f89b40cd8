"""Filters shared by search and export.

Municipality and body names are matched in Python, not SQL: SQLite's lower()/LIKE only
fold ASCII, so "ÄÄNEKOSKI" vs "Äänekoski" would behave differently on the two databases.
The name tables are small; the matching ids then filter the item query through indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, false, func, literal, or_, select, true
from sqlalchemy.orm import Session

from pykala.analysis.decisions import OUTCOMES
from pykala.parsers.quality import DOUBTFUL
from pykala.parsers.records import SectionKind

from . import models
from .db import ArchiveError
from .kinds import ITEM, Kind
from .places import source_places


class FilterError(ArchiveError):
    """A filter value that cannot mean anything (an unknown section kind)."""


@dataclass(frozen=True)
class ItemFilters:
    municipality: str | None = None  # organisation code or Finnish/Swedish name, or source name
    body: str | None = None  # case-insensitive substring of the toimielin name
    since: date | None = None  # meeting date, inclusive
    until: date | None = None  # meeting date, inclusive
    region: str | None = None  # maakunta: name, or its beginning ("Pohjois-Savo")
    county: str | None = None  # hyvinvointialue: name, or its beginning ("Pohjois-Savon")
    section: str | None = None  # SectionKind value ("paatos"); search matches inside it
    topic: str | None = None  # topic name (linking.topics): items that are its members
    quality: str | None = None  # "ok": no doubtful quality flag; "doubtful": at least one
    outcome: str | None = None  # analysis.decisions outcome, or "none": minutes none fits
    voted: bool | None = None  # True: a vote was held; False: none was


def fold_name(text: str) -> str:
    """A name as filters compare it: case-folded, whitespace collapsed."""
    return " ".join(text.casefold().split())


def _source_ids(session: Session, wanted: str) -> list[int]:
    """Sources named ``wanted``, or whose organisation has that code or name."""
    key = fold_name(wanted)
    names = {
        sid: name for sid, name in session.execute(select(models.Source.id, models.Source.name))
    }
    return [
        source_id
        for source_id, place in source_places(session).items()
        if any(
            name is not None and fold_name(name) == key
            for name in (
                names.get(source_id),
                place.organisation_code,
                place.organisation,
                place.organisation_sv,
                place.municipality_code,
                place.municipality,
                place.municipality_sv,
            )
        )
    ]


def _region_source_ids(session: Session, wanted: str, county: bool) -> list[int]:
    """Sources with a member municipality in a region (county) whose name starts so."""
    key = fold_name(wanted)
    return [
        source_id
        for source_id, place in source_places(session).items()
        if any(
            fold_name(name).startswith(key)
            for name in (place.counties if county else place.regions)
        )
    ]


def section_kind(wanted: str) -> str:
    """The SectionKind value for a --section argument ("päätös", "Paatos" → "paatos")."""
    key = fold_name(wanted).replace("ä", "a").replace("ö", "o").replace("å", "a")
    kinds = [kind.value for kind in SectionKind]
    if key not in kinds:
        raise FilterError(f"unknown section {wanted!r}: use one of {', '.join(kinds)}")
    return key


def _body_ids(session: Session, wanted: str) -> list[int]:
    key = fold_name(wanted)
    rows = session.execute(select(models.Body.id, models.Body.name)).all()
    return [body_id for body_id, name in rows if key in fold_name(name)]


def meeting_date_column() -> ColumnElement[date]:
    """The item's meeting date: as the item page printed it, else the meeting's.

    Callers must outer-join Meeting on Item.meeting_id.
    """
    return func.coalesce(models.Item.meeting_date, models.Meeting.date)


QUALITIES = ("ok", "doubtful")


def doubtful_clause() -> ColumnElement[bool]:
    """Items with at least one doubtful quality flag (parsers.quality.DOUBTFUL)."""
    padded = literal(" ") + models.Item.quality_flags + literal(" ")
    return or_(*(padded.like(f"% {flag} %") for flag in sorted(DOUBTFUL)))


def topic_clause(session: Session, kind: Kind, wanted: str) -> ColumnElement[bool]:
    """Items or documents (``kind``) that are members of the topic ``wanted`` (its name or
    title, folded)."""
    key = fold_name(wanted)
    topic_ids = [
        topic_id
        for topic_id, name, title in session.execute(
            select(models.Topic.id, models.Topic.name, models.Topic.title)
        )
        if key in (fold_name(name), fold_name(title or ""))
    ]
    if not topic_ids:
        return false()
    member = kind.topic_table
    return (
        select(member.id)
        .where(getattr(member, kind.owner) == kind.table.id, member.topic_id.in_(topic_ids))
        .exists()
    )


NO_OUTCOME = "none"


def minutes_clause() -> ColumnElement[bool]:
    """Items that are not agenda items (a PDF's items may not say which they are)."""
    return or_(models.Item.meeting_kind.is_(None), models.Item.meeting_kind != "esityslista")


def outcome_value(wanted: str) -> str:
    """An --outcome argument checked: one of analysis.decisions.OUTCOMES or "none"."""
    key = fold_name(wanted)
    if key not in (*OUTCOMES, NO_OUTCOME):
        raise FilterError(
            f"unknown outcome {wanted!r}: use one of {', '.join((*OUTCOMES, NO_OUTCOME))}"
        )
    return key


def _outcome_clauses(filters: ItemFilters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.outcome is not None:
        key = outcome_value(filters.outcome)
        if key == NO_OUTCOME:
            # minutes items no rule could read; agenda items have no outcome by design
            clauses.append(and_(models.Item.outcome.is_(None), minutes_clause()))
        else:
            clauses.append(models.Item.outcome == key)
    if filters.voted is not None:
        clauses.append(models.Item.voted.is_(true() if filters.voted else false()))
    return clauses


def filter_clauses(session: Session, filters: ItemFilters) -> list[ColumnElement[bool]]:
    """WHERE clauses on Item (and an outer-joined Meeting) for ``filters``."""
    clauses: list[ColumnElement[bool]] = _outcome_clauses(filters)
    if filters.quality == "doubtful":
        clauses.append(doubtful_clause())
    elif filters.quality == "ok":
        clauses.append(~doubtful_clause())
    elif filters.quality is not None:
        raise FilterError(f"quality must be ok or doubtful, not {filters.quality!r}")
    if filters.municipality:
        source_ids = _source_ids(session, filters.municipality)
        clauses.append(models.Item.source_id.in_(source_ids) if source_ids else false())
    if filters.body:
        body_ids = _body_ids(session, filters.body)
        body_id = func.coalesce(models.Item.body_id, models.Meeting.body_id)
        clauses.append(body_id.in_(body_ids) if body_ids else false())
    if filters.since:
        clauses.append(meeting_date_column() >= filters.since)
    if filters.until:
        clauses.append(meeting_date_column() <= filters.until)
    for wanted, county in ((filters.region, False), (filters.county, True)):
        if wanted:
            source_ids = _region_source_ids(session, wanted, county)
            clauses.append(models.Item.source_id.in_(source_ids) if source_ids else false())
    if filters.section:
        kind = section_kind(filters.section)
        clauses.append(
            select(models.Section.id)
            .where(models.Section.item_id == models.Item.id, models.Section.kind == kind)
            .exists()
        )
    if filters.topic:
        clauses.append(topic_clause(session, ITEM, filters.topic))
    return clauses
