"""Reading topic membership back: the stored topics with their counts, a topic's members
and their timeline per municipality, region or wellbeing county, and the topics of one
item or document. ``linking.membership`` keeps membership current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from pykala.linking.documents import document_member_counts
from pykala.linking.topics import TopicDefinition, definition_from_data, matched_terms
from pykala.storage import models
from pykala.storage.db import ArchiveError
from pykala.storage.filters import meeting_date_column
from pykala.storage.places import Place, source_places


class UnknownTopicError(ArchiveError):
    """No stored topic has that name."""


@dataclass(frozen=True)
class TopicSummary:
    name: str
    title: str | None
    members: int
    municipalities: int
    first: date | None
    last: date | None
    updated_at: datetime
    documents: int = 0  # member documents (programme pages, slide decks)


@dataclass(frozen=True)
class Member:
    item_id: str  # stable "<source>:<external id>"
    municipality: str | None
    region: str | None
    wellbeing_county: str | None
    body: str | None
    meeting_date: date | None
    paragraph: str | None
    title: str
    url: str
    score: float
    evidence: list[dict[str, Any]]

    @property
    def terms(self) -> list[str]:
        """The distinct matched terms, best first."""
        return matched_terms(self.evidence)


def _topic_row(session: Session, name: str) -> models.Topic:
    row = session.scalar(select(models.Topic).where(models.Topic.name == name))
    if row is None:
        known = ", ".join(session.scalars(select(models.Topic.name).order_by(models.Topic.name)))
        raise UnknownTopicError(f"no topic {name!r} (topics: {known or 'none'})")
    return row


def topic_definition(session: Session, name: str) -> TopicDefinition:
    return definition_from_data(_topic_row(session, name).definition, "stored topic")


def list_topics(session: Session) -> list[TopicSummary]:
    date_col = meeting_date_column()
    stats = {
        topic_id: (members, munis, first, last)
        for topic_id, members, munis, first, last in session.execute(
            select(
                models.ItemTopic.topic_id,
                func.count(),
                func.count(func.distinct(models.Source.municipality_code)),
                func.min(date_col),
                func.max(date_col),
            )
            .join(models.Item, models.Item.id == models.ItemTopic.item_id)
            .join(models.Source, models.Source.id == models.Item.source_id)
            .outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
            .group_by(models.ItemTopic.topic_id)
        )
    }
    documents = document_member_counts(session)
    out = []
    for row in session.scalars(select(models.Topic).order_by(models.Topic.name)):
        members, munis, first, last = stats.get(row.id, (0, 0, None, None))
        out.append(
            TopicSummary(
                row.name,
                row.title,
                members,
                munis,
                first,
                last,
                row.updated_at,
                documents.get(row.id, 0),
            )
        )
    return out


def topic_members(session: Session, name: str, limit: int | None = None) -> list[Member]:
    """Members of a topic, oldest meeting first."""
    topic = _topic_row(session, name)
    date_col = meeting_date_column()
    stmt = (
        select(
            models.Source.name,
            models.Item.external_id,
            models.Item.source_id,
            models.Body.name,
            date_col,
            models.Item.paragraph,
            models.Item.title,
            models.Item.url,
            models.ItemTopic.score,
            models.ItemTopic.evidence,
        )
        .select_from(models.ItemTopic)
        .join(models.Item, models.Item.id == models.ItemTopic.item_id)
        .join(models.Source, models.Source.id == models.Item.source_id)
        .outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
        .outerjoin(
            models.Body,
            models.Body.id == func.coalesce(models.Item.body_id, models.Meeting.body_id),
        )
        .where(models.ItemTopic.topic_id == topic.id)
        .order_by(date_col.nulls_first(), models.Source.name, models.Item.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    members = []
    # Through the organisation: a county's or joint authority's item is placed by its
    # members' regions and counties, and named by the organisation.
    places = source_places(session)
    rows = session.execute(stmt)
    for src, ext, source_id, body, day, para, title, url, score, ev in rows:
        place = places.get(source_id) or Place()
        members.append(
            Member(
                f"{src}:{ext}",
                place.municipality or place.organisation,
                place.region,
                place.county,
                body,
                day,
                para,
                title,
                url,
                score,
                ev,
            )
        )
    return members


GroupBy = Literal["municipality", "region", "county"]
Period = Literal["year", "month"]


@dataclass(frozen=True)
class Timeline:
    topic: str
    by: str
    periods: list[str]  # sorted
    rows: dict[str, dict[str, int]]  # group → period → members

    def total(self, group: str) -> int:
        return sum(self.rows[group].values())


def timeline(session: Session, name: str, by: GroupBy, period: Period = "year") -> Timeline:
    """Members counted per municipality / region / wellbeing county and year or month."""
    rows: dict[str, dict[str, int]] = {}
    periods: set[str] = set()
    for member in topic_members(session, name):
        group = {
            "municipality": member.municipality,
            "region": member.region,
            "county": member.wellbeing_county,
        }[by] or "(unknown)"
        day = member.meeting_date
        when = (
            "(no date)"
            if day is None
            else (f"{day.year}" if period == "year" else f"{day.year}-{day.month:02d}")
        )
        periods.add(when)
        counts = rows.setdefault(group, {})
        counts[when] = counts.get(when, 0) + 1
    return Timeline(name, by, every_period(periods, period), dict(sorted(rows.items())))


def every_period(seen: set[str], period: Period) -> list[str]:
    """Every year (or month) from the first seen to the last, the empty ones too, so a
    plot or a table does not draw 2018 and 2020 side by side; "(no date)" goes last."""
    dated = sorted(p for p in seen if p != "(no date)")
    if not dated:
        return sorted(seen)
    if period == "year":
        out = [str(y) for y in range(int(dated[0]), int(dated[-1]) + 1)]
    else:
        (y, m), (last_y, last_m) = (tuple(map(int, p.split("-"))) for p in (dated[0], dated[-1]))
        out = []
        while (y, m) <= (last_y, last_m):
            out.append(f"{y}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out + (["(no date)"] if "(no date)" in seen else [])


def item_topics(session: Session, item_id: int) -> list[tuple[str, float, list[str]]]:
    """(topic name, score, matched terms) of the topics an item belongs to."""
    return _memberships(session, models.ItemTopic, models.ItemTopic.item_id == item_id)


def document_topics(session: Session, document_id: int) -> list[tuple[str, float, list[str]]]:
    """(topic name, score, matched terms) of the topics a document (database id) belongs to."""
    return _memberships(
        session, models.DocumentTopic, models.DocumentTopic.document_id == document_id
    )


def _memberships(
    session: Session, table: Any, owner: ColumnElement[bool]
) -> list[tuple[str, float, list[str]]]:
    rows = session.execute(
        select(models.Topic.name, table.score, table.evidence)
        .join(models.Topic, models.Topic.id == table.topic_id)
        .where(owner)
        .order_by(table.score.desc())
    )
    return [(name, score, matched_terms(evidence)) for name, score, evidence in rows]
