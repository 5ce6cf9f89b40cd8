"""The item rows a search reads besides the index: filters, hit columns, section texts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select
from sqlalchemy.orm import Session

from pykala.storage import models
from pykala.storage.filters import meeting_date_column


def filtered(
    item_id: ColumnElement[int], clauses: Sequence[ColumnElement[bool]]
) -> list[ColumnElement[bool]]:
    if not clauses:
        return []
    return [
        select(literal(1))
        .select_from(models.Item)
        .outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
        .where(models.Item.id == item_id, *clauses)
        .exists()
    ]


def hit_columns() -> tuple[Any, ...]:
    return (
        models.Item.id,
        models.Item.external_id,
        models.Item.title,
        models.Item.url,
        models.Item.paragraph,
        models.Source.name,
        # The organisation's name (a county or joint authority has no municipality).
        func.coalesce(models.Organisation.name_fi, models.Municipality.name_fi),
        models.Body.name,
        meeting_date_column(),
    )


def joined(stmt: Select[Any]) -> Select[Any]:
    return (
        stmt.join(models.Source, models.Source.id == models.Item.source_id)
        .outerjoin(models.Organisation, models.Organisation.id == models.Source.organisation_id)
        .outerjoin(models.Municipality, models.Municipality.code == models.Source.municipality_code)
        .outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
        .outerjoin(models.Body, models.Body.id == models.Item.body_id)
    )


def hit_rows(session: Session, ids: Sequence[int]) -> list[Any]:
    """The hit columns of ``ids``, in that order."""
    if not ids:
        return []
    found = {
        r[0]: r
        for r in session.execute(
            joined(select(*hit_columns()).select_from(models.Item)).where(models.Item.id.in_(ids))
        )
    }
    return [found[i] for i in ids if i in found]


def section_texts(
    session: Session, item_ids: Sequence[int], kind: str | None
) -> dict[int, list[str]]:
    """Section texts per item in printed order (only ``kind``'s when given)."""
    if not item_ids:
        return {}
    stmt = select(models.Section.item_id, models.Section.text).where(
        models.Section.item_id.in_(item_ids)
    )
    if kind is not None:
        stmt = stmt.where(models.Section.kind == kind)
    out: dict[int, list[str]] = {}
    for item_id, section_text in session.execute(
        stmt.order_by(models.Section.item_id, models.Section.ordinal)
    ):
        out.setdefault(item_id, []).append(section_text)
    return out
