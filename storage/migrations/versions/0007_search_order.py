"""search speed: item_order (the date each item sorts by) and a title tsvector (issue 3)

Search ranks matches by tier, then newest meeting first: coalesce(item.meeting_date,
meeting.date), which no index can serve because it spans two tables. ``item_order``
keeps that date per item, kept current by triggers (item insert, item meeting_date /
meeting_id update, meeting date update), with an index in ranking order, so the newest
matches are found by walking that index instead of sorting every match.

PostgreSQL also gets ``item_search.title_document`` (title lemmas A, title parts B) with
its own GIN index: the title tiers then never recheck the whole-item tsvector.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ITEM_DATE = "coalesce(new.meeting_date, (SELECT date FROM meeting WHERE id = new.meeting_id))"

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER item_order_insert AFTER INSERT ON item BEGIN "
    f"INSERT INTO item_order (item_id, sort_date) VALUES (new.id, {_ITEM_DATE}); END",
    "CREATE TRIGGER item_order_update AFTER UPDATE OF meeting_date, meeting_id ON item BEGIN "
    f"UPDATE item_order SET sort_date = {_ITEM_DATE} WHERE item_id = new.id; END",
    "CREATE TRIGGER item_order_meeting AFTER UPDATE OF date ON meeting BEGIN "
    "UPDATE item_order SET sort_date = coalesce("
    "(SELECT meeting_date FROM item WHERE id = item_order.item_id), new.date) "
    "WHERE item_id IN (SELECT id FROM item WHERE meeting_id = new.id); END",
)

_PG_FUNCTIONS = (
    "CREATE FUNCTION item_order_item() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"INSERT INTO item_order (item_id, sort_date) VALUES (new.id, {_ITEM_DATE}) "
    "ON CONFLICT (item_id) DO UPDATE SET sort_date = excluded.sort_date; "
    "RETURN NULL; END $$",
    "CREATE FUNCTION item_order_meeting() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE item_order o SET sort_date = coalesce(i.meeting_date, new.date) FROM item i "
    "WHERE i.meeting_id = new.id AND o.item_id = i.id; RETURN NULL; END $$",
    "CREATE TRIGGER item_order_item AFTER INSERT OR UPDATE OF meeting_date, meeting_id "
    "ON item FOR EACH ROW EXECUTE FUNCTION item_order_item()",
    "CREATE TRIGGER item_order_meeting AFTER UPDATE OF date ON meeting FOR EACH ROW "
    "WHEN (old.date IS DISTINCT FROM new.date) EXECUTE FUNCTION item_order_meeting()",
)

_TITLE_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, coalesce(title_lemmas, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(title_parts, '')), 'B')"
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "item_order",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("sort_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_item_order_item_id_item"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_order")),
    )
    # Ranking order: newest first, undated last, then item id. SQLite's DESC already
    # puts NULLs last; PostgreSQL needs it said.
    nulls = "" if sqlite else " NULLS LAST"
    op.execute(f"CREATE INDEX ix_item_order_rank ON item_order (sort_date DESC{nulls}, item_id)")
    op.execute(
        "INSERT INTO item_order (item_id, sort_date) "
        "SELECT item.id, coalesce(item.meeting_date, meeting.date) "
        "FROM item LEFT JOIN meeting ON meeting.id = item.meeting_id"
    )
    for statement in _SQLITE_TRIGGERS if sqlite else _PG_FUNCTIONS:
        op.execute(statement)
    if not sqlite:
        op.execute(
            "ALTER TABLE item_search ADD COLUMN title_document tsvector "
            f"GENERATED ALWAYS AS ({_TITLE_VECTOR}) STORED"
        )
        op.execute(
            "CREATE INDEX ix_item_search_title_document ON item_search USING gin (title_document)"
        )
        op.execute("ANALYZE item_order")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("item_order_insert", "item_order_update", "item_order_meeting"):
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.execute("DROP TRIGGER item_order_meeting ON meeting")
        op.execute("DROP TRIGGER item_order_item ON item")
        op.execute("DROP FUNCTION item_order_meeting()")
        op.execute("DROP FUNCTION item_order_item()")
        op.execute("DROP INDEX ix_item_search_title_document")
        op.execute("ALTER TABLE item_search DROP COLUMN title_document")
    op.drop_table("item_order")
