"""topics, item membership, item terms and links (issue 3)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:40:00

Tables for linking: topic, item_topic, item_terms, link (storage.models).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("definition_hash", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic")),
        sa.UniqueConstraint("name", name=op.f("uq_topic_name")),
    )
    op.create_table(
        "item_topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_item_topic_item_id_item"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topic.id"],
            name=op.f("fk_item_topic_topic_id_topic"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_topic")),
        sa.UniqueConstraint("topic_id", "item_id", name=op.f("uq_item_topic_topic_id_item_id")),
    )
    op.create_index(op.f("ix_item_topic_item_id"), "item_topic", ["item_id"], unique=False)
    op.create_table(
        "item_terms",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["item.id"], name=op.f("fk_item_terms_item_id_item"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_terms")),
    )
    op.create_table(
        "link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("from_item_id", sa.Integer(), nullable=False),
        sa.Column("to_item_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_item_id"],
            ["item.id"],
            name=op.f("fk_link_from_item_id_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_item_id"], ["item.id"], name=op.f("fk_link_to_item_id_item"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link")),
        sa.UniqueConstraint(
            "kind", "from_item_id", "to_item_id", name=op.f("uq_link_kind_from_item_id_to_item_id")
        ),
    )
    op.create_index(op.f("ix_link_from_item_id"), "link", ["from_item_id"], unique=False)
    op.create_index(op.f("ix_link_to_item_id"), "link", ["to_item_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_link_to_item_id"), table_name="link")
    op.drop_index(op.f("ix_link_from_item_id"), table_name="link")
    op.drop_table("link")
    op.drop_table("item_terms")
    op.drop_index(op.f("ix_item_topic_item_id"), table_name="item_topic")
    op.drop_table("item_topic")
    op.drop_table("topic")
