"""document topics: membership of documents in topics, and when each was last analysed

A table of its own rather than a generalised item_topic: item_topic.item_id is a foreign
key to item (cascading deletes, joined by export, search filters and topic listings);
one table for both would need a nullable pair of keys or lose the foreign key.
document_analysis records the content hash a document was scored at, so only new and
changed documents are scored again (as item_terms does for items).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_document_topic_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topic.id"],
            name=op.f("fk_document_topic_topic_id_topic"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_topic")),
        sa.UniqueConstraint(
            "topic_id", "document_id", name=op.f("uq_document_topic_topic_id_document_id")
        ),
    )
    op.create_index(
        op.f("ix_document_topic_document_id"), "document_topic", ["document_id"], unique=False
    )
    op.create_table(
        "document_analysis",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_document_analysis_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_analysis")),
    )


def downgrade() -> None:
    op.drop_table("document_analysis")
    op.drop_index(op.f("ix_document_topic_document_id"), table_name="document_topic")
    op.drop_table("document_topic")
