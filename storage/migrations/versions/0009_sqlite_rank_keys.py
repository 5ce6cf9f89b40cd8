"""search speed on SQLite: FTS5 rowids in ranking order (issue 3)

Search shows the newest matches of a tier first. With rowid = item id, SQLite either
sorted every match by date (27 ms of a 73 ms search on 1,000,000 items) or walked the
newest items probing each one. FTS5 hands matches back in rowid order and stops at a
LIMIT, so this revision makes the rowid sort like the ranking: the rank key of
storage.index (days before date.max << 32 | item id; item_fts_section: key * 16 + kind
code). "The newest 20 matches" is then one ordered read of the index.

The rows are copied into new tables under the new keys (FTS5 re-tokenises the stored
text; no Voikko analysis runs), and a trigger moves an item's rows when its date in
item_order changes. The titles also get a table of their own, ``item_fts_title`` (the
title tiers of search: in item_fts, a word common in texts but never in titles made FTS5
read its whole doclist to find no title hit). PostgreSQL is untouched (its search uses
item_search.sort_date and title_document).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS5 = "tokenize='unicode61 remove_diacritics 0', prefix='2 3 4', detail=column"
_COLUMNS = {
    "item_fts": "title_lemmas, title_parts, body_lemmas, body_parts",
    "item_fts_section": "lemmas, parts",
}


# storage.index.DAY_LIMIT: date.max.toordinal() + 1.
_DAY_LIMIT = 3652060


def _key(sort_date: str, item_id: str) -> str:
    """storage.index.rank_key in SQL (a test checks that the two agree): julianday -
    1721424.5 is date.toordinal()."""
    days_before = (
        f"coalesce({_DAY_LIMIT} - CAST(julianday({sort_date}) - 1721424.5 AS INTEGER), "
        f"{_DAY_LIMIT})"
    )
    return f"(({days_before} << 32) | ({item_id}))"


def _rekey(to_rank_keys: bool) -> None:
    """Copy both index tables under new rowids: item id -> rank key or back."""
    for table, columns in _COLUMNS.items():
        section = table == "item_fts_section"
        stored_id = "f.rowid >> 4" if section else "f.rowid"
        if to_rank_keys:
            item_id = stored_id
            new = _key("o.sort_date", item_id)
        else:
            item_id = f"({stored_id}) & 4294967295"
            new = item_id
        new_rowid = f"({new} << 4) | (f.rowid & 15)" if section else new
        f_columns = ", ".join(f"f.{c.strip()}" for c in columns.split(","))
        op.execute(f"CREATE VIRTUAL TABLE {table}_rekeyed USING fts5({columns}, {_FTS5})")
        op.execute(
            f"INSERT INTO {table}_rekeyed (rowid, {columns}) "
            f"SELECT {new_rowid}, {f_columns} FROM {table} f "
            f"JOIN item_order o ON o.item_id = {item_id}"
        )
        op.execute(f"INSERT INTO {table}_rekeyed ({table}_rekeyed) VALUES ('optimize')")
        op.execute(f"DROP TABLE {table}")
        op.execute(f"ALTER TABLE {table}_rekeyed RENAME TO {table}")


# An item's date moved (its meeting_date, its meeting or the meeting's date changed):
# move its index rows to the new key.
_OLD_KEY = _key("old.sort_date", "old.item_id")
_NEW_KEY = _key("new.sort_date", "new.item_id")
_TRIGGER = (
    "CREATE TRIGGER item_order_rank_key AFTER UPDATE OF sort_date ON item_order "
    "WHEN old.sort_date IS NOT new.sort_date BEGIN "
    f"UPDATE item_fts SET rowid = {_NEW_KEY} WHERE rowid = {_OLD_KEY}; "
    f"UPDATE item_fts_title SET rowid = {_NEW_KEY} WHERE rowid = {_OLD_KEY}; "
    f"UPDATE item_fts_section SET rowid = ({_NEW_KEY} << 4) | (rowid & 15) "
    f"WHERE rowid BETWEEN {_OLD_KEY} << 4 AND ({_OLD_KEY} << 4) | 15; END"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _rekey(to_rank_keys=True)
    op.execute(
        f"CREATE VIRTUAL TABLE item_fts_title USING fts5(title_lemmas, title_parts, {_FTS5})"
    )
    op.execute(
        "INSERT INTO item_fts_title (rowid, title_lemmas, title_parts) "
        "SELECT rowid, title_lemmas, title_parts FROM item_fts ORDER BY rowid"
    )
    op.execute(_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER item_order_rank_key")
    op.execute("DROP TABLE item_fts_title")
    _rekey(to_rank_keys=False)
