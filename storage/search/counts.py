"""How many items a search matches in all, and how they fall into facets.

``search_items`` stops at its limit; this counts every match of the same query and filters
(the diary-number items included). Without phrases the count is one SQL query over the
index (FTS5 on SQLite, the GIN index on PostgreSQL) that never reads an item's text;
phrases are checked in Python like the hits are, batch by batch, over every candidate.

A facet is a value of the matching item rows, counted per value. Adding one is one line
in ``FACETS``: the expression over the item row joined to its source, municipality,
meeting and body (as ``"outcome": Facet(lambda: models.Item.outcome)``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, extract, func, select, union
from sqlalchemy.orm import Session

from pykala.analysis.finnish import get_analyzer
from pykala.storage import models
from pykala.storage.filters import ItemFilters, filter_clauses, meeting_date_column, section_kind
from pykala.storage.search import postgresql, sqlite
from pykala.storage.search.phrases import phrases_verified
from pykala.storage.search.plan import QueryPlan, plan_query, tiers_for
from pykala.storage.search.query import parse_query
from pykala.storage.search.rows import section_texts

CHUNK = 500  # verified ids per query when phrases were checked in Python


def _no_join(stmt: Select[Any]) -> Select[Any]:
    return stmt


def _topic_join(stmt: Select[Any]) -> Select[Any]:
    return stmt.join(models.ItemTopic, models.ItemTopic.item_id == models.Item.id).join(
        models.Topic, models.Topic.id == models.ItemTopic.topic_id
    )


@dataclass(frozen=True)
class Facet:
    """What a facet counts: ``value`` on the joined item row (tables: see ``_joined``);
    ``join`` adds the tables a multi-valued facet needs; ``by_value``: list the values in
    their own order (years) instead of the most frequent first."""

    value: Callable[[], Any]  # a column or SQL expression
    join: Callable[[Select[Any]], Select[Any]] = _no_join
    by_value: bool = False


FACETS: dict[str, Facet] = {
    "municipality": Facet(lambda: func.coalesce(models.Municipality.name_fi, models.Source.name)),
    "year": Facet(lambda: extract("year", meeting_date_column()), by_value=True),
    "body": Facet(lambda: models.Body.name),
    "topic": Facet(lambda: models.Topic.name, _topic_join),
    "outcome": Facet(lambda: models.Item.outcome),
}


@dataclass(frozen=True)
class FacetCount:
    value: str | None  # None: the item has no such value (no meeting date, no body)
    count: int


@dataclass(frozen=True)
class SearchSummary:
    total: int  # items matching the query and filters, however many were shown
    facets: dict[str, list[FacetCount]]


def _joined(stmt: Select[Any]) -> Select[Any]:
    """Item with its source, municipality, meeting and body (the filters' body: the item's,
    else its meeting's)."""
    return (
        stmt.join(models.Source, models.Source.id == models.Item.source_id)
        .outerjoin(models.Municipality, models.Municipality.code == models.Source.municipality_code)
        .outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
        .outerjoin(
            models.Body,
            models.Body.id == func.coalesce(models.Item.body_id, models.Meeting.body_id),
        )
    )


def _match_ids(session: Session, plan: QueryPlan, kind: str | None) -> Select[Any]:
    """Every item id the index matches (all tiers), with the diary-number items."""
    last = len(tiers_for(kind)) - 1
    if session.get_bind().dialect.name == "sqlite":
        index, item_id, condition = sqlite.tier_condition(plan, kind, last)
    else:
        index, item_id, condition = postgresql.tier_condition(plan, kind, last)
    matched = select(item_id.label("item_id")).select_from(index).where(condition)
    if not plan.diary_number:
        return matched
    diary = select(models.Item.id.label("item_id")).where(
        models.Item.diary_number_normalised == plan.diary_number
    )
    return select(union(matched, diary).subquery().c.item_id)


def _verified(
    session: Session,
    plan: QueryPlan,
    kind: str | None,
    candidates: Select[Any],
    clauses: Sequence[ColumnElement[bool]],
) -> list[int]:
    """The candidates that pass the filters and the phrase checks done in Python (the
    diary-number items need no check: search_items lists them first whatever the words)."""
    analyzer = get_analyzer()
    diary: set[int] = set()
    if plan.diary_number:
        diary = set(
            session.scalars(
                _joined(select(models.Item.id).select_from(models.Item)).where(
                    models.Item.diary_number_normalised == plan.diary_number, *clauses
                )
            )
        )
    ids = list(
        session.scalars(
            _joined(select(models.Item.id).select_from(models.Item)).where(
                models.Item.id.in_(candidates), *clauses
            )
        )
    )
    kept: list[int] = []
    for start in range(0, len(ids), CHUNK):
        batch = ids[start : start + CHUNK]
        titles = dict(
            session.execute(
                select(models.Item.id, models.Item.title).where(models.Item.id.in_(batch))
            ).all()
        )
        texts = section_texts(session, batch, kind)
        for item_id in batch:
            own = ([] if kind else [titles.get(item_id, "")]) + texts.get(item_id, [])
            if item_id in diary or phrases_verified(plan, analyzer, own):
                kept.append(item_id)
    return kept


def _counted(
    session: Session, names: Sequence[str], where: Sequence[ColumnElement[bool]]
) -> dict[str, Counter[str | None]]:
    """Matches per value of each facet. The single-valued facets share one grouped query
    (one pass over the matches, not one per facet); a facet with a join (topics: an item
    may be in several) gets its own, counting each item once per value."""
    counts: dict[str, Counter[str | None]] = {name: Counter() for name in names}
    single = [name for name in names if FACETS[name].join is _no_join]
    if single:
        values = [FACETS[name].value().label(f"facet_{n}") for n, name in enumerate(single)]
        stmt = _joined(select(*values, func.count()).select_from(models.Item))
        for *found, count in session.execute(stmt.where(*where).group_by(*values)):
            for name, value in zip(single, found, strict=True):
                counts[name][None if value is None else str(value)] += count
    for name in names:
        if name in single:
            continue
        facet = FACETS[name]
        value = facet.value().label("value")
        stmt = facet.join(
            _joined(
                select(value, func.count(func.distinct(models.Item.id))).select_from(models.Item)
            )
        )
        for found, count in session.execute(stmt.where(*where).group_by(value)):
            counts[name][None if found is None else str(found)] += count
    return counts


def _ordered(facet: Facet, counts: Counter[str | None]) -> list[FacetCount]:
    def key(pair: tuple[str | None, int]) -> tuple[Any, ...]:
        value, count = pair
        if facet.by_value:
            return (value is None, value or "")
        return (-count, value is None, value or "")

    return [FacetCount(value, count) for value, count in sorted(counts.items(), key=key)]


def search_summary(
    session: Session,
    query: str,
    filters: ItemFilters | None = None,
    facets: Sequence[str] = (),
) -> SearchSummary:
    """The number of items ``search_items`` would list without a limit, and their counts
    per value of each facet (a name of ``FACETS``), most frequent first (years in order)."""
    filters = filters or ItemFilters()
    kind = section_kind(filters.section) if filters.section else None
    plan = plan_query(get_analyzer(), parse_query(query), query)
    clauses = filter_clauses(session, filters)
    candidates = _match_ids(session, plan, kind)
    if plan.needs_check:  # phrases: only Python can tell, so the counts go by id chunks
        ids = _verified(session, plan, kind, candidates, clauses)
        counted = {name: Counter[str | None]() for name in facets}
        for start in range(0, len(ids), CHUNK):
            chunk = [models.Item.id.in_(ids[start : start + CHUNK])]
            for name, found in _counted(session, facets, chunk).items():
                counted[name] += found
        return SearchSummary(
            len(ids), {name: _ordered(FACETS[name], c) for name, c in counted.items()}
        )
    where = [models.Item.id.in_(candidates), *clauses]
    if clauses:
        total = session.scalar(_joined(select(func.count()).select_from(models.Item)).where(*where))
    else:  # no filter: count the index's matches alone, no item row read
        rows = candidates.distinct() if kind else candidates  # sections: rows per item
        total = session.scalar(select(func.count()).select_from(rows.subquery()))
    counted = _counted(session, facets, where) if facets else {}
    return SearchSummary(
        int(total or 0), {name: _ordered(FACETS[name], c) for name, c in counted.items()}
    )


__all__ = ["FACETS", "Facet", "FacetCount", "SearchSummary", "search_summary"]
