"""PostgreSQL execution of one rank tier: GIN matches put in ranking order.

PostgreSQL's GIN index has no order: the newest items are walked (each probed in the
index) before a tier falls back to sorting its matches by date, in date windows first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, and_, cast, column, literal, select, table
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import Session

from pykala.storage.search.plan import QueryPlan, excluded_tsquery, positive_tsquery, tiers_for
from pykala.storage.search.rows import filtered

# SQLite reads a tier's matches straight from FTS5 in rowid order, which is ranking order
# (storage.index.rank_key), and stops at the limit. PostgreSQL's GIN index has no order:
# there the newest items are walked (each probed in the index) before a tier falls back
# to sorting its matches by date; a walk that finds too few is cut short.
WALK_BUDGET = 500  # items; a probe may detoast a tsvector
# PostgreSQL's fallback looks at the matches of these many days before the walk's cutoff
# first, then at all (see _windowed). Prototype on 1,000,000 items: a title word with
# 12,400 matches, 616 ms sorting them all, 19-35 ms within two years.
WINDOW_DAYS = (365, 4 * 365)
# PostgreSQL memory for one search's bitmaps and sorts. With the default 4 MB, the bitmap
# of a date window (the GIN matches AND ~100,000 dates) goes lossy, and the recheck then
# detoasts the tsvector of every row on those pages: on 1,000,000 items one window read
# 53,500 buffers (284 ms warm) with 4 MB and 2,700 with 64 MB (bench/RESULTS.md).
SEARCH_WORK_MEM = "64MB"


def _order_table() -> Any:
    return table("item_order", column("item_id", Integer), column("sort_date", Date))


def _rank(order: Any) -> list[ColumnElement[Any]]:
    """PostgreSQL ranking order (the index of migration 0007): newest first, undated last,
    then item id, for a table with ``sort_date`` and ``item_id`` columns."""
    return [order.c.sort_date.desc().nulls_last(), order.c.item_id]


def tier_condition(
    plan: QueryPlan, kind: str | None, tier: int
) -> tuple[Any, ColumnElement[int], ColumnElement[bool]]:
    """(index table, its item id, the match condition of ``tier`` on its rows)."""
    spec = tiers_for(kind)[tier]
    name = "item_search" if kind is None else "item_search_section"
    vectors = dict.fromkeys([spec.vector, "document"])
    index = table(
        name,
        column("item_id", Integer),
        column("kind"),
        column("sort_date", Date),  # item_search only (migration 0008)
        *(column(v, TSVECTOR) for v in vectors),
    )
    conditions: list[ColumnElement[bool]] = [
        matches(index.c[spec.vector], tsquery(positive_tsquery(plan, spec.label)))
    ]
    excluded = excluded_tsquery(plan)
    if excluded:
        conditions.append(~matches(index.c.document, tsquery(excluded)))
    if kind is not None:
        conditions.append(index.c.kind == kind)
    return index, index.c.item_id, and_(*conditions)


def matches(vector: Any, query: ColumnElement[Any]) -> ColumnElement[bool]:
    """``vector @@ query``: the tsvector match of item and document searches."""
    return vector.op("@@", is_comparison=True)(query)  # type: ignore[no-any-return]


def tsquery(text_: str) -> ColumnElement[Any]:
    return cast(literal(text_), TSQUERY)


def _probe(
    plan: QueryPlan, kind: str | None, tier: int, item_id: ColumnElement[int]
) -> ColumnElement[bool]:
    """PostgreSQL: does item ``item_id`` match ``tier``: one lookup by primary key."""
    index, index_id, condition = tier_condition(plan, kind, tier)
    # A scalar subquery, not EXISTS: PostgreSQL turns EXISTS into a semi-join and, with
    # no statistics for weight-labelled tsqueries, picks a bitmap scan of every match.
    probe = select(literal(1)).select_from(index).where(condition, index_id == item_id)
    return probe.limit(1).scalar_subquery().is_not(None)


def walk_cutoff(session: Session) -> tuple[bool, date | None]:
    """PostgreSQL: (may walk, the date the walk stops at; None = the archive is within
    the budget)."""
    order = _order_table()
    row = session.execute(
        select(order.c.sort_date).order_by(*_rank(order)).offset(WALK_BUDGET).limit(1)
    ).first()
    if row is None:
        return True, None
    return row[0] is not None, row[0]


def ranked_ids(
    session: Session,
    plan: QueryPlan,
    kind: str | None,
    tier: int,
    clauses: Sequence[ColumnElement[bool]],
    walk: tuple[bool, date | None],
    count: int,
    offset: int,
) -> list[int]:
    """PostgreSQL: item ids ``offset`` … ``offset + count`` of ``tier`` in rank order.

    Common words (most searches: a word in a large share of the items) are answered by
    walking item_order newest-first and probing each item in the index, stopping at
    ``count``; the walk is bounded by the date WALK_BUDGET items back, and what it
    finds there is exactly the head of the ranking. Rarer words fall back to all
    matches from the index, sorted by date (in date windows when the walk found some).
    """
    order = _order_table()
    rank = _rank(order)
    conditions = filtered(order.c.item_id, clauses)
    may_walk, cutoff = walk
    walked: list[int] = []
    if may_walk:
        stmt = select(order.c.item_id).where(_probe(plan, kind, tier, order.c.item_id), *conditions)
        if cutoff is not None:
            stmt = stmt.where(order.c.sort_date >= cutoff)
        walked = list(session.scalars(stmt.order_by(*rank).offset(offset).limit(count)))
        if len(walked) == count or cutoff is None:
            return walked
    index, index_id, condition = tier_condition(plan, kind, tier)
    # Date windows pay when the word is common enough to fill one: the walk found some
    # among the newest items. A rarer word has few matches, and one sort of all is cheaper.
    if kind is None and cutoff is not None and walked:
        return _windowed(session, index, condition, clauses, cutoff, count, offset)
    matches = select(index_id.label("item_id")).select_from(index).where(condition)
    # All matches first (a GIN bitmap scan), never a walk of the whole date index probing
    # each item, which the planner picks for a word it misjudges.
    found = matches.cte("m").prefix_with("MATERIALIZED")
    stmt = (
        select(order.c.item_id)
        .select_from(found)
        .join(order, order.c.item_id == found.c.item_id)
        .where(*conditions)
    )
    return list(session.scalars(stmt.order_by(*rank).offset(offset).limit(count)))


def _windowed(
    session: Session,
    index: Any,
    condition: ColumnElement[bool],
    clauses: Sequence[ColumnElement[bool]],
    cutoff: date,
    count: int,
    offset: int,
) -> list[int]:
    """The PostgreSQL fallback: matches of the newest dates first.

    Each window is the GIN bitmap of the words ANDed with a date range on
    item_search.sort_date, so only the heap pages of recent matches are read (sorting all
    matches of a word in 1-5 % of the items reads most of the table). A window that holds
    ``offset + count`` matches holds exactly the head of the ranking: every match outside
    it is older or undated.
    """
    sort_date = index.c.sort_date
    rank = _rank(index)  # item_search.sort_date equals item_order's
    matches = (
        select(index.c.item_id)
        .select_from(index)
        .where(condition, *filtered(index.c.item_id, clauses))
    )
    wanted = offset + count
    for days in WINDOW_DAYS:
        window = matches.where(sort_date >= cutoff - timedelta(days=days))
        ids = list(session.scalars(window.order_by(*rank).limit(wanted)))
        if len(ids) == wanted:
            return ids[offset:]
    return list(session.scalars(matches.order_by(*rank).offset(offset).limit(count)))
