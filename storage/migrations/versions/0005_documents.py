"""documents: texts that are not minutes (programme pages, slide decks) and their versions (issue 4)

A document is keyed on its external id alone (the normalised URL, or "sha256:<hex>" for a
file added by hand), so the same page harvested and added by hand is one document.
Also the document search index (the same lemma/part columns as item_fts / item_search).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS5 = "tokenize='unicode61 remove_diacritics 0', prefix='2 3 4', detail=column"


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("dates", sa.JSON(), nullable=False),
        sa.Column("municipality_code", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_changed", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("raw_page_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
            name=op.f("fk_document_source_id_source"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["raw_page_id"], ["raw_page.id"], name=op.f("fk_document_raw_page_id_raw_page")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint("external_id", name=op.f("uq_document_external_id")),
    )
    with op.batch_alter_table("document") as batch_op:
        batch_op.create_index(batch_op.f("ix_document_source_id"), ["source_id"])
        batch_op.create_index(batch_op.f("ix_document_municipality_code"), ["municipality_code"])
        batch_op.create_index(batch_op.f("ix_document_region"), ["region"])
        batch_op.create_index(batch_op.f("ix_document_raw_page_id"), ["raw_page_id"])
    op.create_table(
        "document_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("raw_page_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_document_version_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["raw_page_id"], ["raw_page.id"], name=op.f("fk_document_version_raw_page_id_raw_page")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_version")),
        sa.UniqueConstraint(
            "document_id", "version", name=op.f("uq_document_version_document_id_version")
        ),
    )
    with op.batch_alter_table("document_version") as batch_op:
        batch_op.create_index(batch_op.f("ix_document_version_raw_page_id"), ["raw_page_id"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE document_fts USING fts5("
            f"title_lemmas, title_parts, body_lemmas, body_parts, {_FTS5})"
        )
    else:
        weighted = (
            ("title_lemmas", "A"),
            ("title_parts", "B"),
            ("body_lemmas", "C"),
            ("body_parts", "D"),
        )
        vector = " || ".join(
            f"setweight(to_tsvector('simple'::regconfig, coalesce({col}, '')), '{w}')"
            for col, w in weighted
        )
        op.create_table(
            "document_search",
            sa.Column("document_id", sa.Integer(), nullable=False),
            *(sa.Column(col, sa.Text(), nullable=False) for col, _ in weighted),
            sa.Column("document", postgresql.TSVECTOR(), sa.Computed(vector, persisted=True)),
            sa.ForeignKeyConstraint(
                ["document_id"],
                ["document.id"],
                name=op.f("fk_document_search_document_id_document"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_search")),
        )
        op.create_index(
            "ix_document_search_document", "document_search", ["document"], postgresql_using="gin"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE document_fts")
    else:
        op.drop_table("document_search")
    op.drop_table("document_version")
    op.drop_table("document")
