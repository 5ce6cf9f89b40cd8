"""item outcome: what was decided, whether it was voted, who was disqualified (issue 15)

``item.outcome`` is one of analysis.decisions.OUTCOMES or NULL (an agenda, or a decision
no rule fits); ``voted``, ``vote_counts`` ("32-19", "; "-joined for several votes),
``disqualified`` and ``dissent`` ("; "-joined names as printed) and ``vote_details`` (JSON:
options, tallies, winner, roll-call names, movers and seconders; "" when none). Rows
from before this revision get them at the next harvest or ``pykala reparse``.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT_COLUMNS = ("vote_counts", "disqualified", "dissent", "vote_details")


# Plain ALTER TABLE on both databases: a batch (table copy) on SQLite would break the
# triggers on item (migration 0009).
def upgrade() -> None:
    op.add_column("item", sa.Column("outcome", sa.Text(), nullable=True))
    op.add_column(
        "item", sa.Column("voted", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    for name in _TEXT_COLUMNS:
        op.add_column("item", sa.Column(name, sa.Text(), nullable=False, server_default=""))
    op.create_index("ix_item_outcome", "item", ["outcome"])


def downgrade() -> None:
    op.drop_index("ix_item_outcome", table_name="item")
    for name in reversed(_TEXT_COLUMNS):
        op.drop_column("item", name)
    op.drop_column("item", "voted")
    op.drop_column("item", "outcome")
