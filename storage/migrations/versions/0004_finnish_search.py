"""Finnish search index: lemmas and compound parts per item and per section kind (issue 3)

Replaces the plain word index of 0001 (item_fts / item_search) with the lemma/part
index described in storage.index, and rebuilds it from the stored items and sections,
so an existing archive is searchable the new way as soon as it is opened (Voikko runs
over every item once; roughly 100+ items/s).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS5 = "tokenize='unicode61 remove_diacritics 0', prefix='2 3 4', detail=column"


def _tsvector(*weighted: tuple[str, str]) -> str:
    return " || ".join(
        f"setweight(to_tsvector('simple'::regconfig, coalesce({col}, '')), '{w}')"
        for col, w in weighted
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE item_fts")
        op.execute(
            "CREATE VIRTUAL TABLE item_fts USING fts5("
            f"title_lemmas, title_parts, body_lemmas, body_parts, {_FTS5})"
        )
        op.execute(f"CREATE VIRTUAL TABLE item_fts_section USING fts5(lemmas, parts, {_FTS5})")
    else:
        op.drop_table("item_search")
        op.create_table(
            "item_search",
            sa.Column("item_id", sa.Integer(), nullable=False),
            sa.Column("title_lemmas", sa.Text(), nullable=False),
            sa.Column("title_parts", sa.Text(), nullable=False),
            sa.Column("body_lemmas", sa.Text(), nullable=False),
            sa.Column("body_parts", sa.Text(), nullable=False),
            sa.Column(
                "document",
                postgresql.TSVECTOR(),
                sa.Computed(
                    _tsvector(
                        ("title_lemmas", "A"),
                        ("title_parts", "B"),
                        ("body_lemmas", "C"),
                        ("body_parts", "D"),
                    ),
                    persisted=True,
                ),
            ),
            sa.ForeignKeyConstraint(
                ["item_id"],
                ["item.id"],
                name=op.f("fk_item_search_item_id_item"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_search")),
        )
        op.create_index(
            "ix_item_search_document", "item_search", ["document"], postgresql_using="gin"
        )
        op.create_table(
            "item_search_section",
            sa.Column("item_id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.Text(), nullable=False),
            sa.Column("lemmas", sa.Text(), nullable=False),
            sa.Column("parts", sa.Text(), nullable=False),
            sa.Column(
                "document",
                postgresql.TSVECTOR(),
                sa.Computed(_tsvector(("lemmas", "A"), ("parts", "B")), persisted=True),
            ),
            sa.ForeignKeyConstraint(
                ["item_id"],
                ["item.id"],
                name=op.f("fk_item_search_section_item_id_item"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("item_id", "kind", name=op.f("pk_item_search_section")),
        )
        op.create_index(
            "ix_item_search_section_document",
            "item_search_section",
            ["document"],
            postgresql_using="gin",
        )
    # Imported here: the analyser (Voikko) is only needed when there is something to index.
    from pykala.storage.index import rebuild_index

    # SQLite rows keyed by item id, the layout of this revision (0009 re-keys them).
    rebuild_index(Session(bind=op.get_bind()), rank_keys=False)


def downgrade() -> None:
    """Back to 0001's plain index, left empty (0001's indexer is gone): search finds
    nothing until the items are written again."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE item_fts_section")
        op.execute("DROP TABLE item_fts")
        op.execute(
            "CREATE VIRTUAL TABLE item_fts USING fts5("
            "title, body, tokenize='unicode61 remove_diacritics 0', prefix='2 3 4')"
        )
    else:
        op.drop_table("item_search_section")
        op.drop_table("item_search")
        op.create_table(
            "item_search",
            sa.Column("item_id", sa.Integer(), nullable=False),
            sa.Column("document", postgresql.TSVECTOR(), nullable=False),
            sa.ForeignKeyConstraint(
                ["item_id"],
                ["item.id"],
                name=op.f("fk_item_search_item_id_item"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_search")),
        )
        op.create_index(
            "ix_item_search_document", "item_search", ["document"], postgresql_using="gin"
        )
