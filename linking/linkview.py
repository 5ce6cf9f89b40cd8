"""Reading links back: an item's case (its same_case chain, in meeting order) and its
similar decisions in other municipalities, described for people (``pykala links``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pykala.linking.similarity import SAME_CASE, SIMILAR
from pykala.storage import models
from pykala.storage.filters import meeting_date_column


@dataclass(frozen=True)
class LinkedItem:
    kind: str  # same_case / similar
    direction: str  # same_case: "earlier" / "later"; similar: "out" / "in" / "both"
    item_id: str  # stable "<source>:<external id>"
    municipality: str | None
    body: str | None
    meeting_date: date | None
    paragraph: str | None
    title: str
    score: float
    evidence: dict[str, Any]


def _describe(session: Session, item_ids: Iterable[int]) -> dict[int, tuple[Any, ...]]:
    ids = list(set(item_ids))
    if not ids:
        return {}
    date_col = meeting_date_column()
    return {
        row[0]: tuple(row[1:])
        for row in session.execute(
            select(
                models.Item.id,
                models.Source.name,
                models.Item.external_id,
                models.Municipality.name_fi,
                models.Body.name,
                date_col,
                models.Item.paragraph,
                models.Item.title,
            )
            .join(models.Source, models.Source.id == models.Item.source_id)
            .outerjoin(
                models.Municipality, models.Municipality.code == models.Source.municipality_code
            )
            .outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
            .outerjoin(
                models.Body,
                models.Body.id == func.coalesce(models.Item.body_id, models.Meeting.body_id),
            )
            .where(models.Item.id.in_(ids))
        )
    }


def _case_chain(session: Session, item_id: int) -> list[tuple[int, int]]:
    """The same_case links of the item's whole case (walked both ways)."""
    seen = {item_id}
    frontier = [item_id]
    links: set[tuple[int, int]] = set()
    while frontier and len(seen) < 500:
        found = session.execute(
            select(models.Link.from_item_id, models.Link.to_item_id).where(
                models.Link.kind == SAME_CASE,
                or_(
                    models.Link.from_item_id.in_(frontier),
                    models.Link.to_item_id.in_(frontier),
                ),
            )
        ).all()
        frontier = []
        for a, b in found:
            links.add((a, b))
            for node in (a, b):
                if node not in seen:
                    seen.add(node)
                    frontier.append(node)
    return sorted(links)


def item_links(session: Session, item_id: int) -> list[LinkedItem]:
    """Both kinds for one item (database id): the other items of its case in meeting
    order, then its similar decisions in other municipalities, most similar first."""
    chain = _case_chain(session, item_id)
    order: list[int] = []
    for a, b in chain:  # a chain's links, earlier → later; rebuild the item order
        for node in (a, b):
            if node not in order:
                order.append(node)
    diaries = {
        found_id: diary
        for found_id, diary in session.execute(
            select(models.Item.id, models.Item.diary_number_normalised).where(
                models.Item.id.in_(order)
            )
        )
    }
    successors = dict(chain)
    predecessors = {b: a for a, b in chain}
    start = next((n for n in order if n not in predecessors), None)
    ordered: list[int] = []
    while start is not None and start not in ordered:
        ordered.append(start)
        start = successors.get(start)
    ordered += [n for n in order if n not in ordered]
    similar: dict[int, tuple[str, float, dict[str, Any]]] = {}
    for from_id, to_id, score, evidence in session.execute(
        select(
            models.Link.from_item_id,
            models.Link.to_item_id,
            models.Link.score,
            models.Link.evidence,
        ).where(
            models.Link.kind == SIMILAR,
            or_(models.Link.from_item_id == item_id, models.Link.to_item_id == item_id),
        )
    ):
        other, direction = (to_id, "out") if from_id == item_id else (from_id, "in")
        if other in similar:
            direction = "both"
        similar[other] = (direction, max(score, similar.get(other, ("", 0.0, {}))[1]), evidence)
    info = _describe(session, [*ordered, *similar])
    own = ordered.index(item_id) if item_id in ordered else -1
    out: list[LinkedItem] = []
    for position, other in enumerate(ordered):
        if other == item_id:
            continue
        src, ext, muni, body, day, para, title = info[other]
        out.append(
            LinkedItem(
                SAME_CASE,
                "earlier" if position < own else "later",
                f"{src}:{ext}",
                muni,
                body,
                day,
                para,
                title,
                1.0,
                {"diary_number": diaries.get(other)},
            )
        )
    for other, (direction, score, evidence) in sorted(similar.items(), key=lambda x: -x[1][1]):
        src, ext, muni, body, day, para, title = info[other]
        out.append(
            LinkedItem(
                SIMILAR, direction, f"{src}:{ext}", muni, body, day, para, title, score, evidence
            )
        )
    return out


def resolve_item_id(session: Session, stable_id: str) -> int | None:
    """The database id of "<source>:<external id>"."""
    source, _, external_id = stable_id.partition(":")
    return session.scalar(
        select(models.Item.id)
        .join(models.Source, models.Source.id == models.Item.source_id)
        .where(models.Source.name == source, models.Item.external_id == external_id)
    )
