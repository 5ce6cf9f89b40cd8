"""item quality flags: what each parsed item lacks (issue 11)

``item.quality_flags`` holds the space-separated flags of ``parsers.quality`` (empty when
the item has every field). Rows from before this revision get their flags at the next
harvest or ``pykala reparse``; until then they read as having none.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both databases: a batch (table copy) on SQLite would break the
# triggers on item (migration 0009).
def upgrade() -> None:
    op.add_column("item", sa.Column("quality_flags", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("item", "quality_flags")
