"""SQLite execution of one rank tier: FTS5 read in rowid order.

A rowid is the item's rank key (storage.index.rank_key), so FTS5 returns a tier's
matches in ranking order, with no sort, and stops at the limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, column, literal, literal_column, select, table
from sqlalchemy.orm import Session

from pykala.storage.index import ID_MASK, SECTION_SHIFT, SECTION_SLOTS, section_code
from pykala.storage.search.plan import QueryPlan, fts5_query, tiers_for
from pykala.storage.search.rows import filtered


def fts5_match(table_name: str, query: str) -> ColumnElement[bool]:
    """``<table> MATCH '<query>'``: the FTS5 match of item and document searches."""
    return literal_column(table_name).op("MATCH")(literal(query))


def tier_condition(
    plan: QueryPlan, kind: str | None, tier: int
) -> tuple[Any, ColumnElement[int], ColumnElement[bool]]:
    """(FTS5 table, its item id, the match condition of ``tier`` on its rows)."""
    tiers = tiers_for(kind)
    name = tiers[tier].fts_table
    fts = table(name, column("rowid", Integer))
    match = fts5_match(name, fts5_query(plan, tier, tiers))
    if kind is None:
        return fts, _item_id_of_key(fts.c.rowid), match
    key = fts.c.rowid.op(">>")(SECTION_SHIFT)
    of_kind = fts.c.rowid.op("&")(SECTION_SLOTS - 1) == section_code(kind)
    return fts, _item_id_of_key(key), and_(match, of_kind)


def _item_id_of_key(key: ColumnElement[int]) -> ColumnElement[int]:
    """The item id in a rank key (storage.index.rank_key): its low ID_BITS."""
    return key.op("&")(ID_MASK)


def keyed_ids(
    session: Session,
    plan: QueryPlan,
    kind: str | None,
    tier: int,
    clauses: Sequence[ColumnElement[bool]],
    count: int,
    offset: int,
) -> list[int]:
    """SQLite: item ids ``offset`` … ``offset + count`` of ``tier`` in rank order, read
    from FTS5 in rowid (rank key) order: no sort, and FTS5 stops at the limit."""
    index, item_id, condition = tier_condition(plan, kind, tier)
    stmt = (
        select(item_id)
        .select_from(index)
        .where(condition, *filtered(item_id, clauses))
        .order_by(index.c.rowid)
    )
    return list(session.scalars(stmt.offset(offset).limit(count)))
